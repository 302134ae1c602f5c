//! `Attention`: Luong-style (dot-product) or concat attention of a query over a value; the
//! base of `AdditiveAttention`.

use burn::tensor::{Tensor, TensorData, activation::softmax};
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::builders::common_builders;
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Attention(use_scale=False, score_mode="dot")`, called on `[query, value]` or
/// `[query, value, key]` of shapes `(batch, Tq, dim)`, `(batch, Tv, dim_v)`, `(batch, Tv, dim)`;
/// returns `(batch, Tq, dim_v)`. Scores are `query @ key^T` (`"dot"`, times the learned scalar
/// `scale` with `use_scale`) or `concat_score_weight * sum(tanh(scale * (query + key)))`
/// (`"concat"`). Call it with `{"use_causal_mask": true}` for a decoder.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Attention;
/// let (q, v) = (Input::new(&[4, 8]).tensor(), Input::new(&[6, 8]).tensor());
/// let y = Attention::new().use_scale(true).call(&[&q, &v]).unwrap();
/// assert_eq!(y.shape().to_string(), "(None, 4, 8)");
/// ```
#[derive(Clone, Debug)]
pub struct Attention {
    base: LayerBase,
    pub(crate) config: AttentionConfig,
}

keras_config! {
    /// Keras' `Attention` arguments, with Keras' names and defaults.
    pub struct AttentionConfig {
        args {
            /// Whether to learn a scalar that scales the scores.
            use_scale: bool = false,
            /// How scores are computed: `"dot"` (query-key dot product) or `"concat"`.
            score_mode: String = "dot".to_string(),
            /// The dropout rate on the attention distribution (training only).
            dropout: f32 = 0.0,
            /// Keras' `seed=` argument (kept in the config; masks come from the model's generator).
            seed: Option<u64> = None,
        }
    }
    setters for [] Attention => config;
}

impl Validate for AttentionConfig {
    fn validate(&self) -> Result<()> {
        if !["dot", "concat"].contains(&self.score_mode.as_str()) {
            return Err(Error::value(format!(
                "Invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. Received: score_mode={}",
                self.score_mode
            )));
        }
        check_dropout(self.dropout)
    }
}

/// Keras' check of an attention `dropout`.
pub(crate) fn check_dropout(dropout: f32) -> Result<()> {
    if !(0.0..1.0).contains(&dropout) {
        return Err(Error::value(format!(
            "Invalid value received for argument `dropout`. Expected a float value between 0 and 1. Received: \
             dropout={dropout}"
        )));
    }
    Ok(())
}

common_builders!(Attention);

impl Default for Attention {
    fn default() -> Self {
        Attention::new()
    }
}

impl Attention {
    /// Dot-product attention without a learned scale.
    pub fn new() -> Self {
        Attention { base: LayerBase::default(), config: AttentionConfig::new() }
    }
    /// Reads Keras' `Attention` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Attention {
            base: LayerBase::from_config(config),
            config: AttentionConfig::from_config(config, "Attention")?,
        })
    }
}

/// `(query, value, key)` shapes of a `[query, value]` or `[query, value, key]` call, each
/// `(batch, steps, features)`, the key's features the query's: Keras' `_validate_inputs`.
pub(crate) fn attention_shapes<'s>(class: &str, inputs: &'s [Shape]) -> Result<(&'s Shape, &'s Shape, &'s Shape)> {
    let (q, v, k) = match inputs {
        [q, v] => (q, v, v),
        [q, v, k] => (q, v, k),
        _ => {
            return Err(Error::value(format!(
                "{class} layer inputs must be a list of length 2 or 3, namely [query, value] or [query, value, key]. \
                 Received length: {}.",
                inputs.len()
            )));
        }
    };
    for (arg, s) in [("query", q), ("value", v), ("key", k)] {
        if s.rank() != 3 || s.last().is_none() {
            return Err(Error::shape(format!(
                "{class}: keras-rs takes `{arg}` of shape (batch, steps, features) with known features; received \
                 {arg}.shape={s}"
            )));
        }
    }
    if q.last() != k.last() || v.0[1].zip(k.0[1]).is_some_and(|(a, b)| a != b) {
        return Err(Error::shape(format!(
            "{class}: the query and the key need the same features, and the key and the value the same steps; \
             received query.shape={q}, value.shape={v}, key.shape={k}"
        )));
    }
    Ok((q, v, k))
}

