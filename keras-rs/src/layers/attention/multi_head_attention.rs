//! `MultiHeadAttention`: scaled dot-product attention over several heads, with Keras' four
//! `EinsumDense` projections (`query_dense`, `key_dense`, `value_dense`, `output_dense`).

use burn::tensor::{Tensor, TensorData, activation::softmax};
use serde_json::{Value, json};

use super::attention::{causal_keep, check_attention_kwarg, check_dropout, returns_scores};
use crate::backend::DynTensor;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate, multi_input_glue};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, KernelArgs, Layer, LayerBase, VariableSpec, Weights};
use crate::regularizers::Regularizer;
use crate::shape::Shape;

/// Keras' `MultiHeadAttention(num_heads, key_dim)`, called on `(query, value)` or
/// `(query, value, key)` of shapes `(batch, T, dim)`, `(batch, S, dim_v)`, `(batch, S, dim_k)`;
/// `key` defaults to `value`. Weights in Keras' order and layout: `query`, `key`, `value`
/// kernels `(dim, num_heads, key_dim)` (value: `value_dim`) with biases `(num_heads, key_dim)`,
/// then the output kernel `(num_heads, value_dim, dim)` and bias `(dim,)`. Call it with
/// `{"use_causal_mask": true}` for a decoder's causal self-attention.
///
/// ```
/// use keras_rs::prelude::*;
/// let x = Input::new(&[5, 8]).tensor();
/// let mha = MultiHeadAttention::new(2, 4);
/// let y = mha.call(&[&x, &x]).unwrap();
/// let causal = mha.call_with(&[&x, &x], serde_json::json!({"use_causal_mask": true})).unwrap();
/// assert_eq!(y.shape().to_string(), "(None, 5, 8)");
/// let model = Model::new(&[x], &[causal]).unwrap();
/// // 3 projections of (8 x 2 x 4) + (2 x 4), and the output (2 x 4 x 8) + 8.
/// assert_eq!(model.count_params(), 3 * (64 + 8) + 64 + 8);
/// ```
#[derive(Clone, Debug)]
pub struct MultiHeadAttention {
    base: LayerBase,
    pub(crate) config: MultiHeadAttentionConfig,
    built: Option<Built>,
}

/// The sizes `build` learns from the query, value and key shapes.
#[derive(Clone, Copy, Debug)]
struct Built {
    query_dim: usize,
    key_input_dim: usize,
    value_input_dim: usize,
    output_dim: usize,
}

keras_config! {
    /// Keras' `MultiHeadAttention` arguments, with Keras' names and defaults.
    pub struct MultiHeadAttentionConfig {
        required {
            /// The number of attention heads.
            num_heads: usize,
            /// The size of each head for query and key.
            key_dim: usize,
        }
        args {
            /// The size of each head for value; `key_dim` when `None` (Keras writes the value used).
            value_dim: Option<usize> = None,
            /// The dropout rate on the attention probabilities (training only).
            dropout: f32 = 0.0,
            /// Whether the four projections have biases.
            use_bias: bool = true,
            /// The axes attention runs over; keras-rs attends over the sequence axis (`[1]`) only.
            attention_axes: Option<Vec<i64>> = None,
            /// Keras' `seed=` argument (kept in the config; masks come from the model's generator).
            seed: Option<u64> = None,
        }
        other {
            /// The output size (Keras writes `[units]`); the query's last axis when `None`.
            output_shape: Option<Vec<usize>> = None,
        }
        nested {
            /// How the kernels and biases are initialized, penalized and constrained.
            weights: KernelArgs,
        }
    }
    constants { use_gate: false, sliding_window: Value::Null }
    setters for [] MultiHeadAttention => config;
}

