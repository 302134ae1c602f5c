//! `Huber`: `0.5 e^2` where `|e| <= delta`, else `delta |e| - 0.5 delta^2`, averaged over the last axis.

use burn::tensor::Tensor;
use serde_json::Value;

use super::loss::{Loss, mean_last};
use crate::layers::config::{Validate, keras_config};

/// Keras' `Huber` loss (default `delta=1.0`).
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::losses::{Huber, Loss};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0, 0.0]], &d);
/// let p = Tensor::<2>::from_floats([[0.5, 3.0]], &d);
/// // (0.5 * 0.25 + (3 - 0.5)) / 2
/// assert!((Huber::new().call(t, p).into_scalar::<f32>() - 1.3125).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Huber {
    config: HuberConfig,
}

keras_config! {
    /// Keras' arguments of `Huber` (besides `reduction`).
    pub struct HuberConfig {
        args {
            /// The threshold between the quadratic and linear parts (default 1).
            delta: f32 = 1.0,
        }
    }
    setters for [] Huber => config;
}

impl Default for HuberConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl Validate for HuberConfig {}

impl Huber {
    /// Huber with `delta=1.0`.
    pub fn new() -> Self {
        Huber::default()
    }
    /// Reads Keras' config (`delta`).
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        Ok(Huber { config: HuberConfig::from_config(config, "Huber")? })
    }
}

impl Loss for Huber {
    fn name(&self) -> &'static str {
        "huber_loss"
    }
    fn class_name(&self) -> &'static str {
        "Huber"
    }
    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let error = y_pred - y_true;
        let abs = error.clone().abs();
        let quadratic = error.square().mul_scalar(0.5);
        let linear = abs.clone().mul_scalar(self.config.delta).sub_scalar(0.5 * self.config.delta * self.config.delta);
        let big = abs.greater_scalar(self.config.delta);
        mean_last(quadratic.mask_where(big, linear))
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(self.clone())
    }
}
