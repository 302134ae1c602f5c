//! [`KerasModel`]: what every Keras model does — `compile`, `fit`, `evaluate`, `save`, weights —
//! written once for `Sequential`, the Functional `Model` and a [`LoadedModel`](super::LoadedModel).
//!
//! Keras 3 has one `Model` class whose methods `Sequential` and Functional models share; keras-rs
//! has one trait whose default methods hold those methods, over the state each model type hands
//! out (its network, random source and compile state). burn's `Module` trait is the precedent: the
//! behaviour lives in the trait, the types only say where their parts are. The methods whose
//! result differs by type keep their own per-type form: `predict` (one array for `Sequential`,
//! one per output for a Functional model), `summary`, `get_config`/`from_config`, `layers`.

use std::collections::BTreeMap;
use std::path::Path;

use ndarray::ArrayD;

use crate::backend::DynTensor;
use crate::callbacks::History;
use crate::error::{Error, Result};
use crate::losses::LossSpec;
use crate::metrics::MetricSpec;
use crate::optimizers::OptimizerSpec;
use crate::saving::{Saveable, load_weights_file, save_model, save_weights_file};
use crate::shape::Shape;
use crate::trainers::fit;
use crate::trainers::{CompileOptions, EvaluateOptions, FitOptions, ModelInputs};
use crate::utils::PyDataset;

/// Keras' `Model` methods, for every model type: bring it into scope with
/// `use keras_rs::prelude::*` (as `burn::module::Module` is brought in to use a module).
///
/// Implemented by [`Sequential`](super::Sequential), [`Model`](super::Model) and
/// [`LoadedModel`](super::LoadedModel); the hand-written training step's two halves,
/// `forward_tape` and `apply_gradients`, are [`StepModel`](crate::trainers::StepModel)'s.
///
/// ```
/// use keras_rs::prelude::*;
/// fn train(model: &mut impl KerasModel) -> keras_rs::Result<f64> {
///     model.compile("adam", "mse", NO_METRICS)?;
///     let (x, y) = (ndarray::Array2::<f32>::ones((8, 3)), ndarray::Array2::<f32>::zeros((8, 1)));
///     let history = model.fit(&x, &y, FitOptions::new().epochs(2).verbose(0))?;
///     Ok(history.history["loss"][1])
/// }
/// let mut sequential = Sequential::new().add(Input::new(&[3])).add(Dense::new(1));
/// let input = Input::new(&[3]).tensor();
/// let mut functional = Model::new(&input, &Dense::new(1).call(&input).unwrap()).unwrap();
/// assert!(train(&mut sequential).unwrap().is_finite());
/// assert!(train(&mut functional).unwrap().is_finite());
/// assert_eq!(sequential.iterations(), 2);
/// ```
#[allow(private_bounds)] // sealed: the parts a model hands out are keras-rs' own
pub trait KerasModel: Saveable {
    /// Configures training (Keras' `model.compile(optimizer, loss, metrics)`): one loss and one
    /// metric list for every output. Each argument is a Keras name (`"adam"`, `"mse"`,
    /// `"accuracy"`) or an object (`Adam::new()...`).
    fn compile<M: Into<MetricSpec> + Clone>(
        &mut self,
        optimizer: impl Into<OptimizerSpec>,
        loss: impl Into<LossSpec>,
        metrics: &[M],
    ) -> Result<()> {
        let options = CompileOptions::new().loss(loss).metrics(metrics);
        fit::compile(self, optimizer.into(), options)
    }

    /// Keras' `compile` with per-output losses, loss weights and metrics.
    fn compile_with(&mut self, optimizer: impl Into<OptimizerSpec>, options: CompileOptions) -> Result<()> {
        fit::compile(self, optimizer.into(), options)
    }

    /// The current learning rate of the compiled optimizer.
    fn learning_rate(&self) -> Result<f64> {
        self.compiled_state()
            .map(|c| c.optimizer.learning_rate_at(c.state.iterations))
            .ok_or_else(|| Error::State("You must call `compile()` first.".into()))
    }

    /// The number of optimizer updates applied so far (Keras' `optimizer.iterations`).
    fn iterations(&self) -> u64 {
        self.compiled_state().map_or(0, |c| c.state.iterations)
    }

