//! Options of `fit`, `evaluate` and `predict`, with Keras' argument names and defaults.

use super::inputs::{ModelInputs, OwnedData};
use crate::error::{Error, Result};

/// Keras' check of a `batch_size` argument (`fit`, the dataset utilities).
pub(crate) fn check_batch_size(batch_size: usize) -> Result<()> {
    if batch_size == 0 {
        return Err(Error::value("`batch_size` must be a positive integer. Received: batch_size=0"));
    }
    Ok(())
}

/// Keras' `fit` arguments: `epochs=1`, `batch_size=32`, `validation_split=0.0`,
/// `shuffle=true`, `initial_epoch=0`, `verbose=1`, `callbacks=[]`.
///
/// ```
/// use keras_rs::prelude::*;
/// let opts = FitOptions::new().epochs(10).batch_size(128).validation_split(0.1).shuffle(false);
/// assert_eq!(opts.epochs, 10);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct FitOptions {
    /// The index of the last epoch (training runs `initial_epoch..epochs`).
    pub epochs: usize,
    /// Samples per gradient update; the last batch may be smaller.
    pub batch_size: usize,
    /// The fraction of the data (its end, before shuffling) held out for validation.
    pub validation_split: f64,
    /// Explicit validation inputs and targets (takes precedence over `validation_split`).
    pub validation_data: Option<(OwnedData, OwnedData)>,
    /// A dataset to validate on (Keras' `validation_data=<PyDataset>`; replaces
    /// `validation_data`).
    pub validation_dataset: Option<crate::utils::SharedDataset>,
    /// Whether to shuffle the training samples before each epoch (seeded by the model).
    pub shuffle: bool,
    /// The epoch to start from (for resuming).
    pub initial_epoch: usize,
    /// 0 = silent, 1 = progress bar, 2 = one line per epoch.
    pub verbose: u8,
    /// Called during training, in order (after the progress bar, before `History`).
    pub callbacks: Vec<crate::callbacks::CallbackRef>,
    /// Per-sample loss weights (Keras' `sample_weight`).
    pub sample_weight: Option<ndarray::ArrayD<f32>>,
    /// Loss weight per class index (Keras' `class_weight`); classes not listed weigh 1.
    pub class_weight: Option<std::collections::BTreeMap<usize, f64>>,
    /// A training step of your own (Keras' overridden `train_step`).
    pub train_step: Option<std::sync::Arc<std::sync::Mutex<super::TrainStep>>>,
}

impl std::fmt::Debug for FitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitOptions")
            .field("epochs", &self.epochs)
            .field("batch_size", &self.batch_size)
            .field("validation_split", &self.validation_split)
            .field("shuffle", &self.shuffle)
            .field("initial_epoch", &self.initial_epoch)
            .field("verbose", &self.verbose)
            .field("callbacks", &self.callbacks.len())
            .finish()
    }
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            epochs: 1,
            batch_size: 32,
            validation_split: 0.0,
            validation_data: None,
            validation_dataset: None,
            shuffle: true,
            initial_epoch: 0,
            verbose: 1,
            callbacks: Vec::new(),
            sample_weight: None,
            class_weight: None,
            train_step: None,
        }
    }
}

impl FitOptions {
    /// Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// The number of epochs (default 1).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }
    /// The batch size (default 32).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    /// Holds out the last `split` fraction of the data for validation.
    pub fn validation_split(mut self, split: f64) -> Self {
        self.validation_split = split;
        self
    }
    /// Validates on `(x, y)` at the end of each epoch (arrays as `fit` takes them: one array,
    /// a list, or a map by name; kept as an `f32` copy).
    pub fn validation_data(mut self, x: impl ModelInputs, y: impl ModelInputs) -> Self {
        self.validation_data = Some((x.into_host().to_owned_data(), y.into_host().to_owned_data()));
        self.validation_dataset = None;
        self
    }
    /// Validates on a [`PyDataset`](crate::utils::PyDataset) at the end of each epoch (Keras'
    /// `validation_data=` given a dataset); replaces [`validation_data`](Self::validation_data).
    pub fn validation_dataset(mut self, dataset: impl crate::utils::PyDataset + 'static) -> Self {
        self.validation_dataset = Some(std::sync::Arc::new(std::sync::Mutex::new(Box::new(dataset))));
        self.validation_data = None;
        self
    }
    /// Whether to shuffle before each epoch (default true).
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }
    /// The epoch to start at (default 0).
    pub fn initial_epoch(mut self, initial_epoch: usize) -> Self {
        self.initial_epoch = initial_epoch;
        self
    }
    /// Verbosity: 0 silent, 1 progress bar (default), 2 one line per epoch.
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }
    /// Callbacks called during training (Keras' `callbacks=[...]`); wrap one in
    /// [`Shared`](crate::callbacks::Shared) to read it after `fit`.
    pub fn callbacks(mut self, callbacks: Vec<Box<dyn crate::callbacks::Callback>>) -> Self {
        self.callbacks = callbacks.into_iter().map(crate::callbacks::Shared::new).collect();
        self
    }
    /// Weights each training sample's loss (Keras' `sample_weight`: one value per sample; the
    /// `validation_split` part keeps its weights for `val_loss`). Metrics stay unweighted, as
    /// Keras' `metrics` (not `weighted_metrics`) are.
    pub fn sample_weight(mut self, weights: &impl super::data::ArrayInput) -> Self {
        self.sample_weight = Some(super::data::Rows::new(weights).to_array());
        self
    }
    /// Weights each sample's loss by its class (Keras' `class_weight={0: 1.0, 1: 5.0}`): the
    /// target's class index, or the argmax of one-hot targets; unlisted classes weigh 1.
    pub fn class_weight(mut self, weights: &[(usize, f64)]) -> Self {
        self.class_weight = Some(weights.iter().copied().collect());
        self
    }
    /// Replaces the training step (Keras' `train_step` override) while keeping `fit`'s epochs,
    /// shuffling, validation, callbacks and progress bar. The step gets the model (as a
    /// [`StepModel`](super::StepModel)), the batch's inputs and targets, and returns the values
    /// to log; the epoch's logs are the last step's, as in Keras.
    ///
    /// ```
    /// use keras_rs::prelude::*;
    /// use keras_rs::losses::Loss;
    /// let mut model = Sequential::new().add(Input::new(&[3])).add(Dense::new(1));
    /// model.compile(SGD::new().learning_rate(0.1), "mse", NO_METRICS).unwrap();
    /// let step = |m: &mut dyn keras_rs::trainers::StepModel, x, y: Vec<keras_rs::burn::tensor::Tensor<2>>| {
    ///     let (out, tape) = m.forward_tape(x, true)?;
    ///     let loss = MeanAbsoluteError::new().call(y[0].clone(), out[0].clone().into_rows()); // not the compiled mse
    ///     let grads = tape.gradient(&loss)?;
    ///     m.apply_gradients(tape, grads)?;
    ///     Ok(vec![("mae".to_string(), loss.inner())])
    /// };
    /// let (x, y) = (ndarray::Array2::<f32>::ones((8, 3)), ndarray::Array2::<f32>::zeros((8, 1)));
    /// let history = model.fit(&x, &y, FitOptions::new().epochs(2).verbose(0).train_step(step)).unwrap();
    /// assert_eq!(history.history["mae"].len(), 2);
    /// ```
    pub fn train_step(
        mut self,
        step: impl FnMut(
            &mut dyn super::StepModel,
            Vec<crate::backend::DynTensor>,
            Vec<burn::tensor::Tensor<2>>,
        ) -> crate::error::Result<Vec<(String, burn::tensor::Tensor<1>)>>
        + Send
        + 'static,
    ) -> Self {
        self.train_step = Some(std::sync::Arc::new(std::sync::Mutex::new(Box::new(step))));
        self
    }
    /// Adds one callback.
    pub fn callback(mut self, callback: impl crate::callbacks::Callback + 'static) -> Self {
        self.callbacks.push(crate::callbacks::Shared::new(Box::new(callback)));
        self
    }
}

