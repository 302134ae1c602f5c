//! `BinaryCrossentropy`: `-(t log p + (1 - t) log(1 - p))`, averaged over the last axis.

use burn::tensor::{Tensor, activation::log_sigmoid};
use serde_json::{Value, json};

use super::loss::{Loss, clip_probs, config_flag, config_number, mean_last};

/// Keras' `BinaryCrossentropy`. On probabilities it clips to `[1e-7, 1 - 1e-7]` in float32
/// first; with `from_logits(true)` it uses `log_sigmoid`.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::losses::{BinaryCrossentropy, Loss};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0]], &d);
/// let p = Tensor::<2>::from_floats([[1.0]], &d);
/// // Predicting exactly 1 for a 0 target costs -log(2^-23) = 15.9424 (float32 clip).
/// assert!((BinaryCrossentropy::new().call(t, p).into_scalar::<f32>() - 15.9424).abs() < 1e-3);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct BinaryCrossentropy {
    from_logits: bool,
    label_smoothing: f32,
}

impl BinaryCrossentropy {
    /// BCE on probabilities.
    pub fn new() -> Self {
        BinaryCrossentropy::default()
    }
    /// Whether predictions are logits rather than probabilities.
    pub fn from_logits(mut self, from_logits: bool) -> Self {
        self.from_logits = from_logits;
        self
    }
    /// Reads Keras' config (`from_logits`, `label_smoothing`).
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        let loss = Self::new().from_logits(config_flag(config, "from_logits")?);
        Ok(loss.label_smoothing(config_number(config, "label_smoothing", 0.0)?))
    }
    /// Keras' `label_smoothing`: targets become `y (1 - s) + s / 2` (default 0).
    pub fn label_smoothing(mut self, label_smoothing: f32) -> Self {
        self.label_smoothing = label_smoothing;
        self
    }
}

impl Loss for BinaryCrossentropy {
    fn name(&self) -> &'static str {
        "binary_crossentropy"
    }
    fn class_name(&self) -> &'static str {
        "BinaryCrossentropy"
    }
    fn config(&self) -> Value {
        json!({"from_logits": self.from_logits, "label_smoothing": self.label_smoothing, "axis": -1})
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let s = self.label_smoothing;
        let y_true = if s == 0.0 { y_true } else { y_true.mul_scalar(1.0 - s).add_scalar(0.5 * s) };
        let ones_minus_t = y_true.clone().neg().add_scalar(1.0);
        let bce = if self.from_logits {
            y_true * log_sigmoid(y_pred.clone()) + ones_minus_t * log_sigmoid(y_pred.neg())
        } else {
            let p = clip_probs(y_pred);
            y_true * p.clone().log() + ones_minus_t * p.neg().add_scalar(1.0).log()
        };
        mean_last(bce.neg())
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(*self)
    }
}
