//! `Adagrad`, Keras' formula: per-parameter rates from the sum of squared gradients.

use burn::tensor::Tensor;

use super::optimizer::{Optimizer, OptimizerBase, StepInfo, optimizer_base};
use crate::layers::config::{Validate, keras_config};

/// Keras' `Adagrad` (defaults `learning_rate=0.001`, `initial_accumulator_value=0.1`,
/// `epsilon=1e-7`).
///
/// `a += g^2`, then `w -= lr g / sqrt(a + eps)`; `a` starts at `initial_accumulator_value`.
///
/// ```
/// use keras_rs::optimizers::{Adagrad, Optimizer};
/// let opt = Adagrad::new().learning_rate(0.01).initial_accumulator_value(0.5);
/// assert_eq!(opt.slot_names(), vec!["accumulator"]);
/// assert_eq!(opt.slot_initial_value(0), 0.5);
/// ```
#[derive(Clone, Debug)]
pub struct Adagrad {
    base: OptimizerBase,
    config: AdagradConfig,
}

keras_config! {
    /// Keras' `Adagrad` arguments besides the learning rate, weight decay and clipping.
    pub struct AdagradConfig {
        args {
            /// The accumulators' starting value (default 0.1).
            initial_accumulator_value: f64 = 0.1,
            /// The fuzz factor (default 1e-7).
            epsilon: f64 = 1e-7,
        }
    }
    setters for [] Adagrad => config;
}

impl Validate for AdagradConfig {}

optimizer_base!(Adagrad: AdagradConfig, learning_rate = 0.001, weight_decay = None);

impl Optimizer for Adagrad {
    optimizer_base!(accessors);
    fn class_name(&self) -> &'static str {
        "Adagrad"
    }
    fn slot_names(&self) -> Vec<&'static str> {
        vec!["accumulator"]
    }
    fn slot_initial_value(&self, _slot: usize) -> f32 {
        self.config.initial_accumulator_value as f32
    }
    fn update(&self, variable: Tensor<1>, g: Tensor<1>, slots: &mut [Tensor<1>], step: StepInfo) -> Tensor<1> {
        let a = slots[0].clone() + g.clone().square();
        slots[0] = a.clone();
        variable - g.mul_scalar(step.learning_rate) / a.add_scalar(self.config.epsilon as f32).sqrt()
    }
}
