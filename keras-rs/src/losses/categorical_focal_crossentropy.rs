//! `CategoricalFocalCrossentropy`: categorical cross-entropy scaled by `alpha (1 - p)^gamma`.

use burn::tensor::{Tensor, activation::softmax};
use serde_json::Value;

use super::loss::{Loss, clip_probs, sum_last};
use crate::layers::config::{Validate, keras_config};

/// Keras' `CategoricalFocalCrossentropy` (defaults `alpha=0.25`, `gamma=2.0`,
/// `from_logits=false`, `label_smoothing=0.0`) on one-hot targets.
///
/// The predictions are renormalized to sum to 1 and clipped to `[1e-7, 1 - 1e-7]`, then
/// `sum(alpha (1 - p)^gamma * -t log p)` over the last axis.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::losses::{CategoricalFocalCrossentropy, Loss};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0, 1.0]], &d);
/// let p = Tensor::<2>::from_floats([[0.5, 0.5]], &d);
/// // 0.25 * 0.5^2 * ln 2
/// let loss = CategoricalFocalCrossentropy::new().call(t, p).into_scalar::<f32>();
/// assert!((loss - 0.0625 * 2f32.ln()).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, Default)]
pub struct CategoricalFocalCrossentropy {
    config: CategoricalFocalCrossentropyConfig,
}

keras_config! {
    /// Keras' arguments of `CategoricalFocalCrossentropy` (besides `reduction`).
    pub struct CategoricalFocalCrossentropyConfig {
        args {
            /// The weighting factor (default 0.25).
            alpha: f32 = 0.25,
            /// The focusing exponent (default 2.0).
            gamma: f32 = 2.0,
            /// Whether predictions are logits rather than probabilities (default false).
            from_logits: bool = false,
            /// Targets become `y (1 - s) + s / classes` (default 0).
            label_smoothing: f32 = 0.0,
        }
    }
    constants { axis: -1 }
    setters for [] super::CategoricalFocalCrossentropy => config;
}

impl Default for CategoricalFocalCrossentropyConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl Validate for CategoricalFocalCrossentropyConfig {}

impl CategoricalFocalCrossentropy {
    /// The loss with Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        Ok(CategoricalFocalCrossentropy {
            config: CategoricalFocalCrossentropyConfig::from_config(config, "CategoricalFocalCrossentropy")?,
        })
    }
}

impl Loss for CategoricalFocalCrossentropy {
    fn name(&self) -> &'static str {
        "categorical_focal_crossentropy"
    }
    fn class_name(&self) -> &'static str {
        "CategoricalFocalCrossentropy"
    }
    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let c = &self.config;
        let classes = y_true.dims()[1] as f32;
        let t = if c.label_smoothing == 0.0 {
            y_true
        } else {
            y_true.mul_scalar(1.0 - c.label_smoothing).add_scalar(c.label_smoothing / classes)
        };
        let p = if c.from_logits { softmax(y_pred, 1) } else { y_pred };
        let p = clip_probs(p.clone() / p.sum_dim(1));
        let cce = (t * p.clone().log()).neg();
        sum_last(p.neg().add_scalar(1.0).powf_scalar(c.gamma).mul_scalar(c.alpha) * cce)
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(self.clone())
    }
}
