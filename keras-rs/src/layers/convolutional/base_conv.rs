//! What Conv1D and Conv2D share (Keras' `BaseConv`): arguments, output sizes, SAME padding.

use serde_json::{Value, json};

use crate::activations::Activation;
use crate::constraints::{self, Constraint};
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::{LayerBase, VariableSpec, cfg_or, cfg_req};
use crate::regularizers::{Regularizer, kernel_and_bias, optional_config};
use crate::shape::Shape;

/// A size per spatial axis, given as one number or one per axis: `3`, `(3, 3)`, `[3, 3]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size2(pub [usize; 2]);

impl From<usize> for Size2 {
    fn from(v: usize) -> Self {
        Size2([v, v])
    }
}
impl From<(usize, usize)> for Size2 {
    fn from(v: (usize, usize)) -> Self {
        Size2([v.0, v.1])
    }
}
impl From<[usize; 2]> for Size2 {
    fn from(v: [usize; 2]) -> Self {
        Size2(v)
    }
}

/// Keras' `padding` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Padding {
    /// No padding; windows that do not fit are dropped.
    Valid,
    /// Output size `ceil(in / stride)`; any odd extra pad goes at the end (bottom/right).
    Same,
}

impl Padding {
    /// Parses `"valid"` or `"same"` (case-insensitive, as Keras).
    pub fn parse(value: &str, layer: &str) -> Result<Self> {
        match value.to_ascii_lowercase().as_str() {
            "valid" => Ok(Padding::Valid),
            "same" => Ok(Padding::Same),
            other => Err(Error::value(format!(
                "Invalid value for argument `padding` of layer \"{layer}\": expected one of {{'valid', 'same'}}. Received: padding={other}"
            ))),
        }
    }
}

/// Checks that a size argument (`kernel_size`, `strides`, `pool_size`, ...) has `rank` values,
/// all positive, as Keras requires.
pub fn check_sizes(layer: &str, arg: &str, values: &[usize], rank: usize) -> Result<()> {
    if values.len() != rank || values.contains(&0) {
        return Err(Error::value(format!(
            "The `{arg}` argument of layer \"{layer}\" must be a tuple of {rank} positive integers. Received: \
             {arg}={values:?}"
        )));
    }
    Ok(())
}

/// Output length along one axis, `None` if the (dilated) window does not fit (VALID) or a size
/// is zero.
pub fn output_length(input: usize, kernel: usize, stride: usize, dilation: usize, padding: Padding) -> Option<usize> {
    if kernel == 0 || stride == 0 || dilation == 0 {
        return None;
    }
    let dk = (kernel - 1) * dilation + 1;
    match padding {
        Padding::Same => Some(input.div_ceil(stride)),
        Padding::Valid if input >= dk => Some((input - dk) / stride + 1),
        Padding::Valid => None,
    }
}

/// `(before, after)` padding along one axis: TF/Keras SAME puts the odd extra pad after.
pub fn padding_pair(input: usize, kernel: usize, stride: usize, dilation: usize, padding: Padding) -> (usize, usize) {
    if padding == Padding::Valid {
        return (0, 0);
    }
    let dk = (kernel - 1) * dilation + 1;
    let total = ((input.div_ceil(stride) - 1) * stride + dk).saturating_sub(input);
    (total / 2, total - total / 2)
}

/// The arguments of a convolution of `rank` spatial axes, with Keras' names and defaults.
#[derive(Clone, Debug)]
pub struct ConvArgs {
    pub(crate) base: LayerBase,
    pub(crate) filters: usize,
    pub(crate) kernel_size: Vec<usize>,
    pub(crate) strides: Vec<usize>,
    pub(crate) padding: String,
    pub(crate) dilation_rate: Vec<usize>,
    /// Keras' `groups`: input channels and filters split into this many independent convolutions.
    pub(crate) groups: usize,
    pub(crate) use_bias: bool,
    pub(crate) activation: String,
    pub(crate) kernel_initializer: Initializer,
    pub(crate) bias_initializer: Initializer,
    pub(crate) kernel_regularizer: Option<Regularizer>,
    pub(crate) bias_regularizer: Option<Regularizer>,
    pub(crate) activity_regularizer: Option<Regularizer>,
    pub(crate) kernel_constraint: Option<Constraint>,
    pub(crate) bias_constraint: Option<Constraint>,
    /// (input channels, activation, padding) once built.
    pub(crate) built: Option<(usize, Activation, Padding)>,
}

