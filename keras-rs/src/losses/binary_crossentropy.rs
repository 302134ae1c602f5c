//! `BinaryCrossentropy`: `-(t log p + (1 - t) log(1 - p))`, averaged over the last axis.

use burn::tensor::{Tensor, activation::log_sigmoid};
use serde_json::Value;

use super::loss::{Loss, clip_probs, mean_last};
use crate::layers::config::{Validate, keras_config};

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
#[derive(Clone, Debug, Default)]
pub struct BinaryCrossentropy {
    config: CrossentropyConfig,
}

keras_config! {
    /// Keras' arguments of `BinaryCrossentropy` and `CategoricalCrossentropy` (besides
    /// `reduction`, which every loss has).
    pub struct CrossentropyConfig {
        args {
            /// Whether predictions are logits rather than probabilities (default false).
            from_logits: bool = false,
            /// Keras' `label_smoothing`: binary targets become `y (1 - s) + s / 2`, categorical
            /// ones `y (1 - s) + s / classes` (default 0).
            label_smoothing: f32 = 0.0,
        }
    }
    constants { axis: -1 }
    setters for [] super::BinaryCrossentropy => config;
    setters for [] super::CategoricalCrossentropy => config;
}

impl Default for CrossentropyConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl Validate for CrossentropyConfig {}

impl BinaryCrossentropy {
    /// BCE on probabilities.
    pub fn new() -> Self {
        Self::default()
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        Ok(BinaryCrossentropy { config: CrossentropyConfig::from_config(config, "BinaryCrossentropy")? })
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
        self.config.to_config()
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let s = self.config.label_smoothing;
        let y_true = if s == 0.0 { y_true } else { y_true.mul_scalar(1.0 - s).add_scalar(0.5 * s) };
        let ones_minus_t = y_true.clone().neg().add_scalar(1.0);
        let bce = if self.config.from_logits {
            y_true * log_sigmoid(y_pred.clone()) + ones_minus_t * log_sigmoid(y_pred.neg())
        } else {
            let p = clip_probs(y_pred);
            y_true * p.clone().log() + ones_minus_t * p.neg().add_scalar(1.0).log()
        };
        mean_last(bce.neg())
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(self.clone())
    }
}
