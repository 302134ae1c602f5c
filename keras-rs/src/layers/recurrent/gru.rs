//! `GRU`: gated recurrent unit, Keras' layout (gates z, r, h), `reset_after` true or false.

use burn::tensor::Tensor;
use serde_json::Value;

use super::base_rnn::{RnnArgs, assemble, masked, rnn_builders, rnn_layer_methods, scan};
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::layer_boilerplate;
use crate::layers::{CallContext, Layer, VariableSpec, cfg_or};
use crate::shape::Shape;

/// Keras' `GRU(units)`: kernel `(features, 3u)`, recurrent_kernel `(u, 3u)`, gate blocks z, r, h.
/// With `reset_after` (default true) the bias is `(2, 3u)` — input bias, recurrent bias — and
/// `hh = tanh(x W_h + b_h + r ⊙ (h U_h + b'_h))`; with `reset_after(false)` the bias is `(3u,)` and
/// `hh = tanh(x W_h + b_h + (r ⊙ h) U_h)`. Then `h' = z h + (1 - z) hh`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[5, 8])).add(GRU::new(4));
/// assert_eq!(model.count_params(), 3 * (8 * 4 + 4 * 4) + 2 * 3 * 4);
/// let model = Sequential::new().add(Input::new(&[5, 8])).add(GRU::new(4).reset_after(false));
/// assert_eq!(model.count_params(), 3 * (8 * 4 + 4 * 4) + 3 * 4);
/// ```
#[derive(Clone, Debug)]
pub struct GRU {
    pub(crate) args: RnnArgs,
    reset_after: bool,
}

rnn_builders!(GRU);

impl GRU {
    /// A GRU with `units` units and Keras' defaults (`reset_after=True`).
    pub fn new(units: usize) -> Self {
        GRU { args: RnnArgs::new(units), reset_after: true }
    }
    /// The gate activation (default `sigmoid`).
    pub fn recurrent_activation(mut self, activation: &str) -> Self {
        self.args.config.recurrent_activation = activation.to_string();
        self
    }
    /// Apply the reset gate after the recurrent matmul (default true, Keras 3 and cuDNN).
    pub fn reset_after(mut self, reset_after: bool) -> Self {
        self.reset_after = reset_after;
        self
    }
    /// Reads Keras' `GRU` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(GRU { args: RnnArgs::from_config(config, "GRU")?, reset_after: cfg_or(config, "reset_after", true)? })
    }
}

impl GRU {
    /// The forward pass returning the output and the final states (`[h]`, or `[h, c]` for LSTM):
    /// what `return_state(true)` exposes to a Functional model.
    pub fn call_with_states(
        &self,
        inputs: DynTensor,
        weights: &[Tensor<1>],
        ctx: &mut CallContext<'_>,
    ) -> Result<(DynTensor, Vec<Tensor<2>>)> {
        let (features, act, rec_act) = self.args.built()?;
        let x = inputs.into_rank::<3>(self.args.name("gru"))?;
        let [n, t, _] = x.dims();
        let u = self.args.config.units;
        let kernel = weights[0].clone().reshape([features, 3 * u]);
        // With recurrent dropout, Keras' implementation 1: each gate under its own masks.
        let gated = self.args.gate_dropout_masks(ctx, n, features, 3);
        let (mut projected, recurrent_mask) = match &gated {
            Some(masks) => (masks.project(x, kernel, u), None),
            None => {
                let (input_mask, recurrent_mask) = self.args.dropout_masks(ctx, n, features);
                (self.args.project(x, input_mask, kernel), recurrent_mask)
            }
        };
        let recurrent = weights[1].clone().reshape([u, 3 * u]);
        let mut recurrent_bias = None;
        if self.args.config.use_bias {
            let bias = weights[2].clone();
            projected = projected + bias.clone().narrow(0, 0, 3 * u).reshape([1, 3 * u]);
            if self.reset_after {
                recurrent_bias = Some(bias.narrow(0, 3 * u, 3 * u).reshape([1, 3 * u]));
            }
        }
        let initial = self.args.initial_states(ctx, n, 1, "gru")?;
        let (recurrent_zr, recurrent_h) =
            (recurrent.clone().narrow(1, 0, 2 * u), recurrent.clone().narrow(1, 2 * u, u));
        let reset_after = self.reset_after;
        let time_mask = self.args.time_mask(ctx);
        let (outputs, last) = scan(
            projected.reshape([n, t, 3 * u]),
            self.args.config.go_backwards,
            initial,
            time_mask.as_ref(),
            |x_t, s| {
                let h = s[0].clone();
                let h_in = masked(&h, &recurrent_mask);
                let (x_z, x_r, x_h) =
                    (x_t.clone().narrow(1, 0, u), x_t.clone().narrow(1, u, u), x_t.narrow(1, 2 * u, u));
                let candidate_input;
                let (z, r);
                if let Some(masks) = &gated {
                    // Each gate's state under its own mask (Keras' `h_tm1_z`, `h_tm1_r`, `h_tm1_h`).
                    let h_g = |g: usize| h.clone() * masks.recurrent[g].clone();
                    let part = |g: usize| recurrent.clone().narrow(1, g * u, u);
                    let mut inner_zr = Tensor::cat(vec![h_g(0).matmul(part(0)), h_g(1).matmul(part(1))], 1);
                    if let Some(b) = &recurrent_bias {
                        inner_zr = inner_zr + b.clone().narrow(1, 0, 2 * u);
                    }
                    z = rec_act.apply(x_z + inner_zr.clone().narrow(1, 0, u));
                    r = rec_act.apply(x_r + inner_zr.narrow(1, u, u));
                    candidate_input = if reset_after {
                        let mut inner_h = h_g(2).matmul(part(2));
                        if let Some(b) = &recurrent_bias {
                            inner_h = inner_h + b.clone().narrow(1, 2 * u, u);
                        }
                        r * inner_h
                    } else {
                        (r * h_g(2)).matmul(part(2))
                    };
                } else if reset_after {
                    // One matmul for all three gates.
                    let mut inner = h_in.matmul(recurrent.clone());
                    if let Some(b) = &recurrent_bias {
                        inner = inner + b.clone();
                    }
                    z = rec_act.apply(x_z + inner.clone().narrow(1, 0, u));
                    r = rec_act.apply(x_r + inner.clone().narrow(1, u, u));
                    candidate_input = r * inner.narrow(1, 2 * u, u);
                } else {
                    let inner = h_in.clone().matmul(recurrent_zr.clone());
                    z = rec_act.apply(x_z + inner.clone().narrow(1, 0, u));
                    r = rec_act.apply(x_r + inner.narrow(1, u, u));
                    candidate_input = (r * h_in).matmul(recurrent_h.clone());
                }
                let hh = act.apply(x_h + candidate_input);
                vec![z.clone() * h + z.neg().add_scalar(1.0) * hh]
            },
        );
        self.args.keep_states(ctx, last.clone());
        Ok((assemble(outputs, self.args.config.return_sequences), last))
    }
}

