//! What SimpleRNN, LSTM and GRU share (Keras' `RNN` wrapper around a cell): arguments, the
//! time loop over precomputed input projections, `return_sequences` and `go_backwards`.

use burn::tensor::Tensor;
use serde_json::Value;

use crate::activations::Activation;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, LayerBase, VariableSpec};
use crate::regularizers::Regularizer;
use crate::shape::Shape;

/// What every recurrent layer holds: its name, its arguments and what `build` learned.
#[derive(Clone, Debug)]
pub struct RnnArgs {
    pub(crate) base: LayerBase,
    pub(crate) config: RnnConfig,
    /// (input features, activation, recurrent activation) once built.
    pub(crate) built: Option<(usize, Activation, Activation)>,
}

keras_config! {
    /// Keras' arguments of a recurrent layer (`SimpleRNN`, `LSTM`, `GRU`), with Keras' names
    /// and defaults; LSTM's `unit_forget_bias` and GRU's `reset_after` are their own.
    pub struct RnnConfig {
        required {
            /// The size of the state and of each output step.
            units: usize,
        }
        args {
            /// The output activation (default `tanh`).
            activation: String = "tanh".to_string(),
            /// Whether to add biases (default true).
            use_bias: bool = true,
            /// Return the whole output sequence (default false: the last output).
            return_sequences: bool = false,
            /// Also return the final states (Functional models only; an error in `Sequential`).
            return_state: bool = false,
            /// Process the sequence backwards; outputs stay in processing order (default false).
            go_backwards: bool = false,
            /// Carry the final states of each batch into the next one (default false). Needs a
            /// fixed batch size (`Input::new(..).batch_size(n)`), `fit` with `shuffle(false)`,
            /// and `model.reset_states()` where sequences end.
            stateful: bool = false,
            /// The input kernel initializer (default glorot_uniform).
            kernel_initializer: Initializer = Initializer::GlorotUniform,
            /// The recurrent kernel initializer (default orthogonal).
            recurrent_initializer: Initializer = Initializer::Orthogonal { gain: 1.0 },
            /// The bias initializer (default zeros).
            bias_initializer: Initializer = Initializer::Zeros,
            /// A penalty on the input kernel added to the loss (Keras' `kernel_regularizer`).
            kernel_regularizer: Option<Regularizer> = None,
            /// A penalty on the recurrent kernel (Keras' `recurrent_regularizer`).
            recurrent_regularizer: Option<Regularizer> = None,
            /// A penalty on the bias (Keras' `bias_regularizer`).
            bias_regularizer: Option<Regularizer> = None,
            /// A projection of the input kernel after each update (Keras' `kernel_constraint`).
            kernel_constraint: Option<Constraint> = None,
            /// A projection of the recurrent kernel after each update (Keras' `recurrent_constraint`).
            recurrent_constraint: Option<Constraint> = None,
            /// A projection of the bias after each update (Keras' `bias_constraint`).
            bias_constraint: Option<Constraint> = None,
            /// Fraction of the inputs dropped in training (one mask for all steps; default 0).
            dropout: f32 = 0.0,
            /// Fraction of the recurrent state dropped in training (one mask for all steps; default 0).
            recurrent_dropout: f32 = 0.0,
        }
        other {
            /// The gate activation of LSTM and GRU (default `sigmoid`; SimpleRNN has none).
            recurrent_activation: String = "sigmoid".to_string(),
            /// Keras' `zero_output_for_mask`: with a mask, masked steps output zeros (`true`) or
            /// the previous output (`false`); Bidirectional sets it, as Keras does.
            zero_output_for_mask: bool = false,
        }
    }
    constants { unroll: false, activity_regularizer: Value::Null, seed: Value::Null }
    setters for [] super::SimpleRNN => args.config;
    setters for [] super::LSTM => args.config;
    setters for [] super::GRU => args.config;
}

impl Validate for RnnConfig {
    fn validate(&self) -> Result<()> {
        if self.units == 0 {
            return Err(Error::value(
                "Received an invalid value for argument `units`, expected a positive integer, got 0.",
            ));
        }
        for (arg, rate) in [("dropout", self.dropout), ("recurrent_dropout", self.recurrent_dropout)] {
            if !(0.0..1.0).contains(&rate) {
                return Err(Error::value(format!("`{arg}` must be in [0, 1). Received: {arg}={rate}")));
            }
        }
        Ok(())
    }
}

