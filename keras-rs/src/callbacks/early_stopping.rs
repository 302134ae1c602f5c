//! `EarlyStopping`: stops training when a monitored quantity stops improving.

use ndarray::ArrayD;

use super::callback::{Callback, Logs, ModelHandle};
use super::monitor::Monitor;
use crate::error::Result;

/// Keras' `EarlyStopping(monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
/// baseline=None, restore_best_weights=False, start_from_epoch=0)`, with Keras' exact rules:
/// an epoch that does not improve on the best by more than `min_delta` adds to `wait`; training
/// stops when `wait >= patience` (never after the first epoch); `restore_best_weights` puts
/// back the weights of the best epoch when training ends.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::callbacks::{EarlyStopping, Shared};
/// let early = Shared::new(EarlyStopping::new().monitor("loss").patience(1).min_delta(10.0));
/// let mut model = Sequential::new().add(Input::new(&[2])).add(Dense::new(1));
/// model.compile("sgd", "mse", NO_METRICS).unwrap();
/// let x = ndarray::Array2::<f32>::ones((8, 2));
/// let y = ndarray::Array2::<f32>::zeros((8, 1));
/// let history = model.fit(&x, &y, FitOptions::new().epochs(10).verbose(0).callback(early.clone())).unwrap();
/// assert_eq!(history.history["loss"].len(), 2); // no epoch improves by 10: stops after epoch 2
/// assert_eq!(early.lock().stopped_epoch(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    m: Monitor,
    patience: usize,
    verbose: u8,
    baseline: Option<f64>,
    restore_best_weights: bool,
    start_from_epoch: usize,
    wait: usize,
    stopped_epoch: usize,
    best: Option<f64>,
    best_epoch: usize,
    best_weights: Option<Vec<ArrayD<f32>>>,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            m: Monitor::new("val_loss"),
            patience: 0,
            verbose: 0,
            baseline: None,
            restore_best_weights: false,
            start_from_epoch: 0,
            wait: 0,
            stopped_epoch: 0,
            best: None,
            best_epoch: 0,
            best_weights: None,
        }
    }
}

impl EarlyStopping {
    /// Keras' defaults (monitor `val_loss`, patience 0).
    pub fn new() -> Self {
        Self::default()
    }
    crate::callbacks::monitor::monitor_builders!(min_delta);
    /// Epochs without improvement before stopping (default 0).
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }
    /// 1 prints `Epoch N: early stopping` (default 0).
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }
    /// A value the quantity must beat before `wait` restarts.
    pub fn baseline(mut self, baseline: f64) -> Self {
        self.baseline = Some(baseline);
        self
    }
    /// Restores the weights of the best epoch when training ends (default false).
    pub fn restore_best_weights(mut self, restore: bool) -> Self {
        self.restore_best_weights = restore;
        self
    }
    /// Epochs to wait before watching at all (default 0).
    pub fn start_from_epoch(mut self, epoch: usize) -> Self {
        self.start_from_epoch = epoch;
        self
    }
    /// The (0-based) epoch training stopped at; 0 if it did not stop early.
    pub fn stopped_epoch(&self) -> usize {
        self.stopped_epoch
    }
    /// The (0-based) epoch with the best value.
    pub fn best_epoch(&self) -> usize {
        self.best_epoch
    }
    /// The best value seen.
    pub fn best(&self) -> Option<f64> {
        self.best
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _model: &mut dyn ModelHandle) -> Result<()> {
        (self.wait, self.stopped_epoch, self.best, self.best_weights, self.best_epoch) = (0, 0, None, None, 0);
        Ok(())
    }

    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, model: &mut dyn ModelHandle) -> Result<()> {
        let Some(current) = self.m.value(logs, "Early stopping") else { return Ok(()) };
        if epoch < self.start_from_epoch {
            return Ok(());
        }
        if self.restore_best_weights && self.best_weights.is_none() {
            self.best_weights = Some(model.get_weights()?);
            self.best_epoch = epoch;
        }
        self.wait += 1;
        if self.m.is_improvement("EarlyStopping", current, self.best)? {
            self.best = Some(current);
            self.best_epoch = epoch;
            if self.restore_best_weights {
                self.best_weights = Some(model.get_weights()?);
            }
            // Only restart waiting after beating both the baseline and the previous best.
            if self.baseline.is_none() || self.m.is_improvement("EarlyStopping", current, self.baseline)? {
                self.wait = 0;
            }
            return Ok(());
        }
        if self.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = epoch;
            model.stop_training();
        }
        Ok(())
    }

    fn on_train_end(&mut self, _logs: &Logs, model: &mut dyn ModelHandle) -> Result<()> {
        if self.stopped_epoch > 0 && self.verbose > 0 {
            outln!("Epoch {}: early stopping", self.stopped_epoch + 1);
        }
        if self.restore_best_weights
            && let Some(weights) = &self.best_weights
        {
            if self.verbose > 0 {
                outln!("Restoring model weights from the end of the best epoch: {}.", self.best_epoch + 1);
            }
            model.set_weights(weights)?;
        }
        Ok(())
    }
}
