//! `LSTM`: long short-term memory, Keras' layout (gates i, f, c, o) with one fused matmul per step.

use burn::tensor::Tensor;
use serde_json::Value;

use super::base_rnn::{RnnArgs, assemble, mask_inputs, rnn_builders, rnn_layer_methods, scan};
use crate::activations::Activation;
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::layer_boilerplate;
use crate::layers::{CallContext, Layer, VariableSpec, cfg_or};
use crate::shape::Shape;

/// Keras' `LSTM(units)`: kernel `(features, 4u)`, recurrent_kernel `(u, 4u)`, bias `(4u,)`,
/// gate blocks in the order i, f, c, o. Each step computes `z = x W + h U + b` (the `x W` part
/// for all steps in one matmul), `c' = f c + i tanh(z_c)`, `h' = o tanh(c')`.
/// `unit_forget_bias` (default true) starts the forget-gate bias at 1.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[28, 28])).add(LSTM::new(128).return_sequences(true)).add(LSTM::new(128));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 128)");
/// assert_eq!(model.count_params(), 4 * (128 * 28 + 128 * 128 + 128) + 4 * (128 * 128 * 2 + 128));
/// ```
#[derive(Clone, Debug)]
pub struct LSTM {
    pub(crate) args: RnnArgs,
    unit_forget_bias: bool,
}

rnn_builders!(LSTM);

impl LSTM {
    /// An LSTM with `units` units and Keras' defaults.
    pub fn new(units: usize) -> Self {
        LSTM { args: RnnArgs::new(units), unit_forget_bias: true }
    }
    /// The gate activation (default `sigmoid`; Keras 3's `hard_sigmoid` is `relu6(x+3)/6`).
    pub fn recurrent_activation(mut self, activation: &str) -> Self {
        self.args.config.recurrent_activation = activation.to_string();
        self
    }
    /// Start the forget-gate bias at 1 (default true).
    pub fn unit_forget_bias(mut self, unit_forget_bias: bool) -> Self {
        self.unit_forget_bias = unit_forget_bias;
        self
    }
    /// Reads Keras' `LSTM` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(LSTM {
            args: RnnArgs::from_config(config, "LSTM")?,
            unit_forget_bias: cfg_or(config, "unit_forget_bias", true)?,
        })
    }
}

impl LSTM {
    /// The forward pass returning the output and the final states (`[h]`, or `[h, c]` for LSTM):
    /// what `return_state(true)` exposes to a Functional model.
    pub fn call_with_states(
        &self,
        inputs: DynTensor,
        weights: &[Tensor<1>],
        ctx: &mut CallContext<'_>,
    ) -> Result<(DynTensor, Vec<Tensor<2>>)> {
        let (_, act, rec_act) = self.args.built()?;
        let u = self.args.config.units;
        let keras_cell =
            act == Activation::Tanh && rec_act == Activation::Sigmoid && self.args.config.recurrent_dropout == 0.0;
        if let DynTensor::R3(x) = &inputs
            && keras_cell
            && x.dims()[1] > 0
            && ctx.input_masks.first().is_none_or(Option::is_none)
            && crate::backend::ops::has_kernels(x)
        {
            return self.call_sequence_op(x.clone(), weights, ctx);
        }
        let cell = move |z: Tensor<2>, s: &[Tensor<2>]| {
            let i = rec_act.apply(z.clone().narrow(1, 0, u));
            let f = rec_act.apply(z.clone().narrow(1, u, u));
            let g = act.apply(z.clone().narrow(1, 2 * u, u));
            let o = rec_act.apply(z.narrow(1, 3 * u, u));
            let c = f * s[1].clone() + i * g;
            vec![o * act.apply(c.clone()), c]
        };
        let (features, _, _) = self.args.built()?;
        let x = inputs.into_rank::<3>(self.args.name("lstm"))?;
        let [n, t, _] = x.dims();
        if let Some(masks) = self.args.gate_dropout_masks(ctx, n, features, 4) {
            // Keras' implementation 1 (recurrent dropout): each gate under its own masks.
            let mut projected = masks.project(x, weights[0].clone().reshape([features, 4 * u]), u);
            if self.args.config.use_bias {
                projected = projected + weights[2].clone().reshape([1, 4 * u]);
            }
            let recurrent = weights[1].clone().reshape([u, 4 * u]);
            let initial = self.args.initial_states(ctx, n, 2, "lstm")?;
            let time_mask = self.args.time_mask(ctx);
            let go_backwards = self.args.config.go_backwards;
            let (outputs, last) =
                scan(projected.reshape([n, t, 4 * u]), go_backwards, initial, time_mask.as_ref(), |x_t, s| {
                    cell(x_t + masks.recurrent(&s[0], &recurrent, u), s)
                });
            self.args.keep_states(ctx, last.clone());
            return Ok((assemble(outputs, self.args.config.return_sequences), last));
        }
        // [kernel; recurrent_kernel]: one matmul per step for all four gates.
        self.args.run_fused(DynTensor::new(x), weights, ctx, "lstm", 2, 4 * u, cell)
    }

