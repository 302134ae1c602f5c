//! The `Layer` abstraction: config, shape inference, weights in Keras order, forward pass.

use burn::tensor::{Device, Tensor};
use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::error::Result;
use crate::initializers::Initializer;
use crate::random::SeedGenerator;
use crate::shape::Shape;

/// A weight a layer asks for when it is built, in Keras' order for that layer.
#[derive(Clone, Debug)]
pub struct VariableSpec {
    /// Keras' variable name within the layer (`kernel`, `bias`, `gamma`, ...).
    pub name: String,
    /// The shape in Keras layout (Dense kernel `(in, out)`).
    pub shape: Vec<usize>,
    /// How to fill it.
    pub initializer: Initializer,
    /// Whether the optimizer updates it (BatchNormalization's moving statistics are not).
    pub trainable: bool,
    /// `(fan_in, fan_out)` for variance-scaling initializers when the shape alone does not say
    /// (Keras' `input_axes`/`output_axes`: an `EinsumDense` kernel); `None` computes them from
    /// the shape as Keras' `compute_fans` does.
    pub fans: Option<(f32, f32)>,
}

impl VariableSpec {
    /// A trainable weight.
    pub fn trainable(name: &str, shape: Vec<usize>, initializer: Initializer) -> Self {
        VariableSpec { name: name.to_string(), shape, initializer, trainable: true, fans: None }
    }

    /// The same weight with its fans taken from `input_axes` and `output_axes` of its shape, as
    /// Keras' `compute_fans(shape, input_axes, output_axes)`.
    pub fn with_fan_axes(mut self, input_axes: &[usize], output_axes: &[usize]) -> Self {
        let product = |axes: &[usize]| axes.iter().map(|&a| self.shape[a]).product::<usize>() as f32;
        self.fans = Some((product(input_axes), product(output_axes)));
        self
    }

    /// A weight the optimizer does not update (moving statistics).
    pub fn non_trainable(name: &str, shape: Vec<usize>, initializer: Initializer) -> Self {
        VariableSpec { name: name.to_string(), shape, initializer, trainable: false, fans: None }
    }
}

/// A layer's weights during a forward pass, in its [`Layer::build`] order: by name
/// (`weights.get("kernel")` flat, `weights.tensor::<2>("kernel")` in its Keras shape) or by
/// index (`weights[0]`, flat).
///
/// ```
/// use keras_rs::burn::tensor::Tensor;
/// use keras_rs::layers::Weights;
/// let device = keras_rs::backends::default_device();
/// let values = [Tensor::<1>::ones([6], &device)];
/// let weights = Weights::from(&values);
/// assert_eq!(weights[0].dims(), [6]);
/// // Weights built from a plain list have no names (a model's always do).
/// assert!(weights.get("kernel").is_err());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Weights<'a> {
    values: &'a [Tensor<1>],
    /// The model's variables these values stand for (names and Keras shapes); empty for a plain list.
    variables: &'a [crate::models::Variable],
}

impl<'a> Weights<'a> {
    /// The values of `variables` (an autodiff leaf in training, the plain value in inference).
    pub(crate) fn of_variables(values: &'a [Tensor<1>], variables: &'a [crate::models::Variable]) -> Self {
        Weights { values, variables }
    }

    /// The weights `range` of these (a wrapped layer's), keeping their names.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Weights<'a> {
        let variables = if self.variables.is_empty() { self.variables } else { &self.variables[range.clone()] };
        Weights { values: &self.values[range], variables }
    }

    /// The position of weight `name` in `build` order (for [`CallContext::update_variable`]).
    pub fn index_of(&self, name: &str) -> Result<usize> {
        let found = self.variables.iter().position(|v| v.path == name || v.path.ends_with(&format!("/{name}")));
        found.ok_or_else(|| {
            let known: Vec<&str> = self.variables.iter().map(|v| v.path.rsplit('/').next().unwrap_or("")).collect();
            crate::Error::value(format!("The layer has no weight named `{name}`; its weights are {known:?}."))
        })
    }

    /// The weight `name` (as `build` named it in its [`VariableSpec`]), flat.
    pub fn get(&self, name: &str) -> Result<Tensor<1>> {
        Ok(self.values[self.index_of(name)?].clone())
    }

    /// The weight `name` in its Keras shape, which must have `D` axes (`tensor::<2>("kernel")` for
    /// a Dense kernel `(in, units)`).
    pub fn tensor<const D: usize>(&self, name: &str) -> Result<Tensor<D>> {
        let i = self.index_of(name)?;
        let shape = &self.variables[i].shape;
        let dims: [usize; D] = shape
            .as_slice()
            .try_into()
            .map_err(|_| crate::Error::value(format!("Weight `{name}` has shape {shape:?}, not {D} axes.")))?;
        Ok(self.values[i].clone().reshape(dims))
    }
}

