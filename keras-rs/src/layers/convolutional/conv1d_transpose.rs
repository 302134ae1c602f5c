//! `Conv1DTranspose`: the transpose (gradient) of a 1-D convolution, on channels-last
//! `(batch, steps, channels)` inputs; upsamples by its stride.

use burn::tensor::module::conv_transpose1d;
use burn::tensor::ops::ConvTransposeOptions;
use serde_json::Value;

use super::base_conv::{activate_channels_last, conv_penalties};
use super::base_conv_transpose::{ConvTranspose, ConvTransposeConfig};
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::layer_boilerplate;
use crate::layers::config::Sizes;
use crate::layers::{CallContext, Layer, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Conv1DTranspose(filters, kernel_size)`: kernel `(k, filters, in)`, bias `(filters,)`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[10, 3])).add(Conv1DTranspose::new(4, 3).strides(2));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 21, 4)");
/// assert_eq!(model.count_params(), 3 * 4 * 3 + 4);
/// ```
pub type Conv1DTranspose = ConvTranspose<1>;

impl ConvTranspose<1> {
    /// `filters` output channels, a window of `kernel_size` steps.
    pub fn new(filters: usize, kernel_size: usize) -> Self {
        ConvTranspose::with_config(ConvTransposeConfig::new(filters, Sizes([kernel_size])))
    }
    /// Reads Keras' `Conv1DTranspose` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        ConvTranspose::read(config, "Conv1DTranspose")
    }
}

impl Layer for ConvTranspose<1> {
    layer_boilerplate!("Conv1DTranspose");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    conv_penalties!();

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.output_shape(input_shape, "conv1d_transpose")
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.build_conv(input_shape, "conv1d_transpose")
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let a = &self.config;
        let (channels, activation, padding) = self.built()?;
        let x = inputs.into_rank::<3>(self.layer_name("conv1d_transpose"))?;
        let (s, d, out_pad, (start, len)) = self.burn_axis(0, padding, x.dims()[1]);
        // burn's transposed convolution, cropped to Keras' output: Keras (k, filters, in) ->
        // burn (in, filters, k); NLC -> NCL and back.
        let k = a.kernel_size.0[0];
        let kernel = weights[0].clone().reshape([k, a.filters, channels]).permute([2, 1, 0]);
        let bias = a.use_bias.then(|| weights[1].clone());
        let options = ConvTransposeOptions::new([s], [0], [out_pad], [d], 1);
        let y = conv_transpose1d(x.permute([0, 2, 1]), kernel, bias, options).narrow(2, start, len);
        Ok(DynTensor::new(activate_channels_last(y, activation)))
    }
}
