//! Server-side batching (TF Serving's `--enable_batching`): concurrent requests' rows are merged
//! into one forward pass of up to `max_batch_size` rows, waiting at most `batch_timeout_micros`
//! for a batch to fill; `num_batch_threads` batches run at once.

use std::sync::Arc;
use std::time::Duration;

use keras_rs::models::LoadedModel;
use keras_rs::trainers::{ArrayInput, OwnedArray};
use ndarray::{ArrayD, Axis};
use tokio::sync::{Mutex, mpsc, oneshot};

/// TF Serving's batching parameters (its defaults when the file does not set them).
#[derive(Clone, Debug)]
pub struct BatchingOptions {
    /// The most rows one forward pass takes (TF Serving's default: 1000).
    pub max_batch_size: usize,
    /// How long a batch waits to fill (TF Serving's default: 0 µs, i.e. what is queued).
    pub batch_timeout: Duration,
    /// How many batches run at once (default: the machine's cores).
    pub num_batch_threads: usize,
    /// How many batches may wait (TF Serving's default: 100); requests beyond are refused.
    pub max_enqueued_batches: usize,
}

impl Default for BatchingOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        BatchingOptions {
            max_batch_size: 1000,
            batch_timeout: Duration::ZERO,
            num_batch_threads: cores,
            max_enqueued_batches: 100,
        }
    }
}

struct Job {
    inputs: Vec<OwnedArray>,
    rows: usize,
    reply: oneshot::Sender<Result<Vec<ArrayD<f32>>, String>>,
}

/// The queue in front of one model version.
pub struct Batcher {
    queue: mpsc::Sender<Job>,
}

impl Batcher {
    /// Starts `num_batch_threads` batch loops for `model`.
    pub fn new(model: Arc<LoadedModel>, names: Vec<String>, options: BatchingOptions) -> Batcher {
        let (queue, receiver) = mpsc::channel(options.max_enqueued_batches.max(1) * options.max_batch_size.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..options.num_batch_threads.max(1) {
            let (model, names, receiver, options) = (model.clone(), names.clone(), receiver.clone(), options.clone());
            tokio::spawn(async move {
                let mut carried: Option<Job> = None;
                loop {
                    let batch = {
                        let mut receiver = receiver.lock().await;
                        collect(&mut receiver, &mut carried, &options).await
                    };
                    let Some(batch) = batch else { break };
                    let (model, names) = (model.clone(), names.clone());
                    let _ = tokio::task::spawn_blocking(move || run(&model, &names, batch)).await;
                }
            });
        }
        Batcher { queue }
    }

    /// Queues a request's rows and waits for its outputs.
    pub async fn submit(&self, inputs: Vec<OwnedArray>) -> Result<Vec<ArrayD<f32>>, String> {
        let rows = inputs.first().and_then(|a| a.dims().first().copied()).unwrap_or(0);
        if inputs.iter().any(|a| a.dims().first() != Some(&rows)) {
            let counts: Vec<String> = inputs.iter().map(|a| format!("{:?}", a.dims())).collect();
            return Err(format!(
                "All inputs need the same number of rows (batch axis first); received shapes {}",
                counts.join(", ")
            ));
        }
        let (reply, answer) = oneshot::channel();
        self.queue
            .try_send(Job { inputs, rows, reply })
            .map_err(|_| "The batching queue is full: too many requests are waiting; retry later".to_string())?;
        answer.await.map_err(|_| "the batch was dropped".to_string())?
    }
}

/// Waits for a first request, then takes queued requests whose inputs have the same trailing
/// shapes until the batch holds `max_batch_size` rows or `batch_timeout` has passed. A request
/// that does not fit is carried to the next batch. `None` when the queue is closed.
async fn collect(
    receiver: &mut mpsc::Receiver<Job>,
    carried: &mut Option<Job>,
    options: &BatchingOptions,
) -> Option<Vec<Job>> {
    let first = match carried.take() {
        Some(job) => job,
        None => receiver.recv().await?,
    };
    let deadline = tokio::time::Instant::now() + options.batch_timeout;
    let mut rows = first.rows;
    let mut batch = vec![first];
    while rows < options.max_batch_size {
        let next = match receiver.try_recv() {
            Ok(job) => job,
            Err(_) if options.batch_timeout.is_zero() => break,
            Err(_) => match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(job)) => job,
                _ => break,
            },
        };
        let fits = rows + next.rows <= options.max_batch_size && same_shapes(&batch[0].inputs, &next.inputs);
        if !fits {
            *carried = Some(next);
            break;
        }
        rows += next.rows;
        batch.push(next);
    }
    Some(batch)
}

fn same_shapes(a: &[OwnedArray], b: &[OwnedArray]) -> bool {
    let same =
        |x: &OwnedArray, y: &OwnedArray| x.dims()[1..] == y.dims()[1..] && x.holds_strings() == y.holds_strings();
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
}

/// The requests' arrays for one input, one after the other along the batch axis.
fn concatenate(arrays: &[&OwnedArray]) -> Result<OwnedArray, String> {
    let numbers: Option<Vec<_>> =
        arrays.iter().map(|a| if let OwnedArray::Numbers(n) = a { Some(n.view()) } else { None }).collect();
    if let Some(views) = numbers {
        return ndarray::concatenate(Axis(0), &views).map(OwnedArray::Numbers).map_err(|e| e.to_string());
    }
    let strings: Option<Vec<_>> =
        arrays.iter().map(|a| if let OwnedArray::Strings(s) = a { Some(s.view()) } else { None }).collect();
    let views = strings.ok_or("a batch mixes numbers and strings for one input")?;
    ndarray::concatenate(Axis(0), &views).map(OwnedArray::Strings).map_err(|e| e.to_string())
}

/// One forward pass over the batch's rows; each request gets its own rows back.
fn run(model: &LoadedModel, names: &[String], batch: Vec<Job>) {
    if let [_] = batch.as_slice() {
        let job = batch.into_iter().next().expect("one job");
        let _ = job.reply.send(super::models::predict(model, names, &job.inputs));
        return;
    }
    let merged: Result<Vec<OwnedArray>, String> =
        (0..names.len()).map(|i| concatenate(&batch.iter().map(|j| &j.inputs[i]).collect::<Vec<_>>())).collect();
    let outputs = merged.and_then(|inputs| super::models::predict(model, names, &inputs));
    let mut start = 0;
    for job in batch {
        let answer = outputs.as_ref().map_err(Clone::clone).map(|outputs| {
            outputs.iter().map(|o| o.slice_axis(Axis(0), (start..start + job.rows).into()).to_owned()).collect()
        });
        start += job.rows;
        let _ = job.reply.send(answer);
    }
}
