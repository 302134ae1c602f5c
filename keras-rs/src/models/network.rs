//! A built stack of layers with its variables: shape inference, weight creation, forward pass.

use burn::tensor::{Device, Tensor, TensorData};
use ndarray::ArrayD;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::{CallContext, Layer, MaxPoolHint, Weights};
use crate::models::graph::Graph;
use crate::random::SeedGenerator;
use crate::shape::{Shape, format_dims};

/// The largest variable keras-rs creates (2^31 float32 values, 8 GiB): a config asking for more
/// (a corrupt file, a typo in `units`) is refused instead of exhausting memory. Fuzzing builds
/// (`cfg(fuzzing)`, set by cargo-fuzz) allow 2^22, so that the fuzzer's memory limit holds.
pub const MAX_VARIABLE_ELEMENTS: usize = if cfg!(fuzzing) { 1 << 22 } else { 1 << 31 };

/// A model variable (Keras' `Variable`): flat values on the device plus its Keras shape.
#[derive(Clone, Debug)]
pub struct Variable {
    /// `layer_name/variable_name`, e.g. `dense/kernel`.
    pub path: String,
    /// The Keras shape (Dense kernel `(in, out)`).
    pub shape: Vec<usize>,
    /// The values, row-major, without autodiff.
    pub value: Tensor<1>,
    /// Whether the optimizer updates it.
    pub trainable: bool,
}

/// A layer in a built model, with its shapes (of its first call) and its variables' positions.
#[derive(Clone, Debug)]
pub struct LayerEntry {
    /// The layer.
    pub layer: Box<dyn Layer>,
    /// Its input shapes, batch axis included (several for merging layers).
    pub input_shapes: Vec<Shape>,
    /// Its output shapes (several for a recurrent layer with `return_state`).
    pub output_shapes: Vec<Shape>,
    /// Its variables: `variables[vars.clone()]`.
    pub vars: std::ops::Range<usize>,
}

impl LayerEntry {
    /// The (first) output shape.
    pub fn output_shape(&self) -> &Shape {
        &self.output_shapes[0]
    }
}

/// The layers of a model in order, built, with all variables in Keras order.
#[derive(Debug)]
pub struct Network {
    /// The layers.
    pub layers: Vec<LayerEntry>,
    /// Every variable, layer by layer, in each layer's Keras order.
    pub variables: Vec<Variable>,
    /// The device the variables live on.
    pub device: Device,
    /// How the layers connect (Functional models); `None` for a chain (`Sequential`).
    pub graph: Option<Graph>,
    /// Recurrent states carried between calls, per layer (stateful RNNs); `predict` advances
    /// them too, as in Keras, hence the lock.
    states: std::sync::Mutex<Vec<Option<Vec<Tensor<2>>>>>,
}

impl Clone for Network {
    /// A copy of the layers and variables; carried RNN states start afresh.
    fn clone(&self) -> Self {
        Network {
            layers: self.layers.clone(),
            variables: self.variables.clone(),
            device: self.device.clone(),
            graph: self.graph.clone(),
            states: Default::default(),
        }
    }
}

impl Network {
    /// An empty network on `device`.
    pub fn new(device: Device) -> Self {
        Network { layers: Vec::new(), variables: Vec::new(), device, graph: None, states: Default::default() }
    }

    /// What each layer lists per variable (`(index in the layer, T)`), by model variable index.
    fn by_variable<T>(&self, per_layer: impl Fn(&dyn Layer) -> Vec<(usize, T)>) -> Vec<(usize, T)> {
        let of_layer = |entry: &LayerEntry| {
            let start = entry.vars.start;
            per_layer(entry.layer.as_ref()).into_iter().map(move |(i, t)| (start + i, t))
        };
        self.layers.iter().flat_map(of_layer).collect()
    }

    /// The layers' weight regularizers by model variable index.
    pub(crate) fn regularizers(&self) -> Vec<(usize, crate::regularizers::Regularizer)> {
        self.by_variable(|layer| layer.regularizers())
    }

    /// The layers' weight constraints by model variable index.
    pub(crate) fn constraints(&self) -> Vec<(usize, crate::constraints::Constraint)> {
        self.by_variable(|layer| layer.constraints())
    }