impl ConvArgs {
    pub(crate) fn new(filters: usize, kernel_size: Vec<usize>) -> Self {
        let rank = kernel_size.len();
        ConvArgs {
            base: LayerBase::default(),
            filters,
            kernel_size,
            strides: vec![1; rank],
            padding: "valid".into(),
            dilation_rate: vec![1; rank],
            groups: 1,
            use_bias: true,
            activation: "linear".into(),
            kernel_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            bias_regularizer: None,
            activity_regularizer: None,
            kernel_constraint: None,
            bias_constraint: None,
            built: None,
        }
    }

    pub(crate) fn name<'a>(&'a self, default: &'a str) -> &'a str {
        self.base.name.as_deref().unwrap_or(default)
    }

    pub(crate) fn config(&self) -> Value {
        json!({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": "channels_last", "dilation_rate": self.dilation_rate,
            "groups": self.groups, "activation": self.activation, "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer.to_config(),
            "bias_initializer": self.bias_initializer.to_config(),
            "kernel_regularizer": optional_config(&self.kernel_regularizer),
            "bias_regularizer": optional_config(&self.bias_regularizer),
            "activity_regularizer": optional_config(&self.activity_regularizer),
            "kernel_constraint": constraints::optional_config(&self.kernel_constraint),
            "bias_constraint": constraints::optional_config(&self.bias_constraint),
        })
    }

    /// The kernel's (variable 0) and the bias's (variable 1) regularizers.
    pub(crate) fn regularizers(&self) -> Vec<(usize, Regularizer)> {
        kernel_and_bias(self.kernel_regularizer, self.bias_regularizer, self.use_bias)
    }

    /// The kernel's (variable 0) and the bias's (variable 1) constraints.
    pub(crate) fn constraints(&self) -> Vec<(usize, Constraint)> {
        constraints::kernel_and_bias(&self.kernel_constraint, &self.bias_constraint, self.use_bias)
    }

    pub(crate) fn from_config(config: &Value, rank: usize, class: &str) -> Result<Self> {
        let sizes = |key: &str, default: usize| -> Result<Vec<usize>> {
            match config.get(key) {
                Some(Value::Number(n)) => Ok(vec![n.as_u64().unwrap_or(1) as usize; rank]),
                _ => cfg_or(config, key, vec![default; rank]),
            }
        };
        let kernel = match config.get("kernel_size") {
            Some(Value::Number(n)) => vec![n.as_u64().unwrap_or(1) as usize; rank],
            _ => cfg_req(config, "kernel_size", class)?,
        };
        let mut c = ConvArgs::new(cfg_req(config, "filters", class)?, kernel);
        c.base = LayerBase::from_config(config);
        c.strides = sizes("strides", 1)?;
        c.dilation_rate = sizes("dilation_rate", 1)?;
        c.groups = cfg_or(config, "groups", 1)?;
        c.padding = cfg_or(config, "padding", "valid".to_string())?;
        c.use_bias = cfg_or(config, "use_bias", true)?;
        c.activation = cfg_or(config, "activation", "linear".to_string())?;
        if let Some(k) = config.get("kernel_initializer").filter(|v| !v.is_null()) {
            c.kernel_initializer = Initializer::from_config(k)?;
        }
        if let Some(b) = config.get("bias_initializer").filter(|v| !v.is_null()) {
            c.bias_initializer = Initializer::from_config(b)?;
        }
        c.kernel_regularizer = Regularizer::optional(config.get("kernel_regularizer"))?;
        c.bias_regularizer = Regularizer::optional(config.get("bias_regularizer"))?;
        c.activity_regularizer = Regularizer::optional(config.get("activity_regularizer"))?;
        c.kernel_constraint = Constraint::optional(config.get("kernel_constraint"))?;
        c.bias_constraint = Constraint::optional(config.get("bias_constraint"))?;
        Ok(c)
    }

