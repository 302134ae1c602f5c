//! `ExponentialDecay`.

use serde_json::{Value, json};

use super::LearningRateSchedule;

/// Keras' `ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)`:
/// `initial_learning_rate * decay_rate ^ (step / decay_steps)` (the exponent floored with
/// `staircase`).
///
/// ```
/// use keras_rs::optimizers::{Adam, schedules::{ExponentialDecay, LearningRateSchedule}};
/// let s = ExponentialDecay::new(0.1, 10.0, 0.5);
/// assert!((s.at(10) - 0.05).abs() < 1e-12);
/// let opt = Adam::new().learning_rate(s);
/// # drop(opt);
/// ```
#[derive(Clone, Debug)]
pub struct ExponentialDecay {
    initial_learning_rate: f64,
    decay_steps: f64,
    decay_rate: f64,
    staircase: bool,
}

impl ExponentialDecay {
    /// The schedule from its three required arguments.
    pub fn new(initial_learning_rate: f64, decay_steps: f64, decay_rate: f64) -> Self {
        ExponentialDecay { initial_learning_rate, decay_steps, decay_rate, staircase: false }
    }
    /// Decays in whole steps of `decay_steps`.
    pub fn staircase(mut self, staircase: bool) -> Self {
        self.staircase = staircase;
        self
    }
}

impl LearningRateSchedule for ExponentialDecay {
    fn class_name(&self) -> &'static str {
        "ExponentialDecay"
    }
    fn at(&self, step: u64) -> f64 {
        let mut p = step as f64 / self.decay_steps;
        if self.staircase {
            p = p.floor();
        }
        self.initial_learning_rate * self.decay_rate.powf(p)
    }
    fn config(&self) -> Value {
        json!({"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
               "decay_rate": self.decay_rate, "staircase": self.staircase, "name": "ExponentialDecay"})
    }
}
