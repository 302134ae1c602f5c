//! `Softmax`: `exp(x) / sum(exp(x))` along an axis.

use burn::tensor::activation as act;
use serde_json::Value;

use crate::backend::DynTensor;
use crate::backend::dyn_tensor::map_tensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Softmax(axis=-1)`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Softmax;
/// let model = Sequential::new().add(Input::new(&[2, 2])).add(Softmax::new().axis(1));
/// let y = model.predict(&ndarray::Array3::<f32>::zeros((1, 2, 2)), PredictOptions::new().verbose(0)).unwrap();
/// assert!(y.iter().all(|v| (v - 0.5).abs() < 1e-6));
/// ```
#[derive(Clone, Debug)]
pub struct Softmax {
    base: LayerBase,
    config: SoftmaxConfig,
}

keras_config! {
    /// Keras' `Softmax` arguments.
    pub struct SoftmaxConfig {
        args {
            /// The axis normalized over (negative counts from the end; default -1).
            axis: i64 = -1,
        }
    }
    setters for [] Softmax => config;
}

impl Validate for SoftmaxConfig {}

common_builders!(Softmax);

impl Default for Softmax {
    fn default() -> Self {
        Softmax::new()
    }
}

impl Softmax {
    /// A softmax over the last axis.
    pub fn new() -> Self {
        Softmax { base: LayerBase::default(), config: SoftmaxConfig::new() }
    }
    /// Reads Keras' `Softmax` config (one integer axis).
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Softmax { base: LayerBase::from_config(config), config: SoftmaxConfig::from_config(config, "Softmax")? })
    }

    /// The axis for inputs of `rank`, or Keras' error.
    fn resolved_axis(&self, rank: usize) -> Result<usize> {
        let axis = self.config.axis;
        let resolved = if axis < 0 { axis + rank as i64 } else { axis };
        if resolved < 0 || resolved >= rank as i64 {
            return Err(Error::value(format!(
                "Layer \"{}\": axis={axis} is out of bounds for inputs of rank {rank}",
                self.base.name.as_deref().unwrap_or("softmax")
            )));
        }
        Ok(resolved as usize)
    }
}

impl Layer for Softmax {
    // Keras uses masks in this layer; keras-rs does not yet.
    crate::layers::builders::refuses_masks!();

    layer_boilerplate!("Softmax");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        self.resolved_axis(input_shape.rank())?;
        Ok(input_shape.clone())
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let axis = self.resolved_axis(inputs.rank())?;
        Ok(map_tensor!(inputs, x => act::softmax(x, axis)))
    }
}
