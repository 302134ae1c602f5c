//! `ReduceLROnPlateau`: lowers the learning rate when a monitored quantity stops improving.

use super::callback::{Callback, Logs, ModelHandle};
use super::monitor::Monitor;
use crate::error::{Error, Result};

/// Keras' `ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10, verbose=0,
/// mode="auto", min_delta=1e-4, cooldown=0, min_lr=0.0)`: after `patience` epochs without an
/// improvement larger than `min_delta`, `lr = max(lr * factor, min_lr)`, then `cooldown` epochs
/// of rest. Adds `learning_rate` to the epoch logs (and so to `History`), as Keras 3 does.
///
/// ```
/// use keras_rs::callbacks::ReduceLROnPlateau;
/// let reduce = ReduceLROnPlateau::new().monitor("val_loss").factor(0.2).patience(5).min_lr(0.001);
/// assert!(ReduceLROnPlateau::new().factor(1.5).check().is_err());
/// # drop(reduce);
/// ```
#[derive(Clone, Debug)]
pub struct ReduceLROnPlateau {
    m: Monitor,
    factor: f64,
    patience: usize,
    verbose: u8,
    cooldown: usize,
    min_lr: f64,
    best: Option<f64>,
    wait: usize,
    cooldown_counter: usize,
}

impl Default for ReduceLROnPlateau {
    fn default() -> Self {
        let mut m = Monitor::new("val_loss");
        m.min_delta = 1e-4;
        ReduceLROnPlateau {
            m,
            factor: 0.1,
            patience: 10,
            verbose: 0,
            cooldown: 0,
            min_lr: 0.0,
            best: None,
            wait: 0,
            cooldown_counter: 0,
        }
    }
}

impl ReduceLROnPlateau {
    /// Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    crate::callbacks::monitor::monitor_builders!(min_delta);
    /// The factor the learning rate is multiplied by (default 0.1; must be < 1).
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = factor;
        self
    }
    /// Epochs without improvement before reducing (default 10).
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }
    /// 1 prints each reduction.
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }
    /// Epochs to wait after a reduction before watching again (default 0).
    pub fn cooldown(mut self, cooldown: usize) -> Self {
        self.cooldown = cooldown;
        self
    }
    /// The floor of the learning rate (default 0).
    pub fn min_lr(mut self, min_lr: f64) -> Self {
        self.min_lr = min_lr;
        self
    }
    /// Keras' argument check: `factor` must be below 1.
    pub fn check(&self) -> Result<()> {
        if self.factor >= 1.0 {
            return Err(Error::value(format!(
                "ReduceLROnPlateau does not support a factor >= 1.0. Received factor={}",
                self.factor
            )));
        }
        Ok(())
    }
}

impl Callback for ReduceLROnPlateau {
    fn on_train_begin(&mut self, _model: &mut dyn ModelHandle) -> Result<()> {
        self.check()?;
        (self.best, self.cooldown_counter, self.wait) = (None, 0, 0);
        Ok(())
    }

    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, model: &mut dyn ModelHandle) -> Result<()> {
        // Keras reads the float32 variable.
        logs.insert("learning_rate".into(), model.learning_rate()? as f32 as f64);
        let Some(current) = self.m.value(logs, "Learning rate reduction") else { return Ok(()) };
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        if self.m.is_improvement("ReduceLROnPlateau", current, self.best)? {
            self.best = Some(current);
            self.wait = 0;
        } else if self.cooldown_counter == 0 {
            self.wait += 1;
            if self.wait >= self.patience {
                let old = model.learning_rate()? as f32 as f64;
                if old > self.min_lr as f32 as f64 {
                    let new = (old * self.factor).max(self.min_lr);
                    model.set_learning_rate(new)?;
                    if self.verbose > 0 {
                        outln!("\nEpoch {}: ReduceLROnPlateau reducing learning rate to {new}.", epoch + 1);
                    }
                    self.cooldown_counter = self.cooldown;
                    self.wait = 0;
                }
            }
        }
        Ok(())
    }
}
