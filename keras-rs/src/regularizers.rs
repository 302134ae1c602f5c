//! Weight regularizers (`keras.regularizers`): a penalty on a layer's weights added to the
//! loss, as Keras adds `layer.losses` in `compute_loss` (so the reported `loss` includes it, in
//! `fit` and in `evaluate`).

use burn::tensor::Tensor;
use serde_json::{Value, json};

use crate::error::{Error, Result};

/// Keras' `L1`, `L2` and `L1L2` regularizers.
///
/// ```
/// use keras_rs::regularizers::Regularizer;
/// let l2 = Regularizer::L2(0.01);
/// assert_eq!(Regularizer::from_config(&l2.to_config()).unwrap(), l2);
/// assert_eq!(Regularizer::from_config(&serde_json::json!("l1")).unwrap(), Regularizer::L1(0.01));
/// // Keras' ValueError for a negative factor:
/// let err = Regularizer::from_config(&serde_json::json!({"class_name": "L2", "config": {"l2": -1.0}}));
/// assert!(err.unwrap_err().to_string().contains("Invalid value for argument l2: expected a non-negative float"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Regularizer {
    /// `l1 * sum(|w|)` (Keras' default factor 0.01).
    L1(f32),
    /// `l2 * sum(w²)` (Keras' default factor 0.01).
    L2(f32),
    /// Both penalties (Keras' defaults 0 and 0).
    L1L2 {
        /// The L1 factor.
        l1: f32,
        /// The L2 factor.
        l2: f32,
    },
}

impl Regularizer {
    /// The penalty for the weights `w` (a one-element tensor).
    pub fn penalty(&self, w: Tensor<1>) -> Tensor<1> {
        let l1 = |w: Tensor<1>, f: f32| w.abs().sum().mul_scalar(f);
        let l2 = |w: Tensor<1>, f: f32| w.square().sum().mul_scalar(f);
        match *self {
            Regularizer::L1(f) => l1(w, f),
            Regularizer::L2(f) => l2(w, f),
            Regularizer::L1L2 { l1: a, l2: b } => l1(w.clone(), a) + l2(w, b),
        }
    }

    /// Keras' serialized form: `{"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, ...}`.
    pub fn to_config(&self) -> Value {
        let (class, config) = match *self {
            Regularizer::L1(l1) => ("L1", json!({"l1": l1})),
            Regularizer::L2(l2) => ("L2", json!({"l2": l2})),
            Regularizer::L1L2 { l1, l2 } => ("L1L2", json!({"l1": l1, "l2": l2})),
        };
        json!({"module": "keras.regularizers", "class_name": class, "config": config, "registered_name": null})
    }

    /// Reads Keras' serialized form or a name (`"l1"`, `"l2"`, `"l1_l2"`, with Keras' defaults).
    pub fn from_config(value: &Value) -> Result<Self> {
        let factor = |key: &str, default: f32| -> Result<f32> {
            match value.pointer(&format!("/config/{key}")) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => v.as_f64().map(|f| f as f32).filter(|f| f.is_finite() && *f >= 0.0).ok_or_else(|| {
                    Error::value(format!(
                        "Invalid value for argument {key}: expected a non-negative float. Received: {key}={v}"
                    ))
                }),
            }
        };
        let class = value.as_str().or_else(|| value.get("class_name").and_then(Value::as_str)).unwrap_or_default();
        match class {
            "L1" | "l1" | "L1Regularizer" => Ok(Regularizer::L1(factor("l1", 0.01)?)),
            "L2" | "l2" | "L2Regularizer" => Ok(Regularizer::L2(factor("l2", 0.01)?)),
            "L1L2" | "l1_l2" => Ok(Regularizer::L1L2 { l1: factor("l1", 0.0)?, l2: factor("l2", 0.0)? }),
            other => Err(Error::UnknownIdentifier(format!(
                "Could not interpret regularizer identifier: {other:?}. keras-rs knows: L1, L2, L1L2"
            ))),
        }
    }
}
