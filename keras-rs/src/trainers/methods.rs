//! The public training API of `Sequential` and `Model`, generated once from the generic
//! functions of `fit.rs` (Keras' names, docs and argument forms).

/// The [`Trainable`](super::fit::Trainable) methods that only hand out a model's `network`, `rng` and `compiled`.
macro_rules! trainable_parts {
    () => {
        fn network(&self) -> &$crate::models::Network {
            &self.network
        }
        fn parts(
            &mut self,
        ) -> (&mut $crate::models::Network, &mut $crate::random::SeedGenerator, &mut Option<$crate::trainers::Compiled>)
        {
            (&mut self.network, &mut self.rng, &mut self.compiled)
        }
        fn compiled_state(&self) -> Option<&$crate::trainers::Compiled> {
            self.compiled.as_ref()
        }
    };
}
pub(crate) use trainable_parts;

/// The public training methods of a model type (docs and Keras names), forwarding to the
/// generic functions above.
macro_rules! training_methods {
    ($ty:ty) => {
        $crate::trainers::methods::step_model!($ty);
        impl $ty {
            /// Configures training (Keras' `model.compile(optimizer, loss, metrics)`): one loss
            /// and one metric list for every output. Each argument is a Keras name (`"adam"`,
            /// `"mse"`, `"accuracy"`) or an object (`Adam::new()...`).
            pub fn compile<M: Into<$crate::metrics::MetricSpec> + Clone>(
                &mut self,
                optimizer: impl Into<$crate::optimizers::OptimizerSpec>,
                loss: impl Into<$crate::losses::LossSpec>,
                metrics: &[M],
            ) -> $crate::error::Result<()> {
                let options = $crate::trainers::CompileOptions::new().loss(loss).metrics(metrics);
                $crate::trainers::fit::compile(self, optimizer.into(), options)
            }

            /// Keras' `compile` with per-output losses, loss weights and metrics.
            pub fn compile_with(
                &mut self,
                optimizer: impl Into<$crate::optimizers::OptimizerSpec>,
                options: $crate::trainers::CompileOptions,
            ) -> $crate::error::Result<()> {
                $crate::trainers::fit::compile(self, optimizer.into(), options)
            }

            /// The current learning rate of the compiled optimizer.
            pub fn learning_rate(&self) -> $crate::error::Result<f64> {
                use $crate::trainers::fit::Trainable;
                self.compiled_state()
                    .map(|c| c.optimizer.learning_rate_at(c.state.iterations))
                    .ok_or_else(|| $crate::error::Error::State("You must call `compile()` first.".into()))
            }

            /// The number of optimizer updates applied so far (Keras' `optimizer.iterations`).
            pub fn iterations(&self) -> u64 {
                use $crate::trainers::fit::Trainable;
                self.compiled_state().map_or(0, |c| c.state.iterations)
            }

            /// Trains the model (Keras' `model.fit(x, y, ...)`); returns the per-epoch
            /// [`History`](crate::callbacks::History). `x` and `y`: one array, a list, or a map
            /// by input/output name ([`ModelInputs`](crate::trainers::ModelInputs)).
            ///
            /// The epoch loss is the batch-size-weighted mean of the batch losses (the weighted
            /// sum over outputs), each computed before its update; `val_*` values use the
            /// end-of-epoch weights.
            pub fn fit(
                &mut self,
                x: impl $crate::trainers::ModelInputs,
                y: impl $crate::trainers::ModelInputs,
                options: $crate::trainers::FitOptions,
            ) -> $crate::error::Result<$crate::callbacks::History> {
                $crate::trainers::fit::fit(self, x.into_host(), y.into_host(), options)
            }

            /// Trains on a [`PyDataset`](crate::utils::PyDataset) (Keras' `model.fit(dataset,
            /// ...)`): its batches, shuffled in batch order each epoch when
            /// `FitOptions::shuffle` is set (with the model's seed), made by its worker threads
            /// and taken in order. `batch_size` is the dataset's; `validation_split`,
            /// `sample_weight` and `class_weight` are errors (weights come from the batches).
            pub fn fit_dataset(
                &mut self,
                dataset: &mut dyn $crate::utils::PyDataset,
                options: $crate::trainers::FitOptions,
            ) -> $crate::error::Result<$crate::callbacks::History> {
                $crate::trainers::fit::fit_dataset(self, dataset, options)
            }

            /// Loss and metrics over a [`PyDataset`](crate::utils::PyDataset) in inference mode
            /// (Keras' `model.evaluate(dataset, return_dict=True)`).
            pub fn evaluate_dataset(
                &mut self,
                dataset: &mut dyn $crate::utils::PyDataset,
                options: $crate::trainers::EvaluateOptions,
            ) -> $crate::error::Result<std::collections::BTreeMap<String, f64>> {
                $crate::trainers::fit::evaluate_dataset(self, dataset, options)
            }

            /// Loss and metrics on `(x, y)` in inference mode (Keras'
            /// `model.evaluate(..., return_dict=True)`).
            pub fn evaluate(
                &self,
                x: impl $crate::trainers::ModelInputs,
                y: impl $crate::trainers::ModelInputs,
                options: $crate::trainers::EvaluateOptions,
            ) -> $crate::error::Result<std::collections::BTreeMap<String, f64>> {
                $crate::trainers::fit::evaluate(self, x.into_host(), y.into_host(), options)
            }

            /// One gradient update on one batch (Keras' `train_on_batch`); returns the batch's
            /// loss and metrics.
            pub fn train_on_batch(
                &mut self,
                x: impl $crate::trainers::ModelInputs,
                y: impl $crate::trainers::ModelInputs,
            ) -> $crate::error::Result<std::collections::BTreeMap<String, f64>> {
                $crate::trainers::fit::train_on_batch(self, x.into_host(), y.into_host())
            }

            /// Runs the model in inference mode on tensors already on its device (Keras'
            /// `model(x, training=False)`): one tensor per input in, one per output out, no
            /// host copies.
            pub fn predict_tensors(
                &self,
                inputs: Vec<$crate::backend::DynTensor>,
            ) -> $crate::error::Result<Vec<$crate::backend::DynTensor>> {
                use $crate::trainers::fit::Trainable;
                $crate::trainers::engine::infer(self.network(), inputs)
            }

            /// The arrays `x` (one, a list, or a map by input name) as device tensors in the
            /// model's input order, for [`forward_tape`](Self::forward_tape).
            pub fn to_tensors(
                &self,
                x: impl $crate::trainers::ModelInputs,
            ) -> $crate::error::Result<Vec<$crate::backend::DynTensor>> {
                $crate::trainers::fit::to_tensors(self, x.into_host())
            }

            /// A forward pass that records gradients (Keras' `with tf.GradientTape() as tape:
            /// y = model(x, training=True)`): the outputs and the [`Tape`](crate::trainers::Tape).
            ///
            /// ```
            /// use keras_rs::prelude::*;
            /// use keras_rs::losses::Loss;
            /// let mut model = Sequential::new().add(Input::new(&[3])).add(Dense::new(1));
            /// model.compile(SGD::new().learning_rate(0.1), "mse", NO_METRICS).unwrap();
            /// let x = model.to_tensors(&ndarray::Array2::<f32>::ones((4, 3))).unwrap();
            /// let d = keras_rs::backends::default_device();
            /// let y = keras_rs::backend::DynTensor::from_data(vec![0.0; 4], &[4, 1], &d).unwrap().into_rows();
            /// let (out, tape) = model.forward_tape(x, true).unwrap();
            /// let loss = MeanSquaredError::new().call(y, out[0].clone().into_rows());
            /// let grads = tape.gradient(&loss).unwrap();
            /// model.apply_gradients(tape, grads).unwrap();
            /// assert_eq!(model.iterations(), 1);
            /// ```
            pub fn forward_tape(
                &mut self,
                x: Vec<$crate::backend::DynTensor>,
                training: bool,
            ) -> $crate::error::Result<(Vec<$crate::backend::DynTensor>, $crate::trainers::Tape)> {
                $crate::trainers::forward_tape(self, x, training)
            }

            /// Applies gradients from [`Tape::gradient`](crate::trainers::Tape::gradient) with the
            /// compiled optimizer (Keras' `optimizer.apply_gradients`).
            pub fn apply_gradients(
                &mut self,
                tape: $crate::trainers::Tape,
                gradients: $crate::trainers::Gradients,
            ) -> $crate::error::Result<()> {
                $crate::trainers::apply_gradients(self, tape, gradients)
            }

            /// Loss and metrics on one batch in inference mode (Keras' `test_on_batch`).
            pub fn test_on_batch(
                &self,
                x: impl $crate::trainers::ModelInputs,
                y: impl $crate::trainers::ModelInputs,
            ) -> $crate::error::Result<std::collections::BTreeMap<String, f64>> {
                $crate::trainers::fit::test_on_batch(self, x.into_host(), y.into_host())
            }
        }
    };
}
pub(crate) use training_methods;

/// `StepModel` (what a custom `fit` step can do) for a model type.
macro_rules! step_model {
    ($ty:ty) => {
        impl $crate::trainers::StepModel for $ty {
            fn forward_tape(
                &mut self,
                x: Vec<$crate::backend::DynTensor>,
                training: bool,
            ) -> $crate::error::Result<(Vec<$crate::backend::DynTensor>, $crate::trainers::Tape)> {
                $crate::trainers::forward_tape(self, x, training)
            }
            fn apply_gradients(
                &mut self,
                tape: $crate::trainers::Tape,
                gradients: $crate::trainers::Gradients,
            ) -> $crate::error::Result<()> {
                $crate::trainers::apply_gradients(self, tape, gradients)
            }
        }
    };
}
pub(crate) use step_model;
