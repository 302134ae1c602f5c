//! What SeparableConv1D and SeparableConv2D share (Keras' `BaseSeparableConv`): a depthwise
//! convolution followed by a pointwise (1x1) convolution to `filters` channels.

use burn::tensor::Tensor;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

use super::base_conv::{Padding, Window, check_conv_args, conv_common};
use super::base_depthwise_conv::{Depthwise2d, check_depth_multiplier};
use crate::activations::Activation;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::builders::common_builders;
use crate::layers::config::{Sizes, Validate, keras_config, validated};
use crate::layers::{LayerBase, VariableSpec};
use crate::regularizers::Regularizer;
use crate::shape::Shape;

/// A depthwise separable convolution over `N` spatial axes, channels last (Keras'
/// `BaseSeparableConv`); [`SeparableConv1D`](super::SeparableConv1D) and
/// [`SeparableConv2D`](super::SeparableConv2D) are its one- and two-axis forms. Variables:
/// depthwise kernel `(*kernel_size, in, depth_multiplier)`, pointwise kernel
/// `(1, .., in * depth_multiplier, filters)`, bias `(filters,)`.
#[derive(Clone, Debug)]
pub struct SeparableConv<const N: usize> {
    pub(crate) base: LayerBase,
    pub(crate) config: SeparableConvConfig<N>,
    /// (input channels, activation, padding) once built.
    pub(crate) built: Option<(usize, Activation, Padding)>,
}

keras_config! {
    /// Keras' arguments of a separable convolution over `N` spatial axes (`SeparableConv1D`,
    /// `SeparableConv2D`), with Keras' names and defaults; channels last.
    pub struct SeparableConvConfig<const N: usize> {
        required {
            /// The number of output channels.
            filters: usize,
            /// The depthwise window size per spatial axis.
            kernel_size: Sizes<N>,
        }
        args {
            /// The depthwise convolution's strides (default 1).
            strides: Sizes<N> = Sizes([1; N]),
            /// `"valid"` (default) or `"same"` (Keras' rule: any odd extra pad at the end).
            padding: String = "valid".to_string(),
            /// The depthwise convolution's dilation rate (default 1).
            dilation_rate: Sizes<N> = Sizes([1; N]),
            /// How many depthwise channels each input channel gives (default 1).
            depth_multiplier: usize = 1,
            /// The activation by Keras name (default linear).
            activation: String = "linear".to_string(),
            /// Whether to add a bias (default true).
            use_bias: bool = true,
        }
        nested {
            /// How the two kernels and the bias are initialized, penalized and constrained.
            weights: SeparableArgs,
        }
    }
    constants { data_format: "channels_last" }
    setters for [const N: usize] SeparableConv<N> => config;
}

keras_config! {
    /// Keras' `depthwise_*`, `pointwise_*`, `bias_*` and `activity_regularizer` arguments of a
    /// separable convolution: the depthwise kernel is variable 0, the pointwise kernel 1, the
    /// bias (with `use_bias`) 2.
    pub struct SeparableArgs {
        args {
            /// The depthwise kernel's initializer (default `glorot_uniform`).
            depthwise_initializer: Initializer = Initializer::GlorotUniform,
            /// The pointwise kernel's initializer (default `glorot_uniform`).
            pointwise_initializer: Initializer = Initializer::GlorotUniform,
            /// The bias initializer (default `zeros`).
            bias_initializer: Initializer = Initializer::Zeros,
            /// A penalty on the depthwise kernel added to the loss.
            depthwise_regularizer: Option<Regularizer> = None,
            /// A penalty on the pointwise kernel added to the loss.
            pointwise_regularizer: Option<Regularizer> = None,
            /// A penalty on the bias added to the loss.
            bias_regularizer: Option<Regularizer> = None,
            /// A penalty on the layer's output added to the loss, over the batch size.
            activity_regularizer: Option<Regularizer> = None,
            /// A projection of the depthwise kernel after each update.
            depthwise_constraint: Option<Constraint> = None,
            /// A projection of the pointwise kernel after each update.
            pointwise_constraint: Option<Constraint> = None,
            /// A projection of the bias after each update.
            bias_constraint: Option<Constraint> = None,
        }
    }
    setters for [const N: usize] SeparableConv<N> => config.weights;
}

impl Validate for SeparableArgs {}

