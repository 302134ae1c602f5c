//! `Adadelta`, Keras' formula: steps scaled by running averages of squared gradients and of
//! squared updates.

use burn::tensor::Tensor;

use super::optimizer::{Optimizer, OptimizerBase, StepInfo, optimizer_base};
use crate::layers::config::{Validate, keras_config};

/// Keras' `Adadelta` (defaults `learning_rate=0.001`, `rho=0.95`, `epsilon=1e-7`).
///
/// `a = rho a + (1 - rho) g^2`; `d = -sqrt(s + eps) g / sqrt(a + eps)`;
/// `s = rho s + (1 - rho) d^2`; `w += lr d`.
///
/// ```
/// use keras_rs::optimizers::{Adadelta, Optimizer};
/// let opt = Adadelta::new().learning_rate(1.0).rho(0.9);
/// assert_eq!(opt.slot_names(), vec!["accumulated_grad", "accumulated_delta_var"]);
/// ```
#[derive(Clone, Debug)]
pub struct Adadelta {
    base: OptimizerBase,
    config: AdadeltaConfig,
}

keras_config! {
    /// Keras' `Adadelta` arguments besides the learning rate, weight decay and clipping.
    pub struct AdadeltaConfig {
        args {
            /// The decay rate of both running averages (default 0.95).
            rho: f64 = 0.95,
            /// The fuzz factor (default 1e-7).
            epsilon: f64 = 1e-7,
        }
    }
    setters for [] Adadelta => config;
}

impl Validate for AdadeltaConfig {}

optimizer_base!(Adadelta: AdadeltaConfig, learning_rate = 0.001, weight_decay = None);

impl Optimizer for Adadelta {
    optimizer_base!(accessors);
    fn class_name(&self) -> &'static str {
        "Adadelta"
    }
    fn slot_names(&self) -> Vec<&'static str> {
        vec!["accumulated_grad", "accumulated_delta_var"]
    }
    fn update(&self, variable: Tensor<1>, g: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        let (rho, eps) = (self.config.rho as f32, self.config.epsilon as f32);
        let a = slots[0].clone().mul_scalar(rho) + g.clone().square().mul_scalar(1.0 - rho);
        let delta = (slots[1].clone().add_scalar(eps).sqrt() * g).neg() / a.clone().add_scalar(eps).sqrt();
        slots[1] = slots[1].clone().mul_scalar(rho) + delta.clone().square().mul_scalar(1.0 - rho);
        slots[0] = a;
        variable + delta.mul_scalar(step.learning_rate)
    }
}
