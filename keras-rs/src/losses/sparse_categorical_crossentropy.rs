//! `SparseCategoricalCrossentropy`: categorical crossentropy with integer class targets.

use burn::tensor::{Int, Tensor};
use serde_json::Value;

use super::categorical_crossentropy::log_probs;
use super::loss::Loss;
use crate::layers::config::{Validate, keras_config};

/// Keras' `SparseCategoricalCrossentropy`: targets are class indices `(batch,)` or
/// `(batch, 1)`; labels outside `[0, classes)` are rejected before training starts.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::losses::{Loss, SparseCategoricalCrossentropy};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[1.0]], &d);
/// let logits = Tensor::<2>::from_floats([[0.0, 0.0]], &d);
/// let loss = SparseCategoricalCrossentropy::new().from_logits(true).call(t, logits);
/// assert!((loss.into_scalar::<f32>() - 2f32.ln()).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, Default)]
pub struct SparseCategoricalCrossentropy {
    config: SparseCategoricalCrossentropyConfig,
}

keras_config! {
    /// Keras' arguments of `SparseCategoricalCrossentropy` (besides `reduction`).
    pub struct SparseCategoricalCrossentropyConfig {
        args {
            /// Whether predictions are logits rather than probabilities (default false).
            from_logits: bool = false,
        }
    }
    constants { ignore_class: serde_json::Value::Null }
    setters for [] SparseCategoricalCrossentropy => config;
}

impl Default for SparseCategoricalCrossentropyConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl Validate for SparseCategoricalCrossentropyConfig {}

impl SparseCategoricalCrossentropy {
    /// Sparse CCE on probabilities.
    pub fn new() -> Self {
        Self::default()
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        Ok(SparseCategoricalCrossentropy {
            config: SparseCategoricalCrossentropyConfig::from_config(config, "SparseCategoricalCrossentropy")?,
        })
    }
}

impl Loss for SparseCategoricalCrossentropy {
    fn name(&self) -> &'static str {
        "sparse_categorical_crossentropy"
    }
    fn class_name(&self) -> &'static str {
        "SparseCategoricalCrossentropy"
    }
    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn is_sparse(&self) -> bool {
        true
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let [rows, _] = y_pred.dims();
        let labels: Tensor<2, Int> = y_true.int();
        log_probs(y_pred, self.config.from_logits).gather(1, labels).reshape([rows]).neg()
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(self.clone())
    }
}
