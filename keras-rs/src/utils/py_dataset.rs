//! `PyDataset`: data that is produced batch by batch — read from files, generated, augmented —
//! instead of held in memory whole (Keras' `keras.utils.PyDataset`).
//!
//! `fit_dataset`, `evaluate_dataset` and `predict_dataset` (and `FitOptions::validation_dataset`)
//! take one. With `workers() > 1`, that many threads prepare the next batches (at most
//! `max_queue_size()` ahead of the training step) and the step takes them **in order**: the
//! history and weights are the same for any number of workers. A batch that fails (an
//! unreadable file, a panic in `get_batch`) stops the run with an error naming the batch.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Condvar, Mutex, MutexGuard};

use ndarray::ArrayD;

use crate::error::{Error, Result};

/// The error a [`PyDataset`] returns for a batch it cannot produce (any error type converts
/// with `?`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One batch of a [`PyDataset`]: the inputs, the targets and optional per-sample loss weights
/// (Keras' `(x, y)` or `(x, y, sample_weight)` tuple; `predict` reads only `x`). Inputs and
/// targets go by position in the model's order, or by name ([`DatasetBatch::named`], Keras'
/// dict batches).
///
/// ```
/// use keras_rs::utils::DatasetBatch;
/// use ndarray::{ArrayD, IxDyn};
/// let x = ArrayD::<f32>::zeros(IxDyn(&[4, 3]));
/// let y = ArrayD::<f32>::zeros(IxDyn(&[4]));
/// let batch = DatasetBatch::new(x, y);
/// assert_eq!(batch.len(), 4);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct DatasetBatch {
    /// One array per model input, in the model's input order (or the order of `input_names`),
    /// samples first.
    pub x: Vec<ArrayD<f32>>,
    /// One array per target (outputs with a loss), samples first; empty for `predict`.
    pub y: Vec<ArrayD<f32>>,
    /// One loss weight per sample (Keras' `sample_weight`).
    pub sample_weight: Option<ndarray::Array1<f32>>,
    /// The model input each array of `x` is for (empty: by position).
    pub input_names: Vec<String>,
    /// The model output each array of `y` is for (empty: by position).
    pub target_names: Vec<String>,
    /// Arrays of strings for the model's `dtype("string")` inputs, by input name (an empty name:
    /// the model's only input), samples first ([`DatasetBatch::texts`],
    /// [`DatasetBatch::with_strings`]).
    pub strings: Vec<(String, ArrayD<String>)>,
}

impl DatasetBatch {
    /// A batch of a single-input, single-output model.
    pub fn new(x: ArrayD<f32>, y: ArrayD<f32>) -> Self {
        DatasetBatch { x: vec![x], y: vec![y], ..Default::default() }
    }

    /// Inputs only (for `predict_dataset`).
    pub fn inputs(x: Vec<ArrayD<f32>>) -> Self {
        DatasetBatch { x, ..Default::default() }
    }

    /// Several inputs and targets, in the model's order.
    pub fn multi(x: Vec<ArrayD<f32>>, y: Vec<ArrayD<f32>>) -> Self {
        DatasetBatch { x, y, ..Default::default() }
    }

    /// Inputs and targets by model input and output name (Keras' `({"a": xa, "b": xb}, {"out": y})`).
    ///
    /// ```
    /// use keras_rs::utils::DatasetBatch;
    /// use ndarray::{ArrayD, IxDyn};
    /// let (a, b) = (ArrayD::<f32>::zeros(IxDyn(&[2, 3])), ArrayD::<f32>::zeros(IxDyn(&[2, 1])));
    /// let batch = DatasetBatch::named(vec![("pixels", a), ("age", b)], vec![("label", ArrayD::zeros(IxDyn(&[2])))]);
    /// assert_eq!(batch.input_names, ["pixels", "age"]);
    /// ```
    pub fn named(x: Vec<(&str, ArrayD<f32>)>, y: Vec<(&str, ArrayD<f32>)>) -> Self {
        let (input_names, x) = x.into_iter().map(|(n, a)| (n.to_string(), a)).unzip();
        let (target_names, y) = y.into_iter().map(|(n, a)| (n.to_string(), a)).unzip();
        DatasetBatch { x, y, input_names, target_names, ..Default::default() }
    }

    /// A batch of a model whose one input takes strings (a TextVectorization or StringLookup
    /// model), with its targets (none for `predict_dataset`: an empty `y`).
    ///
    /// ```
    /// use keras_rs::utils::DatasetBatch;
    /// let texts = ndarray::array!["a fine film", "dull"].into_dyn().mapv(str::to_string);
    /// let batch = DatasetBatch::texts(texts, ndarray::array![1.0f32, 0.0].into_dyn());
    /// assert_eq!(batch.len(), 2);
    /// ```
    pub fn texts(x: ArrayD<String>, y: ArrayD<f32>) -> Self {
        let y = if y.is_empty() { Vec::new() } else { vec![y] };
        DatasetBatch { y, strings: vec![(String::new(), x)], ..Default::default() }
    }

