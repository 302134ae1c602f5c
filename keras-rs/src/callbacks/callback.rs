//! The `Callback` trait (Keras' hooks), what a callback can do with the model, and `Shared`,
//! which keeps a callback inspectable after `fit` took it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use ndarray::ArrayD;

use crate::error::Result;

/// Metric name -> value, as Keras passes `logs` to callbacks.
pub type Logs = BTreeMap<String, f64>;

/// What `fit` tells callbacks before training (Keras' `callback.params`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FitParams {
    /// The number of epochs `fit` runs to (`epochs`).
    pub epochs: usize,
    /// Training batches per epoch.
    pub steps: usize,
    /// `fit`'s verbosity.
    pub verbose: u8,
}

/// A batch's running logs (the epoch-so-far means Keras shows), computed only when a callback
/// asks: reading them waits for the device, so callbacks that do not need them cost nothing.
pub struct BatchLogs<'a> {
    source: &'a mut dyn FnMut() -> Vec<(String, f64)>,
    cached: Option<Logs>,
}

impl<'a> BatchLogs<'a> {
    /// Logs computed by `source` on first use.
    pub fn new(source: &'a mut dyn FnMut() -> Vec<(String, f64)>) -> Self {
        BatchLogs { source, cached: None }
    }

    /// The logs (`loss`, metrics), computed on first use.
    pub fn get(&mut self) -> &Logs {
        let source = &mut self.source;
        self.cached.get_or_insert_with(|| source().into_iter().collect())
    }
}

/// The model as a callback sees it during `fit` (Keras' `self.model`).
pub trait ModelHandle {
    /// The model's name.
    fn name(&self) -> &str;
    /// All weights in Keras order and layout.
    fn get_weights(&self) -> Result<Vec<ArrayD<f32>>>;
    /// Replaces all weights.
    fn set_weights(&mut self, weights: &[ArrayD<f32>]) -> Result<()>;
    /// The optimizer's current learning rate.
    fn learning_rate(&self) -> Result<f64>;
    /// Sets the optimizer's learning rate (`ReduceLROnPlateau`, `LearningRateScheduler`).
    fn set_learning_rate(&mut self, learning_rate: f64) -> Result<()>;
    /// The optimizer's update count.
    fn iterations(&self) -> u64;
    /// Saves the model in the `.keras` format (atomically).
    fn save(&self, path: &Path) -> Result<()>;
    /// Saves the weights as `.weights.h5` (atomically).
    fn save_weights(&self, path: &Path) -> Result<()>;
    /// Loads weights (and the optimizer state) from a `.weights.h5`.
    fn load_weights(&mut self, path: &Path) -> Result<()>;
    /// Asks `fit` to stop after the current batch or epoch (Keras' `model.stop_training = True`).
    fn stop_training(&mut self);
    /// Whether a callback asked to stop.
    fn stop_requested(&self) -> bool;
    /// From `on_train_begin`: start at `epoch` instead of `initial_epoch` (`BackupAndRestore`).
    fn set_initial_epoch(&mut self, epoch: usize);
}

