//! `timeseries_dataset_from_array`: sliding windows over a time series as a [`PyDataset`]
//! (Keras' `keras.utils.timeseries_dataset_from_array`).

use ndarray::{ArrayD, Axis, IxDyn};

use super::py_dataset::{BoxError, DatasetBatch, PyDataset};
use crate::error::{Error, Result};
use crate::random::SeedGenerator;
use crate::trainers::ArrayInput;
use crate::trainers::data::Rows;

/// Keras' arguments of `timeseries_dataset_from_array` after `data`, `targets` and
/// `sequence_length`: `sequence_stride=1`, `sampling_rate=1`, `batch_size=128`,
/// `shuffle=false`, `seed=None`, `start_index=None`, `end_index=None`.
///
/// ```
/// use keras_rs::utils::TimeseriesOptions;
/// let options = TimeseriesOptions::new().sequence_stride(3).sampling_rate(2).batch_size(32);
/// assert_eq!(options.batch_size, 32);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TimeseriesOptions {
    /// Steps between the starts of consecutive sequences.
    pub sequence_stride: usize,
    /// Steps between consecutive elements of one sequence.
    pub sampling_rate: usize,
    /// Sequences per batch.
    pub batch_size: usize,
    /// Whether to shuffle the sequences (once, with `seed`).
    pub shuffle: bool,
    /// The seed of the shuffle (`None`: a random one).
    pub seed: Option<u64>,
    /// The first step of `data` used.
    pub start_index: Option<usize>,
    /// The step of `data` after the last one used.
    pub end_index: Option<usize>,
}

impl Default for TimeseriesOptions {
    fn default() -> Self {
        TimeseriesOptions {
            sequence_stride: 1,
            sampling_rate: 1,
            batch_size: 128,
            shuffle: false,
            seed: None,
            start_index: None,
            end_index: None,
        }
    }
}

impl TimeseriesOptions {
    /// Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Steps between the starts of consecutive sequences (default 1).
    pub fn sequence_stride(mut self, stride: usize) -> Self {
        self.sequence_stride = stride;
        self
    }
    /// Steps between consecutive elements of one sequence (default 1).
    pub fn sampling_rate(mut self, rate: usize) -> Self {
        self.sampling_rate = rate;
        self
    }
    /// Sequences per batch (default 128).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    /// Shuffles the sequences with `seed` (default: in order).
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }
    /// The shuffle's seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    /// Uses `data` from step `start` on.
    pub fn start_index(mut self, start: usize) -> Self {
        self.start_index = Some(start);
        self
    }
    /// Uses `data` before step `end` only.
    pub fn end_index(mut self, end: usize) -> Self {
        self.end_index = Some(end);
        self
    }
}

/// Batches of windows over a time series: what [`timeseries_dataset_from_array`] returns.
#[derive(Clone, Debug)]
pub struct TimeseriesDataset {
    /// `data[start_index..end_index]`, steps first.
    data: ArrayD<f32>,
    /// `targets[start_index..]`, if any.
    targets: Option<ArrayD<f32>>,
    /// The start of each sequence in `data`, in dataset order.
    starts: Vec<usize>,
    sequence_length: usize,
    sampling_rate: usize,
    batch_size: usize,
}