    /// `loss` plus Keras' `model.losses` (its `compute_loss` adds them): the layers'
    /// weight-regularization penalties, each on the value `variable(i)` gives for model
    /// variable `i` (the forward pass's parameters in training, the stored values in
    /// `evaluate`), and the pass's `activity` penalties.
    pub(crate) fn add_model_losses(
        &self,
        loss: Tensor<1>,
        variable: impl Fn(usize) -> Tensor<1>,
        activity: Vec<Tensor<1>>,
    ) -> Tensor<1> {
        let weights = self.regularizers().into_iter().map(|(i, r)| r.penalty(variable(i)));
        weights.chain(activity).fold(loss, |total, penalty| total + penalty)
    }

    /// Builds `layer` on `input_shape`, creating its variables with `rng`, and appends it.
    pub fn push(&mut self, layer: Box<dyn Layer>, input_shape: Shape, rng: &mut SeedGenerator) -> Result<()> {
        self.push_multi(layer, vec![input_shape], rng)
    }

    /// Builds `layer` on several input shapes (merging layers) and appends it.
    pub fn push_multi(
        &mut self,
        mut layer: Box<dyn Layer>,
        input_shapes: Vec<Shape>,
        rng: &mut SeedGenerator,
    ) -> Result<()> {
        crate::layers::check_known_sizes(layer.as_ref(), &input_shapes)?;
        let output_shapes = layer.compute_output_shapes(&input_shapes)?;
        let specs = layer.build_multi(&input_shapes)?;
        let start = self.variables.len();
        let layer_name = layer.name().unwrap_or("layer").to_string();
        let trainable = layer.base().trainable.unwrap_or(true);
        for spec in &specs {
            let count = spec.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
            if count.is_none_or(|n| n > MAX_VARIABLE_ELEMENTS) {
                return Err(Error::value(format!(
                    "Layer \"{layer_name}\": variable `{}` of shape {} is too large (more than {} elements).",
                    spec.name,
                    format_dims(&spec.shape),
                    MAX_VARIABLE_ELEMENTS
                )));
            }
        }
        let requested = specs.iter().map(|s| s.shape.iter().product::<usize>()).sum();
        take_from_budget(&layer_name, requested)?;
        for (index, spec) in specs.into_iter().enumerate() {
            let fans = spec.fans.unwrap_or_else(|| crate::initializers::compute_fans(&spec.shape));
            let mut values = spec.initializer.sample_with_fans(&spec.shape, fans, rng);
            layer.initial_values(index, &mut values);
            let n = values.len();
            self.variables.push(Variable {
                path: format!("{layer_name}/{}", spec.name),
                shape: spec.shape,
                value: Tensor::from_data(TensorData::new(values, [n]), &self.device),
                trainable: spec.trainable && trainable,
            });
        }
        let vars = start..self.variables.len();
        self.layers.push(LayerEntry { layer, input_shapes, output_shapes, vars });
        Ok(())
    }

    /// Removes the last layer and its variables.
    pub fn pop(&mut self) -> Option<LayerEntry> {
        let entry = self.layers.pop()?;
        self.variables.truncate(entry.vars.start);
        Some(entry)
    }

    /// The output shape of the last layer.
    pub fn output_shape(&self) -> Option<&Shape> {
        self.layers.last().map(LayerEntry::output_shape)
    }

    /// Runs the model on one tensor per input and returns one per output, with the carried
    /// states of stateful layers; `params[i]` stands for `variables[i]` (an autodiff leaf in
    /// training, the plain value in inference).
    pub fn forward_all(
        &self,
        inputs: Vec<DynTensor>,
        params: &[Tensor<1>],
        ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        ctx.states = std::mem::take(&mut *states);
        ctx.states.resize(self.layers.len(), None);
        ctx.var_offset = 0;
        let result = self.run(inputs, params, ctx);
        *states = std::mem::take(&mut ctx.states);
        result
    }

