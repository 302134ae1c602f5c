//! `Sequential`: a linear stack of layers, Keras' most common model.

use crate::error::{Error, Result};
use crate::layers::{Layer, unique_name};
use crate::models::network::Network;
use crate::models::summary::{self, SummaryRow};
use crate::random::{SeedGenerator, next_seed};
use crate::shape::Shape;
use crate::trainers::Compiled;

/// Keras' `Sequential` model.
///
/// Layers are built as soon as the input shape is known (an [`Input`](crate::layers::Input)
/// first, or the data of the first `fit`/`predict`), so shapes are checked while adding.
///
/// ```
/// use keras_rs::prelude::*;
/// let mut model = Sequential::new()
///     .add(Input::new(&[4]))
///     .add(Dense::new(8).activation("relu"))
///     .add(Dense::new(3).activation("softmax"));
/// assert_eq!(model.count_params(), 4 * 8 + 8 + 8 * 3 + 3);
/// model.compile(Adam::new(), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
/// let x = ndarray::Array2::<f32>::zeros((6, 4));
/// let y = ndarray::Array1::<f32>::zeros(6);
/// let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(4).verbose(0)).unwrap();
/// assert_eq!(history.history["loss"].len(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct Sequential {
    pub(crate) base: crate::layers::LayerBase,
    input: Option<Shape>,
    input_name: Option<String>,
    input_dtype: Option<String>,
    pending: Vec<Box<dyn Layer>>,
    pub(crate) network: Network,
    deferred_error: Option<String>,
    pub(crate) rng: SeedGenerator,
    seed: u64,
    pub(crate) compiled: Option<Compiled>,
}

impl Default for Sequential {
    fn default() -> Self {
        Self::new()
    }
}

impl Sequential {
    /// An empty model named `sequential`, on [`default_device`](crate::backends::default_device),
    /// seeded from [`set_random_seed`](crate::utils::set_random_seed) or the clock.
    pub fn new() -> Self {
        let seed = next_seed();
        Sequential {
            base: crate::layers::LayerBase { name: Some("sequential".into()), ..Default::default() },
            input: None,
            input_name: None,
            input_dtype: None,
            pending: Vec::new(),
            network: Network::new(keras_rs_backends::default_device()),
            deferred_error: None,
            rng: SeedGenerator::new(seed),
            seed,
            compiled: None,
        }
    }

    /// An empty model with a name (Keras: `Sequential(name=...)`).
    pub fn named(name: &str) -> Self {
        let mut m = Self::new();
        m.base.name = Some(name.to_string());
        m
    }

