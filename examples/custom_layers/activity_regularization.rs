//! The guide's `ActivityRegularizationLayer`: a layer that adds a loss during the forward pass
//! (`self.add_loss(self.rate * ops.mean(inputs))`), counted in `fit`'s and `evaluate`'s loss.

use keras_rs::backend::DynTensor;
use keras_rs::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use keras_rs::{Error, Result, Shape};
use serde_json::{Value, json};

/// Adds `rate * mean(inputs)` to the loss; the output is the input.
#[derive(Clone, Debug)]
pub struct ActivityRegularizationLayer {
    base: LayerBase,
    rate: f32,
}

impl ActivityRegularizationLayer {
    /// A layer adding `rate * mean(inputs)` (the guide's default rate is 1e-2).
    pub fn new(rate: f32) -> Self {
        ActivityRegularizationLayer { base: LayerBase::default(), rate }
    }

    /// Rebuilds it from its config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let rate = config["rate"].as_f64().ok_or_else(|| Error::value("ActivityRegularizationLayer needs `rate`"))?;
        Ok(ActivityRegularizationLayer { base: LayerBase::from_config(config), rate: rate as f32 })
    }
}

impl Layer for ActivityRegularizationLayer {
    fn class_name(&self) -> &'static str {
        "ActivityRegularizationLayer"
    }
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }
    fn config(&self) -> Value {
        json!({"rate": self.rate})
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        Ok(input_shape.clone())
    }
    fn build(&mut self, _input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _weights: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        // `self.add_loss(self.rate * ops.mean(inputs))`
        ctx.add_loss(inputs.clone().into_rows().mean().mul_scalar(self.rate));
        Ok(inputs)
    }
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
}
