//! Where `fit`, `evaluate` and `predict` take their batches from: the caller's arrays (batches
//! of sample indices) or a [`PyDataset`] (its batches, possibly made by worker threads).

use super::data::{Data, Rows, batches};
use crate::error::{Error, Result};
use crate::utils::py_dataset::{self, DatasetBatch, PyDataset};

/// One batch on the host, `f32` values with their shapes, before it goes to the device.
#[derive(Debug)]
pub(crate) struct HostBatch {
    /// One `(values, shape)` per model input.
    pub x: Vec<(Vec<f32>, Vec<usize>)>,
    /// One `(values, shape)` per target array.
    pub y: Vec<(Vec<f32>, Vec<usize>)>,
    /// Per-sample loss weights.
    pub w: Option<Vec<f32>>,
}

impl HostBatch {
    /// Samples `idx` of `data`: the one host copy of an array batch.
    pub fn from_rows(data: &Data<'_>, idx: &[usize]) -> Self {
        let take = |arrays: &[Rows<'_>]| {
            arrays
                .iter()
                .map(|a| {
                    let mut shape = a.shape();
                    shape[0] = idx.len();
                    (a.values(idx), shape)
                })
                .collect()
        };
        let w = data.w.as_ref().map(|w| Rows::new(w).values(idx));
        HostBatch { x: take(&data.x), y: take(&data.y), w }
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.x.first().and_then(|(_, shape)| shape.first().copied()).unwrap_or(0)
    }
}

/// One step's batch as the source gives it: array batches are already checked (the arrays
/// were, whole), a dataset's batch is checked against the model before it is used.
pub(crate) enum Step<'s> {
    /// Samples `idx` of the caller's arrays, not copied yet.
    Rows(&'s Data<'s>, &'s [usize]),
    /// A dataset's batch, with its index.
    Dataset(usize, DatasetBatch),
}

/// The batches of one pass over the data.
pub(crate) enum Source<'a> {
    /// The caller's arrays, `batch_size` samples per step.
    Arrays { data: Data<'a>, batch_size: usize },
    /// A dataset's batches.
    Dataset(&'a mut dyn PyDataset),
}

impl Source<'_> {
    /// What an epoch's order permutes: samples of arrays, batches of a dataset.
    pub fn items(&self) -> usize {
        match self {
            Source::Arrays { data, .. } => data.len(),
            Source::Dataset(d) => d.num_batches(),
        }
    }

    /// Steps per pass.
    pub fn steps(&self) -> usize {
        match self {
            Source::Arrays { data, batch_size } => data.len().div_ceil((*batch_size).max(1)),
            Source::Dataset(d) => d.num_batches(),
        }
    }

    /// Hands `consume` each step's batch in `order` (of [`items`](Self::items)); stops when it
    /// returns `Ok(false)` or an error.
    pub fn for_each(&self, order: &[usize], mut consume: impl FnMut(usize, Step<'_>) -> Result<bool>) -> Result<()> {
        match self {
            Source::Arrays { data, batch_size } => {
                for (step, idx) in batches(order, *batch_size).enumerate() {
                    if !consume(step, Step::Rows(data, idx))? {
                        break;
                    }
                }
                Ok(())
            }
            Source::Dataset(d) => {
                py_dataset::for_each_batch(&**d, order, |step, batch| consume(step, Step::Dataset(order[step], batch?)))
            }
        }
    }

    /// The end of a pass: a dataset's `on_epoch_end`.
    pub fn end_epoch(&mut self) {
        if let Source::Dataset(d) = self {
            d.on_epoch_end();
        }
    }
}

/// The first batch of a dataset (to build the model and resolve its targets), or Keras' error
/// for an empty one.
pub(crate) fn first_batch(dataset: &dyn PyDataset) -> Result<DatasetBatch> {
    if dataset.num_batches() == 0 {
        return Err(Error::value("The PyDataset has no batches: `num_batches()` returned 0."));
    }
    py_dataset::get(dataset, 0)
}
