//! What DepthwiseConv1D and DepthwiseConv2D share (Keras' `BaseDepthwiseConv`): arguments,
//! output sizes, and the convolution itself — each input channel convolved on its own with
//! `depth_multiplier` filters.

use burn::tensor::Tensor;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

use super::base_conv::{Padding, Window, check_window, conv_common, padding_pair};
use crate::activations::Activation;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::builders::common_builders;
use crate::layers::config::{Sizes, Validate, keras_config, validated};
use crate::layers::{LayerBase, VariableSpec};
use crate::regularizers::Regularizer;
use crate::shape::Shape;

/// A depthwise convolution over `N` spatial axes, channels last (Keras' `BaseDepthwiseConv`):
/// input channel `c` gives output channels `c * depth_multiplier ..`, each from its own filter.
/// [`DepthwiseConv1D`](super::DepthwiseConv1D) and [`DepthwiseConv2D`](super::DepthwiseConv2D) are
/// its one- and two-axis forms. Kernel `(*kernel_size, in, depth_multiplier)`, bias
/// `(in * depth_multiplier,)`.
#[derive(Clone, Debug)]
pub struct DepthwiseConv<const N: usize> {
    pub(crate) base: LayerBase,
    pub(crate) config: DepthwiseConvConfig<N>,
    /// (input channels, activation, padding) once built.
    pub(crate) built: Option<(usize, Activation, Padding)>,
}

keras_config! {
    /// Keras' arguments of a depthwise convolution over `N` spatial axes (`DepthwiseConv1D`,
    /// `DepthwiseConv2D`), with Keras' names and defaults; channels last.
    pub struct DepthwiseConvConfig<const N: usize> {
        required {
            /// The window size per spatial axis.
            kernel_size: Sizes<N>,
        }
        args {
            /// The strides (default 1).
            strides: Sizes<N> = Sizes([1; N]),
            /// `"valid"` (default) or `"same"` (Keras' rule: any odd extra pad at the end).
            padding: String = "valid".to_string(),
            /// How many output channels each input channel gives (default 1).
            depth_multiplier: usize = 1,
            /// The dilation rate (default 1).
            dilation_rate: Sizes<N> = Sizes([1; N]),
            /// The activation by Keras name (default linear).
            activation: String = "linear".to_string(),
            /// Whether to add a bias (default true).
            use_bias: bool = true,
        }
        nested {
            /// How the depthwise kernel and the bias are initialized, penalized and constrained.
            weights: DepthwiseArgs,
        }
    }
    constants { data_format: "channels_last" }
    setters for [const N: usize] DepthwiseConv<N> => config;
}

keras_config! {
    /// Keras' `depthwise_*`, `bias_*` and `activity_regularizer` arguments of a depthwise
    /// convolution: its kernel is variable 0, its bias (with `use_bias`) variable 1.
    pub struct DepthwiseArgs {
        args {
            /// The depthwise kernel's initializer (default `glorot_uniform`).
            depthwise_initializer: Initializer = Initializer::GlorotUniform,
            /// The bias initializer (default `zeros`).
            bias_initializer: Initializer = Initializer::Zeros,
            /// A penalty on the depthwise kernel added to the loss.
            depthwise_regularizer: Option<Regularizer> = None,
            /// A penalty on the bias added to the loss.
            bias_regularizer: Option<Regularizer> = None,
            /// A penalty on the layer's output added to the loss, over the batch size.
            activity_regularizer: Option<Regularizer> = None,
            /// A projection of the depthwise kernel after each update.
            depthwise_constraint: Option<Constraint> = None,
            /// A projection of the bias after each update.
            bias_constraint: Option<Constraint> = None,
        }
    }
    setters for [const N: usize] DepthwiseConv<N> => config.weights;
}

impl Validate for DepthwiseArgs {}

impl DepthwiseArgs {
    /// The kernel's (variable 0) and, with `use_bias`, the bias's (variable 1) regularizers.
    pub(crate) fn regularizers(&self, use_bias: bool) -> Vec<(usize, Regularizer)> {
        let bias = self.bias_regularizer.filter(|_| use_bias).map(|r| (1, r));
        self.depthwise_regularizer.map(|r| (0, r)).into_iter().chain(bias).collect()
    }

    /// The kernel's (variable 0) and, with `use_bias`, the bias's (variable 1) constraints.
    pub(crate) fn constraints(&self, use_bias: bool) -> Vec<(usize, Constraint)> {
        let bias = self.bias_constraint.clone().filter(|_| use_bias).map(|c| (1, c));
        self.depthwise_constraint.clone().map(|c| (0, c)).into_iter().chain(bias).collect()
    }
}

/// Keras' check of `depth_multiplier`.
pub(crate) fn check_depth_multiplier(depth_multiplier: usize) -> Result<()> {
    if depth_multiplier == 0 {
        return Err(Error::value(
            "Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received \
             depth_multiplier=0.",
        ));
    }
    Ok(())
}