impl Validate for MultiHeadAttentionConfig {
    fn validate(&self) -> Result<()> {
        for (arg, v) in [("num_heads", self.num_heads), ("key_dim", self.key_dim), ("value_dim", self.value_dim())] {
            if v == 0 {
                return Err(Error::value(format!(
                    "Received an invalid value for `{arg}`, expected a positive integer. Received: {arg}={v}"
                )));
            }
        }
        check_dropout(self.dropout)?;
        if let Some(axes) = &self.attention_axes
            && axes.as_slice() != [1]
        {
            return Err(Error::value(format!(
                "MultiHeadAttention: keras-rs attends over the sequence axis of (batch, sequence, features) inputs \
                 only (attention_axes=[1]). Received: attention_axes={axes:?}"
            )));
        }
        if let Some(shape) = &self.output_shape
            && (shape.len() != 1 || shape[0] == 0)
        {
            return Err(Error::value(format!(
                "MultiHeadAttention: keras-rs takes one positive output size as `output_shape`. Received: \
                 output_shape={shape:?}"
            )));
        }
        Ok(())
    }
}

impl MultiHeadAttentionConfig {
    /// The size of each value head (`value_dim`, or `key_dim` when unset).
    pub fn value_dim(&self) -> usize {
        self.value_dim.unwrap_or(self.key_dim)
    }
}

common_builders!(MultiHeadAttention);

impl MultiHeadAttention {
    /// Attention with `num_heads` heads of size `key_dim`.
    pub fn new(num_heads: usize, key_dim: usize) -> Self {
        MultiHeadAttention::with_config(MultiHeadAttentionConfig::new(num_heads, key_dim))
    }
    /// A layer with these arguments.
    pub fn with_config(mut config: MultiHeadAttentionConfig) -> Self {
        config.value_dim = Some(config.value_dim());
        MultiHeadAttention { base: LayerBase::default(), config, built: None }
    }
    /// Reads Keras' `MultiHeadAttention` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let mut layer =
            MultiHeadAttention::with_config(MultiHeadAttentionConfig::from_config(config, "MultiHeadAttention")?);
        layer.base = LayerBase::from_config(config);
        Ok(layer)
    }

    /// The size of the output's last axis (Keras' `output_shape=units`); the query's by default.
    pub fn output_shape(mut self, units: usize) -> Self {
        self.config.output_shape = Some(vec![units]);
        self
    }

    /// Calls the layer on `(query, value)` or `(query, value, key)` with an `attention_mask` of
    /// shape `(batch, T, S)` (Keras' `mha(q, v, attention_mask=a)`: query step `t` attends key
    /// step `s` where `a[b, t, s]` is non-zero, and where the inputs' masks and
    /// `use_causal_mask` let it). `kwargs` are the other call arguments
    /// (`{"return_attention_scores": true}`); returns the output, then the scores if asked.
    ///
    /// ```
    /// use keras_rs::prelude::*;
    /// use keras_rs::layers::MultiHeadAttention;
    /// let (x, a) = (Input::new(&[4, 8]).tensor(), Input::new(&[4, 4]).tensor());
    /// let out = MultiHeadAttention::new(2, 4).call_with_attention_mask(&[&x, &x], &a, serde_json::json!({})).unwrap();
    /// assert_eq!(out[0].shape().to_string(), "(None, 4, 8)");
    /// ```
    pub fn call_with_attention_mask(
        &self,
        inputs: impl crate::models::SymbolicInputs,
        attention_mask: impl crate::models::SymbolicInputs,
        kwargs: Value,
    ) -> Result<Vec<crate::models::KerasTensor>> {
        let Value::Object(kwargs) = kwargs else {
            return Err(Error::value(format!(
                "`call_with_attention_mask` takes the keyword arguments as a JSON object, received: {kwargs}"
            )));
        };
        let mut tensors = inputs.tensors();
        let mask = attention_mask.tensors();
        if mask.len() != 1 {
            return Err(Error::value(format!(
                "Layer \"{}\" (MultiHeadAttention) takes one `attention_mask` tensor; received {}",
                self.layer_name(),
                mask.len()
            )));
        }
        tensors.extend(mask);
        crate::models::graph::call_symbolic_masked(self, tensors, kwargs, true)
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("multi_head_attention")
    }

    /// `(query, value, key)` shapes from the 2 or 3 inputs, each `(batch, steps, features)` with
    /// known features; the value and key lengths must agree.
    fn shapes<'s>(&self, inputs: &'s [Shape]) -> Result<(&'s Shape, &'s Shape, &'s Shape)> {
        let (query, value, key) = match inputs {
            [q, v] => (q, v, v),
            [q, v, k] => (q, v, k),
            _ => {
                return Err(Error::value(format!(
                    "Layer \"{}\" (MultiHeadAttention) is called on (query, value) or (query, value, key); it \
                     received {} tensors",
                    self.layer_name(),
                    inputs.len()
                )));
            }
        };
        for (arg, shape) in [("query", query), ("value", value), ("key", key)] {
            if shape.rank() != 3 || shape.last().is_none() {
                return Err(Error::shape(format!(
                    "Layer \"{}\" (MultiHeadAttention): keras-rs takes `{arg}` of shape (batch, sequence, features) \
                     with known features; received {arg}.shape={shape}",
                    self.layer_name()
                )));
            }
        }
        if let (Some(s), Some(t)) = (value.0[1], key.0[1])
            && s != t
        {
            return Err(Error::shape(format!(
                "Layer \"{}\": the key and the value need the same sequence length; received value.shape={value} \
                 and key.shape={key}",
                self.layer_name()
            )));
        }
        Ok((query, value, key))
    }

    fn output_dim(&self, query: &Shape) -> usize {
        self.config.output_shape.as_ref().and_then(|s| s.first().copied()).or(query.last()).unwrap_or(0)
    }
}