impl SeparableArgs {
    /// The kernels' (variables 0 and 1) and, with `use_bias`, the bias's (variable 2) regularizers.
    pub(crate) fn regularizers(&self, use_bias: bool) -> Vec<(usize, Regularizer)> {
        let bias = self.bias_regularizer.filter(|_| use_bias);
        [self.depthwise_regularizer, self.pointwise_regularizer, bias]
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r?)))
            .collect()
    }

    /// The kernels' (variables 0 and 1) and, with `use_bias`, the bias's (variable 2) constraints.
    pub(crate) fn constraints(&self, use_bias: bool) -> Vec<(usize, Constraint)> {
        let bias = self.bias_constraint.clone().filter(|_| use_bias);
        [self.depthwise_constraint.clone(), self.pointwise_constraint.clone(), bias]
            .into_iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c?)))
            .collect()
    }
}

impl<const N: usize> Validate for SeparableConvConfig<N> {
    fn validate(&self) -> Result<()> {
        check_depth_multiplier(self.depth_multiplier)?;
        check_conv_args(
            self.filters,
            &self.kernel_size,
            &self.strides,
            &self.dilation_rate,
            Padding::parse(&self.padding),
        )
    }
}

common_builders!([const N: usize] SeparableConv<N>);

conv_common!(SeparableConv, SeparableConvConfig);

impl<const N: usize> SeparableConv<N> {
    /// Keras' `compute_output_shape`: the depthwise convolution's spatial sizes, `filters`
    /// channels.
    pub(crate) fn output_shape(&self, input: &Shape, default_name: &str) -> Result<Shape> {
        let c = &self.config;
        let name = self.layer_name(default_name);
        input.check_ndim(name, N + 2)?;
        validated(c, name)?;
        let window = Window { kernel_size: &c.kernel_size, strides: &c.strides, dilation_rate: &c.dilation_rate };
        let padding = Padding::parse(&c.padding)?;
        window.output_shape(input, name, padding, [input.last().unwrap_or(0), c.depth_multiplier], c.filters)
    }

    /// Checks the input and lists the depthwise kernel, the pointwise kernel and the bias.
    pub(crate) fn build_conv(&mut self, input: &Shape, default_name: &str) -> Result<Vec<VariableSpec>> {
        self.output_shape(input, default_name)?;
        let c = &self.config;
        let name = self.layer_name(default_name);
        let channels = input.last().ok_or_else(|| {
            Error::shape(format!("Layer \"{name}\": the channel axis must be known, received input shape {input}"))
        })?;
        self.built = Some((channels, Activation::get(&c.activation)?, Padding::parse(&c.padding)?));
        let mut depthwise_shape = c.kernel_size.0.to_vec();
        depthwise_shape.extend([channels, c.depth_multiplier]);
        let mut pointwise_shape = vec![1; N];
        pointwise_shape.extend([channels * c.depth_multiplier, c.filters]);
        let w = &c.weights;
        let mut vars = vec![
            VariableSpec::trainable("depthwise_kernel", depthwise_shape, w.depthwise_initializer.clone()),
            VariableSpec::trainable("pointwise_kernel", pointwise_shape, w.pointwise_initializer.clone()),
        ];
        if c.use_bias {
            vars.push(VariableSpec::trainable("bias", vec![c.filters], w.bias_initializer.clone()));
        }
        Ok(vars)
    }
}

/// The depthwise convolution `depthwise` of channels-last `x`, then the pointwise one with
/// Keras' kernel `(.., in * depth_multiplier, filters)` (flat) and `bias`; channels first out.
pub(crate) fn separable_conv2d(
    depthwise: &Depthwise2d,
    x: Tensor<4>,
    depthwise_kernel: Tensor<1>,
    pointwise_kernel: Tensor<1>,
    bias: Option<Tensor<1>>,
    filters: usize,
) -> Tensor<4> {
    let y = depthwise.apply(x, depthwise_kernel, None);
    let mid = depthwise.channels * depthwise.depth_multiplier;
    // Keras (mid, filters) -> burn (filters, mid, 1, 1).
    let kernel = pointwise_kernel.reshape([mid, filters]).transpose().reshape([filters, mid, 1, 1]);
    conv2d(y, kernel, bias, ConvOptions::new([1, 1], [0, 0], [1, 1], 1))
}