    /// The same pass through keras-rs' whole-sequence LSTM op (burn-flex, at least one step).
    fn call_sequence_op(
        &self,
        x: Tensor<3>,
        weights: &[Tensor<1>],
        ctx: &mut CallContext<'_>,
    ) -> Result<(DynTensor, Vec<Tensor<2>>)> {
        let (features, _, _) = self.args.built()?;
        let [n, steps, _] = x.dims();
        let (u, a) = (self.args.config.units, &self.args);
        let (input_mask, _) = a.dropout_masks(ctx, n, features);
        let initial = a.initial_states(ctx, n, 2, "lstm")?;
        let x = mask_inputs(x, input_mask);
        let x = if a.config.go_backwards { x.flip([1]) } else { x };
        let kernel = weights[0].clone().reshape([features, 4 * u]);
        let bias = if a.config.use_bias { weights[2].clone() } else { Tensor::zeros([4 * u], &x.device().inner()) };
        let recurrent_kernel = weights[1].clone().reshape([u, 4 * u]);
        let [h0, c0] = [initial[0].clone(), initial[1].clone()];
        let (hidden, cell) = crate::backend::ops::lstm(x, kernel, bias, recurrent_kernel, h0, c0);
        let last = hidden.clone().narrow(1, steps - 1, 1).reshape([n, u]);
        let states = vec![last.clone(), cell];
        a.keep_states(ctx, states.clone());
        let output = if a.config.return_sequences { DynTensor::new(hidden) } else { DynTensor::new(last) };
        Ok((output, states))
    }
}

impl Layer for LSTM {
    layer_boilerplate!("LSTM", args.base);

    fn takes_unknown_sizes(&self) -> bool {
        true
    }
    rnn_layer_methods!("lstm", 2);

    fn config(&self) -> Value {
        let mut cfg = self.args.config(true);
        cfg["unit_forget_bias"] = self.unit_forget_bias.into();
        cfg
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        let u = self.args.config.units;
        self.args.variable_specs(input_shape, "lstm", 4 * u, vec![4 * u])
    }

    fn initial_values(&self, index: usize, values: &mut [f32]) {
        if index == 2 && self.unit_forget_bias {
            let u = self.args.config.units;
            // Keras: bias_initializer for i, ones for f, bias_initializer for c and o.
            values[u..2 * u].iter_mut().for_each(|v| *v = 1.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::initializers::Initializer;
    use crate::random::SeedGenerator;

    #[test]
    fn unit_forget_bias_and_config_round_trip() {
        let mut lstm = LSTM::new(3).bias_initializer(Initializer::Constant(0.5));
        let specs = lstm.build(&Shape::batched(&[4, 2])).unwrap();
        assert_eq!(specs.iter().map(|s| s.shape.clone()).collect::<Vec<_>>(), vec![vec![2, 12], vec![3, 12], vec![12]]);
        let mut bias = specs[2].initializer.sample(&[12], &mut SeedGenerator::new(0));
        lstm.initial_values(2, &mut bias);
        assert_eq!(bias, [0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
        let cfg =
            LSTM::new(5).return_sequences(true).go_backwards(true).recurrent_activation("hard_sigmoid").get_config();
        assert_eq!(LSTM::from_config(&cfg).unwrap().get_config(), cfg);
        let cfg = LSTM::new(2).stateful(true).dropout(0.2).recurrent_dropout(0.1).get_config();
        assert_eq!(LSTM::from_config(&cfg).unwrap().get_config(), cfg);
    }

    /// The distinct values of one unit's output over 512 samples of ones, in training.
    fn distinct_outputs(mut lstm: LSTM) -> usize {
        lstm.build(&Shape::batched(&[1, 1])).unwrap();
        let device = crate::backends::default_device();
        let ones = |n: usize| Tensor::<1>::ones([n], &device);
        // Every gate sees 1 through its input dropout mask; no recurrence from the zero state.
        let weights = [ones(4), Tensor::zeros([4], &device), Tensor::zeros([4], &device)];
        let mut rng = SeedGenerator::new(3);
        let mut ctx = CallContext::new(true, &mut rng, &device);
        let x = DynTensor::new(Tensor::<3>::ones([512, 1, 1], &device));
        let (out, _) = lstm.call_with_states(x, &weights, &mut ctx).unwrap();
        let mut values: Vec<i64> = out.into_vec().unwrap().iter().map(|v| (v * 1e6).round() as i64).collect();
        values.sort_unstable();
        values.dedup();
        values.len()
    }

    #[test]
    fn recurrent_dropout_draws_a_mask_per_gate_as_keras_implementation_1() {
        // One input mask shared by the gates: each sample's gates all see 0 or all see 2.
        assert_eq!(distinct_outputs(LSTM::new(1).dropout(0.5)), 2);
        // With recurrent dropout Keras draws one mask per gate (`dropout_mask_count = 4`): the
        // i, f, c, o gates drop independently (c_0 = 0, so f does not count; c dropped gives 0
        // whatever i and o, c kept gives 4 values): 5 distinct outputs.
        assert_eq!(distinct_outputs(LSTM::new(1).dropout(0.5).recurrent_dropout(0.5)), 5);
    }
}