impl std::ops::Deref for Weights<'_> {
    type Target = [Tensor<1>];
    fn deref(&self) -> &[Tensor<1>] {
        self.values
    }
}

impl<'a> From<&'a [Tensor<1>]> for Weights<'a> {
    fn from(values: &'a [Tensor<1>]) -> Self {
        Weights { values, variables: &[] }
    }
}

impl<'a, const N: usize> From<&'a [Tensor<1>; N]> for Weights<'a> {
    fn from(values: &'a [Tensor<1>; N]) -> Self {
        Weights { values, variables: &[] }
    }
}

impl<'a> From<&'a Vec<Tensor<1>>> for Weights<'a> {
    fn from(values: &'a Vec<Tensor<1>>) -> Self {
        Weights { values, variables: &[] }
    }
}

/// What a layer's forward pass may use besides its input and weights.
pub struct CallContext<'a> {
    /// `true` inside `fit` (dropout active), `false` in `evaluate`/`predict`.
    pub training: bool,
    /// The model's seeded random source (dropout masks).
    pub rng: &'a mut SeedGenerator,
    /// The device the tensors live on.
    pub device: &'a Device,
    /// Where the current layer's variables start among the model's variables (set by the model).
    pub(crate) var_offset: usize,
    /// New values for non-trainable variables (BatchNormalization's moving statistics),
    /// applied by the model after the step: (model variable index, value).
    pub updates: Vec<(usize, Tensor<1>)>,
    /// The index of the current layer in the model (set by the model).
    pub(crate) layer_index: usize,
    /// Recurrent states carried between calls, per layer (stateful RNNs).
    pub(crate) states: Vec<Option<Vec<Tensor<2>>>>,
    /// Set by a Sequential model in inference when the next layer is a `MaxPooling2D`: its
    /// pooling, which a `Conv2D` may apply to its own output in the same op (it then sets
    /// `pooled`, and the model skips the pooling layer).
    pub(crate) next_max_pool: Option<MaxPoolHint>,
    /// Whether the current layer applied `next_max_pool`.
    pub(crate) pooled: bool,
    /// The losses layers added in this pass (activity regularization, [`CallContext::add_loss`]:
    /// Keras' `layer.losses`), added to the loss by `fit` and `evaluate`.
    pub(crate) activity_losses: Vec<Tensor<1>>,
    /// Under a distribution, which rows of the global batch this pass computes: random masks
    /// are drawn for the whole global batch (as one process would) and sliced.
    pub(crate) share: Option<crate::trainers::Share>,
    /// The non-tensor keyword arguments of the current call in a Functional graph (Keras'
    /// `mha(q, v, use_causal_mask=True)`), checked by [`Layer::check_call_kwarg`].
    pub call_kwargs: serde_json::Map<String, Value>,
    /// The states a recurrent layer starts from in this call (Keras' `initial_state=[h, c]`),
    /// taken by the layer.
    pub(crate) initial_state: Option<Vec<Tensor<2>>>,
    /// The masks of the current call's inputs (Keras' `_keras_mask`: `(batch, steps)`, 1.0 where
    /// a step is real, 0.0 where it is padding), set by the model.
    pub input_masks: Vec<Option<Tensor<2>>>,
    /// The call's keyword tensor other than a mask ([`Layer::keyword_input`]: Keras'
    /// `attention_mask`), set by the model for the layer to take.
    pub keyword_tensor: Option<DynTensor>,
    /// The masks the model's outputs carry after the last pass (Keras' `_keras_mask` on
    /// `y_pred`), one per output, set by the model; the loss and mean metrics are weighted by them.
    pub(crate) output_masks: Vec<Option<Tensor<2>>>,
}

