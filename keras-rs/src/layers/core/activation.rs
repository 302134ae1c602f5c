//! `Activation`: applies an activation function by Keras name.

use serde_json::Value;

use crate::activations::Activation as ActivationFn;
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Activation` layer.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[3])).add(Activation::new("softmax"));
/// let p = model.predict(&ndarray::array![[1.0f32, 1.0, 1.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert!((p[[0, 0]] - 1.0 / 3.0).abs() < 1e-6);
/// ```
#[derive(Clone, Debug)]
pub struct Activation {
    base: LayerBase,
    config: ActivationConfig,
    built: Option<ActivationFn>,
}

keras_config! {
    /// Keras' `Activation` arguments.
    pub struct ActivationConfig {
        required {
            /// The activation by Keras name (`"relu"`, `"softmax"`, ...); checked when built.
            activation: String,
        }
    }
}

impl Validate for ActivationConfig {}

common_builders!(Activation);

impl Activation {
    /// An activation layer (`"relu"`, `"softmax"`, ...); the name is checked when built.
    pub fn new(activation: &str) -> Self {
        Activation { base: LayerBase::default(), config: ActivationConfig::new(activation.to_string()), built: None }
    }
    /// Reads Keras' `Activation` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = ActivationConfig::from_config(config, "Activation")?;
        Ok(Activation { base: LayerBase::from_config(config), config: read, built: None })
    }
}

impl Layer for Activation {
    layer_boilerplate!("Activation");

    fn supports_masking(&self) -> bool {
        true
    }

    fn takes_unknown_sizes(&self) -> bool {
        true
    }

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        Ok(input_shape.clone())
    }

    fn build(&mut self, _input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.built = Some(ActivationFn::get(&self.config.activation)?);
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let f = match self.built {
            Some(f) => f,
            None => ActivationFn::get(&self.config.activation)?,
        };
        Ok(f.apply_dyn(inputs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_name_fails_at_build_and_config_round_trips() {
        assert!(Activation::new("nope").build(&Shape::batched(&[2])).is_err());
        let a = Activation::new("gelu").name("act");
        assert_eq!(Activation::from_config(&a.get_config()).unwrap().get_config(), a.get_config());
    }
}