impl RnnArgs {
    pub(crate) fn new(units: usize) -> Self {
        RnnArgs { base: LayerBase::default(), config: RnnConfig::new(units), built: None }
    }

    /// The variables' regularizers by index (kernel 0, recurrent kernel 1, bias 2).
    pub(crate) fn variable_regularizers(&self) -> Vec<(usize, Regularizer)> {
        let c = &self.config;
        by_variable(c.use_bias, [&c.kernel_regularizer, &c.recurrent_regularizer, &c.bias_regularizer])
    }

    /// The variables' constraints by index (kernel 0, recurrent kernel 1, bias 2).
    pub(crate) fn variable_constraints(&self) -> Vec<(usize, Constraint)> {
        let c = &self.config;
        by_variable(c.use_bias, [&c.kernel_constraint, &c.recurrent_constraint, &c.bias_constraint])
    }

    pub(crate) fn name<'a>(&'a self, default: &'a str) -> &'a str {
        self.base.name.as_deref().unwrap_or(default)
    }

    /// Keras' config entries; `recurrent_activation` only for the layers that have one.
    pub(crate) fn config(&self, with_recurrent_activation: bool) -> Value {
        let mut cfg = self.config.to_config();
        if !with_recurrent_activation && let Value::Object(map) = &mut cfg {
            map.remove("recurrent_activation");
        }
        cfg
    }

    /// Reads the shared arguments of a `class` config.
    pub(crate) fn from_config(config: &Value, class: &str) -> Result<Self> {
        Ok(RnnArgs {
            base: LayerBase::from_config(config),
            config: RnnConfig::from_config(config, class)?,
            built: None,
        })
    }

    /// `(batch, timesteps, features)` -> `(batch, timesteps, units)` or `(batch, units)`.
    pub(crate) fn output_shape(&self, input: &Shape, default_name: &str) -> Result<Shape> {
        let name = self.name(default_name);
        validated(&self.config, name)?;
        if self.config.stateful && input.0.first().copied().flatten().is_none() {
            return Err(Error::value(format!(
                "Layer \"{name}\" is stateful, so it needs to know its batch size: declare it with \
                 `Input::new(shape).batch_size(n)`. Received input shape {input}."
            )));
        }
        input.check_ndim(name, 3)?;
        if input.last().is_none() {
            return Err(Error::shape(format!(
                "Layer \"{name}\" needs a known feature axis (batch, timesteps, features), received {input}"
            )));
        }
        Ok(if self.config.return_sequences {
            Shape(vec![input.0[0], input.0[1], Some(self.config.units)])
        } else {
            Shape(vec![input.0[0], Some(self.config.units)])
        })
    }

    pub(crate) fn build_activations(&mut self, input: &Shape) -> Result<usize> {
        let features = input.last().ok_or_else(|| Error::shape("the feature axis must be known"))?;
        self.built = Some((
            features,
            Activation::get(&self.config.activation)?,
            Activation::get(&self.config.recurrent_activation)?,
        ));
        Ok(features)
    }

    pub(crate) fn built(&self) -> Result<(usize, Activation, Activation)> {
        self.built.ok_or_else(|| Error::State("recurrent layer called before build".into()))
    }

    /// The states a call starts from: the carried ones for a stateful layer (checking that the
    /// batch size did not change), zeros otherwise.
    pub(crate) fn initial_states(
        &self,
        ctx: &mut CallContext<'_>,
        batch: usize,
        count: usize,
        default_name: &str,
    ) -> Result<Vec<Tensor<2>>> {
        if let Some(given) = ctx.initial_state.take() {
            let want = [batch, self.config.units];
            if given.len() != count || given.iter().any(|s| s.dims() != want) {
                let got: Vec<[usize; 2]> = given.iter().map(|s| s.dims()).collect();
                return Err(Error::value(format!(
                    "Layer \"{}\" starts from {count} state(s) of shape {want:?}; received initial_state with \
                     shapes {got:?}",
                    self.name(default_name)
                )));
            }
            return Ok(given);
        }
        if self.config.stateful
            && let Some(states) = ctx.take_state()
        {
            let held = states[0].dims()[0];
            if held != batch {
                ctx.set_state(states);
                return Err(Error::value(format!(
                    "Layer \"{}\" is stateful and holds states for batches of {held} samples, but received a \
                     batch of {batch}. Keep every batch at {held} samples (e.g. a sample count divisible by the \
                     batch size), or call `model.reset_states()` before changing it.",
                    self.name(default_name)
                )));
            }
            return Ok(states);
        }
        Ok((0..count).map(|_| Tensor::<2>::zeros([batch, self.config.units], ctx.device)).collect())
    }