/// A `MaxPooling2D`'s arguments, as its config gives them.
#[derive(Clone, Debug)]
pub(crate) struct MaxPoolHint {
    pub(crate) pool_size: [usize; 2],
    pub(crate) strides: [usize; 2],
    pub(crate) padding: String,
}

impl MaxPoolHint {
    /// The pooling of `layer`, if it is a `MaxPooling2D`.
    pub(crate) fn of(layer: &dyn Layer) -> Option<Self> {
        if layer.class_name() != "MaxPooling2D" {
            return None;
        }
        let config = layer.config();
        let pair = |key: &str| -> Option<[usize; 2]> {
            let v: Vec<usize> = serde_json::from_value(config.get(key)?.clone()).ok()?;
            v.try_into().ok()
        };
        let padding = config.get("padding")?.as_str()?.to_string();
        Some(MaxPoolHint { pool_size: pair("pool_size")?, strides: pair("strides")?, padding })
    }
}

impl<'a> CallContext<'a> {
    /// A context for one forward pass.
    pub fn new(training: bool, rng: &'a mut SeedGenerator, device: &'a Device) -> Self {
        CallContext {
            training,
            rng,
            device,
            var_offset: 0,
            updates: Vec::new(),
            layer_index: 0,
            states: Vec::new(),
            next_max_pool: None,
            pooled: false,
            activity_losses: Vec::new(),
            share: None,
            call_kwargs: serde_json::Map::new(),
            initial_state: None,
            input_masks: Vec::new(),
            keyword_tensor: None,
            output_masks: Vec::new(),
        }
    }

    /// A dropout mask for `batch` samples of `per_sample` values each, from the model's
    /// generator. Under a distribution, the mask of the whole global batch is drawn and this
    /// rank's rows are kept, so every rank's generator stays in step and the masks are those
    /// one process would draw.
    pub(crate) fn dropout_mask(&mut self, batch: usize, per_sample: usize, rate: f32) -> Vec<f32> {
        self.random_rows(batch, per_sample, |rng, n| rng.dropout_mask(n, rate))
    }

    /// `batch * per_sample` normal samples of `mean` and `stddev` (GaussianNoise,
    /// GaussianDropout), drawn as [`CallContext::dropout_mask`] draws its masks.
    pub(crate) fn normal(&mut self, batch: usize, per_sample: usize, mean: f32, stddev: f32) -> Vec<f32> {
        self.random_rows(batch, per_sample, |rng, n| (0..n).map(|_| mean + stddev * rng.normal()).collect())
    }

    /// `batch * per_sample` uniform samples in `[low, high)` (the augmentation layers' random
    /// parameters), drawn as [`CallContext::dropout_mask`] draws its masks.
    pub(crate) fn uniform(&mut self, batch: usize, per_sample: usize, low: f32, high: f32) -> Vec<f32> {
        self.random_rows(batch, per_sample, |rng, n| (0..n).map(|_| rng.uniform(low, high)).collect())
    }

    /// `draw(generator, n)` for `batch` rows of `per_sample` values; under a distribution for
    /// the whole global batch, keeping this rank's rows.
    fn random_rows(
        &mut self,
        batch: usize,
        per_sample: usize,
        draw: impl Fn(&mut SeedGenerator, usize) -> Vec<f32>,
    ) -> Vec<f32> {
        match self.share {
            Some(share) if share.rows == batch => {
                let all = draw(self.rng, share.global * per_sample);
                all[share.offset * per_sample..(share.offset + batch) * per_sample].to_vec()
            }
            _ => draw(self.rng, batch * per_sample),
        }
    }