    /// Keras' `compute_output_shape` for channels-last input of `rank` spatial axes.
    pub(crate) fn output_shape(&self, input: &Shape, default_name: &str) -> Result<Shape> {
        let rank = self.kernel_size.len();
        let name = self.name(default_name);
        input.check_ndim(name, rank + 2)?;
        let padding = Padding::parse(&self.padding, name)?;
        check_sizes(name, "kernel_size", &self.kernel_size, rank)?;
        check_sizes(name, "strides", &self.strides, rank)?;
        check_sizes(name, "dilation_rate", &self.dilation_rate, rank)?;
        if self.filters == 0 {
            return Err(Error::value(format!(
                "Invalid value for argument `filters` of layer \"{name}\". Expected a strictly positive value. Received \
                 filters=0."
            )));
        }
        if self.groups == 0 {
            return Err(Error::value(format!(
                "Invalid value for argument `groups` of layer \"{name}\": expected a positive integer. Received groups=0."
            )));
        }
        if !self.filters.is_multiple_of(self.groups) {
            return Err(Error::value(format!(
                "The number of filters must be evenly divisible by the number of groups. Received: groups={}, \
                 filters={}.",
                self.groups, self.filters
            )));
        }
        if let Some(channels) = input.last().filter(|c| !c.is_multiple_of(self.groups)) {
            return Err(Error::value(format!(
                "The number of input channels must be evenly divisible by the number of groups. Received groups={}, \
                 but the input has {channels} channels (full input shape is {input}).",
                self.groups
            )));
        }
        let mut out = vec![input.0[0]];
        for i in 0..rank {
            let size = input.0[i + 1].ok_or_else(|| {
                Error::shape(format!("Layer \"{name}\" needs known spatial dimensions, received input shape {input}"))
            })?;
            let len = output_length(size, self.kernel_size[i], self.strides[i], self.dilation_rate[i], padding);
            out.push(Some(len.ok_or_else(|| {
                let mut kernel = self.kernel_size.clone();
                kernel.extend([input.last().unwrap_or(0), self.filters]);
                Error::shape(format!(
                    "Computed output size would be negative for layer \"{name}\": the kernel is larger than the \
                     (valid-padded) input. Received `inputs shape={input}`, `kernel shape={}`, `dilation_rate={:?}`.",
                    crate::shape::format_dims(&kernel),
                    self.dilation_rate
                ))
            })?));
        }
        out.push(Some(self.filters));
        Ok(Shape(out))
    }

    /// Checks the input and lists kernel `(*kernel_size, in, filters)` and bias `(filters,)`.
    pub(crate) fn build(&mut self, input: &Shape, default_name: &str) -> Result<Vec<VariableSpec>> {
        self.output_shape(input, default_name)?;
        let channels = input.last().ok_or_else(|| Error::shape("the channel axis must be known"))?;
        let padding = Padding::parse(&self.padding, self.name(default_name))?;
        self.built = Some((channels, Activation::get(&self.activation)?, padding));
        let mut kernel_shape = self.kernel_size.clone();
        kernel_shape.extend([channels / self.groups, self.filters]);
        let mut vars = vec![VariableSpec::trainable("kernel", kernel_shape, self.kernel_initializer.clone())];
        if self.use_bias {
            vars.push(VariableSpec::trainable("bias", vec![self.filters], self.bias_initializer.clone()));
        }
        Ok(vars)
    }

    pub(crate) fn built(&self) -> Result<(usize, Activation, Padding)> {
        self.built.ok_or_else(|| Error::State("convolution called before build".into()))
    }
}