    /// The forward pass of a cell with one fused `[x_t, h] @ [kernel; recurrent_kernel]` matmul
    /// per step (SimpleRNN, LSTM): rank check, dropout masks, carried or zero states (`n_states`
    /// of them), [`scan_fused`] with `step` over pre-activations `width` wide, kept states.
    /// Returns Keras' output and the final states.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run_fused(
        &self,
        inputs: crate::backend::DynTensor,
        weights: &[Tensor<1>],
        ctx: &mut CallContext<'_>,
        default_name: &str,
        n_states: usize,
        width: usize,
        step: impl FnMut(Tensor<2>, &[Tensor<2>]) -> Vec<Tensor<2>>,
    ) -> Result<(crate::backend::DynTensor, Vec<Tensor<2>>)> {
        let (features, _, _) = self.built()?;
        let x = inputs.into_rank::<3>(self.name(default_name))?;
        let [n, _, _] = x.dims();
        let (input_mask, recurrent_mask) = self.dropout_masks(ctx, n, features);
        let (fused, bias) = self.fused_weights(weights, features, width);
        let initial = self.initial_states(ctx, n, n_states, default_name)?;
        let x = mask_inputs(x, input_mask);
        let time_mask = self.time_mask(ctx);
        let (outputs, last) =
            scan_fused(x, fused, bias, self.config.go_backwards, initial, &recurrent_mask, time_mask.as_ref(), step);
        self.keep_states(ctx, last.clone());
        Ok((assemble(outputs, self.config.return_sequences), last))
    }

    /// The mask over the input's steps for this call, if the input has one.
    pub(crate) fn time_mask(&self, ctx: &CallContext<'_>) -> Option<TimeMask> {
        let mask = ctx.input_masks.first().cloned().flatten()?;
        Some(TimeMask { mask, zero_output: self.config.zero_output_for_mask })
    }

    /// Keeps the final states for the next call if the layer is stateful.
    pub(crate) fn keep_states(&self, ctx: &mut CallContext<'_>, states: Vec<Tensor<2>>) {
        if self.config.stateful {
            ctx.set_state(states);
        }
    }

    /// Keras 3's dropout masks for one call in training: one `(batch, features)` mask on the
    /// inputs and one `(batch, units)` mask on the recurrent state, the same at every step.
    pub(crate) fn dropout_masks(
        &self,
        ctx: &mut CallContext<'_>,
        batch: usize,
        features: usize,
    ) -> (Option<Tensor<2>>, Option<Tensor<2>>) {
        let mut mask = |rate: f32, width: usize| {
            (ctx.training && rate > 0.0).then(|| {
                let values = ctx.dropout_mask(batch, width, rate);
                Tensor::<2>::from_data(burn::tensor::TensorData::new(values, [batch, width]), ctx.device)
            })
        };
        let input = mask(self.config.dropout, features);
        (input, mask(self.config.recurrent_dropout, self.config.units))
    }

    /// Keras 3's dropout masks when `recurrent_dropout` is set in training: Keras then runs its
    /// cells' `implementation=1`, which draws an independent mask per gate (`dropout_mask_count`:
    /// 4 for LSTM, 3 for GRU) — `gates` `(batch, features)` masks on the inputs (with `dropout`)
    /// and `gates` `(batch, units)` masks on the state, the same at every step. `None` otherwise
    /// ([`dropout_masks`](Self::dropout_masks): one mask each, shared by the gates).
    pub(crate) fn gate_dropout_masks(
        &self,
        ctx: &mut CallContext<'_>,
        batch: usize,
        features: usize,
        gates: usize,
    ) -> Option<GateMasks> {
        let c = &self.config;
        if !(ctx.training && c.recurrent_dropout > 0.0) {
            return None;
        }
        let mut mask = |rate: f32, width: usize| {
            let values = ctx.dropout_mask(batch, width, rate);
            Tensor::<2>::from_data(burn::tensor::TensorData::new(values, [batch, width]), ctx.device)
        };
        let input = (0..gates).map(|_| (c.dropout > 0.0).then(|| mask(c.dropout, features))).collect();
        let recurrent = (0..gates).map(|_| mask(c.recurrent_dropout, c.units)).collect();
        Some(GateMasks { input, recurrent })
    }

    /// `x @ kernel` for every step at once, after the input dropout mask: `(batch * steps, width)`.
    pub(crate) fn project(&self, x: Tensor<3>, input_mask: Option<Tensor<2>>, kernel: Tensor<2>) -> Tensor<2> {
        let [n, t, f] = x.dims();
        mask_inputs(x, input_mask).reshape([n * t, f]).matmul(kernel)
    }

    /// Checks the input and lists Keras' weights: kernel `(features, width)`, recurrent_kernel
    /// `(units, width)` and, with `use_bias`, a bias of `bias_shape`.
    pub(crate) fn variable_specs(
        &mut self,
        input: &Shape,
        default_name: &str,
        width: usize,
        bias_shape: Vec<usize>,
    ) -> Result<Vec<VariableSpec>> {
        self.output_shape(input, default_name)?;
        let features = self.build_activations(input)?;
        let mut vars = vec![
            VariableSpec::trainable("kernel", vec![features, width], self.config.kernel_initializer.clone()),
            VariableSpec::trainable(
                "recurrent_kernel",
                vec![self.config.units, width],
                self.config.recurrent_initializer.clone(),
            ),
        ];
        if self.config.use_bias {
            vars.push(VariableSpec::trainable("bias", bias_shape, self.config.bias_initializer.clone()));
        }
        Ok(vars)
    }

    /// `[kernel; recurrent_kernel]` `(features + units, width)` and the bias `(1, width)`, for
    /// [`scan_fused`].
    pub(crate) fn fused_weights(
        &self,
        weights: &[Tensor<1>],
        features: usize,
        width: usize,
    ) -> (Tensor<2>, Option<Tensor<2>>) {
        let kernels =
            vec![weights[0].clone().reshape([features, width]), weights[1].clone().reshape([self.config.units, width])];
        (Tensor::cat(kernels, 0), self.config.use_bias.then(|| weights[2].clone().reshape([1, width])))
    }
}