    /// Records `layer`'s activity penalty on its `output`, if it has an activity regularizer:
    /// the penalty over the batch size, as Keras' `Layer.__call__` adds it.
    pub(crate) fn add_activity_loss(&mut self, layer: &dyn Layer, output: &DynTensor) -> Result<()> {
        let Some(regularizer) = layer.activity_regularizer() else { return Ok(()) };
        let dims = output.dims();
        let n: usize = dims.iter().product();
        let flat = output.clone().reshape(&[n])?.into_rank::<1>("activity_regularizer")?;
        let batch = dims.first().copied().unwrap_or(1).max(1) as f32;
        self.activity_losses.push(regularizer.penalty(flat).div_scalar(batch));
        Ok(())
    }

    /// Adds `loss` (a one-element tensor computed from this pass' tensors) to the model's loss in
    /// `fit` and `evaluate`, as Keras' `self.add_loss(value)` inside a layer's `call` does; it is
    /// counted in the reported `loss`.
    pub fn add_loss(&mut self, loss: Tensor<1>) {
        self.activity_losses.push(loss);
    }

    /// Takes the current layer's carried states, if any (stateful RNNs).
    pub fn take_state(&mut self) -> Option<Vec<Tensor<2>>> {
        self.states.get_mut(self.layer_index).and_then(Option::take)
    }

    /// Stores the current layer's final states for its next call, detached from the autodiff
    /// graph (state carries across batches without gradient, as in Keras).
    pub fn set_state(&mut self, states: Vec<Tensor<2>>) {
        if self.states.len() <= self.layer_index {
            self.states.resize(self.layer_index + 1, None);
        }
        self.states[self.layer_index] = Some(states.into_iter().map(|t| t.inner()).collect());
    }

    /// Asks the model to set the current layer's variable `index` (in `build` order) to `value`
    /// after the step. The value is detached from the autodiff graph.
    pub fn update_variable(&mut self, index: usize, value: Tensor<1>) {
        self.updates.push((self.var_offset + index, value.inner()));
    }
}

/// Fields every layer has: its name and whether it trains.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerBase {
    /// The layer's name; the model assigns Keras-style names (`dense`, `dense_1`) when unset.
    pub name: Option<String>,
    /// `false` freezes the layer's weights.
    pub trainable: Option<bool>,
    /// Which layer instance this is: a clone is the same layer (Functional models share the
    /// weights of every call of one instance); each constructor makes a new one.
    pub id: u64,
}

impl Default for LayerBase {
    fn default() -> Self {
        LayerBase { name: None, trainable: None, id: next_layer_id() }
    }
}

/// A process-wide unique layer instance id.
pub(crate) fn next_layer_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl LayerBase {
    /// Keras' common config entries: `name`, `trainable`, `dtype`.
    pub fn config(&self) -> Value {
        json!({
            "name": self.name,
            "trainable": self.trainable.unwrap_or(true),
            "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
        })
    }

    /// Reads `name` and `trainable` from a Keras config.
    pub fn from_config(config: &Value) -> Self {
        LayerBase {
            name: config.get("name").and_then(Value::as_str).map(str::to_string),
            trainable: config.get("trainable").and_then(Value::as_bool),
            id: next_layer_id(),
        }
    }
}

/// A Keras layer.
///
/// A layer is its config (Keras argument names and defaults) plus what `build` learns from the
/// input shape. Weights live in the model, in the order [`Layer::build`] returns them; the
/// forward pass receives them as flat tensors and reshapes them to their Keras layout.
pub trait Layer: std::fmt::Debug + Send + Sync {
    /// Keras' class name (`"Dense"`).
    fn class_name(&self) -> &'static str;
    /// The common fields.
    fn base(&self) -> &LayerBase;
    /// The common fields, mutably.
    fn base_mut(&mut self) -> &mut LayerBase;
    /// The layer-specific config entries with Keras' argument names.
    fn config(&self) -> Value;
    /// Output shape for an input shape, or a Keras-style error naming the layer.
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape>;
    /// Checks the input shape, remembers what the forward pass needs, and lists the weights.
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>>;
    /// The forward pass (Keras' `call`): `weights` are this layer's variables, by name or in
    /// [`Layer::build`] order. (The Functional API's `layer.call(&x)` builds the graph.)
    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor>;
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn Layer>;

