//! `save`, `save_weights`, `load_weights`, `to_json`, `get_config`, `from_config` on both model
//! types, and `load_model` / `model_from_json`, which return either type.

use std::path::Path;

use serde_json::{Value, json};

use super::compile_config::{compile_config, from_compile_config};
use super::config::{
    build_from_shape, functional_config, functional_from_config, module_of, sequential_config, sequential_from_config,
    truncated,
};
use super::h5io::{self, H5File};
use super::keras_file::{Unpacked, check_extension, pack, read_file, unpack, write_atomic};
use super::weights::{layer_assets, load_layer_states, load_optimizer, load_variables, weights_tree};
use crate::error::{Error, Result};
use crate::models::{Model, Sequential};
use crate::trainers::fit::{Trainable, output_names};

/// What saving needs from a model type.
pub(crate) trait Saveable: Trainable + Sized {
    /// Keras' class name: `"Sequential"` or `"Functional"`.
    fn model_class(&self) -> &'static str;
    /// The model's `config` object.
    fn model_config(&self) -> Value;
    /// `build_config.input_shape`.
    fn build_shape(&self) -> Value;
}

impl Saveable for Sequential {
    fn model_class(&self) -> &'static str {
        "Sequential"
    }
    fn model_config(&self) -> Value {
        sequential_config(self)
    }
    fn build_shape(&self) -> Value {
        self.input_shape().map_or(Value::Null, |s| json!(s.0))
    }
}

impl Saveable for Model {
    fn model_class(&self) -> &'static str {
        "Functional"
    }
    fn model_config(&self) -> Value {
        functional_config(self)
    }
    fn build_shape(&self) -> Value {
        Value::Null
    }
}

impl Sequential {
    /// The model's config (Keras' `model.get_config()`): its name and layers.
    pub fn get_config(&self) -> Value {
        sequential_config(self)
    }
    /// The model a [`get_config`](Self::get_config) describes, with fresh weights.
    pub fn from_config(config: &Value) -> Result<Self> {
        sequential_from_config(config)
    }
}

impl Model {
    /// The model's config (Keras' `model.get_config()`): its layers and how they connect.
    pub fn get_config(&self) -> Value {
        functional_config(self)
    }
    /// The model a [`get_config`](Self::get_config) describes, with fresh weights.
    pub fn from_config(config: &Value) -> Result<Self> {
        functional_from_config(config)
    }
}

/// The model's whole serialized form (`config.json`, `to_json`).
pub(crate) fn model_entry<M: Saveable>(m: &M) -> Value {
    let class = m.model_class();
    let (module, registered) = module_of(class);
    let mut entry = json!({"module": module, "class_name": class, "config": m.model_config(),
                           "registered_name": registered, "build_config": {"input_shape": m.build_shape()}});
    if let Some(c) = m.compiled_state() {
        entry["compile_config"] = compile_config(c, &output_names(m));
    }
    entry
}

fn weights_bytes<M: Saveable>(m: &M) -> Result<Vec<u8>> {
    m.check_deferred()?;
    m.input_specs().map_err(|_| {
        Error::State(format!(
            "Model \"{}\" has not been built yet, so it has no weights to save: add an `Input` or call `build` or \
             `fit` first.",
            m.model_name()
        ))
    })?;
    h5io::write(&weights_tree(m.network(), m.model_name(), m.compiled_state())?)
}

/// Loads variables (and the optimizer state when the model is compiled) from a weights file, and
/// what layers keep besides variables (from it and from a `.keras` file's `assets`).
fn load_weights_bytes<M: Saveable>(m: &mut M, bytes: Vec<u8>, label: &str, assets: &[(String, Vec<u8>)]) -> Result<()> {
    let file = H5File::from_bytes(bytes, label)?;
    let (network, _, compiled) = m.parts();
    if !file.has_group("layers") && !network.variables.is_empty() {
        return Err(Error::Format(format!("{label} has no `layers` group: it is not a Keras 3 weights file")));
    }
    // The layers' own entries first: a vocabulary read from the assets tells the variable check
    // which datasets beside the variables (`vars/idf_weights`) the layer's group holds.
    load_layer_states(network, &file, assets)?;
    load_variables(network, &file)?;
    if let Some(c) = compiled.as_mut()
        && file.has_group("optimizer")
    {
        load_optimizer(network, c, &file)?;
    }
    Ok(())
}

