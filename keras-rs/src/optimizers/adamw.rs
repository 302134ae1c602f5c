//! `AdamW`: Adam with decoupled weight decay `w -= w * weight_decay * lr` before each step.

use burn::tensor::Tensor;

use super::adam::AdamConfig;
use super::optimizer::{Optimizer, OptimizerBase, StepInfo, optimizer_base};

/// Keras' `AdamW` (Adam's defaults plus `weight_decay=0.004`, applied to every trainable
/// variable, biases included, before the Adam update).
///
/// ```
/// use keras_rs::optimizers::{AdamW, Optimizer};
/// assert_eq!(AdamW::new().decoupled_weight_decay(), Some(0.004));
/// ```
#[derive(Clone, Debug)]
pub struct AdamW {
    base: OptimizerBase,
    pub(super) config: AdamConfig,
}

optimizer_base!(AdamW: AdamConfig, learning_rate = 0.001, weight_decay = Some(0.004));

impl Optimizer for AdamW {
    optimizer_base!(accessors);
    fn class_name(&self) -> &'static str {
        "AdamW"
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
