//! `SparseCategoricalCrossentropy`: categorical crossentropy with integer class targets.

use burn::tensor::{Int, Tensor};
use serde_json::{Value, json};

use super::categorical_crossentropy::log_probs;
use super::loss::{Loss, config_flag};

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
#[derive(Clone, Copy, Debug, Default)]
pub struct SparseCategoricalCrossentropy {
    from_logits: bool,
}

impl SparseCategoricalCrossentropy {
    /// Sparse CCE on probabilities.
    pub fn new() -> Self {
        SparseCategoricalCrossentropy::default()
    }
    /// Whether predictions are logits rather than probabilities.
    pub fn from_logits(mut self, from_logits: bool) -> Self {
        self.from_logits = from_logits;
        self
    }
    /// Reads Keras' config (`from_logits`).
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        Ok(Self::new().from_logits(config_flag(config, "from_logits")?))
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
        json!({"from_logits": self.from_logits, "ignore_class": null})
    }
    fn is_sparse(&self) -> bool {
        true
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let [rows, _] = y_pred.dims();
        let labels: Tensor<2, Int> = y_true.int();
        log_probs(y_pred, self.from_logits).gather(1, labels).reshape([rows]).neg()
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(*self)
    }
}
