//! `Conv2DTranspose`: the transpose (gradient) of a 2-D convolution, on channels-last
//! `(batch, rows, cols, channels)` inputs; upsamples by its strides.

use burn::tensor::module::conv_transpose2d;
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

/// Keras' `Conv2DTranspose(filters, kernel_size)`: kernel `(kh, kw, filters, in)`, bias
/// `(filters,)`. With `padding="same"` each spatial axis grows by its stride; `"valid"` gives
/// `in * stride + max(kernel - stride, 0)`; `output_padding` as Keras.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new()
///     .add(Input::new(&[7, 7, 8]))
///     .add(Conv2DTranspose::new(4, (3, 3)).strides(2).padding("same").activation("relu"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 14, 14, 4)");
/// assert_eq!(model.count_params(), 3 * 3 * 4 * 8 + 4);
/// ```
pub type Conv2DTranspose = ConvTranspose<2>;

impl ConvTranspose<2> {
    /// `filters` output channels, a `kernel_size` window (`3` or `(3, 3)`).
    pub fn new(filters: usize, kernel_size: impl Into<Sizes<2>>) -> Self {
        ConvTranspose::with_config(ConvTransposeConfig::new(filters, kernel_size.into()))
    }
    /// Reads Keras' `Conv2DTranspose` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        ConvTranspose::read(config, "Conv2DTranspose")
    }
}

impl Layer for ConvTranspose<2> {
    layer_boilerplate!("Conv2DTranspose");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    conv_penalties!();

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.output_shape(input_shape, "conv2d_transpose")
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.build_conv(input_shape, "conv2d_transpose")
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let a = &self.config;
        let (channels, activation, padding) = self.built()?;
        let x = inputs.into_rank::<4>(self.layer_name("conv2d_transpose"))?;
        let [_, h, w, _] = x.dims();
        let [(sh, dh, oh, rows), (sw, dw, ow, cols)] = [self.burn_axis(0, padding, h), self.burn_axis(1, padding, w)];
        // burn's transposed convolution (a matmul and col2im: no multiplications by the zeros
        // between strided inputs), cropped to Keras' output: Keras (kh, kw, filters, in) ->
        // burn (in, filters, kh, kw); NHWC -> NCHW and back.
        let [kh, kw] = a.kernel_size.0;
        let kernel = weights[0].clone().reshape([kh, kw, a.filters, channels]).permute([3, 2, 0, 1]);
        let bias = a.use_bias.then(|| weights[1].clone());
        let options = ConvTransposeOptions::new([sh, sw], [0, 0], [oh, ow], [dh, dw], 1);
        let y = conv_transpose2d(x.permute([0, 3, 1, 2]), kernel, bias, options);
        let y = y.narrow(2, rows.0, rows.1).narrow(3, cols.0, cols.1);
        Ok(DynTensor::new(activate_channels_last(y, activation)))
    }
}
