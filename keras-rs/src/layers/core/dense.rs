//! `Dense`: `activation(inputs @ kernel + bias)` over the last axis, any input rank.

use serde_json::Value;

use crate::activations::Activation;
use crate::backend::DynTensor;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, KernelArgs, Layer, LayerBase, VariableSpec, Weights};
use crate::regularizers::Regularizer;
use crate::shape::{Shape, format_dims};

/// Keras' densely-connected layer. Kernel `(in, units)`, bias `(units,)`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[3, 4])).add(Dense::new(2).activation("relu"));
/// // Dense works on the last axis of inputs of any rank.
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 3, 2)");
/// assert_eq!(model.count_params(), 4 * 2 + 2);
/// ```
#[derive(Clone, Debug)]
pub struct Dense {
    base: LayerBase,
    pub(crate) config: DenseConfig,
    built: Option<(usize, Activation)>,
}

keras_config! {
    /// Keras' `Dense` arguments, with Keras' names and defaults.
    pub struct DenseConfig {
        required {
            /// Dimensionality of the output space.
            units: usize,
        }
        args {
            /// The activation by Keras name (`"relu"`, `"softmax"`, ...); checked when the layer is built.
            activation: String = "linear".to_string(),
            /// Whether to add a bias (default `true`).
            use_bias: bool = true,
        }
        nested {
            /// How the kernel and the bias are initialized, penalized and constrained.
            weights: KernelArgs,
        }
    }
    setters for [] Dense => config;
}

impl Validate for DenseConfig {
    fn validate(&self) -> Result<()> {
        if self.units == 0 {
            return Err(Error::value(
                "Received an invalid value for `units`, expected a positive integer. Received: units=0",
            ));
        }
        Ok(())
    }
}

common_builders!(Dense);

impl Dense {
    /// A Dense layer with `units` outputs, linear activation, bias, glorot_uniform kernel.
    pub fn new(units: usize) -> Self {
        Dense::with_config(DenseConfig::new(units))
    }
    /// A Dense layer with these arguments.
    pub fn with_config(config: DenseConfig) -> Self {
        Dense { base: LayerBase::default(), config, built: None }
    }
    /// Reads Keras' `Dense` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let mut dense = Dense::with_config(DenseConfig::from_config(config, "Dense")?);
        dense.base = LayerBase::from_config(config);
        Ok(dense)
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("dense")
    }
}

impl Layer for Dense {
    layer_boilerplate!("Dense");

    fn supports_masking(&self) -> bool {
        true
    }

    fn takes_unknown_sizes(&self) -> bool {
        true
    }

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn regularizers(&self) -> Vec<(usize, Regularizer)> {
        self.config.weights.regularizers(self.config.use_bias)
    }

    fn activity_regularizer(&self) -> Option<Regularizer> {
        self.config.weights.activity_regularizer
    }

    fn constraints(&self) -> Vec<(usize, Constraint)> {
        self.config.weights.constraints(self.config.use_bias)
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.config.validate()?;
        if input_shape.rank() < 2 || input_shape.last().is_none() {
            return Err(Error::shape(format!(
                "Input 0 of layer \"{}\" is incompatible with the layer: expected min_ndim=2 with a known last axis, found shape={input_shape}",
                self.layer_name()
            )));
        }
        let mut out = input_shape.clone();
        *out.0.last_mut().expect("rank >= 2") = Some(self.config.units);
        Ok(out)
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        let input_dim = input_shape.last().expect("checked above");
        self.built = Some((input_dim, Activation::get(&self.config.activation)?));
        let c = &self.config;
        Ok(c.weights.variables(vec![input_dim, c.units], c.units, c.use_bias))
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let (input_dim, activation) = self.built.ok_or_else(|| Error::State("Dense called before build".into()))?;
        let dims = inputs.dims();
        if dims.last() != Some(&input_dim) {
            return Err(Error::shape(format!(
                "Input 0 of layer \"{}\" is incompatible with the layer: expected axis -1 of input shape to have value {input_dim}, but received input with shape {}",
                self.layer_name(),
                format_dims(&dims)
            )));
        }
        let kernel = weights[0].clone().reshape([input_dim, self.config.units]);
        let mut y = inputs.into_rows().matmul(kernel);
        if self.config.use_bias {
            y = y + weights[1].clone().reshape([1, self.config.units]);
        }
        let y = activation.apply(y);
        let mut out_dims = dims;
        *out_dims.last_mut().expect("rank >= 1") = self.config.units;
        DynTensor::new(y).reshape(&out_dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;
    use burn::tensor::Tensor;

    #[test]
    fn forward_matches_hand_computation_on_3d_input() {
        let device = keras_rs_backends::default_device();
        let mut d = Dense::new(2).activation("relu");
        let specs = d.build(&Shape::batched(&[2, 3])).unwrap();
        assert_eq!(specs.iter().map(|s| s.shape.clone()).collect::<Vec<_>>(), vec![vec![3, 2], vec![2]]);
        let kernel = Tensor::<1>::from_floats([1.0, -1.0, 0.5, 0.5, 0.0, 2.0], &device);
        let bias = Tensor::<1>::from_floats([0.1, -10.0], &device);
        let x = DynTensor::from_data(vec![1.0, 2.0, 3.0, 0.0, 0.0, 1.0], &[1, 2, 3], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let y = Layer::forward(&d, x, Weights::from(&[kernel, bias]), &mut ctx).unwrap();
        assert_eq!(y.dims(), vec![1, 2, 2]);
        // row 0: [1,2,3] @ K = [2, 6] + b -> relu [2.1, 0]; row 1: [0,0,1] @ K = [0, 2] + b -> [0.1, 0]
        let v = y.to_vec().unwrap();
        for (a, b) in v.iter().zip([2.1, 0.0, 0.1, 0.0]) {
            assert!((a - b).abs() < 1e-6, "{v:?}");
        }
    }

    #[test]
    fn wrong_last_axis_and_bad_activation_are_errors() {
        let device = keras_rs_backends::default_device();
        let mut d = Dense::new(2).name("head");
        d.build(&Shape::batched(&[3])).unwrap();
        let x = DynTensor::from_data(vec![0.0; 8], &[2, 4], &device).unwrap();
        let w = [Tensor::<1>::zeros([6], &device), Tensor::<1>::zeros([2], &device)];
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let err = Layer::forward(&d, x, Weights::from(&w), &mut ctx).unwrap_err().to_string();
        assert!(err.contains("\"head\"") && err.contains("value 3") && err.contains("(2, 4)"), "{err}");
        let err = Dense::new(2).activation("rleu").build(&Shape::batched(&[3])).unwrap_err().to_string();
        assert!(err.contains("'rleu'"), "{err}");
    }

    #[test]
    fn config_round_trip() {
        use crate::initializers::Initializer;
        let d = Dense::new(7).activation("tanh").use_bias(false).name("d").kernel_initializer(Initializer::HeNormal);
        let cfg = d.get_config();
        assert_eq!(cfg["units"], 7);
        let again = Dense::from_config(&cfg).unwrap();
        assert_eq!(again.get_config(), cfg);
    }
}
