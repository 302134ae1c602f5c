//! `SGD` with optional momentum and Nesterov momentum, Keras' formulas.

use burn::tensor::Tensor;

use super::optimizer::{Optimizer, OptimizerBase, StepInfo, optimizer_base};
use crate::error::{Error, Result};
use crate::layers::config::{Validate, keras_config};

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
    base: OptimizerBase,
    config: SgdConfig,
}

keras_config! {
    /// Keras' `SGD` arguments besides the learning rate, weight decay and clipping.
    pub struct SgdConfig {
        args {
            /// The momentum (default 0.0).
            momentum: f64 = 0.0,
            /// Nesterov momentum (default false).
            nesterov: bool = false,
        }
    }
    setters for [] SGD => config;
}

impl Validate for SgdConfig {
    fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(Error::value(format!(
                "`momentum` must be a float between [0, 1]. Received: momentum={}",
                self.momentum
            )));
        }
        Ok(())
    }
}

optimizer_base!(SGD: SgdConfig, learning_rate = 0.01, weight_decay = None);

impl Optimizer for SGD {
    optimizer_base!(accessors);
    fn class_name(&self) -> &'static str {
        "SGD"
    }
    fn slot_names(&self) -> Vec<&'static str> {
        if self.config.momentum != 0.0 { vec!["momentum"] } else { vec![] }
    }
    fn update(&self, variable: Tensor<1>, gradient: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        let lr = step.learning_rate;
        if self.config.momentum == 0.0 {
            return variable - gradient.mul_scalar(lr);
        }
        let mu = self.config.momentum as f32;
        let m = slots[0].clone().mul_scalar(mu) - gradient.clone().mul_scalar(lr);
        slots[0] = m.clone();
        if self.config.nesterov { variable + (m.mul_scalar(mu) - gradient.mul_scalar(lr)) } else { variable + m }
    }
}
