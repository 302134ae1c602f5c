//! `DepthwiseConv1D`: each channel of a channels-last `(batch, steps, channels)` input
//! convolved on its own.

use serde_json::Value;

use super::base_conv::{activate_channels_last, conv_penalties};
use super::base_depthwise_conv::{Depthwise2d, DepthwiseConv, DepthwiseConvConfig};
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::layer_boilerplate;
use crate::layers::config::Sizes;
use crate::layers::{CallContext, Layer, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `DepthwiseConv1D(kernel_size)`: kernel `(k, in, depth_multiplier)`, bias
/// `(in * depth_multiplier,)`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[10, 3])).add(DepthwiseConv1D::new(3).depth_multiplier(2));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 8, 6)");
/// assert_eq!(model.count_params(), 3 * 3 * 2 + 6);
/// ```
pub type DepthwiseConv1D = DepthwiseConv<1>;

impl DepthwiseConv<1> {
    /// A window of `kernel_size` steps over each channel.
    pub fn new(kernel_size: usize) -> Self {
        DepthwiseConv::with_config(DepthwiseConvConfig::new(Sizes([kernel_size])))
    }
    /// Reads Keras' `DepthwiseConv1D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        DepthwiseConv::read(config, "DepthwiseConv1D")
    }
}

impl Layer for DepthwiseConv<1> {
    layer_boilerplate!("DepthwiseConv1D");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    conv_penalties!();

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.output_shape(input_shape, "depthwise_conv1d")
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.build_conv(input_shape, "depthwise_conv1d")
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let a = &self.config;
        let (channels, activation, padding) = self.built()?;
        // The 2-D convolution over a height of 1.
        let x = inputs.into_rank::<3>(self.layer_name("depthwise_conv1d"))?.unsqueeze_dim::<4>(1);
        let conv =
            Depthwise2d::lift((&a.kernel_size, &a.strides, &a.dilation_rate), padding, channels, a.depth_multiplier);
        let y = conv.apply(x, weights[0].clone(), a.use_bias.then(|| weights[1].clone()));
        Ok(DynTensor::new(activate_channels_last(y, activation).squeeze_dim::<3>(1)))
    }
}
