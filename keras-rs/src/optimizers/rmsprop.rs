//! `RMSprop`, Keras' formula: epsilon inside the square root; optional momentum and centering.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use super::optimizer::{GradientClipping, Optimizer, StepInfo, clipping_builders, config_flag, config_number};
use super::schedules::LearningRate;

/// Keras' `RMSprop` (defaults `learning_rate=0.001`, `rho=0.9`, `momentum=0.0`,
/// `epsilon=1e-7`, `centered=false`).
///
/// `v = rho v + (1 - rho) g^2`; increment `lr g / sqrt(v + eps)` (centered:
/// `sqrt(v - a^2 + eps)` with `a = rho a + (1 - rho) g`); with momentum `m = momentum m + increment`,
/// `w -= m`, else `w -= increment`.
///
/// ```
/// use keras_rs::optimizers::{Optimizer, RMSprop};
/// let opt = RMSprop::new().momentum(0.5).centered(true);
/// assert_eq!(opt.slot_names(), vec!["velocity", "momentum", "average_gradient"]);
/// ```
#[derive(Clone, Debug)]
pub struct RMSprop {
    learning_rate: LearningRate,
    rho: f64,
    momentum: f64,
    epsilon: f64,
    centered: bool,
    weight_decay: Option<f64>,
    clipping: GradientClipping,
}

impl Default for RMSprop {
    fn default() -> Self {
        RMSprop {
            learning_rate: LearningRate::Constant(0.001),
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            weight_decay: None,
            clipping: GradientClipping::default(),
        }
    }
}

impl RMSprop {
    /// RMSprop with Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// The learning rate (default 0.001).
    pub fn learning_rate(mut self, learning_rate: impl Into<LearningRate>) -> Self {
        self.learning_rate = learning_rate.into();
        self
    }
    /// Discounting factor of the squared-gradient average (default 0.9).
    pub fn rho(mut self, rho: f64) -> Self {
        self.rho = rho;
        self
    }
    /// Momentum (default 0.0).
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }
    /// The fuzz factor (default 1e-7).
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// Normalise by the estimated gradient variance (default false).
    pub fn centered(mut self, centered: bool) -> Self {
        self.centered = centered;
        self
    }
    /// Decoupled weight decay applied before each update.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = Some(weight_decay);
        self
    }

    /// Reads Keras' config (`rho`, `momentum`, `epsilon`, `centered`, `weight_decay`; the
    /// learning rate and clipping are read by `optimizers::from_config`).
    pub fn from_config(config: &Value) -> crate::Result<Self> {
        let mut o = RMSprop::new().rho(config_number(config, "rho").unwrap_or(0.9));
        o = o.momentum(config_number(config, "momentum").unwrap_or(0.0));
        o = o.epsilon(config_number(config, "epsilon").unwrap_or(1e-7)).centered(config_flag(config, "centered"));
        Ok(match config_number(config, "weight_decay") {
            Some(wd) => o.weight_decay(wd),
            None => o,
        })
    }
}

clipping_builders!(RMSprop, clipping);

impl Optimizer for RMSprop {
    fn clipping(&self) -> &GradientClipping {
        &self.clipping
    }
    fn clipping_mut(&mut self) -> &mut GradientClipping {
        &mut self.clipping
    }
    fn class_name(&self) -> &'static str {
        "RMSprop"
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
        json!({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered})
    }
    fn slot_groups(&self) -> Vec<Vec<usize>> {
        // Keras builds all velocities, then all momentums, then all average gradients.
        (0..self.slot_names().len()).map(|s| vec![s]).collect()
    }
    fn slot_names(&self) -> Vec<&'static str> {
        let mut names = vec!["velocity"];
        if self.momentum > 0.0 {
            names.push("momentum");
        }
        if self.centered {
            names.push("average_gradient");
        }
        names
    }
    fn update(&self, variable: Tensor<1>, g: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        let rho = self.rho as f32;
        let eps = self.epsilon as f32;
        let v = slots[0].clone().mul_scalar(rho) + g.clone().square().mul_scalar(1.0 - rho);
        slots[0] = v.clone();
        let denominator = if self.centered {
            let idx = slots.len() - 1;
            let a = slots[idx].clone().mul_scalar(rho) + g.clone().mul_scalar(1.0 - rho);
            slots[idx] = a.clone();
            v - a.square() + eps
        } else {
            v.add_scalar(eps)
        };
        let increment = g.mul_scalar(step.learning_rate) / denominator.sqrt();
        if self.momentum > 0.0 {
            let m = slots[1].clone().mul_scalar(self.momentum as f32) + increment;
            slots[1] = m.clone();
            variable - m
        } else {
            variable - increment
        }
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