/// The output shape of a `[query, value(, key)]` call: `(batch, Tq, dim_v)`.
pub(crate) fn attention_output_shapes(class: &str, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
    let (q, v, _) = attention_shapes(class, input_shapes)?;
    Ok(vec![Shape(vec![q.0[0], q.0[1], v.last()])])
}

/// The call arguments the attention layers take: `use_causal_mask` and
/// `return_attention_scores`.
pub(crate) fn check_attention_kwarg(layer: &dyn Layer, key: &str, value: &Value) -> Result<()> {
    match (key, value) {
        ("use_causal_mask" | "return_attention_scores", Value::Bool(_)) => Ok(()),
        _ => Err(Error::value(format!(
            "Layer \"{}\" ({}): keras-rs does not take the call argument {key}={value} (it takes \
             use_causal_mask and return_attention_scores, True or False)",
            crate::models::graph::layer_label(layer),
            layer.class_name()
        ))),
    }
}

/// With `use_causal_mask=True` in this call, Keras' `_compute_causal_mask`: 1.0 where query
/// step `i` may attend key step `j` (`j <= i`), row-major `(Tq, Tk)`.
pub(crate) fn causal_keep(ctx: &CallContext<'_>, tq: usize, tk: usize) -> Option<Vec<f32>> {
    let causal = ctx.call_kwargs.get("use_causal_mask").and_then(Value::as_bool).unwrap_or(false);
    causal.then(|| (0..tq * tk).map(|i| if i / tk >= i % tk { 1.0 } else { 0.0 }).collect())
}

/// The three inputs as rank-3 tensors (the key defaults to the value).
pub(crate) fn attention_inputs(class: &str, inputs: Vec<DynTensor>) -> Result<[Tensor<3>; 3]> {
    let shapes: Vec<Shape> = inputs.iter().map(|t| Shape::known(&t.dims())).collect();
    attention_shapes(class, &shapes)?;
    let mut it = inputs.into_iter();
    let q: Tensor<3> = it.next().expect("checked").into_rank(class)?;
    let v: Tensor<3> = it.next().expect("checked").into_rank(class)?;
    let k = match it.next() {
        Some(k) => k.into_rank(class)?,
        None => v.clone(),
    };
    Ok([q, v, k])
}

/// `sum(scale * tanh(query + key))` over features for every (query step, key step):
/// `(batch, Tq, Tv)`; `scale` broadcasts over the features.
pub(crate) fn additive_scores(
    query: Tensor<3>,
    key: Tensor<3>,
    inner: Option<Tensor<1>>,
    outer: Tensor<1>,
) -> Tensor<3> {
    let [b, tq, d] = query.dims();
    let tv = key.dims()[1];
    let mut sum = query.unsqueeze_dim::<4>(2).expand([b, tq, tv, d]) + key.unsqueeze_dim::<4>(1).expand([b, tq, tv, d]);
    if let Some(inner) = inner {
        sum = sum * inner.reshape([1, 1, 1, -1]);
    }
    (sum.tanh() * outer.reshape([1, 1, 1, -1])).sum_dim(3).reshape([b, tq, tv])
}

/// Keras' `_apply_scores` and the rest of `Attention.call`: the value's mask and the causal
/// mask (scores where either masks lowered by 1e9), softmax over the value steps, dropout in
/// training, the weighted sum of the values, zeroed at the query's padding steps. Returns the
/// output and, when the call asks for `return_attention_scores`, the weights (after dropout,
/// as Keras returns them).
pub(crate) fn apply_scores(
    mut scores: Tensor<3>,
    value: Tensor<3>,
    dropout: f32,
    ctx: &mut CallContext<'_>,
) -> Vec<DynTensor> {
    let [batch, tq, tv] = scores.dims();
    let mask = |i: usize| ctx.input_masks.get(i).cloned().flatten();
    let (query_mask, value_mask) = (mask(0), mask(1));
    let causal = causal_keep(ctx, tq, tv).map(|k| Tensor::<3>::from_data(TensorData::new(k, [1, tq, tv]), ctx.device));
    let keep = match (value_mask.map(|v| v.reshape([batch, 1, tv])), causal) {
        (Some(v), Some(c)) => Some(v * c),
        (v, c) => v.or(c),
    };
    if let Some(keep) = keep {
        scores = scores - keep.neg().add_scalar(1.0).mul_scalar(1.0e9);
    }
    let mut weights = softmax(scores, 2);
    if ctx.training && dropout > 0.0 {
        let mask = ctx.dropout_mask(batch, tq * tv, dropout);
        weights = weights * Tensor::<3>::from_data(TensorData::new(mask, [batch, tq, tv]), ctx.device);
    }
    let mut output = weights.clone().matmul(value);
    if let Some(q) = query_mask {
        output = output * q.reshape([batch, tq, 1]);
    }
    let mut outputs = vec![DynTensor::new(output)];
    if returns_scores(ctx) {
        outputs.push(DynTensor::new(weights));
    }
    outputs
}