/// `x` times the input dropout mask (one `(batch, features)` mask for every step), if any.
pub(crate) fn mask_inputs(x: Tensor<3>, mask: Option<Tensor<2>>) -> Tensor<3> {
    let [n, _, f] = x.dims();
    match mask {
        Some(m) => x * m.reshape([n, 1, f]),
        None => x,
    }
}

/// Per-gate dropout masks ([`RnnArgs::gate_dropout_masks`]).
pub(crate) struct GateMasks {
    /// Each gate's mask on the inputs (none without `dropout`).
    pub(crate) input: Vec<Option<Tensor<2>>>,
    /// Each gate's mask on the recurrent state.
    pub(crate) recurrent: Vec<Tensor<2>>,
}

impl GateMasks {
    /// `x @ kernel` for every step at once, each gate's `units` columns from the inputs under
    /// its own mask: `(batch * steps, gates * units)`.
    pub(crate) fn project(&self, x: Tensor<3>, kernel: Tensor<2>, units: usize) -> Tensor<2> {
        let [n, t, f] = x.dims();
        let columns = self.input.iter().enumerate().map(|(g, mask)| {
            mask_inputs(x.clone(), mask.clone()).reshape([n * t, f]).matmul(kernel.clone().narrow(1, g * units, units))
        });
        Tensor::cat(columns.collect(), 1)
    }

    /// `h @ recurrent_kernel` with each gate's `units` columns from `h` under its own mask.
    pub(crate) fn recurrent(&self, h: &Tensor<2>, recurrent_kernel: &Tensor<2>, units: usize) -> Tensor<2> {
        let columns =
            self.recurrent.iter().enumerate().map(|(g, mask)| {
                (h.clone() * mask.clone()).matmul(recurrent_kernel.clone().narrow(1, g * units, units))
            });
        Tensor::cat(columns.collect(), 1)
    }
}

