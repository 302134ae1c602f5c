//! `LearningRateScheduler`: sets the learning rate at the start of each epoch from a function.

use super::callback::{Callback, Logs, ModelHandle};
use crate::error::Result;

type Schedule = Box<dyn FnMut(usize, f64) -> f64 + Send>;

/// Keras' `LearningRateScheduler(schedule, verbose=0)`: before epoch `e` (0-based) the
/// learning rate becomes `schedule(e, current_lr)`; `learning_rate` is added to the epoch logs.
///
/// ```
/// use keras_rs::callbacks::LearningRateScheduler;
/// // Keras' docs example: keep the rate for 10 epochs, then decay it by exp(-0.1) per epoch.
/// let scheduler = LearningRateScheduler::new(|epoch, lr| if epoch < 10 { lr } else { lr * (-0.1f64).exp() });
/// # drop(scheduler);
/// ```
pub struct LearningRateScheduler {
    schedule: Schedule,
    verbose: u8,
}

impl LearningRateScheduler {
    /// Uses `schedule(epoch, lr) -> new lr`.
    pub fn new(schedule: impl FnMut(usize, f64) -> f64 + Send + 'static) -> Self {
        LearningRateScheduler { schedule: Box::new(schedule), verbose: 0 }
    }
    /// 1 prints each change.
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }
}

impl Callback for LearningRateScheduler {
    fn on_epoch_begin(&mut self, epoch: usize, model: &mut dyn ModelHandle) -> Result<()> {
        let lr = model.learning_rate()? as f32 as f64;
        let new = (self.schedule)(epoch, lr);
        if !new.is_finite() {
            return Err(crate::Error::value(format!(
                "The output of the \"schedule\" function should be a float. Got: {new}"
            )));
        }
        model.set_learning_rate(new)?;
        if self.verbose > 0 {
            outln!("\nEpoch {}: LearningRateScheduler setting learning rate to {new}.", epoch + 1);
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, _epoch: usize, logs: &mut Logs, model: &mut dyn ModelHandle) -> Result<()> {
        logs.insert("learning_rate".into(), model.learning_rate()? as f32 as f64);
        Ok(())
    }
}
