//! What Conv1D and Conv2D share (Keras' `BaseConv`): arguments, output sizes, SAME padding.

use crate::activations::Activation;
use crate::error::{Error, Result};
use crate::layers::builders::common_builders;
use crate::layers::config::{Sizes, Validate, keras_config, validated};
use crate::layers::{KernelArgs, LayerBase, VariableSpec};
use crate::shape::Shape;

/// Sizes for the two spatial axes of a 2-D layer: `3`, `(3, 3)` or `[3, 3]`.
pub type Size2 = Sizes<2>;

/// The size for the single spatial axis of a 1-D layer.
pub type Size1 = Sizes<1>;

/// Keras' `padding` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Padding {
    /// No padding; windows that do not fit are dropped.
    Valid,
    /// Output size `ceil(in / stride)`; any odd extra pad goes at the end (bottom/right).
    Same,
    /// `Conv1D` only: `dilated kernel - 1` zeros before the sequence, none after, so output
    /// step `t` sees inputs up to `t` (Keras' `"causal"`).
    Causal,
}

impl Padding {
    /// Parses `"valid"` or `"same"` (case-insensitive, as Keras).
    pub fn parse(value: &str) -> Result<Self> {
        match value.to_ascii_lowercase().as_str() {
            "valid" => Ok(Padding::Valid),
            "same" => Ok(Padding::Same),
            other => Err(Error::value(format!(
                "Invalid value for argument `padding`: expected one of {{'valid', 'same'}}. Received: padding={other}"
            ))),
        }
    }

    /// Parses `"valid"`, `"same"` or `"causal"` (Keras' `Conv1D`).
    pub fn parse_allowing_causal(value: &str) -> Result<Self> {
        match value.to_ascii_lowercase().as_str() {
            "causal" => Ok(Padding::Causal),
            "valid" | "same" => Self::parse(value),
            other => Err(Error::value(format!(
                "Invalid value for argument `padding`: expected one of {{'valid', 'same', 'causal'}}. Received: \
                 padding={other}"
            ))),
        }
    }
}

/// Output length along one axis, `None` if the (dilated) window does not fit (VALID) or a size
/// is zero.
pub fn output_length(input: usize, kernel: usize, stride: usize, dilation: usize, padding: Padding) -> Option<usize> {
    if kernel == 0 || stride == 0 || dilation == 0 {
        return None;
    }
    let dk = (kernel - 1) * dilation + 1;
    match padding {
        Padding::Same | Padding::Causal => Some(input.div_ceil(stride)),
        Padding::Valid if input >= dk => Some((input - dk) / stride + 1),
        Padding::Valid => None,
    }
}

/// `(before, after)` padding along one axis: TF/Keras SAME puts the odd extra pad after.
pub fn padding_pair(input: usize, kernel: usize, stride: usize, dilation: usize, padding: Padding) -> (usize, usize) {
    let dk = (kernel - 1) * dilation + 1;
    match padding {
        Padding::Valid => return (0, 0),
        Padding::Causal => return (dk - 1, 0),
        Padding::Same => {}
    }
    let total = ((input.div_ceil(stride) - 1) * stride + dk).saturating_sub(input);
    (total / 2, total - total / 2)
}

/// Applies `activation` to a channels-first convolution result (`[batch, channels, *spatial]`)
/// and returns it channels last. An element-wise activation runs on the contiguous
/// channels-first tensor, so the permute back is a view that a following pooling or convolution
/// layer permutes straight back without a copy.
pub(crate) fn activate_channels_last<const D: usize>(
    y: burn::tensor::Tensor<D>,
    activation: Activation,
) -> burn::tensor::Tensor<D> {
    // [0, 2, .., D - 1, 1]
    let axes: [usize; D] = std::array::from_fn(|i| match i {
        0 => 0,
        i if i == D - 1 => 1,
        i => i + 1,
    });
    if activation.is_elementwise() { activation.apply(y).permute(axes) } else { activation.apply(y.permute(axes)) }
}

/// A convolution's window over `N` spatial axes: what sizes its output (Keras'
/// `compute_conv_output_shape`), shared by every convolution that is not transposed.
pub(crate) struct Window<'a, const N: usize> {
    /// The window size per spatial axis.
    pub kernel_size: &'a Sizes<N>,
    /// The step per spatial axis.
    pub strides: &'a Sizes<N>,
    /// The spacing of the window's taps per spatial axis.
    pub dilation_rate: &'a Sizes<N>,
}

