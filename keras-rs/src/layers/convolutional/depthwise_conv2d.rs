//! `DepthwiseConv2D`: each channel of a channels-last `(batch, rows, cols, channels)` input
//! convolved on its own (MobileNet's and Xception's building block).

use serde_json::Value;

use super::base_conv::{activate_channels_last, conv_penalties};
use super::base_depthwise_conv::{Depthwise2d, DepthwiseConv, DepthwiseConvConfig};
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::layer_boilerplate;
use crate::layers::config::Sizes;
use crate::layers::{CallContext, Layer, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `DepthwiseConv2D(kernel_size)`: kernel `(kh, kw, in, depth_multiplier)`, bias
/// `(in * depth_multiplier,)`; output channel `c * depth_multiplier + m` is input channel `c`
/// convolved with filter `m`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new()
///     .add(Input::new(&[16, 16, 8]))
///     .add(DepthwiseConv2D::new(3).padding("same").activation("relu"))
///     .add(DepthwiseConv2D::new((3, 3)).strides(2).depth_multiplier(2));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 7, 7, 16)");
/// assert_eq!(model.count_params(), (3 * 3 * 8 + 8) + (3 * 3 * 8 * 2 + 16));
/// ```
pub type DepthwiseConv2D = DepthwiseConv<2>;

impl DepthwiseConv<2> {
    /// A `kernel_size` window (`3` or `(3, 3)`) over each channel.
    pub fn new(kernel_size: impl Into<Sizes<2>>) -> Self {
        DepthwiseConv::with_config(DepthwiseConvConfig::new(kernel_size.into()))
    }
    /// Reads Keras' `DepthwiseConv2D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        DepthwiseConv::read(config, "DepthwiseConv2D")
    }
}

impl Layer for DepthwiseConv<2> {
    layer_boilerplate!("DepthwiseConv2D");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    conv_penalties!();

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.output_shape(input_shape, "depthwise_conv2d")
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.build_conv(input_shape, "depthwise_conv2d")
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let a = &self.config;
        let (channels, activation, padding) = self.built()?;
        let x = inputs.into_rank::<4>(self.layer_name("depthwise_conv2d"))?;
        let conv =
            Depthwise2d::lift((&a.kernel_size, &a.strides, &a.dilation_rate), padding, channels, a.depth_multiplier);
        let y = conv.apply(x, weights[0].clone(), a.use_bias.then(|| weights[1].clone()));
        Ok(DynTensor::new(activate_channels_last(y, activation)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;
    use burn::tensor::Tensor;

    #[test]
    fn each_channel_has_its_own_filters_in_keras_order() {
        // Two channels, depth_multiplier 2: output channels (c0*f0, c0*f1, c1*f0', c1*f1').
        let device = keras_rs_backends::default_device();
        let mut conv = DepthwiseConv2D::new(1).depth_multiplier(2).use_bias(false);
        conv.build(&Shape::batched(&[1, 1, 2])).unwrap();
        let x = DynTensor::from_data(vec![1.0, 10.0], &[1, 1, 1, 2], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let kernel = [Tensor::<1>::from_floats([1.0, 2.0, 3.0, 4.0], &device)];
        let y = Layer::forward(&conv, x, Weights::from(&kernel), &mut ctx).unwrap();
        assert_eq!(y.to_vec().unwrap(), vec![1.0, 2.0, 30.0, 40.0]);
    }

    #[test]
    fn keras_errors_and_config_round_trip() {
        let err = DepthwiseConv2D::new(3).depth_multiplier(0).compute_output_shape(&Shape::batched(&[5, 5, 2]));
        assert!(err.unwrap_err().to_string().contains("Received depth_multiplier=0"));
        let err = DepthwiseConv2D::new(4).compute_output_shape(&Shape::batched(&[3, 3, 2])).unwrap_err().to_string();
        assert!(err.contains("kernel shape=(4, 4, 2, 1)"), "{err}");
        let cfg = DepthwiseConv2D::new((2, 3)).strides((1, 2)).padding("same").depth_multiplier(3).get_config();
        assert_eq!(cfg["depthwise_initializer"]["class_name"], "GlorotUniform");
        assert_eq!(DepthwiseConv2D::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
