//! `RMSprop`, Keras' formula: epsilon inside the square root; optional momentum and centering.

use burn::tensor::Tensor;

use super::optimizer::{Optimizer, OptimizerBase, StepInfo, optimizer_base};
use crate::layers::config::{Validate, keras_config};

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
    base: OptimizerBase,
    config: RMSpropConfig,
}

keras_config! {
    /// Keras' `RMSprop` arguments besides the learning rate, weight decay and clipping.
    pub struct RMSpropConfig {
        args {
            /// Discounting factor of the squared-gradient average (default 0.9).
            rho: f64 = 0.9,
            /// Momentum (default 0.0).
            momentum: f64 = 0.0,
            /// The fuzz factor (default 1e-7).
            epsilon: f64 = 1e-7,
            /// Normalise by the estimated gradient variance (default false).
            centered: bool = false,
        }
    }
    setters for [] RMSprop => config;
}

impl Validate for RMSpropConfig {}

optimizer_base!(RMSprop: RMSpropConfig, learning_rate = 0.001, weight_decay = None);

impl Optimizer for RMSprop {
    optimizer_base!(accessors);
    fn class_name(&self) -> &'static str {
        "RMSprop"
    }
    fn slot_groups(&self) -> Vec<Vec<usize>> {
        // Keras builds all velocities, then all momentums, then all average gradients.
        (0..self.slot_names().len()).map(|s| vec![s]).collect()
    }
    fn slot_names(&self) -> Vec<&'static str> {
        let mut names = vec!["velocity"];
        if self.config.momentum > 0.0 {
            names.push("momentum");
        }
        if self.config.centered {
            names.push("average_gradient");
        }
        names
    }
    fn update(&self, variable: Tensor<1>, g: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        let rho = self.config.rho as f32;
        let eps = self.config.epsilon as f32;
        let v = slots[0].clone().mul_scalar(rho) + g.clone().square().mul_scalar(1.0 - rho);
        slots[0] = v.clone();
        let denominator = if self.config.centered {
            let idx = slots.len() - 1;
            let a = slots[idx].clone().mul_scalar(rho) + g.clone().mul_scalar(1.0 - rho);
            slots[idx] = a.clone();
            v - a.square() + eps
        } else {
            v.add_scalar(eps)
        };
        let increment = g.mul_scalar(step.learning_rate) / denominator.sqrt();
        if self.config.momentum > 0.0 {
            let m = slots[1].clone().mul_scalar(self.config.momentum as f32) + increment;
            slots[1] = m.clone();
            variable - m
        } else {
            variable - increment
        }
    }
}
