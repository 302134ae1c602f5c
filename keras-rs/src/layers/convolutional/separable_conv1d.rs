//! `SeparableConv1D`: a depthwise convolution of each channel of a channels-last
//! `(batch, steps, channels)` input, then a pointwise convolution mixing channels.

use serde_json::Value;

use super::base_conv::{activate_channels_last, conv_penalties};
use super::base_depthwise_conv::Depthwise2d;
use super::base_separable_conv::{SeparableConv, SeparableConvConfig, separable_conv2d};
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::layer_boilerplate;
use crate::layers::config::Sizes;
use crate::layers::{CallContext, Layer, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `SeparableConv1D(filters, kernel_size)`: depthwise kernel `(k, in, depth_multiplier)`,
/// pointwise kernel `(1, in * depth_multiplier, filters)`, bias `(filters,)`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[10, 4])).add(SeparableConv1D::new(8, 3).strides(2));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 4, 8)");
/// assert_eq!(model.count_params(), 3 * 4 + 4 * 8 + 8);
/// ```
pub type SeparableConv1D = SeparableConv<1>;

impl SeparableConv<1> {
    /// `filters` output channels, a window of `kernel_size` steps over each channel.
    pub fn new(filters: usize, kernel_size: usize) -> Self {
        SeparableConv::with_config(SeparableConvConfig::new(filters, Sizes([kernel_size])))
    }
    /// Reads Keras' `SeparableConv1D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        SeparableConv::read(config, "SeparableConv1D")
    }
}

impl Layer for SeparableConv<1> {
    layer_boilerplate!("SeparableConv1D");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    conv_penalties!();

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.output_shape(input_shape, "separable_conv1d")
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.build_conv(input_shape, "separable_conv1d")
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let a = &self.config;
        let (channels, activation, padding) = self.built()?;
        // The 2-D convolution over a height of 1.
        let x = inputs.into_rank::<3>(self.layer_name("separable_conv1d"))?.unsqueeze_dim::<4>(1);
        let depthwise =
            Depthwise2d::lift((&a.kernel_size, &a.strides, &a.dilation_rate), padding, channels, a.depth_multiplier);
        let bias = a.use_bias.then(|| weights[2].clone());
        let y = separable_conv2d(&depthwise, x, weights[0].clone(), weights[1].clone(), bias, a.filters);
        Ok(DynTensor::new(activate_channels_last(y, activation).squeeze_dim::<3>(1)))
    }
}
