//! `TerminateOnNaN`: stops training as soon as the loss is NaN or infinite.

use super::callback::{BatchLogs, Callback, ModelHandle};
use crate::error::{Error, Result};

/// Keras' `TerminateOnNaN(raise_error=False)`: after each training batch, a NaN or infinite
/// `loss` stops training (`Batch N: Invalid loss, terminating training`), or with
/// `raise_error(true)` makes `fit` return an error. Reads the loss every batch (a device sync).
#[derive(Clone, Debug, Default)]
pub struct TerminateOnNaN {
    raise_error: bool,
}

impl TerminateOnNaN {
    /// Stops training on a NaN/Inf loss.
    pub fn new() -> Self {
        Self::default()
    }
    /// Returns an error from `fit` instead of stopping quietly.
    pub fn raise_error(mut self, raise: bool) -> Self {
        self.raise_error = raise;
        self
    }
}

impl Callback for TerminateOnNaN {
    fn on_train_batch_end(
        &mut self,
        batch: usize,
        logs: &mut BatchLogs<'_>,
        model: &mut dyn ModelHandle,
    ) -> Result<()> {
        if let Some(&loss) = logs.get().get("loss")
            && !loss.is_finite()
        {
            if self.raise_error {
                return Err(Error::value(format!(
                    "NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating training immediately."
                )));
            }
            outln!("Batch {batch}: Invalid loss, terminating training");
            model.stop_training();
        }
        Ok(())
    }
}
