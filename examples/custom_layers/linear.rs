//! The Keras guide's `Linear` layer ("Making new layers and models via subclassing"), written
//! against keras-rs' public [`Layer`] trait: a config (`units`), weights created in `build` once
//! the input width is known, a forward pass in burn tensors, and `from_config` for loading.
//! Shared by `examples/custom_layers/main.rs` and `tests/custom_layers.rs`.

use keras_rs::backend::DynTensor;
use keras_rs::burn::tensor::Tensor;
use keras_rs::initializers::Initializer;
use keras_rs::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use keras_rs::{Error, Result, Shape};
use serde_json::{Value, json};

/// The guide's `Linear`: `inputs @ w + b`, `w` random normal, `b` zeros.
#[derive(Clone, Debug)]
pub struct Linear {
    base: LayerBase,
    units: usize,
}

impl Linear {
    /// A layer with `units` outputs.
    pub fn new(units: usize) -> Self {
        Linear { base: LayerBase::default(), units }
    }

    /// Rebuilds it from what `get_config` wrote.
    pub fn from_config(config: &Value) -> Result<Self> {
        let units = config["units"].as_u64().ok_or_else(|| Error::value("Linear needs an integer `units`"))?;
        Ok(Linear { base: LayerBase::from_config(config), units: units as usize })
    }
}

impl Layer for Linear {
    fn class_name(&self) -> &'static str {
        "Linear"
    }
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }
    fn config(&self) -> Value {
        json!({"units": self.units})
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        let mut out = input_shape.clone();
        *out.0.last_mut().ok_or_else(|| Error::value("Linear needs inputs of rank 2"))? = Some(self.units);
        Ok(out)
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        let input_dim = input_shape.last().ok_or_else(|| Error::value("Linear needs a known input width"))?;
        let normal = Initializer::RandomNormal { mean: 0.0, stddev: 0.05 };
        Ok(vec![
            VariableSpec::trainable("w", vec![input_dim, self.units], normal),
            VariableSpec::trainable("b", vec![self.units], Initializer::Zeros),
        ])
    }
    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        // By the names `build` gave them; `tensor` reshapes to the Keras shape.
        let w: Tensor<2> = weights.tensor("w")?;
        let b = weights.get("b")?.reshape([1, self.units]);
        Ok(DynTensor::new(inputs.into_rows().matmul(w) + b))
    }
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
}

/// Registers `Linear` as `my_package>Linear` (Keras' `@register_keras_serializable(package=
/// "my_package")`), so model files with it load here and in Python Keras.
pub fn register() -> Result<String> {
    keras_rs::saving::register_keras_serializable("my_package", "Linear", |config| {
        Ok(Box::new(Linear::from_config(config)?))
    })
}