impl Layer for GRU {
    layer_boilerplate!("GRU", args.base);

    fn takes_unknown_sizes(&self) -> bool {
        true
    }
    rnn_layer_methods!("gru", 1);

    fn config(&self) -> Value {
        let mut cfg = self.args.config(true);
        cfg["reset_after"] = self.reset_after.into();
        cfg
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        let u = self.args.config.units;
        let bias_shape = if self.reset_after { vec![2, 3 * u] } else { vec![3 * u] };
        self.args.variable_specs(input_shape, "gru", 3 * u, bias_shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bias_layout_follows_reset_after_and_config_round_trips() {
        let specs = GRU::new(2).build(&Shape::batched(&[3, 5])).unwrap();
        assert_eq!(specs[2].shape, vec![2, 6]);
        let specs = GRU::new(2).reset_after(false).build(&Shape::batched(&[3, 5])).unwrap();
        assert_eq!(specs[2].shape, vec![6]);
        let cfg = GRU::new(3).reset_after(false).go_backwards(true).get_config();
        assert_eq!(GRU::from_config(&cfg).unwrap().get_config(), cfg);
    }

    #[test]
    fn recurrent_dropout_draws_a_mask_per_gate_as_keras_implementation_1() {
        // One unit, inputs of ones, kernel of ones, a zero state: the output is
        // (1 - sigmoid(x_z)) * tanh(x_h), each x 0 or 2 by its dropout mask.
        let distinct = |mut gru: GRU| -> usize {
            let specs = gru.build(&Shape::batched(&[1, 1])).unwrap();
            let device = crate::backends::default_device();
            let bias = specs[2].shape.iter().product::<usize>();
            let weights =
                [Tensor::<1>::ones([3], &device), Tensor::zeros([3], &device), Tensor::zeros([bias], &device)];
            let mut rng = crate::random::SeedGenerator::new(5);
            let mut ctx = CallContext::new(true, &mut rng, &device);
            let x = DynTensor::new(Tensor::<3>::ones([512, 1, 1], &device));
            let out = gru.call_with_states(x, &weights, &mut ctx).unwrap().0.into_vec().unwrap();
            let mut values: Vec<i64> = out.iter().map(|v| (v * 1e6).round() as i64).collect();
            values.sort_unstable();
            values.dedup();
            values.len()
        };
        // One input mask for all gates: x_z = x_h, two outputs.
        assert_eq!(distinct(GRU::new(1).dropout(0.5)), 2);
        // Keras' `dropout_mask_count = 3` with recurrent dropout: z and h drop independently.
        assert_eq!(distinct(GRU::new(1).dropout(0.5).recurrent_dropout(0.5)), 3);
        assert_eq!(distinct(GRU::new(1).reset_after(false).dropout(0.5).recurrent_dropout(0.5)), 3);
    }
}
