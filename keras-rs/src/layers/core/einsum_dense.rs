//! `EinsumDense`: `activation(einsum(equation, inputs, kernel) + bias)`, a Dense layer whose
//! contraction is an einsum equation (the projections inside `MultiHeadAttention`).

use serde_json::Value;

use crate::activations::Activation;
use crate::backend::DynTensor;
use crate::backend::dyn_tensor::map_tensor;
use crate::backend::einsum::{Equation, einsum};
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{ConfigValue, IntoArg, Validate, invalid, keras_config};
use crate::layers::{CallContext, KernelArgs, Layer, LayerBase, VariableSpec, Weights};
use crate::regularizers::Regularizer;
use crate::shape::Shape;

/// Keras' `EinsumDense(equation, output_shape)`: kernel and bias shapes follow from the
/// equation, the input shape and `output_shape` (the output without its batch axis; `None`
/// where an axis is the input's).
///
/// ```
/// use keras_rs::prelude::*;
/// // (batch, 5, 8) -> (batch, 5, 2, 4): the query projection of a 2-head attention.
/// let model = Sequential::new()
///     .add(Input::new(&[5, 8]))
///     .add(EinsumDense::new("abc,cde->abde", [None, Some(2), Some(4)]).bias_axes("de"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 5, 2, 4)");
/// assert_eq!(model.count_params(), 8 * 2 * 4 + 2 * 4);
/// ```
#[derive(Clone, Debug)]
pub struct EinsumDense {
    base: LayerBase,
    pub(crate) config: EinsumDenseConfig,
    built: Option<Built>,
}

/// What `build` learns: the shapes of the weights and the output, and the activation.
#[derive(Clone, Debug)]
struct Built {
    kernel: Vec<usize>,
    bias: Option<Vec<usize>>,
    activation: Activation,
}

/// The output shape without the batch axis, `None` where it is the input's (Keras'
/// `output_shape=64` or `output_shape=(None, 64)`).
#[derive(Clone, Debug, PartialEq)]
pub struct OutputShape(pub Vec<Option<usize>>);

impl From<usize> for OutputShape {
    fn from(units: usize) -> Self {
        OutputShape(vec![Some(units)])
    }
}
impl<const N: usize> From<[usize; N]> for OutputShape {
    fn from(dims: [usize; N]) -> Self {
        OutputShape(dims.into_iter().map(Some).collect())
    }
}
impl<const N: usize> From<[Option<usize>; N]> for OutputShape {
    fn from(dims: [Option<usize>; N]) -> Self {
        OutputShape(dims.to_vec())
    }
}
impl From<Vec<Option<usize>>> for OutputShape {
    fn from(dims: Vec<Option<usize>>) -> Self {
        OutputShape(dims)
    }
}

impl ConfigValue for OutputShape {
    fn to_value(&self) -> Value {
        self.0.to_value()
    }
    fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
        match value.as_u64() {
            Some(units) => Ok(OutputShape::from(units as usize)),
            None if value.is_array() => Ok(OutputShape(ConfigValue::read(value, key, class)?)),
            None => Err(invalid(key, class, value, "expected an integer or a list")),
        }
    }
}

keras_config! {
    /// Keras' `EinsumDense` arguments, with Keras' names and defaults.
    pub struct EinsumDenseConfig {
        required {
            /// The einsum equation, `input,kernel->output` (`"abc,cd->abd"`, `"...b,bc->...c"`).
            equation: String,
            /// The output shape without the batch axis; `None` where it follows the input.
            output_shape: OutputShape,
        }
        args {
            /// The activation by Keras name; linear by default.
            activation: String = "linear".to_string(),
            /// The output axes (letters of the equation's output) the bias spans; no bias when `None`.
            bias_axes: Option<String> = None,
        }
        nested {
            /// How the kernel and the bias are initialized, penalized and constrained.
            weights: KernelArgs,
        }
    }
    constants { quantization_config: Value::Null }
    setters for [] EinsumDense => config;
}

impl Validate for EinsumDenseConfig {}

common_builders!(EinsumDense);

impl EinsumDense {
    /// An EinsumDense layer for `equation` giving `output_shape` (without the batch axis).
    pub fn new(equation: &str, output_shape: impl Into<OutputShape>) -> Self {
        EinsumDense::with_config(EinsumDenseConfig::new(equation.to_string(), output_shape.into()))
    }
    /// An EinsumDense layer with these arguments.
    pub fn with_config(config: EinsumDenseConfig) -> Self {
        EinsumDense { base: LayerBase::default(), config, built: None }
    }
    /// Reads Keras' `EinsumDense` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let mut layer = EinsumDense::with_config(EinsumDenseConfig::from_config(config, "EinsumDense")?);
        layer.base = LayerBase::from_config(config);
        Ok(layer)
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("einsum_dense")
    }
}