/// Builder methods every convolution has (Keras' constructor arguments).
macro_rules! conv_builders {
    ($ty:ty, $size:ty) => {
        impl $ty {
            /// The layer's name.
            pub fn name(mut self, name: &str) -> Self {
                self.args.base.name = Some(name.to_string());
                self
            }
            /// `false` freezes the layer.
            pub fn trainable(mut self, trainable: bool) -> Self {
                self.args.base.trainable = Some(trainable);
                self
            }
            /// The strides (default 1).
            pub fn strides(mut self, strides: impl Into<$size>) -> Self {
                self.args.strides = strides.into().0.to_vec();
                self
            }
            /// `"valid"` (default) or `"same"`.
            pub fn padding(mut self, padding: &str) -> Self {
                self.args.padding = padding.to_string();
                self
            }
            /// The dilation rate (default 1).
            pub fn dilation_rate(mut self, dilation_rate: impl Into<$size>) -> Self {
                self.args.dilation_rate = dilation_rate.into().0.to_vec();
                self
            }
            /// Keras' `groups` (default 1): the input channels and the filters split into this
            /// many groups, each convolved on its own (both must divide evenly).
            pub fn groups(mut self, groups: usize) -> Self {
                self.args.groups = groups;
                self
            }
            /// Whether to add a bias (default true).
            pub fn use_bias(mut self, use_bias: bool) -> Self {
                self.args.use_bias = use_bias;
                self
            }
            /// The activation by Keras name (default linear).
            pub fn activation(mut self, activation: &str) -> Self {
                self.args.activation = activation.to_string();
                self
            }
            /// The kernel initializer (default glorot_uniform).
            pub fn kernel_initializer(mut self, init: $crate::initializers::Initializer) -> Self {
                self.args.kernel_initializer = init;
                self
            }
            /// The bias initializer (default zeros).
            pub fn bias_initializer(mut self, init: $crate::initializers::Initializer) -> Self {
                self.args.bias_initializer = init;
                self
            }
            /// A penalty on the kernel added to the loss (Keras' `kernel_regularizer`).
            pub fn kernel_regularizer(mut self, regularizer: $crate::regularizers::Regularizer) -> Self {
                self.args.kernel_regularizer = Some(regularizer);
                self
            }
            /// A penalty on the bias added to the loss (Keras' `bias_regularizer`).
            pub fn bias_regularizer(mut self, regularizer: $crate::regularizers::Regularizer) -> Self {
                self.args.bias_regularizer = Some(regularizer);
                self
            }
            /// A penalty on the layer's output added to the loss, over the batch size (Keras'
            /// `activity_regularizer`).
            pub fn activity_regularizer(mut self, regularizer: $crate::regularizers::Regularizer) -> Self {
                self.args.activity_regularizer = Some(regularizer);
                self
            }
            /// A projection of the kernel after each update (Keras' `kernel_constraint`).
            pub fn kernel_constraint(mut self, constraint: $crate::constraints::Constraint) -> Self {
                self.args.kernel_constraint = Some(constraint);
                self
            }
            /// A projection of the bias after each update (Keras' `bias_constraint`).
            pub fn bias_constraint(mut self, constraint: $crate::constraints::Constraint) -> Self {
                self.args.bias_constraint = Some(constraint);
                self
            }
        }
        $crate::models::graph::functional_call!($ty);
    };
}
pub(crate) use conv_builders;

/// The `Layer` methods that hand a convolution's penalties and constraints to the model.
macro_rules! conv_penalties {
    () => {
        fn regularizers(&self) -> Vec<(usize, $crate::regularizers::Regularizer)> {
            self.args.regularizers()
        }
        fn constraints(&self) -> Vec<(usize, $crate::constraints::Constraint)> {
            self.args.constraints()
        }
        fn activity_regularizer(&self) -> Option<$crate::regularizers::Regularizer> {
            self.args.activity_regularizer
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
        assert!(Padding::parse("causal", "c").is_err());
    }
}