    /// The layer's name (`None` until a model names it).
    fn name(&self) -> Option<&str> {
        self.base().name.as_deref()
    }
    /// The full Keras config: common entries plus [`Layer::config`].
    fn get_config(&self) -> Value {
        let mut cfg = self.base().config();
        if let (Some(dst), Value::Object(src)) = (cfg.as_object_mut(), self.config()) {
            dst.extend(src);
        }
        cfg
    }
    /// Adjusts the freshly initialised values of variable `index` (in `build` order); LSTM uses
    /// it for Keras' `unit_forget_bias`. The default leaves them as sampled.
    fn initial_values(&self, _index: usize, _values: &mut [f32]) {}
    /// How many tensors the layer returns: 1, or more for a recurrent layer with
    /// `return_state(true)` (its output and final states). `Sequential` takes one-output layers only.
    fn num_outputs(&self) -> usize {
        1
    }
    /// Output shapes for several input shapes (merging layers, nested models, recurrent
    /// layers with `return_state`). The default takes exactly one input and gives one output.
    fn compute_output_shapes(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        Ok(vec![self.compute_output_shape(one_input(self.name(), input_shapes)?)?])
    }
    /// [`Layer::build`] for several inputs; the default takes exactly one.
    fn build_multi(&mut self, input_shapes: &[Shape]) -> Result<Vec<VariableSpec>> {
        let shape = one_input(self.name(), input_shapes)?.clone();
        self.build(&shape)
    }
    /// [`Layer::forward`] on several inputs, giving [`Layer::num_outputs`] outputs; the default
    /// takes exactly one input and gives one output.
    fn forward_multi(
        &self,
        inputs: Vec<DynTensor>,
        weights: Weights<'_>,
        ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        Ok(vec![self.forward(single_input(self.name(), inputs)?, weights, ctx)?])
    }
    /// Whether the layer keeps state between calls (a stateful RNN).
    fn stateful(&self) -> bool {
        false
    }
    /// Where each of the layer's `count` variables lives in Keras' weights file, relative to the
    /// layer's group: `vars/0`, `vars/1`, ... by default; recurrent layers keep theirs in
    /// `cell/vars/..`, wrappers under the wrapped layer's attribute name.
    fn weight_paths(&self, count: usize) -> Vec<String> {
        (0..count).map(|i| format!("vars/{i}")).collect()
    }
    /// Weight regularizers: `(variable index in build order, regularizer)`; their penalties are
    /// added to the loss (Keras' `kernel_regularizer`, `bias_regularizer`).
    fn regularizers(&self) -> Vec<(usize, crate::regularizers::Regularizer)> {
        Vec::new()
    }
    /// A penalty on the layer's output added to the loss (Keras' `activity_regularizer`), divided
    /// by the batch size as Keras does.
    fn activity_regularizer(&self) -> Option<crate::regularizers::Regularizer> {
        None
    }
    /// Weight constraints: `(variable index in build order, constraint)`, applied after each
    /// optimizer update (Keras' `kernel_constraint`, `bias_constraint`).
    fn constraints(&self) -> Vec<(usize, crate::constraints::Constraint)> {
        Vec::new()
    }
    /// The positional `args` of a call in `config.json` and the tensors it passes by keyword,
    /// given the call's tensors as Keras writes them: one tensor alone, several as one list
    /// (`Add()([a, b])`) by default; a layer called on separate tensors (`mha(query, value)`),
    /// with keyword tensors (`lstm(x, initial_state=[h, c])`) or an op with numbers among its
    /// arguments (`x + 1.5`) lays them out its own way.
    fn call_args(&self, tensors: Vec<Value>) -> (Vec<Value>, serde_json::Map<String, Value>) {
        let args = if tensors.len() == 1 { tensors } else { vec![Value::Array(tensors)] };
        (args, serde_json::Map::new())
    }
    /// The keyword arguments of the layer's call that carry tensors (`initial_state`): when a
    /// graph is read, their tensors follow the positional ones, in this order.
    fn tensor_kwargs(&self) -> &'static [&'static str] {
        &[]
    }
    /// Reads the positional `args` of the call being rebuilt from `config.json`, for a layer
    /// whose call takes more than tensors (an op's numbers, `GetItem`'s index). By default the
    /// tensors are all there is.
    fn read_call_args(&mut self, _args: &Value) -> Result<()> {
        Ok(())
    }
    /// Keras' module for an op node of a graph (`keras.src.ops.numpy`); `None` for a layer.
    /// Ops hold no weights and are not in Keras' `model.layers`.
    fn module(&self) -> Option<&'static str> {
        None
    }
    /// The output shapes of a call with these non-tensor keyword arguments (Keras'
    /// `return_attention_scores=True` adds the scores); by default
    /// [`Layer::compute_output_shapes`], whatever the arguments.
    fn call_output_shapes(
        &self,
        input_shapes: &[Shape],
        kwargs: &serde_json::Map<String, Value>,
    ) -> Result<Vec<Shape>> {
        let _ = kwargs;
        self.compute_output_shapes(input_shapes)
    }
    /// Checks one non-tensor keyword argument of a call in a Functional graph (Keras'
    /// `use_causal_mask=True`); the forward pass reads it from [`CallContext::call_kwargs`].
    /// By default a layer's call takes none.
    fn check_call_kwarg(&self, key: &str, value: &Value) -> Result<()> {
        Err(crate::Error::value(format!(
            "Layer \"{}\" ({}) got an unexpected keyword argument '{key}' (= {value}): keras-rs calls it on its \
             input tensors only",
            self.name().map_or_else(|| to_snake_case(self.class_name()), str::to_string),
            self.class_name()
        )))
    }
    /// Keras' `build_config` for these input shapes, when it is not `{"input_shape": ...}`
    /// (`MultiHeadAttention` writes `{"shapes_dict": {"query_shape": ..., ...}}`).
    fn build_config(&self, _input_shapes: &[Shape]) -> Option<Value> {
        None
    }
    /// Whether the layer runs on inputs with unknown sizes after the batch axis (a sequence of
    /// any length: `Input(shape=(None, 8))`), reading the sizes from each batch. Layers that
    /// have not been checked for it refuse such shapes when they are built.
    fn takes_unknown_sizes(&self) -> bool {
        false
    }
    /// Whether the layer's call takes an explicit `mask` (Keras' `layer(x, mask=m)`, which
    /// Keras 3 writes into a Functional graph for recurrent layers and `GlobalAveragePooling1D`).
    fn takes_mask_argument(&self) -> bool {
        false
    }
    /// The keyword tensor a call may pass besides the data (the call's last input, see
    /// [`CallContext::keyword_tensor`]): `"mask"` for a layer that takes an explicit mask
    /// ([`Layer::takes_mask_argument`]), `"attention_mask"` for `MultiHeadAttention`.
    fn keyword_input(&self) -> Option<&'static str> {
        self.takes_mask_argument().then_some("mask")
    }
    /// Checks the shape of the call's keyword tensor against the data's: by default an
    /// explicit mask `(batch, steps)`, checked when the layer runs.
    fn check_keyword_input(&self, shape: &Shape, input_shapes: &[Shape]) -> Result<()> {
        let _ = (shape, input_shapes);
        Ok(())
    }
    /// Whether the layer passes its input's mask on unchanged (Keras' `supports_masking`: Dense,
    /// Dropout, LayerNormalization, ...). Layers that do not drop the mask, as Keras' do.
    fn supports_masking(&self) -> bool {
        false
    }
    /// Keras' `compute_mask`: the mask of the layer's (first) output, `(batch, steps)` with 1.0
    /// for real steps, from its inputs and their masks. By default the first input's mask when
    /// [`Layer::supports_masking`], none otherwise; `Embedding(mask_zero=True)` and `Masking`
    /// make one, a recurrent layer keeps it only with `return_sequences`.
    fn compute_mask(&self, _inputs: &[DynTensor], masks: &[Option<Tensor<2>>]) -> Result<Option<Tensor<2>>> {
        Ok(if self.supports_masking() { masks.first().cloned().flatten() } else { None })
    }
    /// For `Input` only: the shape (with batch axis) it declares.
    fn declared_input_shape(&self) -> Option<Shape> {
        None
    }
    /// Whether the layer takes a model's `dtype="string"` input (`TextVectorization`,
    /// `StringLookup`): keras-rs tensors are numbers, so the layer turns each batch of strings
    /// into numbers on the host ([`string_encoder`](Layer::string_encoder)) as the batch is read,
    /// and passes them on unchanged inside the graph.
    fn takes_strings(&self) -> bool {
        false
    }
    /// For a layer that [`takes_strings`](Layer::takes_strings): its encoding of batches of
    /// strings, prepared once (the vocabulary's index built) for every batch of a call, or the
    /// reason the layer cannot encode (no vocabulary yet).
    fn string_encoder(&self) -> Result<StringEncoder> {
        Err(crate::Error::value(format!(
            "Layer \"{}\" ({}) does not take strings",
            self.name().unwrap_or("?"),
            self.class_name()
        )))
    }
    /// What the layer keeps in the `.keras` file besides its variables (Keras'
    /// `save_own_variables` of values that are not weights, and `save_assets`: a lookup layer's
    /// vocabulary file, its IDF weights); paths are relative to the layer's group or folder.
    fn save_state(&self) -> Vec<StateEntry> {
        Vec::new()
    }
    /// Reads back what [`save_state`](Layer::save_state) wrote (Keras' `load_own_variables` and
    /// `load_assets`), after the variables are loaded.
    fn load_state(&mut self, source: &dyn StateSource) -> Result<()> {
        let _ = source;
        Ok(())
    }
}