/// Compiles `m` as its `compile_config` says; like Keras, a config that cannot be compiled
/// leaves the model uncompiled with a warning.
fn compile_from<M: Saveable>(m: &mut M, entry: &Value) {
    let Some(cfg) = entry.get("compile_config").filter(|c| c.as_object().is_some_and(|o| !o.is_empty())) else {
        return;
    };
    let result = from_compile_config(cfg, &output_names(m))
        .and_then(|(opt, options)| crate::trainers::fit::compile(m, opt.into(), options));
    if let Err(e) = result {
        errln!("WARNING: the loaded model could not be compiled from its saved compile_config ({e}); call compile().");
    }
}

/// `model.save(path)` for either model type.
pub(crate) fn save_model<M: Saveable>(m: &M, path: &Path) -> Result<()> {
    check_extension(path, false)?;
    if !crate::distribution::is_chief() {
        return Ok(()); // under a distribution, rank 0 writes the file
    }
    let bytes = pack(&model_entry(m), &weights_bytes(m)?, &layer_assets(m.network()))?;
    write_atomic(path, &bytes)
}

/// `model.save_weights(path)` for either model type.
pub(crate) fn save_weights_file<M: Saveable>(m: &M, path: &Path) -> Result<()> {
    check_extension(path, true)?;
    if !crate::distribution::is_chief() {
        return Ok(()); // under a distribution, rank 0 writes the file
    }
    write_atomic(path, &weights_bytes(m)?)
}

/// `model.load_weights(path)` for either model type.
pub(crate) fn load_weights_file<M: Saveable>(m: &mut M, path: &Path) -> Result<()> {
    check_extension(path, true)?;
    load_weights_bytes(m, read_file(path)?, &path.display().to_string(), &[])
}

/// A model read from a file or JSON: a `Sequential` or a Functional `Model`, as saved. The
/// common methods work on either; `into_sequential`/`into_functional` give the model itself.
#[derive(Clone, Debug)]
pub enum LoadedModel {
    /// A `Sequential` model.
    Sequential(Sequential),
    /// A Functional model.
    Functional(Model),
}

macro_rules! both {
    ($self:expr, $m:ident => $e:expr) => {
        match $self {
            LoadedModel::Sequential($m) => $e,
            LoadedModel::Functional($m) => $e,
        }
    };
}

impl Trainable for LoadedModel {
    fn model_name(&self) -> &str {
        both!(self, m => m.model_name())
    }
    fn network(&self) -> &crate::models::Network {
        both!(self, m => m.network())
    }
    fn parts(
        &mut self,
    ) -> (&mut crate::models::Network, &mut crate::random::SeedGenerator, &mut Option<crate::trainers::Compiled>) {
        both!(self, m => m.parts())
    }
    fn compiled_state(&self) -> Option<&crate::trainers::Compiled> {
        both!(self, m => m.compiled_state())
    }
    fn check_deferred(&self) -> Result<()> {
        both!(self, m => Trainable::check_deferred(m))
    }
    fn build_from_data(&mut self, dims: &[&[usize]]) -> Result<()> {
        both!(self, m => m.build_from_data(dims))
    }
    fn input_specs(&self) -> Result<Vec<(String, crate::shape::Shape)>> {
        both!(self, m => m.input_specs())
    }
    fn output_specs(&self) -> Result<Vec<(String, crate::shape::Shape)>> {
        both!(self, m => m.output_specs())
    }
    fn input_owner(&self) -> String {
        both!(self, m => m.input_owner())
    }
    fn string_inputs(&self) -> Vec<crate::trainers::strings::StringInput<'_>> {
        both!(self, m => m.string_inputs())
    }
}

