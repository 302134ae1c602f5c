//! `AdditiveAttention`: Bahdanau-style attention, `sum(scale * tanh(query + key))` scores.

use burn::tensor::{Tensor, TensorData};
use serde_json::Value;

use super::attention::{additive_scores, apply_scores, attention_inputs, attention_layer_methods, check_dropout};
use crate::backend::DynTensor;
use crate::error::Result;
use crate::initializers::Initializer;
use crate::layers::builders::common_builders;
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `AdditiveAttention(use_scale=True)`, called on `[query, value]` or
/// `[query, value, key]` as [`Attention`](super::Attention) is; with `use_scale`, a learned
/// `scale` of shape `(dim,)` (glorot_uniform) weighs each feature of `tanh(query + key)`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::AdditiveAttention;
/// let (q, v) = (Input::new(&[4, 8]).tensor(), Input::new(&[6, 3]).tensor());
/// let k = Input::new(&[6, 8]).tensor();
/// let y = AdditiveAttention::new().call(&[&q, &v, &k]).unwrap();
/// assert_eq!(y.shape().to_string(), "(None, 4, 3)");
/// ```
#[derive(Clone, Debug)]
pub struct AdditiveAttention {
    base: LayerBase,
    pub(crate) config: AdditiveAttentionConfig,
}

keras_config! {
    /// Keras' `AdditiveAttention` arguments, with Keras' names and defaults.
    pub struct AdditiveAttentionConfig {
        args {
            /// Whether to learn a per-feature `scale` of the scores.
            use_scale: bool = true,
            /// The dropout rate on the attention distribution (training only).
            dropout: f32 = 0.0,
            /// Keras' `seed=` argument (kept in the config; masks come from the model's generator).
            seed: Option<u64> = None,
        }
    }
    setters for [] AdditiveAttention => config;
}

impl Validate for AdditiveAttentionConfig {
    fn validate(&self) -> Result<()> {
        check_dropout(self.dropout)
    }
}

common_builders!(AdditiveAttention);

impl Default for AdditiveAttention {
    fn default() -> Self {
        AdditiveAttention::new()
    }
}

impl AdditiveAttention {
    /// Additive attention with a learned scale.
    pub fn new() -> Self {
        AdditiveAttention { base: LayerBase::default(), config: AdditiveAttentionConfig::new() }
    }
    /// Reads Keras' `AdditiveAttention` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let config_read = AdditiveAttentionConfig::from_config(config, "AdditiveAttention")?;
        Ok(AdditiveAttention { base: LayerBase::from_config(config), config: config_read })
    }
}

impl Layer for AdditiveAttention {
    attention_layer_methods!("AdditiveAttention");

    fn build_multi(&mut self, input_shapes: &[Shape]) -> Result<Vec<VariableSpec>> {
        self.compute_output_shapes(input_shapes)?;
        let dim = input_shapes[0].last().expect("checked");
        Ok(if self.config.use_scale {
            vec![VariableSpec::trainable("scale", vec![dim], Initializer::GlorotUniform)]
        } else {
            Vec::new()
        })
    }

    fn forward_multi(
        &self,
        inputs: Vec<DynTensor>,
        weights: Weights<'_>,
        ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let [query, value, key] = attention_inputs("AdditiveAttention", inputs)?;
        let scale = match self.config.use_scale {
            true => weights[0].clone(),
            false => Tensor::<1>::from_data(TensorData::new(vec![1.0f32], [1]), ctx.device),
        };
        let scores = additive_scores(query, key, None, scale);
        Ok(apply_scores(scores, value, self.config.dropout, ctx))
    }
}
