//! `LambdaCallback`: a callback from closures.

use super::callback::{BatchLogs, Callback, Logs, ModelHandle};
use crate::error::Result;

type EpochFn = Box<dyn FnMut(usize, &Logs) + Send>;
type BatchFn = Box<dyn FnMut(usize, &Logs) + Send>;
type TrainFn = Box<dyn FnMut(&Logs) + Send>;

/// Keras' `LambdaCallback(on_epoch_begin, on_epoch_end, on_train_batch_begin,
/// on_train_batch_end, on_train_begin, on_train_end)`: closures called at those points with the
/// epoch/batch index and the logs (empty logs where Keras passes none).
///
/// ```
/// use keras_rs::callbacks::LambdaCallback;
/// let print_loss = LambdaCallback::new().on_epoch_end(|epoch, logs| println!("{epoch}: {:?}", logs.get("loss")));
/// # drop(print_loss);
/// ```
#[derive(Default)]
pub struct LambdaCallback {
    epoch_begin: Option<EpochFn>,
    epoch_end: Option<EpochFn>,
    batch_begin: Option<BatchFn>,
    batch_end: Option<BatchFn>,
    train_begin: Option<TrainFn>,
    train_end: Option<TrainFn>,
}

impl LambdaCallback {
    /// No closures yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Called with the epoch (0-based) at its start.
    pub fn on_epoch_begin(mut self, f: impl FnMut(usize, &Logs) + Send + 'static) -> Self {
        self.epoch_begin = Some(Box::new(f));
        self
    }
    /// Called with the epoch and its logs at its end.
    pub fn on_epoch_end(mut self, f: impl FnMut(usize, &Logs) + Send + 'static) -> Self {
        self.epoch_end = Some(Box::new(f));
        self
    }
    /// Called before each training batch.
    pub fn on_train_batch_begin(mut self, f: impl FnMut(usize, &Logs) + Send + 'static) -> Self {
        self.batch_begin = Some(Box::new(f));
        self
    }
    /// Called after each training batch with the running logs (reads them from the device).
    pub fn on_train_batch_end(mut self, f: impl FnMut(usize, &Logs) + Send + 'static) -> Self {
        self.batch_end = Some(Box::new(f));
        self
    }
    /// Called when training starts.
    pub fn on_train_begin(mut self, f: impl FnMut(&Logs) + Send + 'static) -> Self {
        self.train_begin = Some(Box::new(f));
        self
    }
    /// Called when training ends, with the last epoch's logs.
    pub fn on_train_end(mut self, f: impl FnMut(&Logs) + Send + 'static) -> Self {
        self.train_end = Some(Box::new(f));
        self
    }
}

impl Callback for LambdaCallback {
    fn on_train_begin(&mut self, _model: &mut dyn ModelHandle) -> Result<()> {
        if let Some(f) = &mut self.train_begin {
            f(&Logs::new());
        }
        Ok(())
    }
    fn on_train_end(&mut self, logs: &Logs, _model: &mut dyn ModelHandle) -> Result<()> {
        if let Some(f) = &mut self.train_end {
            f(logs);
        }
        Ok(())
    }
    fn on_epoch_begin(&mut self, epoch: usize, _model: &mut dyn ModelHandle) -> Result<()> {
        if let Some(f) = &mut self.epoch_begin {
            f(epoch, &Logs::new());
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, _model: &mut dyn ModelHandle) -> Result<()> {
        if let Some(f) = &mut self.epoch_end {
            f(epoch, logs);
        }
        Ok(())
    }
    fn on_train_batch_begin(&mut self, batch: usize, _model: &mut dyn ModelHandle) -> Result<()> {
        if let Some(f) = &mut self.batch_begin {
            f(batch, &Logs::new());
        }
        Ok(())
    }
    fn on_train_batch_end(
        &mut self,
        batch: usize,
        logs: &mut BatchLogs<'_>,
        _model: &mut dyn ModelHandle,
    ) -> Result<()> {
        if let Some(f) = &mut self.batch_end {
            f(batch, logs.get());
        }
        Ok(())
    }
}