impl Saveable for LoadedModel {
    fn model_class(&self) -> &'static str {
        both!(self, m => m.model_class())
    }
    fn model_config(&self) -> Value {
        both!(self, m => m.model_config())
    }
    fn build_shape(&self) -> Value {
        both!(self, m => m.build_shape())
    }
}

impl LoadedModel {
    /// The `Sequential` model, or an error naming the class that was loaded.
    pub fn into_sequential(self) -> Result<Sequential> {
        match self {
            LoadedModel::Sequential(m) => Ok(m),
            LoadedModel::Functional(m) => Err(Error::value(format!("\"{}\" is a Functional model", m.name()))),
        }
    }
    /// The Functional model, or an error naming the class that was loaded.
    pub fn into_functional(self) -> Result<Model> {
        match self {
            LoadedModel::Functional(m) => Ok(m),
            LoadedModel::Sequential(m) => Err(Error::value(format!("\"{}\" is a Sequential model", m.name()))),
        }
    }
    /// The model's name.
    pub fn name(&self) -> &str {
        both!(self, m => m.name())
    }
    /// Keras' class name: `"Sequential"` or `"Functional"`.
    pub fn class_name(&self) -> &'static str {
        both!(self, m => crate::layers::Layer::class_name(m))
    }
    /// The outputs for `x` in inference mode, one array per output (see `Model::predict`).
    pub fn predict(
        &self,
        x: impl crate::trainers::ModelInputs,
        options: crate::trainers::PredictOptions,
    ) -> Result<Vec<ndarray::ArrayD<f32>>> {
        match self {
            LoadedModel::Sequential(m) => m.predict(x, options).map(|y| vec![y]),
            LoadedModel::Functional(m) => m.predict(x, options),
        }
    }
    /// The outputs for a dataset's inputs, one array per output (see `Model::predict_dataset`).
    pub fn predict_dataset(
        &mut self,
        dataset: &mut dyn crate::utils::PyDataset,
        options: crate::trainers::PredictOptions,
    ) -> Result<Vec<ndarray::ArrayD<f32>>> {
        match self {
            LoadedModel::Sequential(m) => m.predict_dataset(dataset, options).map(|y| vec![y]),
            LoadedModel::Functional(m) => m.predict_dataset(dataset, options),
        }
    }
    /// The layers in Keras' `model.layers` order.
    pub fn layers(&self) -> Vec<&dyn crate::layers::Layer> {
        both!(self, m => m.layers())
    }
    /// The summary table as a string.
    pub fn summary_string(&self) -> String {
        both!(self, m => m.summary_string())
    }
    /// Prints the summary table.
    pub fn summary(&self) {
        out!("{}", self.summary_string());
    }
}

/// Builds (and compiles, when it has a `compile_config`) the model a Keras model entry describes.
fn from_entry(entry: &Value) -> Result<LoadedModel> {
    let class = entry.get("class_name").and_then(Value::as_str).unwrap_or_default();
    let config = entry.get("config").ok_or_else(|| {
        Error::Format(format!("A model config needs a `config` object, received: {}", truncated(entry)))
    })?;
    let mut model = match class {
        "Sequential" => {
            let mut m = sequential_from_config(config)?;
            // Keras also records the input shape in the top-level `build_config`.
            build_from_shape(&mut m, entry.pointer("/build_config/input_shape"))?;
            LoadedModel::Sequential(m)
        }
        "Functional" | "Model" => LoadedModel::Functional(functional_from_config(config)?),
        other => {
            return Err(Error::UnknownIdentifier(format!(
                "Could not locate class '{other}': keras-rs loads `Sequential` and Functional models."
            )));
        }
    };
    both!(&mut model, m => compile_from(m, entry));
    Ok(model)
}

