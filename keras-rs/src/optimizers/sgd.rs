//! `SGD` with optional momentum and Nesterov momentum, Keras' formulas.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use super::optimizer::{GradientClipping, Optimizer, StepInfo, clipping_builders, config_flag, config_number};
use super::schedules::LearningRate;

/// Keras' `SGD` (defaults `learning_rate=0.01`, `momentum=0.0`, `nesterov=false`).
///
/// Momentum: `m = momentum * m - lr * g`, then `w += m` (or, Nesterov,
/// `w += momentum * m - lr * g` with the new `m`). Without momentum: `w -= lr * g`.
///
/// ```
/// use keras_rs::optimizers::{Optimizer, SGD};
/// let opt = SGD::new().learning_rate(0.1).momentum(0.9).nesterov(true);
/// assert_eq!(opt.slot_names(), vec!["momentum"]);
/// ```
#[derive(Clone, Debug)]
pub struct SGD {
    learning_rate: LearningRate,
    momentum: f64,
    nesterov: bool,
    weight_decay: Option<f64>,
    clipping: GradientClipping,
}

impl Default for SGD {
    fn default() -> Self {
        SGD {
            learning_rate: LearningRate::Constant(0.01),
            momentum: 0.0,
            nesterov: false,
            weight_decay: None,
            clipping: GradientClipping::default(),
        }
    }
}

impl SGD {
    /// SGD with Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// The learning rate (default 0.01).
    pub fn learning_rate(mut self, learning_rate: impl Into<LearningRate>) -> Self {
        self.learning_rate = learning_rate.into();
        self
    }
    /// The momentum (default 0.0).
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }
    /// Nesterov momentum (default false).
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }
    /// Decoupled weight decay applied before each update.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = Some(weight_decay);
        self
    }

    /// Reads Keras' config (`momentum`, `nesterov`, `weight_decay`; the learning rate and
    /// clipping are read by `optimizers::from_config`).
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        let mut o = SGD::new().momentum(config_number(config, "momentum").unwrap_or(0.0));
        o = o.nesterov(config_flag(config, "nesterov"));
        Ok(match config_number(config, "weight_decay") {
            Some(wd) => o.weight_decay(wd),
            None => o,
        })
    }
}

clipping_builders!(SGD, clipping);

impl Optimizer for SGD {
    fn clipping(&self) -> &GradientClipping {
        &self.clipping
    }
    fn clipping_mut(&mut self) -> &mut GradientClipping {
        &mut self.clipping
    }
    fn class_name(&self) -> &'static str {
        "SGD"
    }
    fn learning_rate(&self) -> &LearningRate {
        &self.learning_rate
    }
    fn learning_rate_mut(&mut self) -> &mut LearningRate {
        &mut self.learning_rate
    }
    fn decoupled_weight_decay(&self) -> Option<f64> {
        self.weight_decay
    }
    fn config(&self) -> Value {
        json!({"momentum": self.momentum, "nesterov": self.nesterov})
    }
    fn slot_names(&self) -> Vec<&'static str> {
        if self.momentum != 0.0 { vec!["momentum"] } else { vec![] }
    }
    fn update(&self, variable: Tensor<1>, gradient: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        let lr = step.learning_rate;
        if self.momentum == 0.0 {
            return variable - gradient.mul_scalar(lr);
        }
        let mu = self.momentum as f32;
        let m = slots[0].clone().mul_scalar(mu) - gradient.clone().mul_scalar(lr);
        slots[0] = m.clone();
        if self.nesterov { variable + (m.mul_scalar(mu) - gradient.mul_scalar(lr)) } else { variable + m }
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
