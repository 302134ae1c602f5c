//! `Adam`, Keras' formula: epsilon is added to `sqrt(v)` before bias correction ("epsilon hat").

use burn::tensor::Tensor;
use serde_json::{Value, json};

use super::optimizer::{GradientClipping, Optimizer, StepInfo, clipping_builders, config_flag, config_number};
use super::schedules::LearningRate;

/// Keras' `Adam` (defaults `learning_rate=0.001`, `beta_1=0.9`, `beta_2=0.999`, `epsilon=1e-7`).
///
/// `m += (g - m)(1 - beta_1)`, `v += (g^2 - v)(1 - beta_2)`,
/// `alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`, `w -= m * alpha / (sqrt(v) + epsilon)`;
/// with `amsgrad`, `v_hat = max(v_hat, v)` takes `v`'s place in the last step (a third slot,
/// `velocity_hat`).
///
/// ```
/// use keras_rs::optimizers::{Adam, Optimizer};
/// let opt = Adam::new().learning_rate(1e-3);
/// assert_eq!(opt.slot_names(), vec!["momentum", "velocity"]);
/// assert_eq!(opt.get_config()["config"]["epsilon"], 1e-7);
/// ```
#[derive(Clone, Debug)]
pub struct Adam {
    learning_rate: LearningRate,
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    weight_decay: Option<f64>,
    amsgrad: bool,
    /// Gradient clipping (AdamW's too).
    pub(super) clipping: GradientClipping,
}

impl Default for Adam {
    fn default() -> Self {
        Adam {
            learning_rate: LearningRate::Constant(0.001),
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            weight_decay: None,
            amsgrad: false,
            clipping: GradientClipping::default(),
        }
    }
}

impl Adam {
    /// Adam with Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// The learning rate (default 0.001).
    pub fn learning_rate(mut self, learning_rate: impl Into<LearningRate>) -> Self {
        self.learning_rate = learning_rate.into();
        self
    }
    /// Decay rate of the first moment (default 0.9).
    pub fn beta_1(mut self, beta_1: f64) -> Self {
        self.beta_1 = beta_1;
        self
    }
    /// Decay rate of the second moment (default 0.999).
    pub fn beta_2(mut self, beta_2: f64) -> Self {
        self.beta_2 = beta_2;
        self
    }
    /// The fuzz factor (default 1e-7).
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// Decoupled weight decay applied before each update.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = Some(weight_decay);
        self
    }

    /// Keras' `amsgrad` (default false): the update divides by the largest second moment seen
    /// so far instead of the current one (Reddi et al., "On the Convergence of Adam and Beyond").
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.amsgrad = amsgrad;
        self
    }

    pub(crate) fn adam_config(&self) -> Value {
        json!({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon, "amsgrad": self.amsgrad})
    }

    pub(crate) fn adam_slot_names(&self) -> Vec<&'static str> {
        if self.amsgrad { vec!["momentum", "velocity", "velocity_hat"] } else { vec!["momentum", "velocity"] }
    }

    /// Keras creates the `velocity_hat` slots after all momentums and velocities.
    pub(crate) fn adam_slot_groups(&self) -> Vec<Vec<usize>> {
        if self.amsgrad { vec![vec![0, 1], vec![2]] } else { vec![vec![0, 1]] }
    }

    pub(crate) fn adam_update(
        &self,
        variable: Tensor<1>,
        g: Tensor<1>,
        slots: &mut [Tensor<1>],
        step: StepInfo,
    ) -> Tensor<1> {
        let t = step.step as f32;
        let beta_1_power = (self.beta_1 as f32).powf(t);
        let beta_2_power = (self.beta_2 as f32).powf(t);
        let alpha = step.learning_rate * (1.0 - beta_2_power).sqrt() / (1.0 - beta_1_power);
        let (m, v) = (super::take(&mut slots[0]), super::take(&mut slots[1]));
        let (rate_m, rate_v) = ((1.0 - self.beta_1) as f32, (1.0 - self.beta_2) as f32);
        if self.amsgrad {
            // Keras' update_step with amsgrad, as tensor ops (the fused kernel is plain Adam's).
            let m = m.clone() + (g.clone() - m).mul_scalar(rate_m);
            let v = v.clone() + (g.square() - v).mul_scalar(rate_v);
            let v_hat = super::take(&mut slots[2]).max_pair(v.clone());
            let variable =
                variable - m.clone().mul_scalar(alpha) / v_hat.clone().sqrt().add_scalar(self.epsilon as f32);
            slots[0] = m;
            slots[1] = v;
            slots[2] = v_hat;
            return variable;
        }
        let (variable, m, v) = crate::backend::ops::adam(variable, g, m, v, alpha, rate_m, rate_v, self.epsilon as f32);
        slots[0] = m;
        slots[1] = v;
        variable
    }

    /// Reads Keras' config (`beta_1`, `beta_2`, `epsilon`, `amsgrad`, `weight_decay`; the learning
    /// rate and clipping are read by `optimizers::from_config`).
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        let mut o = Adam::new().amsgrad(config_flag(config, "amsgrad"));
        o = o.beta_1(config_number(config, "beta_1").unwrap_or(0.9));
        o = o.beta_2(config_number(config, "beta_2").unwrap_or(0.999));
        o = o.epsilon(config_number(config, "epsilon").unwrap_or(1e-7));
        Ok(match config_number(config, "weight_decay") {
            Some(wd) => o.weight_decay(wd),
            None => o,
        })
    }
}

clipping_builders!(Adam, clipping);

impl Optimizer for Adam {
    fn clipping(&self) -> &GradientClipping {
        &self.clipping
    }
    fn clipping_mut(&mut self) -> &mut GradientClipping {
        &mut self.clipping
    }
    fn class_name(&self) -> &'static str {
        "Adam"
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
        self.adam_config()
    }
    fn slot_names(&self) -> Vec<&'static str> {
        self.adam_slot_names()
    }
    fn slot_groups(&self) -> Vec<Vec<usize>> {
        self.adam_slot_groups()
    }
    fn update(&self, variable: Tensor<1>, gradient: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        self.adam_update(variable, gradient, slots, step)
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