    /// Runs the layer calls (the graph's, or the chain of layers) without touching the carried
    /// states; variables are numbered from `ctx.var_offset` (non-zero for a model used as a layer).
    pub fn run(
        &self,
        inputs: Vec<DynTensor>,
        params: &[Tensor<1>],
        ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let base = ctx.var_offset;
        let Some(graph) = &self.graph else {
            let chain = || -> Result<DynTensor> {
                let mut x = crate::layers::single_input(None, inputs)?;
                let mut mask: Option<Tensor<2>> = None;
                let mut i = 0;
                while let Some(entry) = self.layers.get(i) {
                    ctx.var_offset = base + entry.vars.start;
                    ctx.layer_index = i;
                    // In inference a Conv2D may pool its output for the MaxPooling2D after it (not
                    // when its own output is penalised).
                    let fusable = !ctx.training && entry.layer.activity_regularizer().is_none();
                    let next = self.layers.get(i + 1).filter(|_| fusable);
                    ctx.next_max_pool = next.and_then(|next| MaxPoolHint::of(next.layer.as_ref()));
                    let weights =
                        Weights::of_variables(&params[entry.vars.clone()], &self.variables[entry.vars.clone()]);
                    let in_mask = mask.take();
                    mask = entry.layer.compute_mask(std::slice::from_ref(&x), std::slice::from_ref(&in_mask))?;
                    ctx.input_masks = vec![in_mask];
                    x = entry.layer.forward(x, weights, ctx)?;
                    ctx.input_masks.clear();
                    ctx.add_activity_loss(entry.layer.as_ref(), &x)?;
                    i += if std::mem::take(&mut ctx.pooled) { 2 } else { 1 };
                }
                ctx.output_masks = vec![mask];
                Ok(x)
            };
            let out = chain();
            ctx.next_max_pool = None;
            ctx.var_offset = base;
            return Ok(vec![out?]);
        };
        let mut values: Vec<Vec<DynTensor>> = vec![Vec::new(); graph.nodes.len()];
        // Each node's output masks (Keras' `_keras_mask`; the first output's only).
        let mut masks: Vec<Option<Tensor<2>>> = vec![None; graph.nodes.len()];
        for (&node, x) in graph.inputs.iter().zip(inputs) {
            values[node] = vec![x];
        }
        for (i, node) in graph.nodes.iter().enumerate() {
            if node.inputs.is_empty() {
                continue; // an `Input`: set above
            }
            let mut args: Vec<DynTensor> = node.inputs.iter().map(|t| values[t.node][t.index].clone()).collect();
            let mut in_masks: Vec<Option<Tensor<2>>> =
                node.data_inputs().iter().map(|t| if t.index == 0 { masks[t.node].clone() } else { None }).collect();
            let entry = &self.layers[node.layer];
            if node.keyword_input {
                let tensor = args.pop().expect("a keyword input");
                if entry.layer.keyword_input() == Some("mask") {
                    // An explicit mask (Keras' `layer(x, mask=m)`) replaces the first input's.
                    in_masks[0] = Some(tensor.into_rank::<2>("mask")?.not_equal_elem(0.0).float());
                } else {
                    ctx.keyword_tensor = Some(tensor);
                }
            }
            masks[i] = entry.layer.compute_mask(&args, &in_masks)?;
            ctx.input_masks = in_masks;
            ctx.var_offset = base + entry.vars.start;
            ctx.layer_index = node.layer;
            let weights = Weights::of_variables(&params[entry.vars.clone()], &self.variables[entry.vars.clone()]);
            ctx.call_kwargs.clone_from(&node.kwargs);
            let out = entry.layer.forward_multi(args, weights, ctx);
            ctx.call_kwargs.clear();
            ctx.input_masks.clear();
            ctx.keyword_tensor = None;
            values[i] = out?;
            for output in &values[i] {
                ctx.add_activity_loss(entry.layer.as_ref(), output)?;
            }
        }
        ctx.var_offset = base;
        ctx.output_masks =
            graph.outputs.iter().map(|t| if t.index == 0 { masks[t.node].clone() } else { None }).collect();
        Ok(graph.outputs.iter().map(|t| values[t.node][t.index].clone()).collect())
    }

    /// Forgets the carried states of every layer (`model.reset_states()`), or of layer `index`.
    pub fn reset_states(&self, index: Option<usize>) {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        match index {
            Some(i) => {
                if let Some(s) = states.get_mut(i) {
                    *s = None;
                }
            }
            None => states.clear(),
        }
    }

    /// Freezes (`false`) or unfreezes the layer at `index`: its flag and its variables (those
    /// its `build` marks non-trainable, like moving statistics, never train).
    pub fn set_layer_trainable(&mut self, index: usize, trainable: bool) -> Result<()> {
        let entry = &mut self.layers[index];
        entry.layer.base_mut().trainable = Some(trainable);
        let specs = entry.layer.clone_box().build_multi(&entry.input_shapes)?;
        for (v, spec) in self.variables[entry.vars.clone()].iter_mut().zip(specs) {
            v.trainable = trainable && spec.trainable;
        }
        Ok(())
    }