    /// Adds an array of strings for the model's string input `input` (with the other inputs
    /// named too, as [`DatasetBatch::named`] gives them).
    pub fn with_strings(mut self, input: &str, strings: ArrayD<String>) -> Self {
        self.strings.push((input.to_string(), strings));
        self
    }

    /// Adds one loss weight per sample.
    pub fn with_sample_weight(mut self, weights: ndarray::Array1<f32>) -> Self {
        self.sample_weight = Some(weights);
        self
    }

    /// The number of samples (of the first input).
    pub fn len(&self) -> usize {
        let first = self.x.first().map(|x| x.shape()).or_else(|| self.strings.first().map(|(_, s)| s.shape()));
        first.and_then(|shape| shape.first().copied()).unwrap_or(0)
    }

    /// Whether the batch has no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Data produced batch by batch (Keras' `keras.utils.PyDataset`): the number of batches, batch
/// `index`, and a hook at the end of each epoch.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::utils::BoxError;
/// use ndarray::{ArrayD, IxDyn};
///
/// /// Batches of `x → 2x` made on demand.
/// struct Doubling;
/// impl PyDataset for Doubling {
///     fn num_batches(&self) -> usize {
///         4
///     }
///     fn get_batch(&self, index: usize) -> Result<DatasetBatch, BoxError> {
///         let x = ArrayD::from_shape_fn(IxDyn(&[8, 1]), |i| (index * 8 + i[0]) as f32 / 32.0);
///         let y = x.mapv(|v| 2.0 * v);
///         Ok(DatasetBatch::new(x, y))
///     }
/// }
///
/// let mut model = Sequential::new().add(Input::new(&[1])).add(Dense::new(1));
/// model.compile(SGD::new().learning_rate(0.1), "mse", NO_METRICS)?;
/// let history = model.fit_dataset(&mut Doubling, FitOptions::new().epochs(20).verbose(0))?;
/// assert!(history.history["loss"][19] < history.history["loss"][0]);
/// # Ok::<(), keras_rs::Error>(())
/// ```
pub trait PyDataset: Send + Sync {
    /// Batches per epoch (Keras' `__len__`).
    fn num_batches(&self) -> usize;

    /// Batch `index`, `0 <= index < num_batches()` (Keras' `__getitem__`). Called from worker
    /// threads when [`workers`](Self::workers) is above 1, for several indices at once.
    fn get_batch(&self, index: usize) -> std::result::Result<DatasetBatch, BoxError>;

    /// Called after every epoch of `fit` and after `evaluate` and `predict` (Keras'
    /// `on_epoch_end`): reshuffle your files here, for instance.
    fn on_epoch_end(&mut self) {}

    /// Threads that prepare batches ahead of the step (Keras' `workers`, default 1: batches are
    /// made on the training thread, one at a time).
    fn workers(&self) -> usize {
        1
    }

    /// With several workers, how many batches may be ready ahead of the step (Keras'
    /// `max_queue_size`, default 10).
    fn max_queue_size(&self) -> usize {
        10
    }
}

/// A dataset shared by `FitOptions` (which is `Clone`): locked while it is read.
pub type SharedDataset = std::sync::Arc<Mutex<Box<dyn PyDataset>>>;

/// Batch `index` of `dataset`, with a failure or a panic turned into an error naming the batch.
pub(crate) fn get(dataset: &dyn PyDataset, index: usize) -> Result<DatasetBatch> {
    match catch_unwind(AssertUnwindSafe(|| dataset.get_batch(index))) {
        Ok(Ok(batch)) => Ok(batch),
        Ok(Err(e)) => Err(Error::Dataset(format!("PyDataset: batch {index} could not be produced: {e}"))),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            Err(Error::Dataset(format!("PyDataset: get_batch({index}) panicked: {message}")))
        }
    }
}

/// The queue between the workers and the step.
struct Queue {
    /// The next position of `order` a worker takes.
    next: usize,
    /// Positions the step has taken.
    taken: usize,
    /// Batches made and not yet taken, by position.
    ready: BTreeMap<usize, Result<DatasetBatch>>,
    /// Set when the step stops: workers take nothing more.
    stop: bool,
}

fn lock(queue: &Mutex<Queue>) -> MutexGuard<'_, Queue> {
    queue.lock().unwrap_or_else(|e| e.into_inner())
}

