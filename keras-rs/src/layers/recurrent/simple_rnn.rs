//! `SimpleRNN`: the fully-connected recurrent layer `h' = tanh(x W + b + h U)`.

use burn::tensor::Tensor;
use serde_json::Value;

use super::base_rnn::{RnnArgs, rnn_builders, rnn_layer_methods};
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
    pub(crate) args: RnnArgs,
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
        let (_, act, _) = self.args.built()?;
        // [kernel; recurrent_kernel]: one matmul per step, as in LSTM.
        self.args.run_fused(inputs, weights, ctx, "simple_rnn", 1, self.args.config.units, |z, _| vec![act.apply(z)])
    }
}

impl Layer for SimpleRNN {
    layer_boilerplate!("SimpleRNN", args.base);

    fn takes_unknown_sizes(&self) -> bool {
        true
    }
    rnn_layer_methods!("simple_rnn", 1);

    fn config(&self) -> Value {
        self.args.config(false)
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        let u = self.args.config.units;
        self.args.variable_specs(input_shape, "simple_rnn", u, vec![u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Weights;
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
        assert_eq!(
            Layer::forward(&rnn, x, Weights::from(&w), &mut ctx).unwrap().to_vec().unwrap(),
            vec![3.0, 5.0, 6.0]
        );
        let err = SimpleRNN::new(2).compute_output_shape(&Shape::batched(&[5])).unwrap_err().to_string();
        assert!(err.contains("expected ndim=3"), "{err}");
        let cfg = SimpleRNN::new(2).activation("relu").get_config();
        assert_eq!(SimpleRNN::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
