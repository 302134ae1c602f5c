//! `Ftrl`, Keras' formula: "Follow The Regularized Leader" with L1, L2 and L2-shrinkage
//! regularization.

use burn::tensor::Tensor;

use super::optimizer::{Optimizer, OptimizerBase, StepInfo, optimizer_base};
use crate::error::{Error, Result};
use crate::layers::config::{Validate, keras_config};

/// Keras' `Ftrl` (defaults `learning_rate=0.001`, `learning_rate_power=-0.5`,
/// `initial_accumulator_value=0.1`, the three regularization strengths 0, `beta=0`).
///
/// With `p = -learning_rate_power`, `l2 = l2_regularization_strength + beta / (2 lr)`:
/// `n' = n + g^2`; `z += g + 2 l2_shrinkage w - (n'^p - n^p) / lr * w`;
/// `w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 l2)`; `n = n'`.
///
/// ```
/// use keras_rs::optimizers::{Ftrl, Optimizer};
/// let opt = Ftrl::new().l1_regularization_strength(0.01);
/// assert_eq!(opt.slot_names(), vec!["accumulator", "linear"]);
/// ```
#[derive(Clone, Debug)]
pub struct Ftrl {
    base: OptimizerBase,
    config: FtrlConfig,
}

keras_config! {
    /// Keras' `Ftrl` arguments besides the learning rate, weight decay and clipping.
    pub struct FtrlConfig {
        args {
            /// How the learning rate decreases during training, `<= 0` (default -0.5).
            learning_rate_power: f64 = -0.5,
            /// The accumulators' starting value, `>= 0` (default 0.1).
            initial_accumulator_value: f64 = 0.1,
            /// L1 regularization strength, `>= 0` (default 0).
            l1_regularization_strength: f64 = 0.0,
            /// L2 regularization strength, `>= 0` (default 0).
            l2_regularization_strength: f64 = 0.0,
            /// L2 shrinkage regularization strength (on the gradient), `>= 0` (default 0).
            l2_shrinkage_regularization_strength: f64 = 0.0,
            /// The "beta" of the FTRL paper, added to L2 as `beta / (2 lr)` (default 0).
            beta: f64 = 0.0,
        }
    }
    setters for [] Ftrl => config;
}

impl Validate for FtrlConfig {
    fn validate(&self) -> Result<()> {
        let non_negative = [
            ("initial_accumulator_value", self.initial_accumulator_value, "needs to be positive or zero"),
            ("l1_regularization_strength", self.l1_regularization_strength, "needs to be positive or zero"),
            ("l2_regularization_strength", self.l2_regularization_strength, "needs to be positive or zero"),
            (
                "l2_shrinkage_regularization_strength",
                self.l2_shrinkage_regularization_strength,
                "needs to be positive or zero",
            ),
        ];
        if self.learning_rate_power > 0.0 {
            return Err(Error::value(format!(
                "`learning_rate_power` needs to be negative or zero. Received: learning_rate_power={:?}.",
                self.learning_rate_power
            )));
        }
        for (name, value, rule) in non_negative {
            if value < 0.0 {
                return Err(Error::value(format!("`{name}` {rule}. Received: {name}={value:?}.")));
            }
        }
        Ok(())
    }
}

optimizer_base!(Ftrl: FtrlConfig, learning_rate = 0.001, weight_decay = None);

impl Optimizer for Ftrl {
    optimizer_base!(accessors);
    fn class_name(&self) -> &'static str {
        "Ftrl"
    }
    fn slot_names(&self) -> Vec<&'static str> {
        vec!["accumulator", "linear"]
    }
    fn slot_initial_value(&self, slot: usize) -> f32 {
        if slot == 0 { self.config.initial_accumulator_value as f32 } else { 0.0 }
    }
    fn update(&self, variable: Tensor<1>, g: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        let c = &self.config;
        let lr = step.learning_rate;
        let power = -c.learning_rate_power as f32;
        let l2 = c.l2_regularization_strength as f32 + c.beta as f32 / (2.0 * lr);
        let l1 = c.l1_regularization_strength as f32;
        let grad = g.clone() + variable.clone().mul_scalar(2.0 * c.l2_shrinkage_regularization_strength as f32);
        let accum = slots[0].clone();
        let new_accum = accum.clone() + g.square();
        let (new_power, old_power) = (new_accum.clone().powf_scalar(power), accum.powf_scalar(power));
        let linear = slots[1].clone() + grad - (new_power.clone() - old_power).div_scalar(lr) * variable;
        let quadratic = new_power.div_scalar(lr).add_scalar(2.0 * l2);
        slots[0] = new_accum;
        slots[1] = linear.clone();
        (linear.clone().clamp(-l1, l1) - linear) / quadratic
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn arguments_out_of_range_are_keras_value_errors_at_compile_and_load() {
        let mut model = Sequential::new().add(Input::new(&[2])).add(Dense::new(1));
        let err = model.compile(Ftrl::new().learning_rate_power(0.5), "mse", NO_METRICS).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`learning_rate_power` needs to be negative or zero. Received: learning_rate_power=0.5."
        );
        let config = serde_json::json!({"class_name": "Ftrl", "config": {"l1_regularization_strength": -1.0}});
        let err = crate::optimizers::from_config(&config).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`l1_regularization_strength` needs to be positive or zero. Received: l1_regularization_strength=-1.0."
        );
    }
}
