//! `Conv1D`: 1-D convolution on channels-last `(batch, steps, channels)` inputs.

use burn::tensor::module::conv1d;
use burn::tensor::ops::ConvOptions;
use serde_json::Value;

use super::base_conv::{Conv, ConvConfig, activate_channels_last, conv_penalties, output_length, padding_pair};
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::layer_boilerplate;
use crate::layers::config::Sizes;
use crate::layers::{CallContext, Layer, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Conv1D(filters, kernel_size)`: kernel `(k, in, filters)`, bias `(filters,)`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[10, 3])).add(Conv1D::new(4, 3).padding("same"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 10, 4)");
/// assert_eq!(model.count_params(), 3 * 3 * 4 + 4);
/// ```
pub type Conv1D = Conv<1>;

impl Conv<1> {
    /// `filters` output channels, a window of `kernel_size` steps.
    pub fn new(filters: usize, kernel_size: usize) -> Self {
        Conv::with_config(ConvConfig::new(filters, Sizes([kernel_size])))
    }
    /// Reads Keras' `Conv1D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Conv::read(config, "Conv1D")
    }
}

impl Layer for Conv<1> {
    layer_boilerplate!("Conv1D");

    fn takes_unknown_sizes(&self) -> bool {
        true
    }

    fn config(&self) -> Value {
        self.config.to_config()
    }

    conv_penalties!();

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.output_shape(input_shape, "conv1d")
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.build_conv(input_shape, "conv1d")
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let a = &self.config;
        let (channels, activation, padding) = self.built()?;
        let x = inputs.into_rank::<3>(self.layer_name("conv1d"))?;
        let steps = x.dims()[1];
        let (k, s, d) = (a.kernel_size.0[0], a.strides.0[0], a.dilation_rate.0[0]);
        if output_length(steps, k, s, d, padding).is_none_or(|n| n == 0) {
            // A sequence of unknown length checked now: shorter than the (dilated) window.
            return Err(Error::shape(format!(
                "Computed output size would be negative for layer \"{}\": the kernel ({k}, dilation {d}) is larger \
                 than the (valid-padded) input of {steps} steps",
                self.layer_name("conv1d")
            )));
        }
        if k == 1 && s == 1 && a.groups == 1 {
            // A window of one step is a Dense layer over the channels: one matmul on the
            // channels-last rows, no layout changes (the same sums as the convolution).
            let [n, _, c] = x.dims();
            let mut y = x.reshape([n * steps, c]).matmul(weights[0].clone().reshape([c, a.filters]));
            if a.use_bias {
                y = y + weights[1].clone().reshape([1, a.filters]);
            }
            // Channels last already: softmax too runs over the channels, as Keras'.
            return Ok(DynTensor::new(activation.apply(y.reshape([n, steps, a.filters]))));
        }
        // Keras (k, in, out) -> burn (out, in, k); NLC -> NCL and back.
        let kernel = weights[0].clone().reshape([k, channels / a.groups, a.filters]).permute([2, 1, 0]);
        let bias = a.use_bias.then(|| weights[1].clone());
        let options = ConvOptions::new_with_padding([s], [padding_pair(steps, k, s, d, padding)], [d], a.groups);
        let y = conv1d(x.permute([0, 2, 1]), kernel, bias, options);
        Ok(DynTensor::new(activate_channels_last(y, activation)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;
    use burn::tensor::Tensor;

    #[test]
    fn a_one_step_window_is_a_dense_layer_over_the_channels() {
        // Conv1D(kernel_size=1) runs as a matmul: the same numbers as Dense with the same weights,
        // softmax included (over the channels).
        let device = keras_rs_backends::default_device();
        let values: Vec<f32> = (0..2 * 3 * 4).map(|v| (v as f32 * 0.37).sin()).collect();
        let x = DynTensor::from_data(values, &[2, 3, 4], &device).unwrap();
        let w: Vec<f32> = (0..4 * 5).map(|v| (v as f32 * 0.11).cos()).collect();
        let weights = [
            Tensor::<1>::from_floats(w.as_slice(), &device),
            Tensor::<1>::from_floats([0.1, 0.2, 0.3, 0.4, 0.5], &device),
        ];
        let mut conv = Conv1D::new(5, 1).activation("softmax");
        conv.build(&Shape::batched(&[3, 4])).unwrap();
        let mut dense = crate::layers::Dense::new(5).activation("softmax");
        dense.build(&Shape::batched(&[3, 4])).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let a = Layer::forward(&conv, x.clone(), Weights::from(&weights), &mut ctx).unwrap().to_vec().unwrap();
        let b = Layer::forward(&dense, x, Weights::from(&weights), &mut ctx).unwrap().to_vec().unwrap();
        for (a, b) in a.iter().zip(&b) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn valid_conv_is_a_cross_correlation() {
        let device = keras_rs_backends::default_device();
        let mut conv = Conv1D::new(1, 2);
        conv.build(&Shape::batched(&[4, 1])).unwrap();
        let x = DynTensor::from_data(vec![1.0, 2.0, 3.0, 4.0], &[1, 4, 1], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let w = [Tensor::<1>::from_floats([1.0, 10.0], &device), Tensor::<1>::from_floats([0.5], &device)];
        let y = Layer::forward(&conv, x, Weights::from(&w), &mut ctx).unwrap();
        // no kernel flip: y_t = x_t * 1 + x_{t+1} * 10 + 0.5
        assert_eq!(y.to_vec().unwrap(), vec![21.5, 32.5, 43.5]);
        let cfg = Conv1D::new(3, 5).dilation_rate(2).get_config();
        assert_eq!(Conv1D::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