impl<const N: usize> Window<'_, N> {
    /// The output shape for channels-last `input` (rank `N + 2`, already checked; unknown
    /// spatial sizes give unknown sizes) with
    /// `out_channels` channels; `kernel_tail` (the kernel's last two dimensions) goes into the
    /// error for a window larger than the input.
    pub(crate) fn output_shape(
        &self,
        input: &Shape,
        name: &str,
        padding: Padding,
        kernel_tail: [usize; 2],
        out_channels: usize,
    ) -> Result<Shape> {
        let mut out = vec![input.0[0]];
        for i in 0..N {
            // An unknown length (a sequence of any length into a `Conv1D`) stays unknown.
            let Some(size) = input.0[i + 1] else {
                out.push(None);
                continue;
            };
            let (k, s, d) = (self.kernel_size.0[i], self.strides.0[i], self.dilation_rate.0[i]);
            out.push(Some(output_length(size, k, s, d, padding).ok_or_else(|| {
                let mut kernel = self.kernel_size.0.to_vec();
                kernel.extend(kernel_tail);
                Error::shape(format!(
                    "Computed output size would be negative for layer \"{name}\": the kernel is larger than the \
                     (valid-padded) input. Received `inputs shape={input}`, `kernel shape={}`, `dilation_rate={:?}`.",
                    crate::shape::format_dims(&kernel),
                    self.dilation_rate.0
                ))
            })?));
        }
        out.push(Some(out_channels));
        Ok(Shape(out))
    }
}

/// A convolution over `N` spatial axes, channels last (Keras' `BaseConv`); [`Conv1D`](super::Conv1D)
/// and [`Conv2D`](super::Conv2D) are its one- and two-axis forms.
#[derive(Clone, Debug)]
pub struct Conv<const N: usize> {
    pub(crate) base: LayerBase,
    pub(crate) config: ConvConfig<N>,
    /// (input channels, activation, padding) once built.
    pub(crate) built: Option<(usize, Activation, Padding)>,
}

