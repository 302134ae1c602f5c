//! `Input`: declares the shape (and optionally the fixed batch size) a model takes.

use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::layer_boilerplate;
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `keras.Input(shape=...)`: the shape of one sample, without the batch axis; `None`
/// for a size that varies from call to call (`keras.Input(shape=(None, 8))`: sequences of any
/// length).
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[4])).add(Dense::new(2));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 2)");
/// // Sequences of any length with 8 features each.
/// let x = Input::new(&[None, Some(8)]).tensor();
/// let y = LSTM::new(4).return_sequences(true).call(&x).unwrap();
/// assert_eq!(y.shape().to_string(), "(None, None, 4)");
/// ```
#[derive(Clone, Debug)]
pub struct Input {
    base: LayerBase,
    shape: Vec<Option<usize>>,
    batch_size: Option<usize>,
    dtype: String,
}

/// A per-sample shape: sizes (`&[28, 28, 1]`), or sizes some of which are unknown
/// (`&[None, Some(8)]`).
pub trait InputShape {
    /// The sizes, `None` where unknown.
    fn dims(&self) -> Vec<Option<usize>>;
}

impl InputShape for [usize] {
    fn dims(&self) -> Vec<Option<usize>> {
        self.iter().map(|&d| Some(d)).collect()
    }
}
impl InputShape for [Option<usize>] {
    fn dims(&self) -> Vec<Option<usize>> {
        self.to_vec()
    }
}
impl<const N: usize> InputShape for [usize; N] {
    fn dims(&self) -> Vec<Option<usize>> {
        self.as_slice().dims()
    }
}
impl<const N: usize> InputShape for [Option<usize>; N] {
    fn dims(&self) -> Vec<Option<usize>> {
        self.to_vec()
    }
}
impl InputShape for Vec<usize> {
    fn dims(&self) -> Vec<Option<usize>> {
        self.as_slice().dims()
    }
}
impl InputShape for Vec<Option<usize>> {
    fn dims(&self) -> Vec<Option<usize>> {
        self.clone()
    }
}

impl Input {
    /// An input of per-sample `shape` (Keras: `keras.Input(shape=(28, 28, 1))`); `None` sizes
    /// are unknown until the data comes (`Input::new(&[None, Some(8)])`).
    pub fn new<S: InputShape + ?Sized>(shape: &S) -> Self {
        Input { base: LayerBase::default(), shape: shape.dims(), batch_size: None, dtype: "float32".into() }
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
        Shape(std::iter::once(self.batch_size).chain(self.shape.iter().copied()).collect())
    }

    /// Reads Keras' `InputLayer` config (`batch_shape`, or the older `batch_input_shape`).
    pub fn from_config(config: &Value) -> Result<Self> {
        let shape = config.get("batch_shape").or_else(|| config.get("batch_input_shape"));
        let dims: Vec<Option<usize>> = shape
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .ok_or_else(|| Error::Format(format!("an InputLayer config needs `batch_shape`, received: {config}")))?;
        if dims.is_empty() {
            return Err(Error::Format(format!("an InputLayer `batch_shape` needs the batch axis, received: {config}")));
        }
        let feature = dims[1..].to_vec();
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
