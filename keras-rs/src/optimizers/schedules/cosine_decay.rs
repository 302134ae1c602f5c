//! `CosineDecay`, with Keras' optional linear warmup.

use serde_json::{Value, json};

use super::LearningRateSchedule;

/// Keras' `CosineDecay(initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None,
/// warmup_steps=0)`: a linear warmup from `initial_learning_rate` to `warmup_target` over
/// `warmup_steps`, then `target * ((1 - alpha) * 0.5 * (1 + cos(pi * t / decay_steps)) + alpha)`
/// with `t` capped at `decay_steps`.
///
/// ```
/// use keras_rs::optimizers::schedules::{CosineDecay, LearningRateSchedule};
/// let s = CosineDecay::new(0.1, 20.0).alpha(0.1);
/// assert!((s.at(20) - 0.01).abs() < 1e-12);
/// let w = CosineDecay::new(0.0, 20.0).warmup(0.2, 5.0);
/// assert!((w.at(5) - 0.2).abs() < 1e-12);
/// ```
#[derive(Clone, Debug)]
pub struct CosineDecay {
    initial_learning_rate: f64,
    decay_steps: f64,
    alpha: f64,
    warmup_target: Option<f64>,
    warmup_steps: f64,
}

impl CosineDecay {
    /// Decays from `initial_learning_rate` over `decay_steps`.
    pub fn new(initial_learning_rate: f64, decay_steps: f64) -> Self {
        CosineDecay { initial_learning_rate, decay_steps, alpha: 0.0, warmup_target: None, warmup_steps: 0.0 }
    }
    /// The floor as a fraction of the initial rate (default 0).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Warms up linearly to `target` over `steps` before decaying.
    pub fn warmup(mut self, target: f64, steps: f64) -> Self {
        self.warmup_target = Some(target);
        self.warmup_steps = steps;
        self
    }
}

impl LearningRateSchedule for CosineDecay {
    fn class_name(&self) -> &'static str {
        "CosineDecay"
    }
    fn at(&self, step: u64) -> f64 {
        let step = step as f64;
        let decay = |from: f64, t: f64| {
            let done = t.min(self.decay_steps) / self.decay_steps;
            let cosine = 0.5 * (1.0 + (std::f64::consts::PI * done).cos());
            from * ((1.0 - self.alpha) * cosine + self.alpha)
        };
        match self.warmup_target {
            None => decay(self.initial_learning_rate, step),
            Some(target) if step < self.warmup_steps => {
                self.initial_learning_rate + (target - self.initial_learning_rate) * step / self.warmup_steps
            }
            Some(target) => decay(target, step - self.warmup_steps),
        }
    }
    fn config(&self) -> Value {
        json!({"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
               "alpha": self.alpha, "name": "CosineDecay", "warmup_target": self.warmup_target,
               "warmup_steps": self.warmup_steps})
    }
}
