//! `Conv2D`: 2-D convolution on channels-last `(batch, height, width, channels)` inputs.

use burn::tensor::Tensor;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use serde_json::Value;

use super::base_conv::{Conv, ConvConfig, Padding, Size2, activate_channels_last, conv_penalties, padding_pair};
use crate::activations::Activation;
use crate::backend::{DynTensor, ops};
use crate::error::Result;
use crate::layers::builders::layer_boilerplate;
use crate::layers::{CallContext, Layer, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Conv2D(filters, kernel_size)`: kernel `(kh, kw, in, filters)`, bias `(filters,)`.
/// SAME padding follows Keras: any odd extra pad goes at the bottom/right.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new()
///     .add(Input::new(&[28, 28, 1]))
///     .add(Conv2D::new(32, (3, 3)).activation("relu"))
///     .add(Conv2D::new(8, 3).strides(2).padding("same"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 13, 13, 8)");
/// assert_eq!(model.count_params(), (3 * 3 * 32 + 32) + (3 * 3 * 32 * 8 + 8));
/// ```
pub type Conv2D = Conv<2>;

impl Conv<2> {
    /// `filters` output channels, a `kernel_size` window (`3` or `(3, 3)`).
    pub fn new(filters: usize, kernel_size: impl Into<Size2>) -> Self {
        Conv::with_config(ConvConfig::new(filters, kernel_size.into()))
    }
    /// Reads Keras' `Conv2D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Conv::read(config, "Conv2D")
    }
}

impl Layer for Conv<2> {
    layer_boilerplate!("Conv2D");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    conv_penalties!();

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.output_shape(input_shape, "conv2d")
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.build_conv(input_shape, "conv2d")
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let a = &self.config;
        let (channels, activation, padding) = self.built()?;
        let x = inputs.into_rank::<4>(self.layer_name("conv2d"))?;
        let [_, h, w, _] = x.dims();
        let (k, s, d) = (a.kernel_size.0, a.strides.0, a.dilation_rate.0);
        let pads = [padding_pair(h, k[0], s[0], d[0], padding), padding_pair(w, k[1], s[1], d[1], padding)];
        if ops::has_kernels(&x) && a.groups == 1 {
            // keras-rs' channels-last op takes the Keras kernel as it is.
            let padding = pads.map(|(before, after)| [before, after]);
            let window = ops::Window2d { size: [k[0], k[1]], strides: [s[0], s[1]], dilation: [d[0], d[1]], padding };
            let kernel = weights[0].clone().reshape([k[0], k[1], channels, a.filters]);
            let bias = if a.use_bias { weights[1].clone() } else { Tensor::zeros([a.filters], &x.device().inner()) };
            // Bias and ReLU run inside the op, on each tile while it is in cache — and, in
            // inference, the next layer's max pooling (max commutes with ReLU, not with softmax).
            let relu = activation == Activation::Relu;
            let pool = match ctx.next_max_pool.take() {
                Some(hint) if relu || activation == Activation::Linear => {
                    let [oh, ow] = window.output_size(h, w);
                    let padding = Padding::parse(&hint.padding)?;
                    let (k, s) = (hint.pool_size, hint.strides);
                    let pads = [padding_pair(oh, k[0], s[0], 1, padding), padding_pair(ow, k[1], s[1], 1, padding)];
                    let padding = pads.map(|(before, after)| [before, after]);
                    // Only where the pooling has an output (else the pooling layer reports the error).
                    let fits = |n: usize, axis: usize| n + padding[axis][0] + padding[axis][1] >= k[axis];
                    (fits(oh, 0) && fits(ow, 1)).then_some(ops::Window2d {
                        size: k,
                        strides: s,
                        dilation: [1, 1],
                        padding,
                    })
                }
                _ => None,
            };
            ctx.pooled = pool.is_some();
            let y = ops::conv2d(x, kernel, bias, window, relu, pool);
            return Ok(DynTensor::new(if relu { y } else { activation.apply(y) }));
        }
        // Keras (kh, kw, in, out) -> burn (out, in, kh, kw); NHWC -> NCHW and back.
        // Grouped convolutions take this path on every backend (burn's conv2d has `groups`).
        let kernel = weights[0].clone().reshape([k[0], k[1], channels / a.groups, a.filters]).permute([3, 2, 0, 1]);
        let bias = a.use_bias.then(|| weights[1].clone());
        let options = ConvOptions::new_with_padding([s[0], s[1]], pads, [d[0], d[1]], a.groups);
        let y = conv2d(x.permute([0, 3, 1, 2]), kernel, bias, options);
        Ok(DynTensor::new(activate_channels_last(y, activation)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn same_padding_with_stride_two_on_even_input_matches_hand_computation() {
        // 1 channel, 4x4 input of ones, 3x3 kernel of ones, stride 2, same: pads (0, 1).
        let device = keras_rs_backends::default_device();
        let mut conv = Conv2D::new(1, 3).strides(2).padding("same").use_bias(false);
        conv.build(&Shape::batched(&[4, 4, 1])).unwrap();
        let x = DynTensor::from_data(vec![1.0; 16], &[1, 4, 4, 1], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let y = Layer::forward(&conv, x, Weights::from(&[Tensor::<1>::ones([9], &device)]), &mut ctx).unwrap();
        assert_eq!(y.dims(), vec![1, 2, 2, 1]);
        // windows at rows/cols {0..2} and {2..4 + pad}: full 9, edge 6, corner 4
        assert_eq!(y.to_vec().unwrap(), vec![9.0, 6.0, 6.0, 4.0]);
    }

    #[test]
    fn errors_name_the_layer_and_shapes() {
        let err = Conv2D::new(4, 3).name("c").compute_output_shape(&Shape::batched(&[28, 28])).unwrap_err().to_string();
        assert!(
            err.contains("\"c\"") && err.contains("expected ndim=4, found ndim=3") && err.contains("(None, 28, 28)")
        );
        let err = Conv2D::new(4, 5).compute_output_shape(&Shape::batched(&[3, 3, 1])).unwrap_err().to_string();
        assert!(err.contains("kernel shape=(5, 5, 1, 4)") && err.contains("(None, 3, 3, 1)"), "{err}");
        let cfg = Conv2D::new(4, (2, 3)).strides((1, 2)).padding("same").get_config();
        assert_eq!(Conv2D::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