/// Sliding windows over `data` (steps first) as a dataset of batches (Keras'
/// `keras.utils.timeseries_dataset_from_array`): sequence `i` is the steps
/// `s, s + sampling_rate, …` (`sequence_length` of them) with `s = i * sequence_stride`, and its
/// target, when `targets` is given, is `targets[start_index + s]`. Keras' checks and messages.
///
/// The order with `shuffle` comes from keras-rs' seeded generator: a seed gives the same order
/// every time, not the order NumPy or TensorFlow give in Keras.
///
/// ```
/// use keras_rs::utils::{PyDataset, TimeseriesOptions, timeseries_dataset_from_array};
/// use ndarray::{Array1, ArrayD};
/// // Keras' docstring example 2: the past 10 steps predict the next one.
/// let data: ArrayD<f32> = Array1::from_iter((0..100).map(|v| v as f32)).into_dyn();
/// let inputs = data.slice(ndarray::s![..-10]).to_owned();
/// let targets = data.slice(ndarray::s![10..]).to_owned();
/// let dataset = timeseries_dataset_from_array(&inputs, Some(&targets), 10, TimeseriesOptions::new())?;
/// let batch = dataset.get_batch(0).unwrap();
/// assert_eq!(batch.x[0].shape(), &[81, 10]);
/// assert_eq!(batch.x[0][[0, 9]], 9.0);
/// assert_eq!(batch.y[0][[0]], 10.0);
/// # Ok::<(), keras_rs::Error>(())
/// ```
pub fn timeseries_dataset_from_array(
    data: &dyn ArrayInput,
    targets: Option<&dyn ArrayInput>,
    sequence_length: usize,
    options: TimeseriesOptions,
) -> Result<TimeseriesDataset> {
    let len = data.dims().first().copied().unwrap_or(0);
    let o = &options;
    // Keras checks a start or end index only when it is given and not 0.
    if let Some(start) = o.start_index.filter(|&s| s > 0)
        && start >= len
    {
        return Err(Error::value(format!(
            "`start_index` must be lower than the length of the data. Received: start_index={start}, for data of \
             length {len}"
        )));
    }
    if let Some(end) = o.end_index.filter(|&e| e > 0) {
        if let Some(start) = o.start_index.filter(|&s| s > 0)
            && end <= start
        {
            return Err(Error::value(format!(
                "`end_index` must be higher than `start_index`. Received: start_index={start}, and end_index={end} "
            )));
        }
        if end >= len {
            return Err(Error::value(format!(
                "`end_index` must be lower than the length of the data. Received: end_index={end}, for data of length \
                 {len}"
            )));
        }
    }
    for (name, value) in [("sampling_rate", o.sampling_rate), ("sequence_stride", o.sequence_stride)] {
        if value == 0 {
            return Err(Error::value(format!("`{name}` must be higher than 0. Received: {name}=0")));
        }
        if value >= len {
            return Err(Error::value(format!(
                "`{name}` must be lower than the length of the data. Received: {name}={value}, for data of length {len}"
            )));
        }
    }
    crate::trainers::options::check_batch_size(o.batch_size)?;
    let start = o.start_index.unwrap_or(0);
    let end = o.end_index.unwrap_or(len);
    let span = (sequence_length.max(1) - 1).saturating_mul(o.sampling_rate);
    // An `end_index` of 0 (unchecked in Keras, as a start of 0 is) leaves no sequence.
    let mut count = end.saturating_sub(start).saturating_sub(span);
    let targets = match targets {
        Some(t) => {
            let t_len = t.dims().first().copied().unwrap_or(0);
            count = count.min(t_len);
            let (_, rest) = Rows::new(t).split_at(start.min(t_len));
            Some(rest.to_array())
        }
        None => None,
    };
    let mut starts: Vec<usize> = (0..count).step_by(o.sequence_stride).collect();
    if o.shuffle {
        let seed = o.seed.unwrap_or_else(rand::random);
        let order = SeedGenerator::new(seed).permutation(starts.len());
        starts = order.into_iter().map(|i| starts[i]).collect();
    }
    let (_, rest) = Rows::new(data).split_at(start);
    let (used, _) = rest.split_at(end.saturating_sub(start));
    Ok(TimeseriesDataset {
        data: used.to_array(),
        targets,
        starts,
        sequence_length,
        sampling_rate: o.sampling_rate,
        batch_size: o.batch_size,
    })
}

impl PyDataset for TimeseriesDataset {
    fn num_batches(&self) -> usize {
        self.starts.len().div_ceil(self.batch_size)
    }

