//! `Conv3DTranspose`: the transpose (gradient) of a 3-D convolution, on channels-last
//! `(batch, depth, rows, cols, channels)` volumes; upsamples by its strides.

use burn::tensor::module::conv_transpose3d;
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

/// Keras' `Conv3DTranspose(filters, kernel_size)`: kernel `(kd, kh, kw, filters, in)`, bias
/// `(filters,)`; Keras' output-size rule (with `output_padding`) on each spatial axis.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Conv3DTranspose;
/// let model = Sequential::new()
///     .add(Input::new(&[4, 4, 4, 8]))
///     .add(Conv3DTranspose::new(2, 3).strides(2).padding("same"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 8, 8, 8, 2)");
/// assert_eq!(model.count_params(), 27 * 2 * 8 + 2);
/// ```
pub type Conv3DTranspose = ConvTranspose<3>;

impl ConvTranspose<3> {
    /// `filters` output channels, a `kernel_size` window (`3` or `(3, 3, 3)`).
    pub fn new(filters: usize, kernel_size: impl Into<Sizes<3>>) -> Self {
        ConvTranspose::with_config(ConvTransposeConfig::new(filters, kernel_size.into()))
    }
    /// Reads Keras' `Conv3DTranspose` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        ConvTranspose::read(config, "Conv3DTranspose")
    }
}

impl Layer for ConvTranspose<3> {
    layer_boilerplate!("Conv3DTranspose");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    conv_penalties!();

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.output_shape(input_shape, "conv3d_transpose")
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.build_conv(input_shape, "conv3d_transpose")
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let a = &self.config;
        let (channels, activation, padding) = self.built()?;
        let x = inputs.into_rank::<5>(self.layer_name("conv3d_transpose"))?;
        let [_, d, h, w, _] = x.dims();
        let axes = [self.burn_axis(0, padding, d), self.burn_axis(1, padding, h), self.burn_axis(2, padding, w)];
        // As Conv2DTranspose: burn's transposed convolution cropped to Keras' output; Keras
        // (kd, kh, kw, filters, in) -> burn (in, filters, kd, kh, kw).
        let k = a.kernel_size.0;
        let kernel = weights[0].clone().reshape([k[0], k[1], k[2], a.filters, channels]).permute([4, 3, 0, 1, 2]);
        let bias = a.use_bias.then(|| weights[1].clone());
        let options = ConvTransposeOptions::new(axes.map(|a| a.0), [0, 0, 0], axes.map(|a| a.2), axes.map(|a| a.1), 1);
        let mut y = conv_transpose3d(x.permute([0, 4, 1, 2, 3]), kernel, bias, options);
        for (i, (_, _, _, (start, len))) in axes.into_iter().enumerate() {
            y = y.narrow(i + 2, start, len);
        }
        Ok(DynTensor::new(activate_channels_last(y, activation)))
    }
}