keras_config! {
    /// Keras' arguments of a convolution over `N` spatial axes (`Conv1D`, `Conv2D`), with Keras'
    /// names and defaults. keras-rs layers are channels-last: a config with
    /// `data_format="channels_first"` is refused at load.
    pub struct ConvConfig<const N: usize> {
        required {
            /// The number of output channels.
            filters: usize,
            /// The window size per spatial axis.
            kernel_size: Sizes<N>,
        }
        args {
            /// The strides (default 1).
            strides: Sizes<N> = Sizes([1; N]),
            /// `"valid"` (default), `"same"` (Keras' rule: any odd extra pad at the end) or, for
            /// `Conv1D`, `"causal"`.
            padding: String = "valid".to_string(),
            /// The dilation rate (default 1).
            dilation_rate: Sizes<N> = Sizes([1; N]),
            /// Keras' `groups` (default 1): the input channels and the filters split into this
            /// many groups, each convolved on its own (both must divide evenly).
            groups: usize = 1,
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
    setters for [const N: usize] Conv<N> => config;
}

/// Keras' checks of the arguments every convolution has (`BaseConv`, `BaseConvTranspose`,
/// `BaseSeparableConv`); `padding` is the layer's parsed padding.
pub(crate) fn check_conv_args<const N: usize>(
    filters: usize,
    kernel_size: &Sizes<N>,
    strides: &Sizes<N>,
    dilation_rate: &Sizes<N>,
    padding: Result<Padding>,
) -> Result<()> {
    if filters == 0 {
        return Err(Error::value(
            "Invalid value for argument `filters`. Expected a strictly positive value. Received filters=0.",
        ));
    }
    check_window(kernel_size, strides, dilation_rate, padding)
}

/// Keras' checks of a convolution's window (also `BaseDepthwiseConv`'s, which has no
/// `filters`): every size positive, and the padding one the layer takes.
pub(crate) fn check_window<const N: usize>(
    kernel_size: &Sizes<N>,
    strides: &Sizes<N>,
    dilation_rate: &Sizes<N>,
    padding: Result<Padding>,
) -> Result<()> {
    kernel_size.check("kernel_size")?;
    strides.check("strides")?;
    dilation_rate.check("dilation_rate")?;
    padding.map(|_| ())
}

impl<const N: usize> ConvConfig<N> {
    /// The padding: `"valid"` or `"same"`, and for `Conv1D` also `"causal"` (as Keras).
    pub(crate) fn padding(&self) -> Result<Padding> {
        if N == 1 { Padding::parse_allowing_causal(&self.padding) } else { Padding::parse(&self.padding) }
    }
}

impl<const N: usize> Validate for ConvConfig<N> {
    fn validate(&self) -> Result<()> {
        check_conv_args(self.filters, &self.kernel_size, &self.strides, &self.dilation_rate, self.padding())?;
        if self.groups == 0 {
            return Err(Error::value(
                "Invalid value for argument `groups`: expected a positive integer. Received groups=0.",
            ));
        }
        if !self.filters.is_multiple_of(self.groups) {
            return Err(Error::value(format!(
                "The number of filters must be evenly divisible by the number of groups. Received: groups={}, \
                 filters={}.",
                self.groups, self.filters
            )));
        }
        Ok(())
    }
}

common_builders!([const N: usize] Conv<N>);

conv_common!(Conv, ConvConfig);

impl<const N: usize> Conv<N> {
    /// Keras' `compute_output_shape` for channels-last input of `N` spatial axes.
    pub(crate) fn output_shape(&self, input: &Shape, default_name: &str) -> Result<Shape> {
        let c = &self.config;
        let name = self.layer_name(default_name);
        input.check_ndim(name, N + 2)?;
        validated(c, name)?;
        if let Some(channels) = input.last().filter(|ch| !ch.is_multiple_of(c.groups)) {
            return Err(Error::value(format!(
                "The number of input channels must be evenly divisible by the number of groups. Received groups={}, \
                 but the input has {channels} channels (full input shape is {input}).",
                c.groups
            )));
        }
        let kernel_tail = [input.last().unwrap_or(0) / c.groups, c.filters];
        let window = Window { kernel_size: &c.kernel_size, strides: &c.strides, dilation_rate: &c.dilation_rate };
        window.output_shape(input, name, c.padding()?, kernel_tail, c.filters)
    }

    /// Checks the input and lists kernel `(*kernel_size, in, filters)` and bias `(filters,)`.
    pub(crate) fn build_conv(&mut self, input: &Shape, default_name: &str) -> Result<Vec<VariableSpec>> {
        self.output_shape(input, default_name)?;
        let c = &self.config;
        let channels = input.last().ok_or_else(|| Error::shape("the channel axis must be known"))?;
        self.built = Some((channels, Activation::get(&c.activation)?, c.padding()?));
        let mut kernel_shape = c.kernel_size.0.to_vec();
        kernel_shape.extend([channels / c.groups, c.filters]);
        Ok(c.weights.variables(kernel_shape, c.filters, c.use_bias))
    }
}

/// What a convolution type (`Conv<N>`, `ConvTranspose<N>`: fields `base`, `config` with
/// `weights` and `use_bias`, `built`) shares: `with_config`, reading Keras' config, its name,
/// its kernel's (variable 0) and bias' (variable 1) penalties and constraints, and the state
/// `build` leaves.
macro_rules! conv_common {
    ($ty:ident, $config:ident) => {
        impl<const N: usize> $ty<N> {
            /// A layer with these arguments.
            pub fn with_config(config: $config<N>) -> Self {
                $ty { base: $crate::layers::LayerBase::default(), config, built: None }
            }

            /// Reads Keras' config of `class`.
            pub(crate) fn read(config: &serde_json::Value, class: &str) -> $crate::error::Result<Self> {
                let mut layer = $ty::with_config($config::from_config(config, class)?);
                layer.base = $crate::layers::LayerBase::from_config(config);
                Ok(layer)
            }

            pub(crate) fn layer_name<'a>(&'a self, default: &'a str) -> &'a str {
                self.base.name.as_deref().unwrap_or(default)
            }

            /// The kernel's (variable 0) and the bias's (variable 1) regularizers.
            pub(crate) fn regularizers(&self) -> Vec<(usize, $crate::regularizers::Regularizer)> {
                self.config.weights.regularizers(self.config.use_bias)
            }

            /// The kernel's (variable 0) and the bias's (variable 1) constraints.
            pub(crate) fn constraints(&self) -> Vec<(usize, $crate::constraints::Constraint)> {
                self.config.weights.constraints(self.config.use_bias)
            }

            /// (input channels, activation, padding), once built.
            pub(crate) fn built(
                &self,
            ) -> $crate::error::Result<(usize, $crate::activations::Activation, $crate::layers::convolutional::Padding)>
            {
                self.built
                    .ok_or_else(|| $crate::error::Error::State(concat!(stringify!($ty), " called before build").into()))
            }
        }
    };
}
pub(crate) use conv_common;

/// The `Layer` methods that hand a convolution's penalties and constraints to the model.
macro_rules! conv_penalties {
    () => {
        fn regularizers(&self) -> Vec<(usize, $crate::regularizers::Regularizer)> {
            self.regularizers()
        }
        fn constraints(&self) -> Vec<(usize, $crate::constraints::Constraint)> {
            self.constraints()
        }
        fn activity_regularizer(&self) -> Option<$crate::regularizers::Regularizer> {
            self.config.weights.activity_regularizer
        }
    };
}
pub(crate) use conv_penalties;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_puts_the_extra_pad_at_the_end() {
        assert_eq!(padding_pair(8, 3, 2, 1, Padding::Same), (0, 1));
        assert_eq!(padding_pair(7, 3, 1, 1, Padding::Same), (1, 1));
        assert_eq!(padding_pair(5, 4, 1, 1, Padding::Same), (1, 2));
        assert_eq!(padding_pair(7, 3, 1, 2, Padding::Same), (2, 2));
        assert_eq!(output_length(7, 3, 2, 1, Padding::Valid), Some(3));
        assert_eq!(output_length(7, 3, 2, 1, Padding::Same), Some(4));
        assert_eq!(output_length(2, 3, 1, 1, Padding::Valid), None);
        assert!(Padding::parse("causal").is_err());
        let causal = Padding::parse_allowing_causal("causal").unwrap();
        assert_eq!((padding_pair(7, 3, 1, 2, causal), output_length(7, 3, 2, 2, causal)), ((4, 0), Some(4)));
    }
}