/// Which (query step, key step) pairs attend, `(batch or 1, 1, T, S)` with 1.0 where they do:
/// Keras' `_compute_attention_mask` from the call's `attention_mask`, the query's, value's and
/// key's masks and `use_causal_mask`; `None` when nothing is masked.
fn attention_keep(ctx: &mut CallContext<'_>, batch: usize, tq: usize, tk: usize) -> Result<Option<Tensor<4>>> {
    let mask = |i: usize| ctx.input_masks.get(i).cloned().flatten();
    let mut keep: Option<Tensor<4>> = None;
    if let Some(given) = ctx.keyword_tensor.take() {
        let given: Tensor<3> = given.into_rank("attention_mask")?;
        if given.dims() != [batch, tq, tk] {
            return Err(Error::shape(format!(
                "MultiHeadAttention: `attention_mask` must have shape (batch, T, S) = ({batch}, {tq}, {tk}); received \
                 attention_mask.shape={:?}",
                given.dims()
            )));
        }
        // Keras casts it to bool: non-zero attends.
        keep = Some(given.not_equal_elem(0.0).float().reshape([batch, 1, tq, tk]));
    }
    let mut and = |m: Tensor<4>| {
        keep = Some(match keep.take() {
            Some(k) => k * m,
            None => m,
        })
    };
    if let Some(q) = mask(0) {
        and(q.reshape([batch, 1, tq, 1]).expand([batch, 1, tq, tk]));
    }
    for i in [1, 2] {
        if let Some(v) = mask(i) {
            and(v.reshape([batch, 1, 1, tk]).expand([batch, 1, tq, tk]));
        }
    }
    if let Some(lower) = causal_keep(ctx, tq, tk) {
        and(Tensor::<4>::from_data(TensorData::new(lower, [1, 1, tq, tk]), ctx.device));
    }
    Ok(keep)
}

/// `(batch, steps, dim) @ (dim, heads * size) + bias` as `(batch, heads, steps, size)`.
fn project(x: Tensor<3>, kernel: Tensor<1>, bias: Option<Tensor<1>>, heads: usize, size: usize) -> Tensor<4> {
    let [b, t, d] = x.dims();
    let mut y = x.reshape([b * t, d]).matmul(kernel.reshape([d, heads * size]));
    if let Some(bias) = bias {
        y = y + bias.reshape([1, heads * size]);
    }
    y.reshape([b, t, heads, size]).permute([0, 2, 1, 3])
}