    /// Applies the variable updates a training forward pass asked for (moving statistics).
    pub fn apply_updates(&mut self, updates: Vec<(usize, Tensor<1>)>) {
        for (index, value) in updates {
            self.variables[index].value = value;
        }
    }

    /// The plain values of all variables.
    pub fn values(&self) -> Vec<Tensor<1>> {
        self.variables.iter().map(|v| v.value.clone()).collect()
    }

    /// Every variable as an array in its Keras shape (`get_weights`).
    pub fn get_weights(&self) -> Result<Vec<ArrayD<f32>>> {
        self.variables
            .iter()
            .map(|v| {
                let data = v.value.clone().into_data().convert::<f32>().try_into_vec::<f32>();
                let data = data.map_err(|e| Error::Backend(format!("{e:?}")))?;
                ArrayD::from_shape_vec(v.shape.clone(), data).map_err(|e| Error::Backend(e.to_string()))
            })
            .collect()
    }

    /// Replaces every variable (`set_weights`): same count, order and shapes as `get_weights`.
    pub fn set_weights(&mut self, weights: &[ArrayD<f32>]) -> Result<()> {
        if weights.len() != self.variables.len() {
            return Err(Error::value(format!(
                "You called `set_weights(weights)` on a model with {} weights, but the provided weights list contains {} arrays.",
                self.variables.len(),
                weights.len()
            )));
        }
        for (v, w) in self.variables.iter().zip(weights) {
            if w.shape() != v.shape.as_slice() {
                return Err(Error::value(format!(
                    "Weight {} has shape {}, but the provided array has shape {}.",
                    v.path,
                    format_dims(&v.shape),
                    format_dims(w.shape())
                )));
            }
        }
        for (v, w) in self.variables.iter_mut().zip(weights) {
            let values: Vec<f32> = w.iter().copied().collect();
            let n = values.len();
            v.value = Tensor::from_data(TensorData::new(values, [n]), &self.device);
        }
        Ok(())
    }

    /// Total, trainable and non-trainable parameter counts.
    pub fn count_params(&self) -> (usize, usize, usize) {
        let count = |f: &dyn Fn(&Variable) -> bool| {
            self.variables.iter().filter(|v| f(v)).map(|v| v.shape.iter().product::<usize>()).sum::<usize>()
        };
        let trainable = count(&|v| v.trainable);
        let non_trainable = count(&|v| !v.trainable);
        (trainable + non_trainable, trainable, non_trainable)
    }
}

thread_local! {
    /// Values the variables of a model being loaded may still take (`None`: no load running).
    static BUDGET: std::cell::Cell<Option<(usize, usize)>> = const { std::cell::Cell::new(None) };
}

/// Runs `load` with at most `limit` variable values allowed on this thread (a load call: see
/// `saving::LoadOptions`); nested calls keep the outer budget.
pub(crate) fn with_variable_budget<R>(limit: usize, load: impl FnOnce() -> Result<R>) -> Result<R> {
    if BUDGET.get().is_some() {
        return load();
    }
    /// Clears the budget when the load ends, even by a panic.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            BUDGET.set(None);
        }
    }
    let _clear = Clear;
    BUDGET.set(Some((limit, limit)));
    load()
}

/// The load budget in force on this thread (`None` outside a load call).
pub(crate) fn variable_budget() -> Option<usize> {
    BUDGET.get().map(|(limit, _)| limit)
}

/// Counts `values` new variable values against the load budget, refusing them past it (before
/// they are allocated).
fn take_from_budget(layer: &str, values: usize) -> Result<()> {
    let Some((limit, left)) = BUDGET.get() else { return Ok(()) };
    let Some(left) = left.checked_sub(values) else {
        return Err(Error::value(format!(
            "Layer \"{layer}\": its variables need {values} values, more than the load budget of {limit} values \
             allows ({left} left); if the file is trusted, raise it with \
             `keras_rs::saving::LoadOptions::new().max_variable_values(..)`"
        )));
    };
    BUDGET.set(Some((limit, left)));
    Ok(())
}
