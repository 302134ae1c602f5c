//! `CategoricalCrossentropy`: `-sum(t * log p)` over the last axis, on one-hot targets.

use burn::tensor::{Tensor, activation::log_softmax};
use serde_json::Value;

use super::binary_crossentropy::CrossentropyConfig;
use super::loss::{Loss, clip_probs, sum_last};

/// Keras' `CategoricalCrossentropy`. On probabilities it renormalises each row by its sum,
/// clips to `[1e-7, 1 - 1e-7]`, then takes the log; with `from_logits(true)` it uses `log_softmax`.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::losses::{CategoricalCrossentropy, Loss};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0, 1.0]], &d);
/// let p = Tensor::<2>::from_floats([[1.0, 1.0]], &d); // renormalised to [0.5, 0.5]
/// assert!((CategoricalCrossentropy::new().call(t, p).into_scalar::<f32>() - 2f32.ln()).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, Default)]
pub struct CategoricalCrossentropy {
    pub(super) config: CrossentropyConfig,
}

impl CategoricalCrossentropy {
    /// CCE on probabilities.
    pub fn new() -> Self {
        Self::default()
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        Ok(CategoricalCrossentropy { config: CrossentropyConfig::from_config(config, "CategoricalCrossentropy")? })
    }
}

/// `log p` of each class as Keras computes it (shared with the sparse variant).
pub(crate) fn log_probs(y_pred: Tensor<2>, from_logits: bool) -> Tensor<2> {
    if from_logits {
        log_softmax(y_pred, 1)
    } else {
        let sum = y_pred.clone().sum_dim(1);
        clip_probs(y_pred / sum).log()
    }
}

impl Loss for CategoricalCrossentropy {
    fn name(&self) -> &'static str {
        "categorical_crossentropy"
    }
    fn class_name(&self) -> &'static str {
        "CategoricalCrossentropy"
    }
    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let s = self.config.label_smoothing;
        let y_true = if s == 0.0 {
            y_true
        } else {
            let classes = y_true.dims()[1] as f32;
            y_true.mul_scalar(1.0 - s).add_scalar(s / classes)
        };
        sum_last(y_true * log_probs(y_pred, self.config.from_logits)).neg()
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(self.clone())
    }
}
