//! `Input`: declares the shape (and optionally the fixed batch size) a model takes.

use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::layer_boilerplate;
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `keras.Input(shape=...)`: the shape of one sample, without the batch axis.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[4])).add(Dense::new(2));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 2)");
/// ```
#[derive(Clone, Debug)]
pub struct Input {
    base: LayerBase,
    shape: Vec<usize>,
    batch_size: Option<usize>,
    dtype: String,
}

impl Input {
    /// An input of per-sample `shape` (Keras: `keras.Input(shape=(28, 28, 1))`).
    pub fn new(shape: &[usize]) -> Self {
        Input { base: LayerBase::default(), shape: shape.to_vec(), batch_size: None, dtype: "float32".into() }
    }

    /// Fixes the batch size (needed by stateful RNNs).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = Some(batch_size);
        self
    }

    /// The data type Keras records for this input (`"float32"` by default; `"int32"` for
    /// token ids). keras-rs computes in `float32` whatever the data's element type.
    pub fn dtype(mut self, dtype: &str) -> Self {
        self.dtype = dtype.to_string();
        self
    }

    /// The recorded data type.
    pub fn get_dtype(&self) -> &str {
        &self.dtype
    }

    /// Sets the input's name.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }

    /// The symbolic tensor this input stands for in a Functional model (Keras' `keras.Input`
    /// returns it directly). Every call on the same `Input` value gives the same tensor; an
    /// `Input` can also be passed wherever a tensor is expected.
    pub fn tensor(&self) -> crate::models::KerasTensor {
        crate::models::graph::input_tensor(self)
    }

    /// The full shape, batch axis included: `(None, 28, 28, 1)`.
    pub fn batch_shape(&self) -> Shape {
        let mut s = Shape::batched(&self.shape);
        s.0[0] = self.batch_size;
        s
    }

    /// Reads Keras' `InputLayer` config (`batch_shape`, or the older `batch_input_shape`).
    pub fn from_config(config: &Value) -> Result<Self> {
        let shape = config.get("batch_shape").or_else(|| config.get("batch_input_shape"));
        let dims: Vec<Option<usize>> = shape
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .ok_or_else(|| Error::Format(format!("an InputLayer config needs `batch_shape`, received: {config}")))?;
        let feature: Option<Vec<usize>> = dims.iter().skip(1).copied().collect();
        let feature = feature
            .ok_or_else(|| Error::Format(format!("InputLayer dimensions after the batch must be known: {config}")))?;
        let dtype = config.get("dtype").and_then(Value::as_str).unwrap_or("float32").to_string();
        Ok(Input {
            base: LayerBase::from_config(config),
            shape: feature,
            batch_size: dims.first().copied().flatten(),
            dtype,
        })
    }
}

impl Layer for Input {
    layer_boilerplate!("InputLayer");

    fn config(&self) -> Value {
        json!({"batch_shape": self.batch_shape().0, "sparse": false, "ragged": false, "optional": false, "dtype": self.dtype})
    }

    fn compute_output_shape(&self, _input_shape: &Shape) -> Result<Shape> {
        Ok(self.batch_shape())
    }

    fn build(&mut self, _input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        Ok(inputs)
    }

    fn declared_input_shape(&self) -> Option<Shape> {
        Some(self.batch_shape())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_shape_and_config_round_trip() {
        let input = Input::new(&[28, 28, 1]).batch_size(8).name("pixels");
        assert_eq!(input.batch_shape().to_string(), "(8, 28, 28, 1)");
        let cfg = input.get_config();
        assert_eq!(cfg["batch_shape"], json!([8, 28, 28, 1]));
        let again = Input::from_config(&cfg).unwrap();
        assert_eq!(again.batch_shape(), input.batch_shape());
        assert_eq!(Layer::name(&again), Some("pixels"));
        assert!(Input::from_config(&json!({"name": "x"})).is_err());
    }
}
