//! `InverseTimeDecay`.

use serde_json::{Value, json};

use super::LearningRateSchedule;

/// Keras' `InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)`:
/// `initial_learning_rate / (1 + decay_rate * step / decay_steps)` (`step / decay_steps`
/// floored with `staircase`).
///
/// ```
/// use keras_rs::optimizers::schedules::{InverseTimeDecay, LearningRateSchedule};
/// assert!((InverseTimeDecay::new(0.1, 5.0, 0.5).at(10) - 0.05).abs() < 1e-12);
/// ```
#[derive(Clone, Debug)]
pub struct InverseTimeDecay {
    initial_learning_rate: f64,
    decay_steps: f64,
    decay_rate: f64,
    staircase: bool,
}

impl InverseTimeDecay {
    /// The schedule from its three required arguments.
    pub fn new(initial_learning_rate: f64, decay_steps: f64, decay_rate: f64) -> Self {
        InverseTimeDecay { initial_learning_rate, decay_steps, decay_rate, staircase: false }
    }
    /// Decays in whole steps of `decay_steps`.
    pub fn staircase(mut self, staircase: bool) -> Self {
        self.staircase = staircase;
        self
    }
}

impl LearningRateSchedule for InverseTimeDecay {
    fn class_name(&self) -> &'static str {
        "InverseTimeDecay"
    }
    fn at(&self, step: u64) -> f64 {
        let mut p = step as f64 / self.decay_steps;
        if self.staircase {
            p = p.floor();
        }
        self.initial_learning_rate / (1.0 + self.decay_rate * p)
    }
    fn config(&self) -> Value {
        json!({"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
               "decay_rate": self.decay_rate, "staircase": self.staircase, "name": "InverseTimeDecay"})
    }
}
