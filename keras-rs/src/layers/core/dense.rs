//! `Dense`: `activation(inputs @ kernel + bias)` over the last axis, any input rank.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use crate::activations::Activation;
use crate::backend::DynTensor;
use crate::constraints::{self, Constraint};
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec};
use crate::layers::{cfg_or, cfg_req};
use crate::regularizers::{Regularizer, kernel_and_bias, optional_config};
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
    units: usize,
    activation: String,
    use_bias: bool,
    kernel_initializer: Initializer,
    bias_initializer: Initializer,
    kernel_regularizer: Option<Regularizer>,
    bias_regularizer: Option<Regularizer>,
    activity_regularizer: Option<Regularizer>,
    kernel_constraint: Option<Constraint>,
    bias_constraint: Option<Constraint>,
    built: Option<(usize, Activation)>,
}

common_builders!(Dense);

impl Dense {
    /// A Dense layer with `units` outputs, linear activation, bias, glorot_uniform kernel.
    pub fn new(units: usize) -> Self {
        Dense {
            base: LayerBase::default(),
            units,
            activation: "linear".into(),
            use_bias: true,
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
    /// The activation by Keras name (`"relu"`, `"softmax"`, ...); checked when the layer is built.
    pub fn activation(mut self, activation: &str) -> Self {
        self.activation = activation.to_string();
        self
    }
    /// Whether to add a bias (default `true`).
    pub fn use_bias(mut self, use_bias: bool) -> Self {
        self.use_bias = use_bias;
        self
    }
    /// The kernel initializer (default `glorot_uniform`).
    pub fn kernel_initializer(mut self, init: Initializer) -> Self {
        self.kernel_initializer = init;
        self
    }
    /// The bias initializer (default `zeros`).
    pub fn bias_initializer(mut self, init: Initializer) -> Self {
        self.bias_initializer = init;
        self
    }
    /// A penalty on the kernel added to the loss (Keras' `kernel_regularizer`).
    pub fn kernel_regularizer(mut self, regularizer: Regularizer) -> Self {
        self.kernel_regularizer = Some(regularizer);
        self
    }
    /// A penalty on the bias added to the loss (Keras' `bias_regularizer`).
    pub fn bias_regularizer(mut self, regularizer: Regularizer) -> Self {
        self.bias_regularizer = Some(regularizer);
        self
    }
    /// A penalty on the layer's output added to the loss, over the batch size (Keras'
    /// `activity_regularizer`).
    pub fn activity_regularizer(mut self, regularizer: Regularizer) -> Self {
        self.activity_regularizer = Some(regularizer);
        self
    }
    /// A projection of the kernel after each update (Keras' `kernel_constraint`).
    pub fn kernel_constraint(mut self, constraint: Constraint) -> Self {
        self.kernel_constraint = Some(constraint);
        self
    }
    /// A projection of the bias after each update (Keras' `bias_constraint`).
    pub fn bias_constraint(mut self, constraint: Constraint) -> Self {
        self.bias_constraint = Some(constraint);
        self
    }
    /// Reads Keras' `Dense` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let mut d = Dense::new(cfg_req(config, "units", "Dense")?);
        d.base = LayerBase::from_config(config);
        d.activation = cfg_or(config, "activation", "linear".to_string())?;
        d.use_bias = cfg_or(config, "use_bias", true)?;
        if let Some(k) = config.get("kernel_initializer").filter(|v| !v.is_null()) {
            d.kernel_initializer = Initializer::from_config(k)?;
        }
        if let Some(b) = config.get("bias_initializer").filter(|v| !v.is_null()) {
            d.bias_initializer = Initializer::from_config(b)?;
        }
        d.kernel_regularizer = Regularizer::optional(config.get("kernel_regularizer"))?;
        d.bias_regularizer = Regularizer::optional(config.get("bias_regularizer"))?;
        d.activity_regularizer = Regularizer::optional(config.get("activity_regularizer"))?;
        d.kernel_constraint = Constraint::optional(config.get("kernel_constraint"))?;
        d.bias_constraint = Constraint::optional(config.get("bias_constraint"))?;
        Ok(d)
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("dense")
    }
}

impl Layer for Dense {
    layer_boilerplate!("Dense");