/// A layer's output for a batch of strings of shape `dims` (samples first), as values and their
/// shape ([`Layer::string_encoder`]).
pub type StringEncoder = Box<dyn Fn(&[String], &[usize]) -> Result<(Vec<f32>, Vec<usize>)> + Send + Sync>;

/// One thing a layer keeps in a `.keras` file besides its variables (see
/// [`Layer::save_state`]); paths are relative to the layer's group in `model.weights.h5` or to
/// its folder under `assets/`.
#[derive(Clone, Debug, PartialEq)]
pub enum StateEntry {
    /// An (empty) group of the weights file that Keras' loader expects (`_lookup_layer/vars`).
    Group(String),
    /// A float32 dataset of the weights file (`vars/idf_weights`).
    Dataset {
        /// Its path in the layer's group.
        path: String,
        /// Its shape.
        shape: Vec<usize>,
        /// Its values, row-major.
        values: Vec<f32>,
    },
    /// A file of the archive's `assets/` folder (`vocabulary.txt`).
    Asset {
        /// Its path in the layer's folder.
        path: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
}

/// Where [`Layer::load_state`] reads from: the layer's part of the `.keras` file.
pub trait StateSource {
    /// The float32 dataset at `path` in the layer's group, with its shape (`None`: absent).
    fn dataset(&self, path: &str) -> Result<Option<(Vec<usize>, Vec<f32>)>>;
    /// The file at `path` in the layer's assets folder (`None`: absent).
    fn asset(&self, path: &str) -> Result<Option<Vec<u8>>>;
}

/// Refuses a mask for a layer whose Keras version uses masks in a way keras-rs does not
/// implement yet (Keras would compute with the mask; ignoring it would give other numbers).
pub(crate) fn refuse_masks(layer: &dyn Layer, masks: &[Option<Tensor<2>>]) -> Result<Option<Tensor<2>>> {
    if masks.iter().any(Option::is_some) {
        return Err(crate::Error::value(format!(
            "Layer \"{}\" ({}) receives a mask (from `Embedding(mask_zero=True)` or `Masking`); Keras uses it in \
             this layer and keras-rs does not yet, so the model is refused rather than run differently",
            crate::models::graph::layer_label(layer),
            layer.class_name()
        )));
    }
    Ok(None)
}

/// Refuses shapes with unknown sizes after the batch axis for a layer that does not take them
/// ([`Layer::takes_unknown_sizes`]), naming the layer and the shape.
pub(crate) fn check_known_sizes(layer: &dyn Layer, shapes: &[Shape]) -> Result<()> {
    let unknown = shapes.iter().find(|s| s.0.iter().skip(1).any(Option::is_none));
    match unknown {
        Some(shape) if !layer.takes_unknown_sizes() && layer.declared_input_shape().is_none() => {
            Err(crate::Error::shape(format!(
                "Layer \"{}\" ({}) is called on a tensor of shape {shape} with unknown sizes after the batch axis; \
                 keras-rs runs this layer on known sizes only (give the Input its sizes, or use it after a layer \
                 that fixes them)",
                crate::models::graph::layer_label(layer),
                layer.class_name()
            )))
        }
        _ => Ok(()),
    }
}

fn wrong_input_count(name: Option<&str>, count: usize) -> crate::Error {
    crate::Error::value(format!(
        "Layer \"{}\" expects 1 input tensor, but it received {count} input tensors.",
        name.unwrap_or("?")
    ))
}

/// The one tensor of `inputs`, or Keras-style error naming layer `name`.
pub(crate) fn single_input(name: Option<&str>, inputs: Vec<DynTensor>) -> Result<DynTensor> {
    let count = inputs.len();
    <[DynTensor; 1]>::try_from(inputs).map(|[x]| x).map_err(|_| wrong_input_count(name, count))
}

/// The one shape of `shapes`, or the error [`single_input`] gives.
pub(crate) fn one_input<'s>(name: Option<&str>, shapes: &'s [Shape]) -> Result<&'s Shape> {
    match shapes {
        [one] => Ok(one),
        _ => Err(wrong_input_count(name, shapes.len())),
    }
}