/// `h` times the recurrent dropout mask, if any.
pub(crate) fn masked(h: &Tensor<2>, mask: &Option<Tensor<2>>) -> Tensor<2> {
    match mask {
        Some(m) => h.clone() * m.clone(),
        None => h.clone(),
    }
}

/// Runs a recurrent cell over time. `projected` is `x @ kernel (+ input bias)` for every step,
/// `(batch, timesteps, gates * units)`, computed with one matmul for the whole sequence; `step`
/// gets one step's projection and the states and returns the new states (output first).
/// Returns the outputs in processing order (Keras' `go_backwards` semantics) and final states.
pub(crate) fn scan(
    projected: Tensor<3>,
    go_backwards: bool,
    mut states: Vec<Tensor<2>>,
    time_mask: Option<&TimeMask>,
    mut step: impl FnMut(Tensor<2>, &[Tensor<2>]) -> Vec<Tensor<2>>,
) -> (Vec<Tensor<2>>, Vec<Tensor<2>>) {
    let [batch, steps, width] = projected.dims();
    let mut outputs = Vec::with_capacity(steps);
    for k in 0..steps {
        let t = if go_backwards { steps - 1 - k } else { k };
        let x_t = projected.clone().narrow(1, t, 1).reshape([batch, width]);
        let new = step(x_t, &states);
        let output = apply_time_mask(time_mask, t, new, &mut states);
        outputs.push(output);
    }
    (outputs, states)
}

/// A mask over time steps for a recurrent layer (Keras' `mask`, `(batch, steps)`, 1.0 for real
/// steps) and what masked steps output.
pub(crate) struct TimeMask {
    pub(crate) mask: Tensor<2>,
    pub(crate) zero_output: bool,
}

/// Keras' masked step: where step `t` is masked the states stay as they were and the output is
/// the previous output (or zeros with `zero_output_for_mask`); elsewhere the new states. Sets
/// `states` and returns the step's output.
fn apply_time_mask(
    time_mask: Option<&TimeMask>,
    t: usize,
    new: Vec<Tensor<2>>,
    states: &mut Vec<Tensor<2>>,
) -> Tensor<2> {
    let Some(tm) = time_mask else {
        *states = new;
        return states[0].clone();
    };
    let m = tm.mask.clone().narrow(1, t, 1);
    let keep = m.clone().neg().add_scalar(1.0);
    let zeroed = tm.zero_output.then(|| new[0].clone() * m.clone());
    *states = new.into_iter().zip(states.iter()).map(|(n, o)| n * m.clone() + o.clone() * keep.clone()).collect();
    // The first state is the output: kept at a masked step, unless masked steps output zeros.
    zeroed.unwrap_or_else(|| states[0].clone())
}

/// A recurrent layer's per-variable settings (regularizers, constraints) of its kernel (index 0),
/// recurrent kernel (1) and bias (2, when it has one), the unset ones left out.
pub(crate) fn by_variable<T: Clone>(use_bias: bool, settings: [&Option<T>; 3]) -> Vec<(usize, T)> {
    let variables = if use_bias { 3 } else { 2 };
    settings.into_iter().take(variables).enumerate().filter_map(|(i, s)| s.clone().map(|s| (i, s))).collect()
}

/// Keras' layout of a recurrent call (a recurrent layer's or Bidirectional's) in `config.json`:
/// the sequences as the argument, given states as `initial_state=[...]`.
pub(crate) fn initial_state_call_args(mut tensors: Vec<Value>) -> (Vec<Value>, serde_json::Map<String, Value>) {
    let mut kwargs = serde_json::Map::new();
    if tensors.len() > 1 {
        kwargs.insert("initial_state".into(), Value::Array(tensors.split_off(1)));
    }
    (tensors, kwargs)
}

/// Keras builds a recurrent layer (and Bidirectional) on its sequences alone, not on
/// `initial_state`.
pub(crate) fn sequences_build_config(input_shapes: &[Shape]) -> Option<Value> {
    input_shapes.first().map(|s| serde_json::json!({"input_shape": s.0}))
}

/// A recurrent call's inputs: the sequences, then the given initial states (`who` names the
/// layer in a rank error).
pub(crate) fn sequences_and_states(
    inputs: Vec<crate::backend::DynTensor>,
    who: &str,
) -> Result<(crate::backend::DynTensor, Vec<Tensor<2>>)> {
    let mut inputs = inputs.into_iter();
    let x = inputs.next().ok_or_else(|| Error::value(format!("Layer \"{who}\" was called on no tensor")))?;
    let states = inputs.map(|s| s.into_rank::<2>(who)).collect::<Result<_>>()?;
    Ok((x, states))
}

