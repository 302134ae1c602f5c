//! `BinaryFocalCrossentropy`: binary cross-entropy scaled by `(1 - p_t)^gamma`, which lowers
//! the weight of well-classified samples.

use burn::tensor::{Tensor, activation::sigmoid};
use serde_json::Value;

use super::loss::{Loss, clip_probs, mean_last};
use crate::layers::config::{Validate, keras_config};

/// Keras' `BinaryFocalCrossentropy` (defaults `apply_class_balancing=false`, `alpha=0.25`,
/// `gamma=2.0`, `from_logits=false`, `label_smoothing=0.0`).
///
/// With `p_t = t p + (1 - t)(1 - p)`: `mean((1 - p_t)^gamma * bce(t, p))` over the last axis,
/// each term also weighted by `t alpha + (1 - t)(1 - alpha)` with `apply_class_balancing`.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::losses::{BinaryFocalCrossentropy, Loss};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[1.0]], &d);
/// let p = Tensor::<2>::from_floats([[0.5]], &d);
/// // 0.5^2 * ln 2
/// let loss = BinaryFocalCrossentropy::new().call(t, p).into_scalar::<f32>();
/// assert!((loss - 0.25 * 2f32.ln()).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, Default)]
pub struct BinaryFocalCrossentropy {
    config: BinaryFocalCrossentropyConfig,
}

keras_config! {
    /// Keras' arguments of `BinaryFocalCrossentropy` (besides `reduction`).
    pub struct BinaryFocalCrossentropyConfig {
        args {
            /// Weight each term by `alpha` (positives) or `1 - alpha` (negatives) (default false).
            apply_class_balancing: bool = false,
            /// The positives' weight with `apply_class_balancing` (default 0.25).
            alpha: f32 = 0.25,
            /// The focusing exponent (default 2.0; 0 is binary cross-entropy).
            gamma: f32 = 2.0,
            /// Whether predictions are logits rather than probabilities (default false).
            from_logits: bool = false,
            /// Targets become `y (1 - s) + s / 2` (default 0).
            label_smoothing: f32 = 0.0,
        }
    }
    constants { axis: -1 }
    setters for [] super::BinaryFocalCrossentropy => config;
}

impl Default for BinaryFocalCrossentropyConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl Validate for BinaryFocalCrossentropyConfig {}

impl BinaryFocalCrossentropy {
    /// The loss with Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        Ok(BinaryFocalCrossentropy {
            config: BinaryFocalCrossentropyConfig::from_config(config, "BinaryFocalCrossentropy")?,
        })
    }
}

impl Loss for BinaryFocalCrossentropy {
    fn name(&self) -> &'static str {
        "binary_focal_crossentropy"
    }
    fn class_name(&self) -> &'static str {
        "BinaryFocalCrossentropy"
    }
    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let c = &self.config;
        let t = if c.label_smoothing == 0.0 {
            y_true
        } else {
            y_true.mul_scalar(1.0 - c.label_smoothing).add_scalar(0.5 * c.label_smoothing)
        };
        let p = if c.from_logits { sigmoid(y_pred) } else { y_pred };
        let not_t = t.clone().neg().add_scalar(1.0);
        let clipped = clip_probs(p.clone());
        let bce = (t.clone() * clipped.clone().log() + not_t.clone() * clipped.neg().add_scalar(1.0).log()).neg();
        let p_t = t.clone() * p.clone() + not_t.clone() * p.neg().add_scalar(1.0);
        let mut focal = p_t.neg().add_scalar(1.0).powf_scalar(c.gamma) * bce;
        if c.apply_class_balancing {
            focal = focal * (t.mul_scalar(c.alpha) + not_t.mul_scalar(1.0 - c.alpha));
        }
        mean_last(focal)
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(self.clone())
    }
}
