//! `ActivityRegularization`: the identity, adding an L1/L2 penalty on its input to the loss.

use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::regularizers::Regularizer;
use crate::shape::Shape;

/// Keras' `ActivityRegularization(l1=0.0, l2=0.0)`: passes its input through and adds
/// `(l1 * sum|x| + l2 * sum x^2) / batch_size` to the training loss (an activity regularizer).
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::ActivityRegularization;
/// let model = Sequential::new().add(Input::new(&[3])).add(ActivityRegularization::new().l2(0.01));
/// assert_eq!(model.get_config()["layers"][1]["config"]["l2"], 0.01f32 as f64);
/// ```
#[derive(Clone, Debug)]
pub struct ActivityRegularization {
    base: LayerBase,
    config: ActivityRegularizationConfig,
}

keras_config! {
    /// Keras' `ActivityRegularization` arguments.
    pub struct ActivityRegularizationConfig {
        args {
            /// The L1 factor (default 0).
            l1: f32 = 0.0,
            /// The L2 factor (default 0).
            l2: f32 = 0.0,
        }
    }
    setters for [] ActivityRegularization => config;
}

impl Validate for ActivityRegularizationConfig {}

common_builders!(ActivityRegularization);

impl Default for ActivityRegularization {
    fn default() -> Self {
        Self::new()
    }
}

impl ActivityRegularization {
    /// No penalty until `l1`/`l2` are set.
    pub fn new() -> Self {
        ActivityRegularization { base: LayerBase::default(), config: ActivityRegularizationConfig::new() }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = ActivityRegularizationConfig::from_config(config, "ActivityRegularization")?;
        Ok(ActivityRegularization { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for ActivityRegularization {
    fn supports_masking(&self) -> bool {
        true
    }

    layer_boilerplate!("ActivityRegularization");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn activity_regularizer(&self) -> Option<Regularizer> {
        Some(Regularizer::L1L2 { l1: self.config.l1, l2: self.config.l2 })
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        Ok(input_shape.clone())
    }
    fn build(&mut self, _input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        Ok(inputs)
    }
}
