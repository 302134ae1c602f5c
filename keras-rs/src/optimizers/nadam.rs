//! `Nadam`, Keras' formula: Adam with Nesterov momentum and a momentum schedule.

use burn::tensor::Tensor;

use super::optimizer::{Optimizer, OptimizerBase, StepInfo, optimizer_base};
use crate::layers::config::{Validate, keras_config};

/// Keras' `Nadam` (defaults `learning_rate=0.001`, `beta_1=0.9`, `beta_2=0.999`,
/// `epsilon=1e-7`).
///
/// With `u_t = beta_1 (1 - 0.5 * 0.96^t)` and `U_t = u_1 ... u_t` (the optimizer's
/// `u_product` variable): `m += (g - m)(1 - beta_1)`, `v += (g^2 - v)(1 - beta_2)`,
/// `m_hat = u_{t+1} m / (1 - U_t u_{t+1}) + (1 - u_t) g / (1 - U_t)`,
/// `v_hat = v / (1 - beta_2^t)`, `w -= lr m_hat / (sqrt(v_hat) + eps)`.
///
/// ```
/// use keras_rs::optimizers::{Nadam, Optimizer};
/// let opt = Nadam::new().learning_rate(0.002);
/// assert_eq!(opt.slot_names(), vec!["momentum", "velocity"]);
/// assert_eq!(opt.shared_variables(), vec![("u_product", 1.0)]);
/// ```
#[derive(Clone, Debug)]
pub struct Nadam {
    base: OptimizerBase,
    config: NadamConfig,
}

keras_config! {
    /// Keras' `Nadam` arguments besides the learning rate, weight decay and clipping.
    pub struct NadamConfig {
        args {
            /// Decay rate of the first moment (default 0.9).
            beta_1: f64 = 0.9,
            /// Decay rate of the second moment (default 0.999).
            beta_2: f64 = 0.999,
            /// The fuzz factor (default 1e-7).
            epsilon: f64 = 1e-7,
        }
    }
    setters for [] Nadam => config;
}

impl Validate for NadamConfig {}

optimizer_base!(Nadam: NadamConfig, learning_rate = 0.001, weight_decay = None);

impl Nadam {
    /// `u_t = beta_1 (1 - 0.5 * 0.96^t)`, in float32 as Keras computes it.
    fn momentum_at(&self, t: u64) -> f32 {
        self.config.beta_1 as f32 * (1.0 - 0.5 * 0.96f32.powf(t as f32))
    }
}

impl Optimizer for Nadam {
    optimizer_base!(accessors);
    fn class_name(&self) -> &'static str {
        "Nadam"
    }
    fn slot_names(&self) -> Vec<&'static str> {
        vec!["momentum", "velocity"]
    }
    fn shared_variables(&self) -> Vec<(&'static str, f32)> {
        vec![("u_product", 1.0)]
    }
    fn advance_shared(&self, shared: &mut [f32], step: u64) {
        // Keras: u_product * beta_1 * (1 - 0.5 * 0.96^t), left to right in float32.
        shared[0] = shared[0] * self.config.beta_1 as f32 * (1.0 - 0.5 * 0.96f32.powf(step as f32));
    }
    fn update(&self, variable: Tensor<1>, g: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        let (b1, b2) = (self.config.beta_1 as f32, self.config.beta_2 as f32);
        let (u_t, u_next) = (self.momentum_at(step.step), self.momentum_at(step.step + 1));
        let product = step.shared;
        let product_next = product * u_next;
        let m = slots[0].clone() + (g.clone() - slots[0].clone()).mul_scalar(1.0 - b1);
        let v = slots[1].clone() + (g.clone().square() - slots[1].clone()).mul_scalar(1.0 - b2);
        slots[0] = m.clone();
        slots[1] = v.clone();
        let m_hat =
            m.mul_scalar(u_next).div_scalar(1.0 - product_next) + g.mul_scalar(1.0 - u_t).div_scalar(1.0 - product);
        let v_hat = v.div_scalar(1.0 - b2.powf(step.step as f32));
        variable - m_hat.mul_scalar(step.learning_rate) / v_hat.sqrt().add_scalar(self.config.epsilon as f32)
    }
}