/// Runs a recurrent cell over time with one fused matmul per step: `[x_t, h] @ [kernel;
/// recurrent_kernel] (+ bias)`, `weights` being the two kernels stacked, `(features + u, width)`.
/// Slicing the (narrow) inputs per step rather than a precomputed `(batch, time, width)`
/// projection keeps the backward pass cheap: a slice's gradient is a zero tensor of the sliced
/// tensor's full size. `step` gets the step's pre-activations and the states.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan_fused(
    x: Tensor<3>,
    weights: Tensor<2>,
    bias: Option<Tensor<2>>,
    go_backwards: bool,
    mut states: Vec<Tensor<2>>,
    recurrent_mask: &Option<Tensor<2>>,
    time_mask: Option<&TimeMask>,
    mut step: impl FnMut(Tensor<2>, &[Tensor<2>]) -> Vec<Tensor<2>>,
) -> (Vec<Tensor<2>>, Vec<Tensor<2>>) {
    let [batch, steps, features] = x.dims();
    let mut outputs = Vec::with_capacity(steps);
    for k in 0..steps {
        let t = if go_backwards { steps - 1 - k } else { k };
        let x_t = x.clone().narrow(1, t, 1).reshape([batch, features]);
        let xh = Tensor::cat(vec![x_t, masked(&states[0], recurrent_mask)], 1);
        let mut z = xh.matmul(weights.clone());
        if let Some(b) = &bias {
            z = z + b.clone();
        }
        let new = step(z, &states);
        let output = apply_time_mask(time_mask, t, new, &mut states);
        outputs.push(output);
    }
    (outputs, states)
}

/// Assembles Keras' output: the stacked sequence `(batch, timesteps, units)` or the last output.
pub(crate) fn assemble(outputs: Vec<Tensor<2>>, return_sequences: bool) -> crate::backend::DynTensor {
    if return_sequences {
        crate::backend::DynTensor::new(Tensor::stack::<3>(outputs, 1))
    } else {
        crate::backend::DynTensor::new(outputs.into_iter().last().expect("at least one timestep"))
    }
}