/// A model from Keras' JSON (`model.to_json()` here or in Python), with fresh weights;
/// compiled when the JSON has a `compile_config`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[3])).add(Dense::new(2).activation("relu"));
/// let again = keras_rs::models::model_from_json(&model.to_json()).unwrap();
/// assert_eq!(again.to_json(), model.to_json());
/// assert!(keras_rs::models::model_from_json("{\"class_name\": \"Sequential\"").is_err());
/// ```
pub fn model_from_json(json: &str) -> Result<LoadedModel> {
    let entry: Value = serde_json::from_str(json)?;
    LoadOptions::new().run(|| from_entry(&entry))
}

/// Options of a load ([`LoadOptions::load_model`], [`LoadOptions::model_from_json`]): limits on
/// what a model file may make keras-rs allocate. The plain loading functions use the defaults.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::saving::LoadOptions;
/// let json = Sequential::new().add(Input::new(&[1000])).add(Dense::new(1000)).to_json();
/// // 1,001,000 values: over a budget of one million.
/// let err = LoadOptions::new().max_variable_values(1_000_000).model_from_json(&json).unwrap_err();
/// assert!(err.to_string().contains("more than the load budget of 1000000"), "{err}");
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct LoadOptions {
    /// The most float32 values all of the model's variables may hold together (default 2^31,
    /// 8 GiB): each layer is checked before its variables are allocated, and the first one that
    /// takes the running total past the budget is refused (a single variable is also capped at
    /// 2^31 values).
    pub max_variable_values: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { max_variable_values: 1 << 31 }
    }
}

impl LoadOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`LoadOptions::max_variable_values`].
    pub fn max_variable_values(mut self, values: usize) -> Self {
        self.max_variable_values = values;
        self
    }
    /// [`load_model`] under these options.
    pub fn load_model(self, path: impl AsRef<Path>) -> Result<LoadedModel> {
        let path = path.as_ref();
        check_extension(path, false)?;
        let bytes = read_file(path)?;
        self.run(|| load_keras_bytes(bytes, &path.display().to_string()))
    }
    /// [`model_from_json`] under these options.
    pub fn model_from_json(self, json: &str) -> Result<LoadedModel> {
        let entry: Value = serde_json::from_str(json)?;
        self.run(|| from_entry(&entry))
    }
    /// Runs `load` with the budget in force on this thread (see `models::network`).
    fn run<R>(self, load: impl FnOnce() -> Result<R>) -> Result<R> {
        crate::models::network::with_variable_budget(self.max_variable_values, load)
    }
}

/// Loads a `.keras` file saved by keras-rs or Python Keras 3: the architecture, the weights,
/// and — when it was saved compiled — the compile config and optimizer state, so `fit`
/// resumes where it stopped.
///
/// ```no_run
/// let model = keras_rs::models::load_model("mnist.keras").unwrap();
/// model.summary();
/// ```
pub fn load_model(path: impl AsRef<Path>) -> Result<LoadedModel> {
    LoadOptions::new().load_model(path)
}

/// [`load_model`] on the bytes of a `.keras` file (e.g. embedded with `include_bytes!` or
/// downloaded), without touching the file system.
///
/// ```
/// assert!(keras_rs::models::load_model_from_bytes(b"not a zip".to_vec()).is_err());
/// ```
pub fn load_model_from_bytes(bytes: Vec<u8>) -> Result<LoadedModel> {
    LoadOptions::new().run(|| load_keras_bytes(bytes, "the .keras data"))
}

fn load_keras_bytes(bytes: Vec<u8>, label: &str) -> Result<LoadedModel> {
    let Unpacked { config: entry, weights, assets } = unpack(bytes, label)?;
    let mut model = from_entry(&entry)?;
    // Layers never built have no variables to take the weights: Keras refuses such a file too.
    if !model.layers().is_empty() && both!(&model, m => m.input_specs().is_err()) {
        return Err(Error::Format(format!("{label}: the model has no input shape (no InputLayer or build_config)")));
    }
    both!(&mut model, m => load_weights_bytes(m, weights, &format!("{label} (model.weights.h5)"), &assets))?;
    Ok(model)
}
