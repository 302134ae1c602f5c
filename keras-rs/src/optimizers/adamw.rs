//! `AdamW`: Adam with decoupled weight decay `w -= w * weight_decay * lr` before each step.

use burn::tensor::Tensor;
use serde_json::Value;

use super::adam::Adam;
use super::optimizer::{GradientClipping, Optimizer, StepInfo, clipping_builders, config_flag, config_number};

/// Keras' `AdamW` (Adam's defaults plus `weight_decay=0.004`, applied to every trainable
/// variable, biases included, before the Adam update).
///
/// ```
/// use keras_rs::optimizers::{AdamW, Optimizer};
/// assert_eq!(AdamW::new().decoupled_weight_decay(), Some(0.004));
/// ```
#[derive(Clone, Debug)]
pub struct AdamW {
    adam: Adam,
    weight_decay: f64,
}

impl Default for AdamW {
    fn default() -> Self {
        AdamW { adam: Adam::new(), weight_decay: 0.004 }
    }
}

impl AdamW {
    /// AdamW with Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// The learning rate (default 0.001).
    pub fn learning_rate(mut self, learning_rate: impl Into<super::schedules::LearningRate>) -> Self {
        self.adam = self.adam.learning_rate(learning_rate);
        self
    }
    /// The decoupled weight decay (default 0.004).
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }
    /// Decay rate of the first moment (default 0.9).
    pub fn beta_1(mut self, beta_1: f64) -> Self {
        self.adam = self.adam.beta_1(beta_1);
        self
    }
    /// Decay rate of the second moment (default 0.999).
    pub fn beta_2(mut self, beta_2: f64) -> Self {
        self.adam = self.adam.beta_2(beta_2);
        self
    }
    /// The fuzz factor (default 1e-7).
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.adam = self.adam.epsilon(epsilon);
        self
    }
    /// Keras' `amsgrad` (default false; see [`Adam::amsgrad`]).
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.adam = self.adam.amsgrad(amsgrad);
        self
    }

    /// Reads Keras' config (`weight_decay`, `beta_1`, `beta_2`, `epsilon`, `amsgrad`; the
    /// learning rate and clipping are read by `optimizers::from_config`).
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        let mut o = AdamW::new().weight_decay(config_number(config, "weight_decay").unwrap_or(0.004));
        o = o.amsgrad(config_flag(config, "amsgrad"));
        o = o.beta_1(config_number(config, "beta_1").unwrap_or(0.9));
        o = o.beta_2(config_number(config, "beta_2").unwrap_or(0.999));
        Ok(o.epsilon(config_number(config, "epsilon").unwrap_or(1e-7)))
    }
}

clipping_builders!(AdamW, adam.clipping);

impl Optimizer for AdamW {
    fn clipping(&self) -> &GradientClipping {
        self.adam.clipping()
    }
    fn clipping_mut(&mut self) -> &mut GradientClipping {
        self.adam.clipping_mut()
    }
    fn class_name(&self) -> &'static str {
        "AdamW"
    }
    fn learning_rate(&self) -> &super::schedules::LearningRate {
        Optimizer::learning_rate(&self.adam)
    }
    fn learning_rate_mut(&mut self) -> &mut super::schedules::LearningRate {
        self.adam.learning_rate_mut()
    }
    fn decoupled_weight_decay(&self) -> Option<f64> {
        Some(self.weight_decay)
    }
    fn config(&self) -> Value {
        self.adam.adam_config()
    }
    fn slot_names(&self) -> Vec<&'static str> {
        self.adam.adam_slot_names()
    }
    fn slot_groups(&self) -> Vec<Vec<usize>> {
        self.adam.adam_slot_groups()
    }
    fn update(&self, variable: Tensor<1>, gradient: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        self.adam.adam_update(variable, gradient, slots, step)
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