/// Keras' `_analyze_einsum_string`: the kernel shape (with its input and output axes), the
/// bias shape and the full output shape for an input shape.
#[derive(Debug)]
pub(crate) struct Analysis {
    pub(crate) kernel: Vec<usize>,
    pub(crate) input_axes: Vec<usize>,
    pub(crate) output_axes: Vec<usize>,
    pub(crate) bias: Option<Vec<usize>>,
    pub(crate) output: Shape,
}

pub(crate) fn analyze(
    equation: &str,
    bias_axes: Option<&str>,
    input: &Shape,
    partial: &OutputShape,
    layer: &str,
) -> Result<Analysis> {
    let eq = Equation::parse(equation, input.rank())?;
    let (elided, left_elided) = (eq.elided, eq.left_elided);
    // The full output: the batch axis, the elided axes, then `output_shape`.
    let mut output: Vec<Option<usize>> = vec![input.0[0]];
    // Without `...` the output is the batch axis and `output_shape`; `...` on the left stands
    // for the batch axis and the input's other leading axes, on the right for its last axes.
    let expected =
        if left_elided { eq.out.len().checked_sub(elided.max(1)) } else { eq.out.len().checked_sub(1 + elided) };
    if expected != Some(partial.0.len()) {
        return Err(Error::value(format!(
            "Layer \"{layer}\": `output_shape` {:?} does not match the output '{}' of the equation '{equation}' \
             (one size per output axis after the batch axis)",
            partial.0,
            eq.out.iter().collect::<String>()
        )));
    }
    if left_elided {
        output.extend(&input.0[1..elided.max(1)]);
        output.extend(&partial.0);
    } else {
        output.extend(&partial.0);
        output.extend(&input.0[input.rank() - elided..]);
    }
    for (i, c) in eq.a.iter().enumerate() {
        let Some(j) = eq.out.iter().position(|o| o == c) else { continue };
        match (input.0[i], output[j]) {
            (Some(a), Some(o)) if a != o => {
                return Err(Error::value(format!(
                    "Layer \"{layer}\": Input shape and output shape do not match at shared dimension '{c}'. Input \
                     shape is {a}, and output shape is {o}."
                )));
            }
            (known, None) => output[j] = known,
            _ => {}
        }
    }
    let (mut kernel, mut input_axes, mut output_axes) = (Vec::new(), Vec::new(), Vec::new());
    for (i, c) in eq.b.iter().enumerate() {
        let size = if let Some(j) = eq.out.iter().position(|o| o == c) {
            output_axes.push(i);
            output[j]
        } else {
            input_axes.push(i);
            eq.a.iter().position(|a| a == c).and_then(|j| input.0[j])
        };
        kernel.push(size.ok_or_else(|| {
            Error::value(format!(
                "Layer \"{layer}\": the kernel axis '{c}' of '{equation}' needs a known size, but the input shape \
                 is {input} and output_shape is {:?}",
                partial.0
            ))
        })?);
    }
    let bias = match bias_axes {
        None => None,
        Some(axes) => {
            if let Some(c) = axes.chars().find(|c| !eq.out.contains(c)) {
                return Err(Error::value(format!(
                    "Layer \"{layer}\": Bias dimension '{c}' was requested, but is not part of the output spec '{}'",
                    eq.out.iter().collect::<String>()
                )));
            }
            let first = eq.out.iter().position(|c| axes.contains(*c)).unwrap_or(eq.out.len());
            let mut shape = Vec::new();
            for (j, c) in eq.out.iter().enumerate().skip(first) {
                shape.push(if axes.contains(*c) {
                    output[j].ok_or_else(|| {
                        Error::value(format!("Layer \"{layer}\": the bias axis '{c}' needs a known size"))
                    })?
                } else {
                    1
                });
            }
            Some(shape)
        }
    };
    Ok(Analysis { kernel, input_axes, output_axes, bias, output: Shape(output) })
}

impl Layer for EinsumDense {
    layer_boilerplate!("EinsumDense");

    fn takes_unknown_sizes(&self) -> bool {
        true
    }

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn regularizers(&self) -> Vec<(usize, Regularizer)> {
        self.config.weights.regularizers(self.config.bias_axes.is_some())
    }

    fn activity_regularizer(&self) -> Option<Regularizer> {
        self.config.weights.activity_regularizer
    }

