//! `Adam`, Keras' formula: epsilon is added to `sqrt(v)` before bias correction ("epsilon hat").

use burn::tensor::Tensor;

use super::optimizer::{Optimizer, OptimizerBase, StepInfo, optimizer_base};
use crate::layers::config::{Validate, keras_config};

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
    base: OptimizerBase,
    config: AdamConfig,
}

keras_config! {
    /// Keras' `Adam` and `AdamW` arguments besides the learning rate, weight decay and clipping.
    pub struct AdamConfig {
        args {
            /// Decay rate of the first moment (default 0.9).
            beta_1: f64 = 0.9,
            /// Decay rate of the second moment (default 0.999).
            beta_2: f64 = 0.999,
            /// The fuzz factor (default 1e-7).
            epsilon: f64 = 1e-7,
            /// Keras' `amsgrad` (default false): the update divides by the largest second moment
            /// seen so far instead of the current one (Reddi et al., "On the Convergence of Adam
            /// and Beyond").
            amsgrad: bool = false,
        }
    }
    setters for [] Adam => config;
    setters for [] super::AdamW => config;
}

impl Validate for AdamConfig {}

optimizer_base!(Adam: AdamConfig, learning_rate = 0.001, weight_decay = None);

impl AdamConfig {
    pub(crate) fn slot_names(&self) -> Vec<&'static str> {
        if self.amsgrad { vec!["momentum", "velocity", "velocity_hat"] } else { vec!["momentum", "velocity"] }
    }

    /// Keras creates the `velocity_hat` slots after all momentums and velocities.
    pub(crate) fn slot_groups(&self) -> Vec<Vec<usize>> {
        if self.amsgrad { vec![vec![0, 1], vec![2]] } else { vec![vec![0, 1]] }
    }

    pub(crate) fn update(
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
}

impl Optimizer for Adam {
    optimizer_base!(accessors);
    fn class_name(&self) -> &'static str {
        "Adam"
    }
    fn slot_names(&self) -> Vec<&'static str> {
        self.config.slot_names()
    }
    fn slot_groups(&self) -> Vec<Vec<usize>> {
        self.config.slot_groups()
    }
    fn update(&self, variable: Tensor<1>, gradient: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        self.config.update(variable, gradient, slots, step)
    }
}