    /// Seeds weight initialisation, shuffling and dropout of this model. Call before `add`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self.rng = SeedGenerator::new(seed);
        self
    }

    /// Uses `device` for weights and computation. Call before `add`.
    pub fn device(mut self, device: burn::tensor::Device) -> Self {
        self.network.device = device;
        self
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("sequential")
    }

    /// Appends a layer (builder form; an error, e.g. incompatible shapes, is reported by the
    /// next call that returns a `Result`). See [`Sequential::add_layer`] to get it at once.
    #[allow(clippy::should_implement_trait)] // Keras names it `add`
    pub fn add(mut self, layer: impl Layer + 'static) -> Self {
        if self.deferred_error.is_none()
            && let Err(e) = self.add_layer(layer)
        {
            self.deferred_error = Some(e.to_string());
        }
        self
    }

    /// Appends a layer, checking its name and shapes now (Keras' `model.add(layer)`).
    pub fn add_layer(&mut self, layer: impl Layer + 'static) -> Result<()> {
        self.add_boxed(Box::new(layer))
    }

    /// Appends a boxed layer.
    pub fn add_boxed(&mut self, mut layer: Box<dyn Layer>) -> Result<()> {
        if let Some(shape) = layer.declared_input_shape() {
            if self.input.is_some() || !self.pending.is_empty() || !self.network.layers.is_empty() {
                return Err(Error::value(
                    "An `Input` can only be the first layer of a Sequential model. Received an Input after other layers.",
                ));
            }
            self.input = Some(shape);
            self.input_name = layer.name().map(str::to_string);
            self.input_dtype = layer.get_config().get("dtype").and_then(serde_json::Value::as_str).map(str::to_string);
            return Ok(());
        }
        let first = self.network.layers.is_empty() && self.pending.is_empty();
        let string_input = first && self.input.is_some() && self.input_dtype() == "string";
        crate::models::graph::check_string_call(layer.as_ref(), string_input, string_input)?;
        self.assign_name(layer.as_mut())?;
        if layer.num_outputs() > 1 {
            return Err(Error::value(format!(
                "Layer \"{}\" returns {} tensors (return_state=True: its output and its final states); a \
                 Sequential model passes exactly one tensor from layer to layer. Use return_state in a Functional \
                 model (`call_with_states` gives the states meanwhile), or set it to false.",
                layer.name().unwrap_or("?"),
                layer.num_outputs()
            )));
        }
        match self.current_output_shape() {
            Some(shape) => self.network.push(layer, shape, &mut self.rng),
            None => {
                self.pending.push(layer);
                Ok(())
            }
        }
    }

    fn assign_name(&self, layer: &mut dyn Layer) -> Result<()> {
        let taken = |n: &str| self.layers().iter().any(|l| l.name() == Some(n));
        if let Some(name) = layer.name() {
            if taken(name) {
                return Err(Error::value(format!(
                    "All layers added to a Sequential model should have unique names. Name '{name}' is already the \
                     name of a layer in this model. Update the `name` argument to pass a unique name."
                )));
            }
            return Ok(());
        }
        layer.base_mut().name = Some(unique_name(layer.class_name(), taken));
        Ok(())
    }

    fn current_output_shape(&self) -> Option<Shape> {
        self.network.output_shape().cloned().or_else(|| self.input.clone().filter(|_| self.pending.is_empty()))
    }

    /// Removes the last layer (Keras' `model.pop()`).
    pub fn pop(&mut self) -> Option<Box<dyn Layer>> {
        self.pending.pop().or_else(|| self.network.pop().map(|e| e.layer))
    }

    /// The layers, in order (the `Input` is not a layer, as in Keras 3).
    pub fn layers(&self) -> Vec<&dyn Layer> {
        self.network.layers.iter().map(|e| e.layer.as_ref()).chain(self.pending.iter().map(|l| l.as_ref())).collect()
    }

    /// The layer called `name`.
    pub fn get_layer(&self, name: &str) -> Result<&dyn Layer> {
        self.layers().into_iter().find(|l| l.name() == Some(name)).ok_or_else(|| {
            let names: Vec<&str> = self.layers().iter().filter_map(|l| l.name()).collect();
            Error::value(format!("No such layer: {name}. Existing layers are: {names:?}."))
        })
    }

    /// Builds the model for inputs of per-sample shape `input_shape` (Keras' `model.build`).
    pub fn build(&mut self, input_shape: &[usize]) -> Result<()> {
        self.check_deferred()?;
        if self.input.is_none() {
            self.input = Some(Shape::batched(input_shape));
        }
        let pending = std::mem::take(&mut self.pending);
        for layer in pending {
            let shape = self.current_output_shape().expect("input is known");
            self.network.push(layer, shape, &mut self.rng)?;
        }
        Ok(())
    }

    pub(crate) fn check_deferred(&self) -> Result<()> {
        match &self.deferred_error {
            Some(e) => Err(Error::value(e.clone())),
            None => Ok(()),
        }
    }

    /// Whether every layer is built.
    pub fn built(&self) -> bool {
        self.pending.is_empty() && self.input.is_some()
    }

    /// The input shape, batch axis included, once known.
    pub fn input_shape(&self) -> Option<Shape> {
        self.input.clone()
    }

    /// The output shape, batch axis included, once built.
    pub fn output_shape(&self) -> Result<Shape> {
        self.check_deferred()?;
        self.current_output_shape().filter(|_| self.pending.is_empty()).ok_or_else(|| {
            Error::State("The model has not been built yet: add an `Input` or call `build`/`fit`.".into())
        })
    }

    /// Zeroes the states of one stateful layer (Keras' `model.get_layer(name).reset_states()`).
    pub fn reset_layer_states(&mut self, name: &str) -> Result<()> {
        let index = self.network.layers.iter().position(|e| e.layer.name() == Some(name));
        let index = index.ok_or_else(|| Error::value(format!("No such layer: {name}.")))?;
        self.network.reset_states(Some(index));
        Ok(())
    }

    /// The summary table as a string (see [`Sequential::summary`]).
    pub fn summary_string(&self) -> String {
        self.summary_with_width(summary::default_line_length())
    }

    /// The summary table for a given line length.
    pub fn summary_with_width(&self, line_length: usize) -> String {
        if let Some(e) = &self.deferred_error {
            return format!("Model: \"{}\" is invalid: {e}\n", self.name());
        }
        let mut rows: Vec<SummaryRow> =
            self.network.layers.iter().map(|e| SummaryRow::for_entry(&self.network, e)).collect();
        rows.extend(self.pending.iter().map(|l| SummaryRow::new(l.as_ref(), None, 0)));
        let optimizer = self.compiled.as_ref().and_then(|c| c.state.param_count());
        summary::render(self.name(), &rows, self.network.count_params(), optimizer, line_length)
    }

    /// Prints Keras 3's summary table: `Layer (type)`, `Output Shape`, `Param #`, totals.
    pub fn summary(&self) {
        out!("{}", self.summary_string());
    }

    /// The seed this model's random source started from.
    pub fn random_seed(&self) -> u64 {
        self.seed
    }

    /// The name given to the `Input`, if any.
    pub fn input_name(&self) -> Option<&str> {
        self.input_name.as_deref()
    }

    /// The data type the `Input` declared (`"float32"` unless set, e.g. `"int32"` for token ids).
    pub fn input_dtype(&self) -> &str {
        self.input_dtype.as_deref().unwrap_or("float32")
    }
}