    fn config(&self) -> Value {
        json!({
            "units": self.units,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer.to_config(),
            "bias_initializer": self.bias_initializer.to_config(),
            "kernel_regularizer": optional_config(&self.kernel_regularizer),
            "bias_regularizer": optional_config(&self.bias_regularizer),
            "activity_regularizer": optional_config(&self.activity_regularizer),
            "kernel_constraint": constraints::optional_config(&self.kernel_constraint),
            "bias_constraint": constraints::optional_config(&self.bias_constraint),
        })
    }

    fn regularizers(&self) -> Vec<(usize, Regularizer)> {
        kernel_and_bias(self.kernel_regularizer, self.bias_regularizer, self.use_bias)
    }

    fn activity_regularizer(&self) -> Option<Regularizer> {
        self.activity_regularizer
    }

    fn constraints(&self) -> Vec<(usize, Constraint)> {
        constraints::kernel_and_bias(&self.kernel_constraint, &self.bias_constraint, self.use_bias)
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        if self.units == 0 {
            return Err(Error::value(format!(
                "Layer \"{}\": received an invalid value for `units`, expected a positive integer. Received: units=0",
                self.layer_name()
            )));
        }
        if input_shape.rank() < 2 || input_shape.last().is_none() {
            return Err(Error::shape(format!(
                "Input 0 of layer \"{}\" is incompatible with the layer: expected min_ndim=2 with a known last axis, found shape={input_shape}",
                self.layer_name()
            )));
        }
        let mut out = input_shape.clone();
        *out.0.last_mut().expect("rank >= 2") = Some(self.units);
        Ok(out)
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        let input_dim = input_shape.last().expect("checked above");
        self.built = Some((input_dim, Activation::get(&self.activation)?));
        let mut vars =
            vec![VariableSpec::trainable("kernel", vec![input_dim, self.units], self.kernel_initializer.clone())];
        if self.use_bias {
            vars.push(VariableSpec::trainable("bias", vec![self.units], self.bias_initializer.clone()));
        }
        Ok(vars)
    }

    fn call(&self, inputs: DynTensor, weights: &[Tensor<1>], _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let (input_dim, activation) = self.built.ok_or_else(|| Error::State("Dense called before build".into()))?;
        let dims = inputs.dims();
        if dims.last() != Some(&input_dim) {
            return Err(Error::shape(format!(
                "Input 0 of layer \"{}\" is incompatible with the layer: expected axis -1 of input shape to have value {input_dim}, but received input with shape {}",
                self.layer_name(),
                format_dims(&dims)
            )));
        }
        let kernel = weights[0].clone().reshape([input_dim, self.units]);
        let mut y = inputs.into_rows().matmul(kernel);
        if self.use_bias {
            y = y + weights[1].clone().reshape([1, self.units]);
        }
        let y = activation.apply(y);
        let mut out_dims = dims;
        *out_dims.last_mut().expect("rank >= 1") = self.units;
        DynTensor::new(y).reshape(&out_dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

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
        let y = Layer::call(&d, x, &[kernel, bias], &mut ctx).unwrap();
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
        let err = Layer::call(&d, x, &w, &mut ctx).unwrap_err().to_string();
        assert!(err.contains("\"head\"") && err.contains("value 3") && err.contains("(2, 4)"), "{err}");
        let err = Dense::new(2).activation("rleu").build(&Shape::batched(&[3])).unwrap_err().to_string();
        assert!(err.contains("'rleu'"), "{err}");
    }

    #[test]
    fn config_round_trip() {
        let d = Dense::new(7).activation("tanh").use_bias(false).name("d").kernel_initializer(Initializer::HeNormal);
        let cfg = d.get_config();
        assert_eq!(cfg["units"], 7);
        let again = Dense::from_config(&cfg).unwrap();
        assert_eq!(again.get_config(), cfg);
    }
}