/// Hands `consume` the batches `order[0], order[1], …` of `dataset`, in that order, each with
/// its position; stops when `consume` returns `Ok(false)` or an error (the batch's own error
/// included: `consume` decides). With `workers() > 1`, the batches are made by that many
/// threads, at most `max_queue_size()` ahead of the one being consumed.
pub(crate) fn for_each_batch(
    dataset: &dyn PyDataset,
    order: &[usize],
    mut consume: impl FnMut(usize, Result<DatasetBatch>) -> Result<bool>,
) -> Result<()> {
    let workers = dataset.workers();
    if workers <= 1 {
        for (step, &index) in order.iter().enumerate() {
            if !consume(step, get(dataset, index))? {
                break;
            }
        }
        return Ok(());
    }
    let ahead = dataset.max_queue_size().max(1);
    let queue = Mutex::new(Queue { next: 0, taken: 0, ready: BTreeMap::new(), stop: false });
    let changed = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..workers.min(order.len()) {
            scope.spawn(|| {
                loop {
                    let position = {
                        let mut q = lock(&queue);
                        loop {
                            if q.stop || q.next >= order.len() {
                                return;
                            }
                            if q.next < q.taken + ahead {
                                break;
                            }
                            q = changed.wait(q).unwrap_or_else(|e| e.into_inner());
                        }
                        q.next += 1;
                        q.next - 1
                    };
                    let batch = get(dataset, order[position]);
                    lock(&queue).ready.insert(position, batch);
                    changed.notify_all();
                }
            });
        }
        let mut run = || -> Result<()> {
            for step in 0..order.len() {
                let batch = {
                    let mut q = lock(&queue);
                    loop {
                        if let Some(batch) = q.ready.remove(&step) {
                            q.taken = step + 1;
                            break batch;
                        }
                        q = changed.wait(q).unwrap_or_else(|e| e.into_inner());
                    }
                };
                changed.notify_all(); // a worker may prepare one more
                if !consume(step, batch)? {
                    break;
                }
            }
            Ok(())
        };
        let result = run();
        lock(&queue).stop = true;
        changed.notify_all();
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Batch `i` holds the value `i`; some batches take longer, so workers finish out of order.
    struct Slow {
        workers: usize,
        fail_at: Option<usize>,
        made: AtomicUsize,
    }

    impl PyDataset for Slow {
        fn num_batches(&self) -> usize {
            12
        }
        fn get_batch(&self, index: usize) -> std::result::Result<DatasetBatch, BoxError> {
            self.made.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis((7 * index % 5) as u64 * 3));
            if Some(index) == self.fail_at {
                return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "img_0003.png: no such file").into());
            }
            if index == 99 {
                panic!("index 99");
            }
            let x = ArrayD::from_elem(IxDyn(&[2, 1]), index as f32);
            Ok(DatasetBatch::new(x.clone(), x))
        }
        fn workers(&self) -> usize {
            self.workers
        }
        fn max_queue_size(&self) -> usize {
            3
        }
    }

    fn seen(dataset: &Slow, order: &[usize]) -> Result<Vec<(usize, f32)>> {
        let mut seen = Vec::new();
        for_each_batch(dataset, order, |step, batch| {
            seen.push((step, batch?.x[0][[0, 0]]));
            Ok(true)
        })?;
        Ok(seen)
    }

    #[test]
    fn batches_arrive_in_order_for_any_number_of_workers() {
        let order: Vec<usize> = (0..12).rev().collect();
        let expected: Vec<(usize, f32)> = order.iter().enumerate().map(|(s, &i)| (s, i as f32)).collect();
        for workers in [1, 2, 5, 20] {
            let dataset = Slow { workers, fail_at: None, made: AtomicUsize::new(0) };
            assert_eq!(seen(&dataset, &order).unwrap(), expected, "workers={workers}");
        }
    }

    #[test]
    fn a_failing_batch_is_an_error_naming_it_and_stops_the_workers() {
        for workers in [1, 4] {
            let dataset = Slow { workers, fail_at: Some(3), made: AtomicUsize::new(0) };
            let err = seen(&dataset, &(0..12).collect::<Vec<_>>()).unwrap_err().to_string();
            assert!(err.contains("batch 3") && err.contains("img_0003.png"), "{err}");
            // No more than the queue's worth of batches past the failure were made.
            assert!(dataset.made.load(Ordering::SeqCst) <= 4 + 3 + workers, "workers={workers}");
        }
        let dataset = Slow { workers: 3, fail_at: None, made: AtomicUsize::new(0) };
        let err = seen(&dataset, &[0, 99, 1]).unwrap_err().to_string();
        assert!(err.contains("get_batch(99) panicked: index 99"), "{err}");
    }

    #[test]
    fn stopping_early_stops_the_workers() {
        let dataset = Slow { workers: 4, fail_at: None, made: AtomicUsize::new(0) };
        let mut taken = 0;
        for_each_batch(&dataset, &(0..12).collect::<Vec<_>>(), |_, _| {
            taken += 1;
            Ok(taken < 2)
        })
        .unwrap();
        assert_eq!(taken, 2);
        assert!(dataset.made.load(Ordering::SeqCst) <= 2 + 3 + 4);
    }
}