    /// Trains the model (Keras' `model.fit(x, y, ...)`); returns the per-epoch [`History`].
    /// `x` and `y`: one array, a list, or a map by input/output name ([`ModelInputs`]).
    ///
    /// The epoch loss is the batch-size-weighted mean of the batch losses (the weighted sum over
    /// outputs), each computed before its update; `val_*` values use the end-of-epoch weights.
    fn fit(&mut self, x: impl ModelInputs, y: impl ModelInputs, options: FitOptions) -> Result<History> {
        fit::alone(fit::fit(self, x.into_host(), y.into_host(), options))
    }

    /// Trains on a [`PyDataset`] (Keras' `model.fit(dataset, ...)`): its batches, shuffled in
    /// batch order each epoch when `FitOptions::shuffle` is set (with the model's seed), made by
    /// its worker threads and taken in order. `batch_size` is the dataset's; `validation_split`,
    /// `sample_weight` and `class_weight` are errors (weights come from the batches).
    fn fit_dataset(&mut self, dataset: &mut dyn PyDataset, options: FitOptions) -> Result<History> {
        fit::alone(fit::fit_dataset(self, dataset, options))
    }

    /// Loss and metrics on `(x, y)` in inference mode (Keras' `model.evaluate(...,
    /// return_dict=True)`).
    fn evaluate(
        &self,
        x: impl ModelInputs,
        y: impl ModelInputs,
        options: EvaluateOptions,
    ) -> Result<BTreeMap<String, f64>> {
        fit::alone(fit::evaluate(self, x.into_host(), y.into_host(), options))
    }

    /// Loss and metrics over a [`PyDataset`] in inference mode (Keras' `model.evaluate(dataset,
    /// return_dict=True)`).
    fn evaluate_dataset(
        &mut self,
        dataset: &mut dyn PyDataset,
        options: EvaluateOptions,
    ) -> Result<BTreeMap<String, f64>> {
        fit::alone(fit::evaluate_dataset(self, dataset, options))
    }

    /// One gradient update on one batch (Keras' `train_on_batch`); returns the batch's loss and
    /// metrics.
    fn train_on_batch(&mut self, x: impl ModelInputs, y: impl ModelInputs) -> Result<BTreeMap<String, f64>> {
        fit::alone(fit::train_on_batch(self, x.into_host(), y.into_host()))
    }

    /// Loss and metrics on one batch in inference mode (Keras' `test_on_batch`).
    fn test_on_batch(&self, x: impl ModelInputs, y: impl ModelInputs) -> Result<BTreeMap<String, f64>> {
        fit::alone(fit::test_on_batch(self, x.into_host(), y.into_host()))
    }

    /// Runs the model in inference mode on tensors already on its device (Keras' `model(x,
    /// training=False)`): one tensor per input in, one per output out, no host copies.
    fn predict_tensors(&self, inputs: Vec<DynTensor>) -> Result<Vec<DynTensor>> {
        crate::trainers::engine::infer(self.network(), inputs)
    }

    /// The arrays `x` (one, a list, or a map by input name) as device tensors in the model's
    /// input order, for [`StepModel::forward_tape`](crate::trainers::StepModel::forward_tape).
    fn to_tensors(&self, x: impl ModelInputs) -> Result<Vec<DynTensor>> {
        fit::to_tensors(self, x.into_host())
    }

