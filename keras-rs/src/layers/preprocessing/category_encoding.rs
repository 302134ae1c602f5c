//! `CategoryEncoding`: integer category ids to one-hot, multi-hot or count vectors.

use burn::tensor::{Int, Tensor};
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `CategoryEncoding(num_tokens, output_mode="multi_hot")`: ids in `[0, num_tokens)` (as
/// integers; others give no position, as in Keras on JAX) become vectors of `num_tokens` —
/// `"one_hot"` (one per id: `(batch, 1)` → `(batch, num_tokens)`, `(batch, n)` → `(batch, n,
/// num_tokens)`), `"multi_hot"` (1 where any of a row's ids is) or `"count"` (how often).
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::CategoryEncoding;
/// let model = Sequential::new().add(Input::new(&[3])).add(CategoryEncoding::new(4).output_mode("count"));
/// let y = model.predict(&ndarray::array![[0.0f32, 1.0, 1.0], [3.0, 2.0, 3.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0]);
/// ```
#[derive(Clone, Debug)]
pub struct CategoryEncoding {
    base: LayerBase,
    config: CategoryEncodingConfig,
}

keras_config! {
    /// Keras' `CategoryEncoding` arguments.
    pub struct CategoryEncodingConfig {
        required {
            /// The number of categories: ids run from 0 to `num_tokens - 1`.
            num_tokens: usize,
        }
        args {
            /// `"multi_hot"` (default; Keras' `"binary"` reads as it), `"one_hot"` or `"count"`.
            output_mode: String = "multi_hot".to_string(),
            /// Keras' sparse outputs (only `false`).
            sparse: bool = false,
        }
    }
    setters for [] CategoryEncoding => config;
}

impl Validate for CategoryEncodingConfig {
    fn validate(&self) -> Result<()> {
        if !matches!(self.output_mode.as_str(), "count" | "one_hot" | "multi_hot" | "binary") {
            return Err(Error::value(format!("Unknown arg for output_mode: {}", self.output_mode)));
        }
        if self.num_tokens < 1 {
            return Err(Error::value(format!("`num_tokens` must be >= 1. Received: num_tokens={}.", self.num_tokens)));
        }
        if self.sparse {
            return Err(Error::value("CategoryEncoding: keras-rs has no sparse tensors; received sparse=True"));
        }
        Ok(())
    }
}

common_builders!(CategoryEncoding);

impl CategoryEncoding {
    /// Encodes ids in `[0, num_tokens)` (multi-hot unless `output_mode` says otherwise).
    pub fn new(num_tokens: usize) -> Self {
        CategoryEncoding { base: LayerBase::default(), config: CategoryEncodingConfig::new(num_tokens) }
    }
    /// Reads Keras' `CategoryEncoding` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let mut read = CategoryEncodingConfig::from_config(config, "CategoryEncoding")?;
        if read.output_mode == "binary" {
            read.output_mode = "multi_hot".into(); // as Keras' constructor does
        }
        Ok(CategoryEncoding { base: LayerBase::from_config(config), config: read })
    }
    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("category_encoding")
    }
}

impl Layer for CategoryEncoding {
    layer_boilerplate!("CategoryEncoding");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        validated(&self.config, self.layer_name())?;
        index_output_shape(input, self.layer_name(), &self.config.output_mode, self.config.num_tokens)
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = inputs.into_rank::<2>(self.layer_name())?;
        Ok(encode(x, &self.config.output_mode, self.config.num_tokens))
    }
}

/// The shape of `(batch, n)` ids encoded in `mode` (`"one_hot"`, `"multi_hot"`, `"count"`)
/// with `depth` positions (Keras' `compute_output_shape` of the encoding layers).
fn encoded_shape(input: &Shape, mode: &str, depth: usize) -> Shape {
    match (mode, input.0[1]) {
        ("one_hot", Some(1)) => Shape(vec![input.0[0], Some(depth)]),
        ("one_hot", n) => Shape(vec![input.0[0], n, Some(depth)]),
        _ => Shape(vec![input.0[0], Some(depth)]),
    }
}

/// The output shape of a layer that gives indices (`"int"`, any input shape) or encodes them
/// (`(batch, n)` inputs only) with `depth` positions.
pub(crate) fn index_output_shape(input: &Shape, layer: &str, mode: &str, depth: usize) -> Result<Shape> {
    if mode == "int" {
        return Ok(input.clone());
    }
    if input.rank() != 2 {
        return Err(Error::shape(format!(
            "Layer \"{layer}\" encodes values of shape (batch, n); received input shape {input}"
        )));
    }
    Ok(encoded_shape(input, mode, depth))
}

/// Keras' `encode_categorical_inputs` for `(batch, n)` ids: cast to integers as Keras' int32
/// cast does, compared with `0..depth` (ids outside give no position, as on JAX).
pub(crate) fn encode(ids: Tensor<2>, mode: &str, depth: usize) -> DynTensor {
    let [batch, n] = ids.dims();
    let ids = ids.int().float().reshape([batch, n, 1]).expand([batch, n, depth]);
    let positions = Tensor::<1, Int>::arange(0..depth as i64, &ids.device()).float();
    let one_hot = ids.equal(positions.reshape([1, 1, depth]).expand([batch, n, depth])).float();
    match mode {
        "one_hot" if n == 1 => DynTensor::new(one_hot.reshape([batch, depth])),
        "one_hot" => DynTensor::new(one_hot),
        "count" => DynTensor::new(one_hot.sum_dim(1).reshape([batch, depth])),
        _ => DynTensor::new(one_hot.max_dim(1).reshape([batch, depth])),
    }
}
