//! The `Loss` trait and Keras' target standardisation.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::shape::{Shape, format_dims};

/// Keras' fuzz factor `backend.epsilon()`.
pub const EPSILON: f64 = 1e-7;

/// A Keras loss. Inputs are `[rows, classes]` matrices: every axis but the last is folded
/// into rows, as Keras' per-sample losses reduce the last axis only.
pub trait Loss: std::fmt::Debug + Send + Sync {
    /// Keras' function name (`"sparse_categorical_crossentropy"`), used in messages.
    fn name(&self) -> &'static str;
    /// Keras' class name (`"SparseCategoricalCrossentropy"`).
    fn class_name(&self) -> &'static str;
    /// Keras' config entries besides `name` and `reduction`.
    fn config(&self) -> Value {
        json!({})
    }
    /// Whether targets are class indices (one column) rather than the output's shape.
    fn is_sparse(&self) -> bool {
        false
    }
    /// Per-row loss values `[rows]` for targets and predictions `[rows, classes]`
    /// (targets `[rows, 1]` for sparse losses).
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1>;
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn Loss>;
    /// Keras' `reduction` (default `sum_over_batch_size`; see [`WithReduction`](super::WithReduction)).
    fn reduction(&self) -> super::Reduction {
        super::Reduction::default()
    }

    /// The batch's loss (shape `[1]`): the per-row values reduced by [`Loss::reduction`].
    fn call(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        self.call_weighted(y_true, y_pred, None)
    }

    /// The batch's loss with per-row `sample_weight`s (Keras' `loss(y_true, y_pred,
    /// sample_weight)`): each row's loss times its weight, then the reduction.
    fn call_weighted(&self, y_true: Tensor<2>, y_pred: Tensor<2>, sample_weight: Option<Tensor<1>>) -> Tensor<1> {
        let values = self.per_row(y_true, y_pred);
        match sample_weight {
            Some(w) => self.reduction().reduce(values * w.clone(), Some(w)),
            None => self.reduction().reduce(values, None),
        }
    }

    /// Keras' serialized form of the loss.
    fn get_config(&self) -> Value {
        let mut cfg = json!({"name": self.name(), "reduction": self.reduction().name()});
        if let (Some(dst), Value::Object(src)) = (cfg.as_object_mut(), self.config()) {
            dst.extend(src);
        }
        json!({"module": "keras.losses", "class_name": self.class_name(), "config": cfg, "registered_name": null})
    }

    /// Checks targets of shape `y_dims` against the model output shape and returns the number
    /// of target columns per row. For sparse losses, also checks the label values.
    fn check_targets(&self, y_dims: &[usize], y_values: &[f32], output: &Shape) -> Result<usize> {
        // Unknown output sizes (a sequence of any length) match any target size.
        let out: Vec<Option<usize>> = output.0.iter().skip(1).copied().collect();
        let fits = |y: &[usize], o: &[Option<usize>]| {
            y.len() == o.len() && y.iter().zip(o).all(|(y, o)| o.is_none_or(|o| o == *y))
        };
        let classes = out.last().copied().flatten().unwrap_or(1);
        let y_feat = &y_dims[1.min(y_dims.len())..];
        if self.is_sparse() {
            let lead = &out[..out.len().saturating_sub(1)];
            // Labels `(batch, ...)` or `(batch, ..., 1)` for outputs `(batch, ..., classes)`.
            let with_unit_axis =
                y_feat.len() == out.len() && fits(&y_feat[..lead.len()], lead) && y_feat.last() == Some(&1);
            if !(fits(y_feat, lead) || with_unit_axis) {
                return Err(Error::shape(format!(
                    "Arguments `target` and `output` must have the same shape up until the last dimension: \
                     target.shape={}, output.shape={}",
                    format_dims(y_dims),
                    output.with_batch(y_dims.first().copied())
                )));
            }
            if let Some(bad) = y_values.iter().find(|v| v.fract() != 0.0 || **v < 0.0 || **v >= classes as f32) {
                return Err(Error::value(format!(
                    "Received a label value of {bad} which is outside the valid range of [0, {}] for `{}` \
                     (the model outputs {classes} classes). Labels must be integers in [0, {}].",
                    classes.saturating_sub(1),
                    self.name(),
                    classes.saturating_sub(1)
                )));
            }
            return Ok(1);
        }
        let squeezed = classes == 1 && fits(y_feat, &out[..out.len().saturating_sub(1)]);
        if !fits(y_feat, &out) && !squeezed {
            return Err(Error::shape(format!(
                "Arguments `target` and `output` must have the same shape for `{}`. Received: target.shape={}, output.shape={}{}",
                self.name(),
                format_dims(y_dims),
                output.with_batch(y_dims.first().copied()),
                if classes > 1 && y_feat.len() + 1 == out.len() {
                    ". Integer class labels need `sparse_categorical_crossentropy`."
                } else {
                    ""
                }
            )));
        }
        Ok(classes)
    }
}

impl Clone for Box<dyn Loss> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Keras' clip of probabilities into `[eps, 1 - eps]`, done in float32.
pub(crate) fn clip_probs(p: Tensor<2>) -> Tensor<2> {
    p.clamp(EPSILON as f32, (1.0 - EPSILON) as f32)
}

/// Mean over the last axis: `[rows, c]` -> `[rows]`.
pub(crate) fn mean_last(x: Tensor<2>) -> Tensor<1> {
    let [rows, _] = x.dims();
    x.mean_dim(1).reshape([rows])
}

/// `log(1 + exp(x))` computed stably (as JAX's `softplus`): `max(x, 0) + log1p(exp(-|x|))`.
pub(crate) fn softplus(x: Tensor<2>) -> Tensor<2> {
    x.clone().clamp_min(0.0) + x.abs().neg().exp().log1p()
}

/// A loss class without arguments (Keras' `LossFunctionWrapper` of a function): the unit
/// struct, `new`, and its `Loss` impl from Keras' class name, function name and per-row formula.
macro_rules! stateless_loss {
    ($(#[$doc:meta])* $ty:ident, $name:literal, |$t:ident, $p:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $ty;

        impl $ty {
            /// The loss.
            pub fn new() -> Self {
                $ty
            }
        }

        impl $crate::losses::Loss for $ty {
            fn name(&self) -> &'static str {
                $name
            }
            fn class_name(&self) -> &'static str {
                stringify!($ty)
            }
            fn per_row(&self, $t: burn::tensor::Tensor<2>, $p: burn::tensor::Tensor<2>) -> burn::tensor::Tensor<1> {
                $body
            }
            fn clone_box(&self) -> Box<dyn $crate::losses::Loss> {
                Box::new(*self)
            }
        }
    };
}
pub(crate) use stateless_loss;

/// Sum over the last axis: `[rows, c]` -> `[rows]`.
pub(crate) fn sum_last(x: Tensor<2>) -> Tensor<1> {
    let [rows, _] = x.dims();
    x.sum_dim(1).reshape([rows])
}