    fn constraints(&self) -> Vec<(usize, Constraint)> {
        self.config.weights.constraints(self.config.bias_axes.is_some())
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        let c = &self.config;
        Ok(analyze(&c.equation, c.bias_axes.as_deref(), input_shape, &c.output_shape, self.layer_name())?.output)
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        let c = &self.config;
        let a = analyze(&c.equation, c.bias_axes.as_deref(), input_shape, &c.output_shape, self.layer_name())?;
        let activation = Activation::get(&c.activation)?;
        let kernel = VariableSpec::trainable("kernel", a.kernel.clone(), c.weights.kernel_initializer.clone())
            .with_fan_axes(&a.input_axes, &a.output_axes);
        let mut specs = vec![kernel];
        if let Some(bias) = &a.bias {
            specs.push(VariableSpec::trainable("bias", bias.clone(), c.weights.bias_initializer.clone()));
        }
        self.built = Some(Built { kernel: a.kernel, bias: a.bias, activation });
        Ok(specs)
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let built = self.built.as_ref().ok_or_else(|| Error::State("EinsumDense called before build".into()))?;
        let kernel = DynTensor::new(weights[0].clone()).reshape(&built.kernel)?;
        let mut y = einsum(&self.config.equation, inputs, kernel)?;
        if let Some(bias) = &built.bias {
            let dims = y.dims();
            let mut aligned = vec![1; dims.len() - bias.len()];
            aligned.extend(bias);
            let bias = DynTensor::new(weights[1].clone()).reshape(&aligned)?.expand(&dims)?;
            y = y.zip_with(bias, |a, b| a + b)?;
        }
        let activation = built.activation;
        Ok(map_tensor!(y, t => activation.apply(t)))
    }
}

impl EinsumDense {
    /// Sets `output_shape` (the output without its batch axis).
    pub fn output_shape(mut self, output_shape: impl IntoArg<OutputShape>) -> Self {
        self.config.output_shape = output_shape.into_arg();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(dims: &[Option<usize>]) -> Shape {
        Shape(dims.to_vec())
    }

    #[test]
    fn weight_shapes_follow_keras() {
        // (equation, bias_axes, input, output_shape) -> (kernel, bias, output), from Keras 3.15.
        let a = analyze(
            "abc,cde->abde",
            Some("de"),
            &shape(&[None, Some(5), Some(8)]),
            &[None, Some(2), Some(4)].into(),
            "t",
        )
        .unwrap();
        assert_eq!(
            (a.kernel, a.bias, a.output.to_string()),
            (vec![8, 2, 4], Some(vec![2, 4]), "(None, 5, 2, 4)".into())
        );
        assert_eq!((a.input_axes, a.output_axes), (vec![0], vec![1, 2]));
        let a = analyze("...b,bc->...c", Some("c"), &shape(&[None, Some(3), Some(4)]), &6.into(), "t").unwrap();
        assert_eq!((a.kernel, a.bias, a.output.to_string()), (vec![4, 6], Some(vec![6]), "(None, 3, 6)".into()));
        let a = analyze("ab...,bc->ac...", Some("c"), &shape(&[None, Some(3), Some(4)]), &5.into(), "t").unwrap();
        assert_eq!((a.kernel, a.bias, a.output.to_string()), (vec![3, 5], Some(vec![5, 1]), "(None, 5, 4)".into()));
        let a = analyze(
            "abcd,cde->abe",
            Some("e"),
            &shape(&[None, Some(5), Some(2), Some(4)]),
            &[None, Some(8)].into(),
            "t",
        )
        .unwrap();
        assert_eq!((a.kernel, a.bias, a.output.to_string()), (vec![2, 4, 8], Some(vec![8]), "(None, 5, 8)".into()));
    }

    #[test]
    fn bad_equations_and_shapes_are_errors() {
        let input = shape(&[None, Some(5), Some(8)]);
        let err = analyze("abc,cd->abd", Some("x"), &input, &[None, Some(6)].into(), "ed").unwrap_err();
        assert!(err.to_string().contains("Bias dimension 'x' was requested"), "{err}");
        let err = analyze("abc,cd->abd", None, &input, &[Some(4), Some(6)].into(), "ed").unwrap_err();
        assert!(err.to_string().contains("do not match at shared dimension 'b'"), "{err}");
        let err = analyze("abc,cd->abd", None, &input, &6.into(), "ed").unwrap_err();
        assert!(err.to_string().contains("does not match the output 'abd'"), "{err}");
        let err =
            analyze("abc,cd->abd", None, &shape(&[None, Some(5), None]), &[None, Some(6)].into(), "ed").unwrap_err();
        assert!(err.to_string().contains("kernel axis 'c'"), "{err}");
    }
}
