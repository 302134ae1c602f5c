//! What Conv1DTranspose and Conv2DTranspose share (Keras' `BaseConvTranspose`): arguments,
//! Keras' output-size rule with `output_padding`, and the padding JAX applies.

use super::base_conv::{Padding, check_conv_args, conv_common};
use crate::activations::Activation;
use crate::error::{Error, Result};
use crate::layers::builders::common_builders;
use crate::layers::config::{Sizes, Validate, keras_config, validated};
use crate::layers::{KernelArgs, LayerBase, VariableSpec};
use crate::shape::Shape;

/// Keras' `compute_conv_transpose_output_length`: the output length along one axis.
pub fn transpose_output_length(
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    padding: Padding,
    output_padding: Option<usize>,
) -> usize {
    let dk = (kernel - 1) * dilation + 1;
    match (output_padding, padding) {
        // (causal padding is refused for transposed convolutions, as in Keras)
        (None, Padding::Valid | Padding::Causal) => input * stride + dk.saturating_sub(stride),
        (None, Padding::Same) => input * stride,
        (Some(op), padding) => {
            let pad = if padding == Padding::Same { dk / 2 } else { 0 };
            ((input - 1) * stride + dk + op).saturating_sub(2 * pad)
        }
    }
}

/// The `(before, after)` padding of the stride-dilated input that Keras' JAX backend gives
/// `conv_transpose` (`compute_conv_transpose_padding_args_for_jax`), for one axis.
pub(crate) fn transpose_padding(
    kernel: usize,
    stride: usize,
    dilation: usize,
    padding: Padding,
    output_padding: Option<usize>,
) -> (usize, usize) {
    let dk = (kernel - 1) * dilation + 1;
    match padding {
        Padding::Valid | Padding::Causal => {
            let op = output_padding.unwrap_or(dk.max(stride) - dk);
            (dk - 1, dk - 1 + op)
        }
        Padding::Same => {
            let total = match output_padding {
                None => stride + dk - 2,
                Some(op) => dk + dk % 2 - 2 + op,
            };
            let before = (total / 2 + total % 2).min(dk - 1);
            (before, total - before)
        }
    }
}

/// A transposed convolution over `N` spatial axes, channels last (Keras' `BaseConvTranspose`);
/// [`Conv1DTranspose`](super::Conv1DTranspose) and [`Conv2DTranspose`](super::Conv2DTranspose)
/// are its one- and two-axis forms. Kernel `(*kernel_size, filters, in)`, bias `(filters,)`.
#[derive(Clone, Debug)]
pub struct ConvTranspose<const N: usize> {
    pub(crate) base: LayerBase,
    pub(crate) config: ConvTransposeConfig<N>,
    /// (input channels, activation, padding) once built.
    pub(crate) built: Option<(usize, Activation, Padding)>,
}

keras_config! {
    /// Keras' arguments of a transposed convolution over `N` spatial axes (`Conv1DTranspose`,
    /// `Conv2DTranspose`), with Keras' names and defaults; channels last.
    pub struct ConvTransposeConfig<const N: usize> {
        required {
            /// The number of output channels.
            filters: usize,
            /// The window size per spatial axis.
            kernel_size: Sizes<N>,
        }
        args {
            /// The strides: how much each axis grows (default 1).
            strides: Sizes<N> = Sizes([1; N]),
            /// `"valid"` (default) or `"same"` (output `input * stride`).
            padding: String = "valid".to_string(),
            /// Extra rows/columns at the end of each axis, each below its stride (default `None`:
            /// inferred from `padding`).
            output_padding: Option<Sizes<N>> = None,
            /// The dilation rate (default 1).
            dilation_rate: Sizes<N> = Sizes([1; N]),
            /// The activation by Keras name (default linear).
            activation: String = "linear".to_string(),
            /// Whether to add a bias (default true).
            use_bias: bool = true,
        }
        nested {
            /// How the kernel and the bias are initialized, penalized and constrained.
            weights: KernelArgs,
        }
    }
    constants { data_format: "channels_last" }
    setters for [const N: usize] ConvTranspose<N> => config;
}

