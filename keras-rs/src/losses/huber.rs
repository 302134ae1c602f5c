//! `Huber`: `0.5 e^2` where `|e| <= delta`, else `delta |e| - 0.5 delta^2`, averaged over the last axis.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use super::loss::{Loss, config_number, mean_last};

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
#[derive(Clone, Copy, Debug)]
pub struct Huber {
    delta: f32,
}

impl Default for Huber {
    fn default() -> Self {
        Huber { delta: 1.0 }
    }
}

impl Huber {
    /// Huber with `delta=1.0`.
    pub fn new() -> Self {
        Huber::default()
    }
    /// The threshold between the quadratic and linear parts.
    pub fn delta(mut self, delta: f32) -> Self {
        self.delta = delta;
        self
    }
    /// Reads Keras' config (`delta`).
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        Ok(Self::new().delta(config_number(config, "delta", 1.0)?))
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
        json!({"delta": self.delta})
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let error = y_pred - y_true;
        let abs = error.clone().abs();
        let quadratic = error.square().mul_scalar(0.5);
        let linear = abs.clone().mul_scalar(self.delta).sub_scalar(0.5 * self.delta * self.delta);
        let big = abs.greater_scalar(self.delta);
        mean_last(quadratic.mask_where(big, linear))
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(*self)
    }
}