    fn get_batch(&self, index: usize) -> std::result::Result<DatasetBatch, BoxError> {
        let starts = self.starts.chunks(self.batch_size).nth(index).ok_or("batch index out of range")?;
        let steps: Vec<usize> =
            starts.iter().flat_map(|&s| (0..self.sequence_length).map(move |k| s + k * self.sampling_rate)).collect();
        let mut shape = vec![starts.len(), self.sequence_length];
        shape.extend_from_slice(&self.data.shape()[1..]);
        let x = self.data.select(Axis(0), &steps).into_shape_with_order(IxDyn(&shape))?;
        let y = self.targets.as_ref().map(|t| t.select(Axis(0), starts));
        Ok(DatasetBatch::multi(vec![x], y.into_iter().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    fn series(n: usize) -> ArrayD<f32> {
        Array1::from_iter((0..n).map(|v| v as f32)).into_dyn()
    }

    #[test]
    fn windows_follow_keras_docstring_example_1() {
        // Indices 0..98, sequence_length=10, sampling_rate=2, sequence_stride=3.
        let data = series(99);
        let options = TimeseriesOptions::new().sampling_rate(2).sequence_stride(3).batch_size(1000);
        let ds = timeseries_dataset_from_array(&data, None, 10, options).unwrap();
        let x = ds.get_batch(0).unwrap().x.remove(0);
        let row = |i: usize| x.index_axis(Axis(0), i).iter().copied().collect::<Vec<f32>>();
        assert_eq!(row(0), (0..10).map(|k| (2 * k) as f32).collect::<Vec<_>>());
        assert_eq!(row(1), (0..10).map(|k| (3 + 2 * k) as f32).collect::<Vec<_>>());
        let last = x.shape()[0] - 1;
        assert_eq!(row(last), (0..10).map(|k| (78 + 2 * k) as f32).collect::<Vec<_>>());
    }

    #[test]
    fn start_and_end_index_batches_targets_and_shuffle() {
        let (data, targets) = (series(50), series(50).mapv(|v| -v));
        let options = TimeseriesOptions::new().start_index(5).end_index(30).batch_size(8);
        let ds = timeseries_dataset_from_array(&data, Some(&targets), 4, options.clone()).unwrap();
        // 30 - 5 - 3 = 22 sequences in batches of 8: 8, 8, 6.
        assert_eq!(ds.num_batches(), 3);
        let b = ds.get_batch(2).unwrap();
        assert_eq!(b.x[0].shape(), &[6, 4]);
        assert_eq!(b.x[0][[5, 3]], 29.0); // the last sequence ends at end_index - 1
        assert_eq!(b.y[0][[5]], -26.0); // its target: targets[start_index + its start]
        let shuffled = |seed| {
            let ds = timeseries_dataset_from_array(&data, Some(&targets), 4, options.clone().shuffle(true).seed(seed));
            ds.unwrap().starts
        };
        assert_eq!(shuffled(3), shuffled(3));
        let mut sorted = shuffled(3);
        sorted.sort();
        assert_eq!(sorted, ds.starts);
        assert_ne!(shuffled(3), ds.starts);
    }

    #[test]
    fn keras_argument_errors() {
        let data = series(20);
        let err = |o: TimeseriesOptions| timeseries_dataset_from_array(&data, None, 3, o).unwrap_err().to_string();
        assert!(err(TimeseriesOptions::new().start_index(20)).contains("`start_index` must be lower"));
        assert!(
            err(TimeseriesOptions::new().start_index(5).end_index(5)).contains("must be higher than `start_index`")
        );
        assert!(err(TimeseriesOptions::new().end_index(20)).contains("end_index=20, for data of length 20"));
        assert!(err(TimeseriesOptions::new().sampling_rate(0)).contains("sampling_rate=0"));
        assert!(err(TimeseriesOptions::new().sequence_stride(20)).contains("sequence_stride=20"));
    }
}
