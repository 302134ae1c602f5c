//! `PReLU`: a leaky ReLU whose negative slope is learned, per input position.

use serde_json::Value;

use crate::backend::DynTensor;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::regularizers::Regularizer;
use crate::shape::Shape;

/// Keras' `PReLU(alpha_initializer="zeros", shared_axes=None)`: `max(x, 0) - alpha * max(-x, 0)`
/// with a trainable `alpha` of the input's shape (without the batch axis), of size 1 along
/// `shared_axes` (1-based, as Keras: `shared_axes=[1, 2]` shares one slope per channel of an
/// image).
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::PReLU;
/// let model = Sequential::new().add(Input::new(&[4, 4, 3])).add(PReLU::new().shared_axes(vec![1, 2]));
/// assert_eq!(model.count_params(), 3);
/// ```
#[derive(Clone, Debug)]
pub struct PReLU {
    base: LayerBase,
    config: PReluConfig,
    /// The alpha's shape once built.
    alpha_shape: Option<Vec<usize>>,
}

keras_config! {
    /// Keras' `PReLU` arguments.
    pub struct PReluConfig {
        args {
            /// How `alpha` starts (default zeros: a ReLU).
            alpha_initializer: Initializer = Initializer::Zeros,
            /// A penalty on `alpha` added to the loss.
            alpha_regularizer: Option<Regularizer> = None,
            /// A projection of `alpha` after each update.
            alpha_constraint: Option<Constraint> = None,
            /// The (1-based) axes along which one slope is shared (default none).
            shared_axes: Option<Vec<usize>> = None,
        }
    }
    setters for [] PReLU => config;
}

impl Validate for PReluConfig {}

common_builders!(PReLU);

impl Default for PReLU {
    fn default() -> Self {
        Self::new()
    }
}

impl PReLU {
    /// A PReLU with Keras' defaults.
    pub fn new() -> Self {
        PReLU { base: LayerBase::default(), config: PReluConfig::new(), alpha_shape: None }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = PReluConfig::from_config(config, "PReLU")?;
        Ok(PReLU { base: LayerBase::from_config(config), config: read, alpha_shape: None })
    }

    /// Keras' `param_shape`: the input's shape without the batch axis, 1 along the shared axes.
    fn param_shape(&self, input: &Shape) -> Result<Vec<usize>> {
        let name = self.base.name.as_deref().unwrap_or("p_re_lu");
        if let Some(axes) = &self.config.shared_axes
            && axes.iter().any(|a| *a == 0 || *a >= input.rank())
        {
            return Err(Error::value(format!(
                "Layer \"{name}\": shared_axes must be between 1 and {} for input shape {input}. Received: \
                 shared_axes={axes:?}",
                input.rank().saturating_sub(1)
            )));
        }
        let mut shape = Vec::new();
        for (i, d) in input.0.iter().enumerate().skip(1) {
            let shared = self.config.shared_axes.as_ref().is_some_and(|axes| axes.contains(&i));
            shape.push(match (shared, d) {
                (true, _) => 1,
                (false, Some(d)) => *d,
                (false, None) => {
                    return Err(Error::shape(format!(
                        "Layer \"{name}\" needs the size of axis {i} (not shared) to make its alpha, received input \
                         shape {input}"
                    )));
                }
            });
        }
        Ok(shape)
    }
}

impl Layer for PReLU {
    fn supports_masking(&self) -> bool {
        true
    }

    layer_boilerplate!("PReLU");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn regularizers(&self) -> Vec<(usize, Regularizer)> {
        self.config.alpha_regularizer.map(|r| (0, r)).into_iter().collect()
    }
    fn constraints(&self) -> Vec<(usize, Constraint)> {
        self.config.alpha_constraint.clone().map(|c| (0, c)).into_iter().collect()
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.param_shape(input_shape)?;
        Ok(input_shape.clone())
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        let shape = self.param_shape(input_shape)?;
        self.alpha_shape = Some(shape.clone());
        Ok(vec![VariableSpec::trainable("alpha", shape, self.config.alpha_initializer.clone())])
    }
    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let shape = self.alpha_shape.as_ref().ok_or_else(|| Error::State("PReLU called before build".into()))?;
        let dims = inputs.dims();
        let mut alpha_dims = vec![1];
        alpha_dims.extend(shape);
        let alpha = DynTensor::new(weights[0].clone()).reshape(&alpha_dims)?.expand(&dims)?;
        inputs.zip_with(alpha, |x, a| x.clone().clamp_min(0.0) - a * x.neg().clamp_min(0.0))
    }
}