    /// Saves the model in Keras 3's `.keras` format (architecture, weights, compile config and
    /// optimizer state), loadable by `keras.saving.load_model` in Python and
    /// [`load_model`](super::load_model). The write is atomic: a failure leaves an existing file
    /// intact.
    fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        save_model(self, path.as_ref())
    }

    /// Saves the weights (and optimizer state, when compiled) as Keras' `.weights.h5`,
    /// atomically.
    fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        save_weights_file(self, path.as_ref())
    }

    /// Loads weights saved by `save_weights` (here or in Keras) into this model, which must have
    /// the same layers; the optimizer state too when the model is compiled. Nothing changes if
    /// the file does not match.
    fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        load_weights_file(self, path.as_ref())
    }

    /// Keras' JSON of the model (`model.to_json()`): module, class, config, and the compile
    /// config when compiled. Weights are not included.
    fn to_json(&self) -> String {
        crate::saving::model_entry(self).to_string()
    }

    /// Exports the model for another runtime (Keras 3's `model.export(filepath, format)`):
    /// `format = "onnx"` writes its inference graph as an ONNX model (opset 18, a dynamic batch
    /// axis, inputs and outputs named as the model's), which ONNX Runtime runs. A layer without
    /// an ONNX lowering is an error naming it; the write is atomic.
    ///
    /// ```
    /// use keras_rs::prelude::*;
    /// let model = Sequential::new().add(Input::new(&[4])).add(Dense::new(2).activation("softmax"));
    /// let path = std::env::temp_dir().join("keras_rs_export_doctest.onnx");
    /// model.export(&path, "onnx").unwrap();
    /// assert!(std::fs::metadata(&path).unwrap().len() > 0);
    /// let err = model.export(&path, "tf_saved_model").unwrap_err();
    /// assert!(err.to_string().contains("Unrecognized format=tf_saved_model"), "{err}");
    /// ```
    fn export(&self, path: impl AsRef<Path>, format: &str) -> Result<()> {
        if format != "onnx" {
            return Err(Error::value(format!(
                "Unrecognized format={format}. keras-rs exports format=\"onnx\" (Keras also has \"tf_saved_model\" \
                 and \"openvino\")."
            )));
        }
        let (inputs, outputs) = (self.input_signature()?, self.output_signature()?);
        let bytes = crate::saving::onnx::model_bytes(self.network(), self.model_name(), &inputs, &outputs)?;
        crate::saving::write_atomic(path.as_ref(), &bytes)
    }

    /// The model's variables (weights and non-trainable state) in Keras order.
    fn variables(&self) -> &[crate::models::Variable] {
        &self.network().variables
    }

    /// All weights as arrays in Keras order and layout.
    fn get_weights(&self) -> Result<Vec<ArrayD<f32>>> {
        self.network().get_weights()
    }

    /// Replaces all weights; same count, order and shapes as [`get_weights`](Self::get_weights).
    fn set_weights(&mut self, weights: &[ArrayD<f32>]) -> Result<()> {
        self.parts().0.set_weights(weights)
    }

    /// The number of parameters (trainable and not).
    fn count_params(&self) -> usize {
        self.network().count_params().0
    }

    /// The model's inputs: names and shapes, batch axis first (`None` where any size goes), in
    /// input order — what a serving signature or an export declares.
    ///
    /// ```
    /// use keras_rs::prelude::*;
    /// let model = Sequential::new().add(Input::new(&[3]).name("x")).add(Dense::new(2).name("y"));
    /// assert_eq!(model.input_signature().unwrap()[0].0, "x");
    /// assert_eq!(model.output_signature().unwrap()[0].1.to_string(), "(None, 2)");
    /// ```
    fn input_signature(&self) -> Result<Vec<(String, Shape)>> {
        self.input_specs()
    }

    /// Whether each input, in input order, takes strings (an `Input` of `dtype("string")`: the
    /// model then takes arrays of strings there; a serving signature declares `DT_STRING`).
    ///
    /// ```
    /// use keras_rs::prelude::*;
    /// let lookup = keras_rs::layers::StringLookup::new().vocabulary(vec!["a".into()]);
    /// let model = Sequential::new().add(Input::new(&[1]).dtype("string")).add(lookup);
    /// assert_eq!(model.string_input_flags(), vec![true]);
    /// ```
    fn string_input_flags(&self) -> Vec<bool> {
        let strings: Vec<usize> = self.string_inputs().iter().map(|s| s.index).collect();
        let count = self.input_specs().map_or(0, |specs| specs.len());
        (0..count).map(|i| strings.contains(&i)).collect()
    }

    /// The model's outputs: names (the output layers' names; a layer with several outputs, such
    /// as a recurrent layer with `return_state`, gives `lstm`, `lstm_1`, `lstm_2`) and shapes, in
    /// output order.
    fn output_signature(&self) -> Result<Vec<(String, Shape)>> {
        let mut specs = self.output_specs()?;
        let mut seen = std::collections::BTreeSet::new();
        for (name, _) in &mut specs {
            let base = name.clone();
            let mut k = 0;
            while !seen.insert(name.clone()) {
                k += 1;
                *name = format!("{base}_{k}");
            }
        }
        Ok(specs)
    }

    /// Zeroes the states of every stateful layer (Keras' `model.reset_states()`).
    fn reset_states(&mut self) {
        self.network().reset_states(None);
    }
}

impl<M: Saveable> KerasModel for M {}