impl<const N: usize> Validate for ConvTransposeConfig<N> {
    fn validate(&self) -> Result<()> {
        check_conv_args(
            self.filters,
            &self.kernel_size,
            &self.strides,
            &self.dilation_rate,
            Padding::parse(&self.padding),
        )?;
        if let Some(op) = &self.output_padding
            && op.0.iter().zip(&self.strides.0).any(|(o, s)| o >= s)
        {
            return Err(Error::value(format!(
                "Strides must be greater than output padding. Received strides={:?}, output_padding={:?}.",
                self.strides.0, op.0
            )));
        }
        Ok(())
    }
}

common_builders!([const N: usize] ConvTranspose<N>);

conv_common!(ConvTranspose, ConvTransposeConfig);

impl<const N: usize> ConvTranspose<N> {
    /// Keras' `compute_output_shape` for channels-last input of `N` spatial axes.
    pub(crate) fn output_shape(&self, input: &Shape, default_name: &str) -> Result<Shape> {
        let c = &self.config;
        let name = self.layer_name(default_name);
        input.check_ndim(name, N + 2)?;
        validated(c, name)?;
        let padding = Padding::parse(&c.padding)?;
        let mut out = vec![input.0[0]];
        for i in 0..N {
            let size = input.0[i + 1].ok_or_else(|| {
                Error::shape(format!("Layer \"{name}\" needs known spatial dimensions, received input shape {input}"))
            })?;
            if size == 0 {
                return Err(Error::shape(format!("Layer \"{name}\" received an empty spatial axis: {input}")));
            }
            let op = c.output_padding.as_ref().map(|p| p.0[i]);
            let (k, s, d) = (c.kernel_size.0[i], c.strides.0[i], c.dilation_rate.0[i]);
            out.push(Some(transpose_output_length(size, k, s, d, padding, op)));
        }
        out.push(Some(c.filters));
        Ok(Shape(out))
    }

    /// Checks the input and lists kernel `(*kernel_size, filters, in)` and bias `(filters,)`.
    pub(crate) fn build_conv(&mut self, input: &Shape, default_name: &str) -> Result<Vec<VariableSpec>> {
        self.output_shape(input, default_name)?;
        let c = &self.config;
        let channels = input.last().ok_or_else(|| Error::shape("the channel axis must be known"))?;
        self.built = Some((channels, Activation::get(&c.activation)?, Padding::parse(&c.padding)?));
        let mut kernel_shape = c.kernel_size.0.to_vec();
        kernel_shape.extend([c.filters, channels]);
        Ok(c.weights.variables(kernel_shape, c.filters, c.use_bias))
    }

    /// Axis `i` (of length `input`) as burn's transposed convolution takes it:
    /// `(stride, dilation, padding_out, (start, length))`. burn's output is the stride-dilated
    /// input padded by `dilated kernel - 1` on both sides (plus `padding_out` at the end) and
    /// convolved; Keras' is the same with JAX's `(before, after)` padding, so it is burn's from
    /// `start`, `length` long.
    pub(crate) fn burn_axis(&self, i: usize, padding: Padding, input: usize) -> (usize, usize, usize, (usize, usize)) {
        let c = &self.config;
        let (k, s, d) = (c.kernel_size.0[i], c.strides.0[i], c.dilation_rate.0[i]);
        let output_padding = c.output_padding.as_ref().map(|p| p.0[i]);
        let (before, after) = transpose_padding(k, s, d, padding, output_padding);
        let dk = (k - 1) * d + 1;
        let length = transpose_output_length(input, k, s, d, padding, output_padding);
        (s, d, after.saturating_sub(dk - 1), (dk - 1 - before, length))
    }
}
