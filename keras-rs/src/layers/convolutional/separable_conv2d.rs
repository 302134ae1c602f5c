//! `SeparableConv2D`: a depthwise convolution of each channel of a channels-last
//! `(batch, rows, cols, channels)` input, then a pointwise (1x1) convolution mixing channels.

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

/// Keras' `SeparableConv2D(filters, kernel_size)`: depthwise kernel `(kh, kw, in,
/// depth_multiplier)`, pointwise kernel `(1, 1, in * depth_multiplier, filters)`, bias
/// `(filters,)`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new()
///     .add(Input::new(&[16, 16, 8]))
///     .add(SeparableConv2D::new(32, 3).padding("same").activation("relu"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 16, 16, 32)");
/// assert_eq!(model.count_params(), 3 * 3 * 8 + 8 * 32 + 32);
/// ```
pub type SeparableConv2D = SeparableConv<2>;

impl SeparableConv<2> {
    /// `filters` output channels, a `kernel_size` window (`3` or `(3, 3)`) over each channel.
    pub fn new(filters: usize, kernel_size: impl Into<Sizes<2>>) -> Self {
        SeparableConv::with_config(SeparableConvConfig::new(filters, kernel_size.into()))
    }
    /// Reads Keras' `SeparableConv2D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        SeparableConv::read(config, "SeparableConv2D")
    }
}

impl Layer for SeparableConv<2> {
    layer_boilerplate!("SeparableConv2D");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    conv_penalties!();

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.output_shape(input_shape, "separable_conv2d")
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.build_conv(input_shape, "separable_conv2d")
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let a = &self.config;
        let (channels, activation, padding) = self.built()?;
        let x = inputs.into_rank::<4>(self.layer_name("separable_conv2d"))?;
        let depthwise =
            Depthwise2d::lift((&a.kernel_size, &a.strides, &a.dilation_rate), padding, channels, a.depth_multiplier);
        let bias = a.use_bias.then(|| weights[2].clone());
        let y = separable_conv2d(&depthwise, x, weights[0].clone(), weights[1].clone(), bias, a.filters);
        Ok(DynTensor::new(activate_channels_last(y, activation)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_keras_and_config_round_trips() {
        let mut conv = SeparableConv2D::new(4, (3, 2)).depth_multiplier(2).name("sep");
        let specs = conv.build(&Shape::batched(&[6, 6, 3])).unwrap();
        let layout: Vec<_> = specs.iter().map(|s| (s.name.as_str(), s.shape.clone())).collect();
        assert_eq!(
            layout,
            vec![("depthwise_kernel", vec![3, 2, 3, 2]), ("pointwise_kernel", vec![1, 1, 6, 4]), ("bias", vec![4])]
        );
        let cfg = conv.get_config();
        assert_eq!(cfg["pointwise_initializer"]["class_name"], "GlorotUniform");
        assert_eq!(SeparableConv2D::from_config(&cfg).unwrap().get_config(), cfg);
        let err = SeparableConv2D::new(0, 3).compute_output_shape(&Shape::batched(&[5, 5, 2])).unwrap_err();
        assert!(err.to_string().contains("Received filters=0"), "{err}");
    }
}