/// The `Layer` methods every recurrent layer shares: shape inference, statefulness, the number of
/// outputs (`1 + states` with `return_state`) and `call` through `call_with_states`.
macro_rules! rnn_layer_methods {
    ($default_name:literal, $states:literal) => {
        fn compute_output_shape(
            &self,
            input_shape: &$crate::shape::Shape,
        ) -> $crate::error::Result<$crate::shape::Shape> {
            self.args.output_shape(input_shape, $default_name)
        }

        fn stateful(&self) -> bool {
            self.args.config.stateful
        }

        fn regularizers(&self) -> Vec<(usize, $crate::regularizers::Regularizer)> {
            self.args.variable_regularizers()
        }

        fn constraints(&self) -> Vec<(usize, $crate::constraints::Constraint)> {
            self.args.variable_constraints()
        }

        fn weight_paths(&self, count: usize) -> Vec<String> {
            (0..count).map(|i| format!("cell/vars/{i}")).collect()
        }

        fn num_outputs(&self) -> usize {
            if self.args.config.return_state { 1 + $states } else { 1 }
        }

        fn forward(
            &self,
            inputs: $crate::backend::DynTensor,
            weights: $crate::layers::Weights<'_>,
            ctx: &mut $crate::layers::CallContext<'_>,
        ) -> $crate::error::Result<$crate::backend::DynTensor> {
            self.call_with_states(inputs, &weights, ctx).map(|(output, _)| output)
        }

        fn tensor_kwargs(&self) -> &'static [&'static str] {
            &["initial_state"]
        }

        fn takes_mask_argument(&self) -> bool {
            true
        }

        /// Keras: the sequence output keeps the input's mask; the last output has none.
        fn compute_mask(
            &self,
            _inputs: &[$crate::backend::DynTensor],
            masks: &[Option<burn::tensor::Tensor<2>>],
        ) -> $crate::error::Result<Option<burn::tensor::Tensor<2>>> {
            Ok(if self.args.config.return_sequences { masks.first().cloned().flatten() } else { None })
        }

        fn build_config(&self, input_shapes: &[$crate::shape::Shape]) -> Option<serde_json::Value> {
            $crate::layers::recurrent::base_rnn::sequences_build_config(input_shapes)
        }

        fn call_args(
            &self,
            tensors: Vec<serde_json::Value>,
        ) -> (Vec<serde_json::Value>, serde_json::Map<String, serde_json::Value>) {
            $crate::layers::recurrent::base_rnn::initial_state_call_args(tensors)
        }

        fn build_multi(
            &mut self,
            input_shapes: &[$crate::shape::Shape],
        ) -> $crate::error::Result<Vec<$crate::layers::VariableSpec>> {
            $crate::layers::Layer::compute_output_shapes(self, input_shapes)?;
            self.build(&input_shapes[0])
        }

        fn compute_output_shapes(
            &self,
            input_shapes: &[$crate::shape::Shape],
        ) -> $crate::error::Result<Vec<$crate::shape::Shape>> {
            let name = self.args.name($default_name);
            let (input, states) = input_shapes.split_first().ok_or_else(|| {
                $crate::error::Error::value(format!("Layer \"{name}\" expects 1 input tensor, but it received 0"))
            })?;
            let units = self.args.config.units;
            if !states.is_empty()
                && (states.len() != $states
                    || states.iter().any(|s| s.rank() != 2 || s.0[1].is_some_and(|u| u != units)))
            {
                return Err($crate::error::Error::value(format!(
                    "Layer \"{name}\" starts from {} state(s) of shape (batch, {units}); received initial_state \
                     of shapes {}",
                    $states,
                    states.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                )));
            }
            let mut shapes = vec![self.compute_output_shape(input)?];
            if self.args.config.return_state {
                let state =
                    $crate::shape::Shape(vec![input.0.first().copied().flatten(), Some(self.args.config.units)]);
                shapes.extend(std::iter::repeat_n(state, $states));
            }
            Ok(shapes)
        }

        fn forward_multi(
            &self,
            inputs: Vec<$crate::backend::DynTensor>,
            weights: $crate::layers::Weights<'_>,
            ctx: &mut $crate::layers::CallContext<'_>,
        ) -> $crate::error::Result<Vec<$crate::backend::DynTensor>> {
            let (x, given) =
                $crate::layers::recurrent::base_rnn::sequences_and_states(inputs, self.args.name($default_name))?;
            ctx.initial_state = (!given.is_empty()).then_some(given);
            let result = self.call_with_states(x, &weights, ctx);
            ctx.initial_state = None;
            let (output, states) = result?;
            let mut outputs = vec![output];
            if self.args.config.return_state {
                outputs.extend(states.into_iter().map($crate::backend::DynTensor::new));
            }
            Ok(outputs)
        }
    };
}
pub(crate) use rnn_layer_methods;

/// The builder methods of a recurrent layer that are not its arguments' (those come from
/// [`RnnConfig`]): `name` and `trainable`, and the Functional API's `call`.
macro_rules! rnn_builders {
    ($ty:ty) => {
        impl $ty {
            /// The layer's name.
            pub fn name(mut self, name: &str) -> Self {
                self.args.base.name = Some(name.to_string());
                self
            }
            /// `false` freezes the layer.
            pub fn trainable(mut self, trainable: bool) -> Self {
                self.args.base.trainable = Some(trainable);
                self
            }
        }
        $crate::models::graph::functional_call!($ty);

        impl $ty {
            /// Calls the layer on symbolic tensors starting from `initial_state` (Keras'
            /// `layer(x, initial_state=[h, c])`: one state for SimpleRNN and GRU, `h` and `c`
            /// for LSTM), giving the output and, with `return_state`, the final states.
            pub fn call_with_initial_state(
                &self,
                inputs: impl $crate::models::SymbolicInputs,
                initial_state: &[&$crate::models::KerasTensor],
            ) -> $crate::error::Result<Vec<$crate::models::KerasTensor>> {
                let mut tensors = inputs.tensors();
                tensors.extend(initial_state.iter().map(|t| (*t).clone()));
                $crate::models::graph::call_symbolic(self, tensors)
            }
        }
    };
}
pub(crate) use rnn_builders;