/// Keras' `keras.callbacks.Callback`: hooks `fit`, `evaluate` and `predict` call. Every hook
/// has an empty default; an error from a hook stops the call and is returned.
///
/// ```
/// use keras_rs::callbacks::{Callback, Logs, ModelHandle};
/// #[derive(Default)]
/// struct StopAtLoss(f64);
/// impl Callback for StopAtLoss {
///     fn on_epoch_end(&mut self, _epoch: usize, logs: &mut Logs, model: &mut dyn ModelHandle) -> keras_rs::Result<()> {
///         if logs["loss"] < self.0 {
///             model.stop_training();
///         }
///         Ok(())
///     }
/// }
/// ```
#[allow(unused_variables)]
pub trait Callback: Send {
    /// Called once before training with `fit`'s parameters.
    fn set_params(&mut self, params: &FitParams) {}
    /// Start of `fit`.
    fn on_train_begin(&mut self, model: &mut dyn ModelHandle) -> Result<()> {
        Ok(())
    }
    /// End of `fit`, with the last epoch's logs.
    fn on_train_end(&mut self, logs: &Logs, model: &mut dyn ModelHandle) -> Result<()> {
        Ok(())
    }
    /// Start of an epoch (0-based).
    fn on_epoch_begin(&mut self, epoch: usize, model: &mut dyn ModelHandle) -> Result<()> {
        Ok(())
    }
    /// End of an epoch: training means and `val_*` values; a callback may add entries (as
    /// `ReduceLROnPlateau` adds `learning_rate`), which later callbacks and `History` see.
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, model: &mut dyn ModelHandle) -> Result<()> {
        Ok(())
    }
    /// Before a training batch (0-based within the epoch).
    fn on_train_batch_begin(&mut self, batch: usize, model: &mut dyn ModelHandle) -> Result<()> {
        Ok(())
    }
    /// After a training batch; `logs` are the epoch-so-far means.
    fn on_train_batch_end(
        &mut self,
        batch: usize,
        logs: &mut BatchLogs<'_>,
        model: &mut dyn ModelHandle,
    ) -> Result<()> {
        Ok(())
    }
    /// Start of an evaluation (`evaluate`, or validation inside `fit`).
    fn on_test_begin(&mut self) -> Result<()> {
        Ok(())
    }
    /// End of an evaluation, with its results.
    fn on_test_end(&mut self, logs: &Logs) -> Result<()> {
        Ok(())
    }
    /// Before an evaluation batch.
    fn on_test_batch_begin(&mut self, batch: usize) -> Result<()> {
        Ok(())
    }
    /// After an evaluation batch.
    fn on_test_batch_end(&mut self, batch: usize) -> Result<()> {
        Ok(())
    }
    /// Start of `predict`.
    fn on_predict_begin(&mut self) -> Result<()> {
        Ok(())
    }
    /// End of `predict`.
    fn on_predict_end(&mut self) -> Result<()> {
        Ok(())
    }
    /// Before a `predict` batch.
    fn on_predict_batch_begin(&mut self, batch: usize) -> Result<()> {
        Ok(())
    }
    /// After a `predict` batch.
    fn on_predict_batch_end(&mut self, batch: usize) -> Result<()> {
        Ok(())
    }
}

/// A callback that stays readable after `fit` took it (Keras users keep a reference to, say,
/// `EarlyStopping` and read `stopped_epoch` afterwards).
///
/// ```
/// use keras_rs::callbacks::{EarlyStopping, Shared};
/// let early = Shared::new(EarlyStopping::new().patience(2));
/// let for_fit: Box<dyn keras_rs::callbacks::Callback> = Box::new(early.clone());
/// assert_eq!(early.lock().stopped_epoch(), 0);
/// # drop(for_fit);
/// ```
pub struct Shared<C>(Arc<Mutex<C>>);

impl<C> Clone for Shared<C> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<C: Callback> Shared<C> {
    /// Wraps `callback`.
    pub fn new(callback: C) -> Self {
        Shared(Arc::new(Mutex::new(callback)))
    }
    /// The callback.
    pub fn lock(&self) -> MutexGuard<'_, C> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Every hook of [`Callback`], forwarded to the callback `$target` gives for `self`.
macro_rules! forward {
    (|$s:ident| $target:expr) => {
        forward!(@hooks |$s| $target;
            set_params(params: &FitParams) -> ();
            on_train_begin(model: &mut dyn ModelHandle) -> Result<()>;
            on_train_end(logs: &Logs, model: &mut dyn ModelHandle) -> Result<()>;
            on_epoch_begin(epoch: usize, model: &mut dyn ModelHandle) -> Result<()>;
            on_epoch_end(epoch: usize, logs: &mut Logs, model: &mut dyn ModelHandle) -> Result<()>;
            on_train_batch_begin(batch: usize, model: &mut dyn ModelHandle) -> Result<()>;
            on_train_batch_end(batch: usize, logs: &mut BatchLogs<'_>, model: &mut dyn ModelHandle) -> Result<()>;
            on_test_begin() -> Result<()>;
            on_test_end(logs: &Logs) -> Result<()>;
            on_test_batch_begin(batch: usize) -> Result<()>;
            on_test_batch_end(batch: usize) -> Result<()>;
            on_predict_begin() -> Result<()>;
            on_predict_end() -> Result<()>;
            on_predict_batch_begin(batch: usize) -> Result<()>;
            on_predict_batch_end(batch: usize) -> Result<()>;
        );
    };
    (@hooks |$s:ident| $target:expr; $($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        fn $name(&mut self, $($arg: $ty),*) -> $ret {
            let $s = self;
            $target.$name($($arg),*)
        }
    )*};
}

impl<C: Callback + ?Sized> Callback for Box<C> {
    forward!(|s| (**s));
}

impl<C: Callback> Callback for Shared<C> {
    forward!(|s| s.lock());
}

/// A callback as the options of `fit`, `evaluate` and `predict` hold it: shared, so options
/// can be cloned and a clone calls the same callback objects (as a Python list of callbacks does).
pub type CallbackRef = Shared<Box<dyn Callback>>;
