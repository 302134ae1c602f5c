//! `Lion`, Keras' formula: the sign of an interpolated momentum.

use burn::tensor::Tensor;

use super::optimizer::{Optimizer, OptimizerBase, StepInfo, optimizer_base};
use crate::error::{Error, Result};
use crate::layers::config::{Validate, keras_config};

/// Keras' `Lion` (defaults `learning_rate=0.001`, `beta_1=0.9`, `beta_2=0.99`).
///
/// `w -= lr sign(beta_1 m + (1 - beta_1) g)`, then `m = beta_2 m + (1 - beta_2) g`.
///
/// ```
/// use keras_rs::optimizers::{Lion, Optimizer};
/// let opt = Lion::new().learning_rate(1e-4);
/// assert_eq!(opt.slot_names(), vec!["momentum"]);
/// ```
#[derive(Clone, Debug)]
pub struct Lion {
    base: OptimizerBase,
    config: LionConfig,
}

keras_config! {
    /// Keras' `Lion` arguments besides the learning rate, weight decay and clipping.
    pub struct LionConfig {
        args {
            /// Interpolation between the momentum and the gradient in the update (default 0.9).
            beta_1: f64 = 0.9,
            /// Decay rate of the momentum (default 0.99).
            beta_2: f64 = 0.99,
        }
    }
    setters for [] Lion => config;
}

impl Validate for LionConfig {
    fn validate(&self) -> Result<()> {
        if self.beta_1 <= 0.0 || self.beta_1 > 1.0 {
            return Err(Error::value(format!(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates to SignSGD. \
                 Received: beta_1={:?}.",
                self.beta_1
            )));
        }
        Ok(())
    }
}

optimizer_base!(Lion: LionConfig, learning_rate = 0.001, weight_decay = None);

impl Optimizer for Lion {
    optimizer_base!(accessors);
    fn class_name(&self) -> &'static str {
        "Lion"
    }
    fn slot_names(&self) -> Vec<&'static str> {
        vec!["momentum"]
    }
    fn update(&self, variable: Tensor<1>, g: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        let (b1, b2) = (self.config.beta_1 as f32, self.config.beta_2 as f32);
        let direction = (slots[0].clone().mul_scalar(b1) + g.clone().mul_scalar(1.0 - b1)).sign();
        slots[0] = slots[0].clone().mul_scalar(b2) + g.mul_scalar(1.0 - b2);
        variable - direction.mul_scalar(step.learning_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn beta_1_outside_0_1_is_refused_at_compile() {
        let mut model = Sequential::new().add(Input::new(&[2])).add(Dense::new(1));
        let err = model.compile(Lion::new().beta_1(0.0), "mse", NO_METRICS).unwrap_err();
        assert!(err.to_string().starts_with("Argument `beta_1` must be in the [0, 1] range."), "{err}");
        assert!(err.to_string().ends_with("Received: beta_1=0.0."), "{err}");
    }
}