impl Layer for MultiHeadAttention {
    /// Keras: the output keeps the query's mask.
    fn compute_mask(&self, _inputs: &[DynTensor], masks: &[Option<Tensor<2>>]) -> Result<Option<Tensor<2>>> {
        Ok(masks.first().cloned().flatten())
    }

    layer_boilerplate!("MultiHeadAttention");

    fn takes_unknown_sizes(&self) -> bool {
        true
    }
    multi_input_glue!();

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn regularizers(&self) -> Vec<(usize, Regularizer)> {
        let per = self.config.weights.regularizers(self.config.use_bias);
        let stride = if self.config.use_bias { 2 } else { 1 };
        (0..4).flat_map(|p| per.iter().map(move |&(i, r)| (p * stride + i, r))).collect()
    }

    fn activity_regularizer(&self) -> Option<Regularizer> {
        self.config.weights.activity_regularizer
    }

    fn constraints(&self) -> Vec<(usize, Constraint)> {
        let per = self.config.weights.constraints(self.config.use_bias);
        let stride = if self.config.use_bias { 2 } else { 1 };
        (0..4).flat_map(|p| per.iter().map(move |(i, c)| (p * stride + i, c.clone()))).collect()
    }

    fn call_args(&self, tensors: Vec<Value>) -> (Vec<Value>, serde_json::Map<String, Value>) {
        (tensors, serde_json::Map::new())
    }

