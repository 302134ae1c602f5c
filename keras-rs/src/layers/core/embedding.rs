//! `Embedding`: maps integer indices to dense vectors.

use burn::tensor::{Int, Tensor};
use serde_json::Value;

use crate::backend::DynTensor;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::regularizers::Regularizer;
use crate::shape::Shape;

/// Keras' `Embedding(input_dim, output_dim)`: table `(input_dim, output_dim)`, initialised
/// uniformly in [-0.05, 0.05]; `(batch, ...)` integer indices -> `(batch, ..., output_dim)`.
/// An index outside `[0, input_dim)` is an error.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[6])).add(Embedding::new(1000, 64));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 6, 64)");
/// assert_eq!(model.count_params(), 64_000);
/// ```
#[derive(Clone, Debug)]
pub struct Embedding {
    base: LayerBase,
    config: EmbeddingConfig,
}

keras_config! {
    /// Keras' `Embedding` arguments, with Keras' names and defaults.
    pub struct EmbeddingConfig {
        required {
            /// The vocabulary size: inputs are indices in `[0, input_dim)`.
            input_dim: usize,
            /// The size of each embedding vector.
            output_dim: usize,
        }
        args {
            /// The table's initializer (default uniform in [-0.05, 0.05]).
            embeddings_initializer: Initializer = Initializer::RandomUniform { minval: -0.05, maxval: 0.05 },
            /// A penalty on the table added to the loss (Keras' `embeddings_regularizer`).
            embeddings_regularizer: Option<Regularizer> = None,
            /// A projection of the table after each update (Keras' `embeddings_constraint`).
            embeddings_constraint: Option<Constraint> = None,
            /// Whether index 0 is padding: the output then carries a mask (1.0 where the index is
            /// not 0) that recurrent layers and `GlobalAveragePooling1D` honour, as Keras'.
            mask_zero: bool = false,
        }
    }
    constants { activity_regularizer: Value::Null }
    setters for [] Embedding => config;
}

impl Validate for EmbeddingConfig {
    fn validate(&self) -> Result<()> {
        for (arg, value) in [("input_dim", self.input_dim), ("output_dim", self.output_dim)] {
            if value == 0 {
                return Err(Error::value(format!("`{arg}` must be a positive integer. Received: {arg}=0")));
            }
        }
        Ok(())
    }
}

common_builders!(Embedding);

impl Embedding {
    /// A vocabulary of `input_dim` indices mapped to `output_dim`-dimensional vectors.
    pub fn new(input_dim: usize, output_dim: usize) -> Self {
        Embedding { base: LayerBase::default(), config: EmbeddingConfig::new(input_dim, output_dim) }
    }
    /// Reads Keras' `Embedding` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Embedding {
            base: LayerBase::from_config(config),
            config: EmbeddingConfig::from_config(config, "Embedding")?,
        })
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("embedding")
    }
}

impl Layer for Embedding {
    /// Keras' `compute_mask`: with `mask_zero`, 1.0 where the index is not 0.
    fn compute_mask(&self, inputs: &[DynTensor], _masks: &[Option<Tensor<2>>]) -> Result<Option<Tensor<2>>> {
        if !self.config.mask_zero {
            return Ok(None);
        }
        let ids = inputs.first().cloned().ok_or_else(|| Error::value("Embedding called without input"))?;
        let ids: Tensor<2> = ids.into_rank(self.layer_name())?;
        Ok(Some(ids.not_equal_elem(0.0).float()))
    }

    layer_boilerplate!("Embedding");

    fn takes_unknown_sizes(&self) -> bool {
        true
    }

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn regularizers(&self) -> Vec<(usize, Regularizer)> {
        self.config.embeddings_regularizer.map(|r| (0, r)).into_iter().collect()
    }

    fn constraints(&self) -> Vec<(usize, Constraint)> {
        self.config.embeddings_constraint.clone().map(|c| (0, c)).into_iter().collect()
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        validated(&self.config, self.layer_name())?;
        let mut out = input_shape.clone();
        out.0.push(Some(self.config.output_dim));
        Ok(out)
    }

    fn build(&mut self, _input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        Ok(vec![VariableSpec::trainable(
            "embeddings",
            vec![self.config.input_dim, self.config.output_dim],
            self.config.embeddings_initializer.clone(),
        )])
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let dims = inputs.dims();
        let n: usize = dims.iter().product();
        let flat = inputs.reshape(&[n])?.into_rank::<1>(self.layer_name())?;
        let (lo, hi) = (flat.clone().min().into_scalar::<f32>(), flat.clone().max().into_scalar::<f32>());
        if lo < 0.0 || hi >= self.config.input_dim as f32 {
            let bad = if lo < 0.0 { lo } else { hi };
            return Err(Error::value(format!(
                "Layer \"{}\" received index {bad}, outside the valid range [0, {}) (input_dim={}).",
                self.layer_name(),
                self.config.input_dim,
                self.config.input_dim
            )));
        }
        let indices: Tensor<1, Int> = flat.int();
        let table = weights[0].clone().reshape([self.config.input_dim, self.config.output_dim]);
        let mut out = dims;
        out.push(self.config.output_dim);
        DynTensor::new(table.select(0, indices)).reshape(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn looks_rows_up_and_rejects_out_of_range_indices() {
        let device = keras_rs_backends::default_device();
        let e = Embedding::new(3, 2).name("emb");
        let table = Tensor::<1>::from_floats([0.0, 1.0, 10.0, 11.0, 20.0, 21.0], &device);
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let x = DynTensor::from_data(vec![2.0, 0.0, 1.0, 1.0], &[2, 2], &device).unwrap();
        let y = Layer::forward(&e, x, Weights::from(std::slice::from_ref(&table)), &mut ctx).unwrap();
        assert_eq!(y.dims(), vec![2, 2, 2]);
        assert_eq!(y.to_vec().unwrap(), vec![20.0, 21.0, 0.0, 1.0, 10.0, 11.0, 10.0, 11.0]);
        let bad = DynTensor::from_data(vec![3.0], &[1, 1], &device).unwrap();
        let err = Layer::forward(&e, bad, Weights::from(&[table]), &mut ctx).unwrap_err().to_string();
        assert!(err.contains("\"emb\"") && err.contains("index 3") && err.contains("[0, 3)"), "{err}");
        let cfg = e.get_config();
        assert_eq!(Embedding::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