impl<const N: usize> Validate for DepthwiseConvConfig<N> {
    fn validate(&self) -> Result<()> {
        check_depth_multiplier(self.depth_multiplier)?;
        check_window(&self.kernel_size, &self.strides, &self.dilation_rate, Padding::parse(&self.padding))
    }
}

common_builders!([const N: usize] DepthwiseConv<N>);

conv_common!(DepthwiseConv, DepthwiseConvConfig);

impl<const N: usize> DepthwiseConv<N> {
    /// Keras' `compute_output_shape`: `in * depth_multiplier` channels.
    pub(crate) fn output_shape(&self, input: &Shape, default_name: &str) -> Result<Shape> {
        let c = &self.config;
        let name = self.layer_name(default_name);
        input.check_ndim(name, N + 2)?;
        validated(c, name)?;
        let channels = input.last().ok_or_else(|| {
            Error::shape(format!("Layer \"{name}\": the channel axis must be known, received input shape {input}"))
        })?;
        let window = Window { kernel_size: &c.kernel_size, strides: &c.strides, dilation_rate: &c.dilation_rate };
        let padding = Padding::parse(&c.padding)?;
        window.output_shape(input, name, padding, [channels, c.depth_multiplier], channels * c.depth_multiplier)
    }

    /// Checks the input and lists kernel `(*kernel_size, in, depth_multiplier)` and bias
    /// `(in * depth_multiplier,)`.
    pub(crate) fn build_conv(&mut self, input: &Shape, default_name: &str) -> Result<Vec<VariableSpec>> {
        let out_channels = self.output_shape(input, default_name)?.last().unwrap_or(0);
        let c = &self.config;
        let channels = out_channels / c.depth_multiplier;
        self.built = Some((channels, Activation::get(&c.activation)?, Padding::parse(&c.padding)?));
        let mut kernel_shape = c.kernel_size.0.to_vec();
        kernel_shape.extend([channels, c.depth_multiplier]);
        let w = &c.weights;
        let mut vars = vec![VariableSpec::trainable("kernel", kernel_shape, w.depthwise_initializer.clone())];
        if c.use_bias {
            vars.push(VariableSpec::trainable("bias", vec![out_channels], w.bias_initializer.clone()));
        }
        Ok(vars)
    }
}

/// The spatial arguments of a depthwise convolution lifted to two axes (a 1-D layer runs as
/// a 2-D one over a height of 1).
pub(crate) struct Depthwise2d {
    /// The window `[kh, kw]`.
    pub kernel: [usize; 2],
    /// The strides.
    pub strides: [usize; 2],
    /// The dilation rate.
    pub dilation: [usize; 2],
    /// `"valid"` or `"same"`.
    pub padding: Padding,
    /// The input channels.
    pub channels: usize,
    /// Filters per input channel.
    pub depth_multiplier: usize,
}

impl Depthwise2d {
    /// The two-axis form of an `N`-axis (1 or 2) layer's arguments: a 1-D window runs over a
    /// height of 1.
    pub(crate) fn lift<const N: usize>(
        (kernel, strides, dilation): (&Sizes<N>, &Sizes<N>, &Sizes<N>),
        padding: Padding,
        channels: usize,
        depth_multiplier: usize,
    ) -> Self {
        let two = |s: &Sizes<N>| if N == 1 { [1, s.0[0]] } else { [s.0[0], s.0[N - 1]] };
        Depthwise2d {
            kernel: two(kernel),
            strides: two(strides),
            dilation: two(dilation),
            padding,
            channels,
            depth_multiplier,
        }
    }

    /// The depthwise convolution of channels-last `x` (`[batch, h, w, channels]`) with Keras'
    /// kernel `(kh, kw, channels, depth_multiplier)` (flat), plus `bias`; the result is channels
    /// first (`[batch, channels * depth_multiplier, h', w']`), ready for an activation.
    pub(crate) fn apply(&self, x: Tensor<4>, kernel: Tensor<1>, bias: Option<Tensor<1>>) -> Tensor<4> {
        let [_, h, w, _] = x.dims();
        let ([kh, kw], [sh, sw], [dh, dw]) = (self.kernel, self.strides, self.dilation);
        let pads = [padding_pair(h, kh, sh, dh, self.padding), padding_pair(w, kw, sw, dw, self.padding)];
        // Keras (kh, kw, in, dm) -> burn's grouped kernel (in * dm, 1, kh, kw), one group per
        // input channel: output channel c * dm + m, as Keras orders them.
        let out = self.channels * self.depth_multiplier;
        let kernel = kernel.reshape([kh, kw, out]).permute([2, 0, 1]).unsqueeze_dim::<4>(1);
        let options = ConvOptions::new_with_padding([sh, sw], pads, [dh, dw], self.channels);
        conv2d(x.permute([0, 3, 1, 2]), kernel, bias, options)
    }
}