    fn keyword_input(&self) -> Option<&'static str> {
        Some("attention_mask")
    }

    /// Keras' `attention_mask` is `(batch, T, S)` for a query of `T` steps and a value of `S`.
    fn check_keyword_input(&self, shape: &Shape, input_shapes: &[Shape]) -> Result<()> {
        let (query, value, _) = self.shapes(input_shapes)?;
        let fits = |got: Option<usize>, want: Option<usize>| got.zip(want).is_none_or(|(a, b)| a == b);
        if shape.rank() != 3 || !fits(shape.0[1], query.0[1]) || !fits(shape.0[2], value.0[1]) {
            return Err(Error::shape(format!(
                "Layer \"{}\" (MultiHeadAttention): `attention_mask` must have shape (batch, T, S) for a query of T \
                 steps and a value of S steps; received attention_mask.shape={shape}, query.shape={query}, \
                 value.shape={value}",
                self.layer_name()
            )));
        }
        Ok(())
    }

    fn check_call_kwarg(&self, key: &str, value: &Value) -> Result<()> {
        check_attention_kwarg(self, key, value)
    }

    fn build_config(&self, input_shapes: &[Shape]) -> Option<Value> {
        let mut shapes = json!({"query_shape": input_shapes.first()?.0, "value_shape": input_shapes.get(1)?.0});
        if let Some(key) = input_shapes.get(2) {
            shapes["key_shape"] = json!(key.0);
        }
        Some(json!({"shapes_dict": shapes}))
    }

    fn weight_paths(&self, count: usize) -> Vec<String> {
        let per = if self.config.use_bias { 2 } else { 1 };
        ["query_dense", "key_dense", "value_dense", "output_dense"]
            .iter()
            .flat_map(|p| (0..per).map(move |i| format!("{p}/vars/{i}")))
            .take(count)
            .collect()
    }

    fn compute_output_shapes(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        self.config.validate()?;
        let (query, _, _) = self.shapes(input_shapes)?;
        let mut out = query.clone();
        out.0[2] = Some(self.output_dim(query));
        Ok(vec![out])
    }

    fn call_output_shapes(
        &self,
        input_shapes: &[Shape],
        kwargs: &serde_json::Map<String, Value>,
    ) -> Result<Vec<Shape>> {
        let mut shapes = self.compute_output_shapes(input_shapes)?;
        if kwargs.get("return_attention_scores") == Some(&Value::Bool(true)) {
            // (batch, heads, T, S)
            let (query, _, key) = self.shapes(input_shapes)?;
            shapes.push(Shape(vec![query.0[0], Some(self.config.num_heads), query.0[1], key.0[1]]));
        }
        Ok(shapes)
    }

    fn build_multi(&mut self, input_shapes: &[Shape]) -> Result<Vec<VariableSpec>> {
        self.compute_output_shapes(input_shapes)?;
        self.config.attention_axes = Some(vec![1]);
        let (query, value, key) = self.shapes(input_shapes)?;
        let dim = |s: &Shape| s.last().expect("checked");
        let built = Built {
            query_dim: dim(query),
            key_input_dim: dim(key),
            value_input_dim: dim(value),
            output_dim: self.output_dim(query),
        };
        self.built = Some(built);
        let c = &self.config;
        let (heads, kd, vd) = (c.num_heads, c.key_dim, c.value_dim());
        let w = &c.weights;
        let mut specs = Vec::new();
        let mut add = |kernel: Vec<usize>, inputs: &[usize], outputs: &[usize], bias: Vec<usize>| {
            specs.push(
                VariableSpec::trainable("kernel", kernel, w.kernel_initializer.clone()).with_fan_axes(inputs, outputs),
            );
            if c.use_bias {
                specs.push(VariableSpec::trainable("bias", bias, w.bias_initializer.clone()));
            }
        };
        add(vec![built.query_dim, heads, kd], &[0], &[1, 2], vec![heads, kd]);
        add(vec![built.key_input_dim, heads, kd], &[0], &[1, 2], vec![heads, kd]);
        add(vec![built.value_input_dim, heads, vd], &[0], &[1, 2], vec![heads, vd]);
        add(vec![heads, vd, built.output_dim], &[0, 1], &[2], vec![built.output_dim]);
        for (i, spec) in specs.iter_mut().enumerate() {
            let part = ["query", "key", "value", "attention_output"][i / if c.use_bias { 2 } else { 1 }];
            spec.name = format!("{part}/{}", spec.name);
        }
        Ok(specs)
    }

    fn forward_multi(
        &self,
        inputs: Vec<DynTensor>,
        weights: Weights<'_>,
        ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let built = self.built.ok_or_else(|| Error::State("MultiHeadAttention called before build".into()))?;
        let shapes: Vec<Shape> = inputs.iter().map(|t| Shape::known(&t.dims())).collect();
        self.shapes(&shapes)?;
        let name = self.layer_name();
        let mut inputs = inputs.into_iter();
        let query: Tensor<3> = inputs.next().expect("checked").into_rank(name)?;
        let value: Tensor<3> = inputs.next().expect("checked").into_rank(name)?;
        let key: Tensor<3> = match inputs.next() {
            Some(k) => k.into_rank(name)?,
            None => value.clone(),
        };
        for (arg, t, want) in [
            ("query", &query, built.query_dim),
            ("key", &key, built.key_input_dim),
            ("value", &value, built.value_input_dim),
        ] {
            if t.dims()[2] != want {
                return Err(Error::shape(format!(
                    "Layer \"{name}\": expected the last axis of `{arg}` to be {want}, received {arg}.shape={:?}",
                    t.dims()
                )));
            }
        }
        let c = &self.config;
        let (heads, kd, vd) = (c.num_heads, c.key_dim, c.value_dim());
        let per = if c.use_bias { 2 } else { 1 };
        let part = |p: usize| -> (Tensor<1>, Option<Tensor<1>>) {
            (weights[p * per].clone(), c.use_bias.then(|| weights[p * per + 1].clone()))
        };
        let [batch, tq, _] = query.dims();
        let tk = key.dims()[1];
        let (qk, qb) = part(0);
        let q = project(query, qk, qb, heads, kd).mul_scalar(1.0 / (kd as f32).sqrt());
        let (kk, kb) = part(1);
        let k = project(key, kk, kb, heads, kd);
        let (vk, vb) = part(2);
        let v = project(value, vk, vb, heads, vd);
        // (batch, heads, T, S) scores; softmax over the key axis, masked where Keras masks.
        let mut scores = q.matmul(k.permute([0, 1, 3, 2]));
        let keep = attention_keep(ctx, batch, tq, tk)?;
        if let Some(keep) = &keep {
            // Keras' `where(mask, scores, -1e9)`, as arithmetic: exact where the mask is 1.
            let masked = keep.clone().neg().add_scalar(1.0).mul_scalar(-1e9);
            scores = scores * keep.clone() + masked;
        }
        let mut probs = softmax(scores, 3);
        let return_scores = returns_scores(ctx);
        if let Some(keep) = keep
            && (c.dropout > 0.0 || return_scores)
        {
            // Keras' masked softmax (taken when there is dropout or the scores are returned)
            // zeroes masked positions, so a fully masked query step attends to nothing; otherwise
            // Keras runs `dot_product_attention`, where such a step attends uniformly. Both as Keras.
            probs = probs * keep;
        }
        // Keras returns the scores before dropout.
        let scores = return_scores.then(|| probs.clone());
        if ctx.training && c.dropout > 0.0 {
            let n = heads * tq * tk;
            let mask = ctx.dropout_mask(batch, n, c.dropout);
            probs = probs * Tensor::<4>::from_data(TensorData::new(mask, [batch, heads, tq, tk]), ctx.device);
        }
        // (batch, heads, T, value_dim) -> (batch * T, heads * value_dim) @ output kernel.
        let context = probs.matmul(v).permute([0, 2, 1, 3]).reshape([batch * tq, heads * vd]);
        let (ok, ob) = part(3);
        let mut out = context.matmul(ok.reshape([heads * vd, built.output_dim]));
        if let Some(ob) = ob {
            out = out + ob.reshape([1, built.output_dim]);
        }
        let mut outputs = vec![DynTensor::new(out.reshape([batch, tq, built.output_dim]))];
        outputs.extend(scores.map(DynTensor::new));
        Ok(outputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_keras_order_and_paths() {
        let mut mha = MultiHeadAttention::new(2, 3).value_dim(4).name("mha");
        let q = Shape(vec![None, Some(5), Some(8)]);
        let v = Shape(vec![None, Some(7), Some(6)]);
        let specs = mha.build_multi(&[q.clone(), v.clone()]).unwrap();
        let shapes: Vec<(String, Vec<usize>)> = specs.into_iter().map(|s| (s.name, s.shape)).collect();
        assert_eq!(
            shapes,
            vec![
                ("query/kernel".to_string(), vec![8, 2, 3]),
                ("query/bias".into(), vec![2, 3]),
                ("key/kernel".into(), vec![6, 2, 3]),
                ("key/bias".into(), vec![2, 3]),
                ("value/kernel".into(), vec![6, 2, 4]),
                ("value/bias".into(), vec![2, 4]),
                ("attention_output/kernel".into(), vec![2, 4, 8]),
                ("attention_output/bias".into(), vec![8]),
            ]
        );
        assert_eq!(mha.weight_paths(8)[6], "output_dense/vars/0");
        assert_eq!(mha.compute_output_shapes(&[q, v]).unwrap()[0].to_string(), "(None, 5, 8)");
    }

    #[test]
    fn bad_arguments_are_keras_errors() {
        let err = MultiHeadAttention::new(2, 4).dropout(1.5).config.validate().unwrap_err();
        assert!(err.to_string().contains("Received: dropout=1.5"), "{err}");
        let err = MultiHeadAttention::new(0, 4).config.validate().unwrap_err();
        assert!(err.to_string().contains("num_heads=0"), "{err}");
        let mha = MultiHeadAttention::new(2, 4);
        let err = mha.compute_output_shapes(&[Shape(vec![None, Some(4)])]).unwrap_err();
        assert!(err.to_string().contains("(query, value)"), "{err}");
        let err = mha.check_call_kwarg("return_attention_scores", &json!(1)).unwrap_err();
        assert!(err.to_string().contains("return_attention_scores=1"), "{err}");
    }
}
