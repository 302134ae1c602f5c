//! `Adamax`, Keras' formula: Adam with the infinity norm of past gradients.

use burn::tensor::Tensor;

use super::optimizer::{Optimizer, OptimizerBase, StepInfo, optimizer_base};
use crate::layers::config::{Validate, keras_config};

/// Keras' `Adamax` (defaults `learning_rate=0.001`, `beta_1=0.9`, `beta_2=0.999`,
/// `epsilon=1e-7`).
///
/// `m += (g - m)(1 - beta_1)`; `u = max(beta_2 u, |g|)`;
/// `w -= lr m / ((1 - beta_1^t)(u + eps))`.
///
/// ```
/// use keras_rs::optimizers::{Adamax, Optimizer};
/// let opt = Adamax::new().learning_rate(0.002);
/// assert_eq!(opt.slot_names(), vec!["momentum", "norm"]);
/// ```
#[derive(Clone, Debug)]
pub struct Adamax {
    base: OptimizerBase,
    config: AdamaxConfig,
}

keras_config! {
    /// Keras' `Adamax` arguments besides the learning rate, weight decay and clipping.
    pub struct AdamaxConfig {
        args {
            /// Decay rate of the first moment (default 0.9).
            beta_1: f64 = 0.9,
            /// Decay rate of the infinity norm (default 0.999).
            beta_2: f64 = 0.999,
            /// The fuzz factor (default 1e-7).
            epsilon: f64 = 1e-7,
        }
    }
    setters for [] Adamax => config;
}

impl Validate for AdamaxConfig {}

optimizer_base!(Adamax: AdamaxConfig, learning_rate = 0.001, weight_decay = None);

impl Optimizer for Adamax {
    optimizer_base!(accessors);
    fn class_name(&self) -> &'static str {
        "Adamax"
    }
    fn slot_names(&self) -> Vec<&'static str> {
        vec!["momentum", "norm"]
    }
    fn update(&self, variable: Tensor<1>, g: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        let (b1, b2) = (self.config.beta_1 as f32, self.config.beta_2 as f32);
        let m = slots[0].clone() + (g.clone() - slots[0].clone()).mul_scalar(1.0 - b1);
        let u = slots[1].clone().mul_scalar(b2).max_pair(g.abs());
        slots[0] = m.clone();
        slots[1] = u.clone();
        let correction = 1.0 - b1.powf(step.step as f32);
        variable - m.mul_scalar(step.learning_rate) / u.add_scalar(self.config.epsilon as f32).mul_scalar(correction)
    }
}