/// Whether this call asks for the attention scores too (Keras' `return_attention_scores=True`).
pub(crate) fn returns_scores(ctx: &CallContext<'_>) -> bool {
    ctx.call_kwargs.get("return_attention_scores").and_then(Value::as_bool).unwrap_or(false)
}

/// The `Layer` methods `Attention` and `AdditiveAttention` share (Keras' `Attention` base):
/// class, config, `[query, value(, key)]` shapes, the call arguments (with the scores as a
/// second output), unknown lengths, the query's mask kept.
macro_rules! attention_layer_methods {
    ($class:literal) => {
        /// Keras: the output keeps the query's mask.
        fn compute_mask(
            &self,
            _inputs: &[$crate::backend::DynTensor],
            masks: &[Option<burn::tensor::Tensor<2>>],
        ) -> $crate::error::Result<Option<burn::tensor::Tensor<2>>> {
            Ok(masks.first().cloned().flatten())
        }

        $crate::layers::builders::layer_boilerplate!($class);
        $crate::layers::builders::multi_input_glue!();

        fn takes_unknown_sizes(&self) -> bool {
            true
        }

        fn config(&self) -> serde_json::Value {
            self.config.to_config()
        }

        fn check_call_kwarg(&self, key: &str, value: &serde_json::Value) -> $crate::error::Result<()> {
            $crate::layers::attention::attention::check_attention_kwarg(self, key, value)
        }

        fn compute_output_shapes(
            &self,
            input_shapes: &[$crate::shape::Shape],
        ) -> $crate::error::Result<Vec<$crate::shape::Shape>> {
            $crate::layers::config::Validate::validate(&self.config)?;
            $crate::layers::attention::attention::attention_output_shapes($class, input_shapes)
        }

        fn call_output_shapes(
            &self,
            input_shapes: &[$crate::shape::Shape],
            kwargs: &serde_json::Map<String, serde_json::Value>,
        ) -> $crate::error::Result<Vec<$crate::shape::Shape>> {
            let mut shapes = self.compute_output_shapes(input_shapes)?;
            if kwargs.get("return_attention_scores") == Some(&serde_json::Value::Bool(true)) {
                // (batch, Tq, Tv)
                let (q, v) = (&input_shapes[0], &input_shapes[1]);
                shapes.push($crate::shape::Shape(vec![q.0[0], q.0[1], v.0[1]]));
            }
            Ok(shapes)
        }
    };
}
pub(crate) use attention_layer_methods;

impl Layer for Attention {
    attention_layer_methods!("Attention");

    fn build_multi(&mut self, input_shapes: &[Shape]) -> Result<Vec<VariableSpec>> {
        self.compute_output_shapes(input_shapes)?;
        let mut specs = Vec::new();
        if self.config.use_scale {
            specs.push(VariableSpec::trainable("scale", Vec::new(), Initializer::Ones));
        }
        if self.config.score_mode == "concat" {
            specs.push(VariableSpec::trainable("concat_score_weight", Vec::new(), Initializer::Ones));
        }
        Ok(specs)
    }

    fn forward_multi(
        &self,
        inputs: Vec<DynTensor>,
        weights: Weights<'_>,
        ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let [query, value, key] = attention_inputs("Attention", inputs)?;
        let scale = self.config.use_scale.then(|| weights[0].clone());
        let scores = if self.config.score_mode == "dot" {
            let scores = query.matmul(key.swap_dims(1, 2));
            match scale {
                Some(s) => scores * s.reshape([1, 1, 1]),
                None => scores,
            }
        } else {
            let outer = weights[usize::from(self.config.use_scale)].clone();
            additive_scores(query, key, scale, outer)
        };
        Ok(apply_scores(scores, value, self.config.dropout, ctx))
    }
}