/// Defines the options of an inference call (`evaluate`, `predict`): `batch_size=32`, `verbose=1`.
/// Extra fields (`$field: $ty`, default `Default`) name what only that call takes.
macro_rules! inference_options {
    ($(#[$doc:meta])* $name:ident $(, $(#[$fdoc:meta])* $field:ident: $ty:ty)*) => {
        $(#[$doc])*
        #[derive(Clone)]
        #[non_exhaustive]
        pub struct $name {
            /// Samples per batch.
            pub batch_size: usize,
            /// 0 = silent, 1 = progress bar, 2 = one line.
            pub verbose: u8,
            /// Callbacks whose `on_test_*` (`evaluate`) or `on_predict_*` (`predict`) hooks run.
            pub callbacks: Vec<crate::callbacks::CallbackRef>,
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("batch_size", &self.batch_size)
                    .field("verbose", &self.verbose)
                    .field("callbacks", &self.callbacks.len())
                    .finish()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name { batch_size: 32, verbose: 1, callbacks: Vec::new(), $($field: Default::default(),)* }
            }
        }

        impl $name {
            /// Keras' defaults.
            pub fn new() -> Self {
                Self::default()
            }
            /// The batch size (default 32).
            pub fn batch_size(mut self, batch_size: usize) -> Self {
                self.batch_size = batch_size;
                self
            }
            /// Verbosity (default 1).
            pub fn verbose(mut self, verbose: u8) -> Self {
                self.verbose = verbose;
                self
            }
            /// Adds a callback (Keras' `callbacks=[...]`).
            pub fn callback(mut self, callback: impl crate::callbacks::Callback + 'static) -> Self {
                self.callbacks.push(crate::callbacks::Shared::new(Box::new(callback)));
                self
            }
        }
    };
}

inference_options!(
    /// Keras' `evaluate` arguments: `batch_size=32`, `verbose=1`, `sample_weight=None`.
    EvaluateOptions,
    /// Per-sample loss weights (Keras' `sample_weight`).
    sample_weight: Option<ndarray::ArrayD<f32>>
);
inference_options!(
    /// Keras' `predict` arguments: `batch_size=32`, `verbose=1`.
    PredictOptions
);

impl EvaluateOptions {
    /// Weights each sample's loss (Keras' `evaluate(..., sample_weight=...)`); metrics stay
    /// unweighted.
    ///
    /// ```
    /// use keras_rs::prelude::*;
    /// let mut model = Sequential::new().add(Input::new(&[1])).add(Dense::new(1).use_bias(false));
    /// model.set_weights(&[ndarray::arr2(&[[1.0f32]]).into_dyn()]).unwrap();
    /// model.compile("sgd", "mse", NO_METRICS).unwrap();
    /// let (x, y) = (ndarray::arr2(&[[1.0f32], [2.0]]), ndarray::arr2(&[[0.0f32], [0.0]]));
    /// let w = ndarray::arr1(&[1.0f32, 0.0]);
    /// let scores = model.evaluate(&x, &y, EvaluateOptions::new().verbose(0).sample_weight(&w)).unwrap();
    /// assert_eq!(scores["loss"], 0.5); // (1 * 1 + 0 * 4) / 2 samples
    /// ```
    pub fn sample_weight(mut self, weights: &impl super::data::ArrayInput) -> Self {
        self.sample_weight = Some(super::data::Rows::new(weights).to_array());
        self
    }
}
