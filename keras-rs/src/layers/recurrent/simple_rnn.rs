//! `SimpleRNN`: the fully-connected recurrent layer `h' = tanh(x W + b + h U)`.

use burn::tensor::Tensor;
use serde_json::Value;

use super::base_rnn::{RnnArgs, assemble, masked, rnn_builders, scan};
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::layer_boilerplate;
use crate::layers::{CallContext, Layer, VariableSpec};
use crate::shape::Shape;

/// Keras' `SimpleRNN(units)`: kernel `(features, u)`, recurrent_kernel `(u, u)`, bias `(u,)`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[10, 3])).add(SimpleRNN::new(4).return_sequences(true));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 10, 4)");
/// assert_eq!(model.count_params(), 3 * 4 + 4 * 4 + 4);
/// ```
#[derive(Clone, Debug)]
pub struct SimpleRNN {
    args: RnnArgs,
}

rnn_builders!(SimpleRNN);

impl SimpleRNN {
    /// A SimpleRNN with `units` units and Keras' defaults.
    pub fn new(units: usize) -> Self {
        SimpleRNN { args: RnnArgs::new(units) }
    }
    /// Reads Keras' `SimpleRNN` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(SimpleRNN { args: RnnArgs::from_config(config, "SimpleRNN")? })
    }
}

impl SimpleRNN {
    /// The forward pass returning the output and the final states (`[h]`, or `[h, c]` for LSTM):
    /// what `return_state(true)` exposes to a Functional model.
    pub fn call_with_states(
        &self,
        inputs: DynTensor,
        weights: &[Tensor<1>],
        ctx: &mut CallContext<'_>,
    ) -> Result<(DynTensor, Vec<Tensor<2>>)> {
        let (features, act, _) = self.args.built()?;
        let x = inputs.into_rank::<3>(self.args.name("simple_rnn"))?;
        let [n, t, _] = x.dims();
        let u = self.args.units;
        let (input_mask, recurrent_mask) = self.args.dropout_masks(ctx, n, features);
        let recurrent = weights[1].clone().reshape([u, u]);
        let mut projected = self.args.project(x, input_mask, weights[0].clone().reshape([features, u]));
        if self.args.use_bias {
            projected = projected + weights[2].clone().reshape([1, u]);
        }
        let initial = self.args.initial_states(ctx, n, 1, "simple_rnn")?;
        let (outputs, last) = scan(projected.reshape([n, t, u]), self.args.go_backwards, initial, |x_t, s| {
            vec![act.apply(x_t + masked(&s[0], &recurrent_mask).matmul(recurrent.clone()))]
        });
        self.args.keep_states(ctx, last.clone());
        Ok((assemble(outputs, self.args.return_sequences), last))
    }
}

impl Layer for SimpleRNN {
    layer_boilerplate!("SimpleRNN", args.base);

    fn config(&self) -> Value {
        self.args.config(false)
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.args.output_shape(input_shape, "simple_rnn")
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.args.output_shape(input_shape, "simple_rnn")?;
        let features = self.args.build_activations(input_shape)?;
        let u = self.args.units;
        let mut vars = vec![
            VariableSpec::trainable("kernel", vec![features, u], self.args.kernel_initializer.clone()),
            VariableSpec::trainable("recurrent_kernel", vec![u, u], self.args.recurrent_initializer.clone()),
        ];
        if self.args.use_bias {
            vars.push(VariableSpec::trainable("bias", vec![u], self.args.bias_initializer.clone()));
        }
        Ok(vars)
    }

    fn stateful(&self) -> bool {
        self.args.stateful
    }

    fn num_outputs(&self) -> usize {
        if self.args.return_state { 1 + 1 } else { 1 }
    }

    fn call(&self, inputs: DynTensor, weights: &[Tensor<1>], ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        self.call_with_states(inputs, weights, ctx).map(|(output, _)| output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn go_backwards_returns_outputs_in_processing_order() {
        let device = keras_rs_backends::default_device();
        // 1 unit, linear activation, kernel 1, recurrent 1, no bias: h_t = x_t + h_{t-1} (a running sum).
        let mut rnn = SimpleRNN::new(1).activation("linear").use_bias(false).return_sequences(true).go_backwards(true);
        rnn.build(&Shape::batched(&[3, 1])).unwrap();
        let w = [Tensor::<1>::ones([1], &device), Tensor::<1>::ones([1], &device)];
        let x = DynTensor::from_data(vec![1.0, 2.0, 3.0], &[1, 3, 1], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        // processing 3, 2, 1: outputs 3, 5, 6 (not flipped back)
        assert_eq!(rnn.call(x, &w, &mut ctx).unwrap().to_vec().unwrap(), vec![3.0, 5.0, 6.0]);
        let err = SimpleRNN::new(2).compute_output_shape(&Shape::batched(&[5])).unwrap_err().to_string();
        assert!(err.contains("expected ndim=3"), "{err}");
        let cfg = SimpleRNN::new(2).activation("relu").get_config();
        assert_eq!(SimpleRNN::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
