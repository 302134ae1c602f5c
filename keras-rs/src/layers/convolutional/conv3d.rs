//! `Conv3D`: 3-D convolution on channels-last `(batch, depth, rows, cols, channels)` volumes.

use burn::tensor::module::conv3d;
use burn::tensor::ops::{ConvOptions, PadMode};
use serde_json::Value;

use super::base_conv::{Conv, ConvConfig, activate_channels_last, conv_penalties, padding_pair};
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::layer_boilerplate;
use crate::layers::config::Sizes;
use crate::layers::{CallContext, Layer, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Conv3D(filters, kernel_size)`: kernel `(kd, kh, kw, in, filters)`, bias `(filters,)`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Conv3D;
/// let model = Sequential::new()
///     .add(Input::new(&[8, 16, 16, 1]))
///     .add(Conv3D::new(4, 3).activation("relu"))
///     .add(Conv3D::new(2, (1, 3, 3)).strides(2).padding("same"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 3, 7, 7, 2)");
/// assert_eq!(model.count_params(), (27 * 4 + 4) + (9 * 4 * 2 + 2));
/// ```
pub type Conv3D = Conv<3>;

impl Conv<3> {
    /// `filters` output channels, a `kernel_size` window (`3` or `(3, 3, 3)`).
    pub fn new(filters: usize, kernel_size: impl Into<Sizes<3>>) -> Self {
        Conv::with_config(ConvConfig::new(filters, kernel_size.into()))
    }
    /// Reads Keras' `Conv3D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Conv::read(config, "Conv3D")
    }
}

impl Layer for Conv<3> {
    layer_boilerplate!("Conv3D");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    conv_penalties!();

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.output_shape(input_shape, "conv3d")
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.build_conv(input_shape, "conv3d")
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let a = &self.config;
        let (channels, activation, padding) = self.built()?;
        let x = inputs.into_rank::<5>(self.layer_name("conv3d"))?;
        let [_, d, h, w, _] = x.dims();
        let (k, s, dil) = (a.kernel_size.0, a.strides.0, a.dilation_rate.0);
        let pads: [(usize, usize); 3] =
            std::array::from_fn(|i| padding_pair([d, h, w][i], k[i], s[i], dil[i], padding));
        // Keras (kd, kh, kw, in, out) -> burn (out, in, kd, kh, kw); NDHWC -> NCDHW and back.
        let kernel = weights[0].clone().reshape([k[0], k[1], k[2], channels / a.groups, a.filters]);
        let bias = a.use_bias.then(|| weights[1].clone());
        // burn's conv3d takes no asymmetric padding (SAME's odd extra pad): pad explicitly.
        let x = x.permute([0, 4, 1, 2, 3]).pad([(0, 0), (0, 0), pads[0], pads[1], pads[2]], PadMode::Constant(0.0));
        let options = ConvOptions::new(s, [0, 0, 0], dil, a.groups);
        let y = conv3d(x, kernel.permute([4, 3, 0, 1, 2]), bias, options);
        Ok(DynTensor::new(activate_channels_last(y, activation)))
    }
}