impl Clone for Box<dyn Layer> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Keras' `to_snake_case` of a class name: `Dense` -> `dense`, `Conv2D` -> `conv2d`,
/// `BatchNormalization` -> `batch_normalization`, `LSTM` -> `lstm`.
pub fn to_snake_case(name: &str) -> String {
    // re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    let chars: Vec<char> = name.chars().collect();
    let mut step1 = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()) {
            step1.push('_');
        }
        step1.push(*c);
    }
    // re.sub("([a-z])([A-Z])", r"\1_\2", ...).lower()
    let chars: Vec<char> = step1.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() && chars[i - 1].is_ascii_lowercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.replace("__", "_")
}

/// Keras' automatic layer name for a `class_name`: its snake case, then `_1`, `_2`, ... until
/// `taken` says the name is free (`dense`, `dense_1`).
///
/// ```
/// let taken = ["dense", "dense_1"];
/// assert_eq!(keras_rs::layers::unique_name("Dense", |n| taken.contains(&n)), "dense_2");
/// assert_eq!(keras_rs::layers::unique_name("Conv2D", |n| taken.contains(&n)), "conv2d");
/// ```
pub fn unique_name(class_name: &str, taken: impl Fn(&str) -> bool) -> String {
    let base = to_snake_case(class_name);
    let (mut name, mut k) = (base.clone(), 0);
    while taken(&name) {
        k += 1;
        name = format!("{base}_{k}");
    }
    name
}

/// Reads an optional argument from a config, with a default.
pub(crate) fn cfg_or<T: serde::de::DeserializeOwned>(config: &Value, key: &str, default: T) -> Result<T> {
    match config.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|e| crate::Error::Format(format!("invalid value for argument `{key}`: {v} ({e})"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_matches_keras() {
        for (class, snake) in [
            ("Dense", "dense"),
            ("Conv2D", "conv2d"),
            ("BatchNormalization", "batch_normalization"),
            ("LSTM", "lstm"),
            ("GlobalAveragePooling2D", "global_average_pooling2d"),
            ("InputLayer", "input_layer"),
            ("SimpleRNN", "simple_rnn"),
        ] {
            assert_eq!(to_snake_case(class), snake);
        }
    }
}
