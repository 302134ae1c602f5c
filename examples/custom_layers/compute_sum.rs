//! The guide's `ComputeSum`: a layer with a non-trainable weight, `total`, that adds up the
//! inputs it sees. Here it passes its inputs through (so it sits inside a model) and, as
//! BatchNormalization's moving statistics, its update is applied after each training step.

use keras_rs::backend::DynTensor;
use keras_rs::initializers::Initializer;
use keras_rs::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use keras_rs::{Error, Result, Shape};
use serde_json::{Value, json};

/// `total += sum(inputs, axis=0)` on every training batch; the output is the input.
#[derive(Clone, Debug)]
pub struct ComputeSum {
    base: LayerBase,
}

impl ComputeSum {
    /// A new layer (its width comes from the input).
    pub fn new() -> Self {
        ComputeSum { base: LayerBase::default() }
    }

    /// Rebuilds it from its config (it has no arguments).
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(ComputeSum { base: LayerBase::from_config(config) })
    }
}

impl Layer for ComputeSum {
    fn class_name(&self) -> &'static str {
        "ComputeSum"
    }
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }
    fn config(&self) -> Value {
        json!({})
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        Ok(input_shape.clone())
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        let width = input_shape.last().ok_or_else(|| Error::value("ComputeSum needs a known input width"))?;
        // `self.add_weight(shape=(input_dim,), initializer="zeros", trainable=False)`
        Ok(vec![VariableSpec::non_trainable("total", vec![width], Initializer::Zeros)])
    }
    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        // `self.total.assign_add(ops.sum(inputs, axis=0))`
        let batch_sum = inputs.clone().into_rows().sum_dim(0).flatten::<1>(0, 1);
        ctx.update_variable(weights.index_of("total")?, weights.get("total")? + batch_sum);
        Ok(inputs)
    }
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
}
