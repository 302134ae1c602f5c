//! The `LearningRateSchedule` trait and what an optimizer's `learning_rate` argument takes.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::error::{Error, Result};

/// Keras' `keras.optimizers.schedules.LearningRateSchedule`: the learning rate as a function
/// of the optimizer's step (its `iterations` before the update).
pub trait LearningRateSchedule: std::fmt::Debug + Send + Sync {
    /// Keras' class name (`"ExponentialDecay"`).
    fn class_name(&self) -> &'static str;
    /// The learning rate at `step`.
    fn at(&self, step: u64) -> f64;
    /// Keras' config of the schedule.
    fn config(&self) -> Value;
    /// Keras' serialized form.
    fn get_config(&self) -> Value {
        json!({"module": "keras.optimizers.schedules", "class_name": self.class_name(), "config": self.config(),
               "registered_name": null})
    }
}

/// An optimizer's `learning_rate`: a number or a schedule (Keras accepts both).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum LearningRate {
    /// A fixed rate (changed only by callbacks such as `ReduceLROnPlateau`).
    Constant(f64),
    /// A schedule evaluated at every step.
    Schedule(Arc<dyn LearningRateSchedule>),
}

impl From<f64> for LearningRate {
    fn from(lr: f64) -> Self {
        LearningRate::Constant(lr)
    }
}

impl LearningRate {
    /// The rate at `step`.
    pub fn at(&self, step: u64) -> f64 {
        match self {
            LearningRate::Constant(lr) => *lr,
            LearningRate::Schedule(s) => s.at(step),
        }
    }
    /// The serialized form: a float32-rounded number, or the schedule's config.
    pub fn to_config(&self) -> Value {
        match self {
            LearningRate::Constant(lr) => json!(*lr as f32 as f64),
            LearningRate::Schedule(s) => s.get_config(),
        }
    }
    /// Reads a number or a serialized schedule.
    pub fn from_config(value: &Value) -> Result<Self> {
        if let Some(lr) = value.as_f64() {
            return Ok(LearningRate::Constant(lr));
        }
        let class = value.get("class_name").and_then(Value::as_str).unwrap_or_default();
        let cfg = value.get("config").cloned().unwrap_or_default();
        let num = |k: &str| cfg.get(k).and_then(Value::as_f64);
        let need = |k: &str| num(k).ok_or_else(|| Error::Format(format!("{class} config needs `{k}`: {cfg}")));
        let staircase = cfg.get("staircase").and_then(Value::as_bool).unwrap_or(false);
        let schedule: Arc<dyn LearningRateSchedule> = match class {
            "ExponentialDecay" => Arc::new(
                super::ExponentialDecay::new(need("initial_learning_rate")?, need("decay_steps")?, need("decay_rate")?)
                    .staircase(staircase),
            ),
            "InverseTimeDecay" => Arc::new(
                super::InverseTimeDecay::new(need("initial_learning_rate")?, need("decay_steps")?, need("decay_rate")?)
                    .staircase(staircase),
            ),
            "CosineDecay" => {
                let mut s = super::CosineDecay::new(need("initial_learning_rate")?, need("decay_steps")?)
                    .alpha(num("alpha").unwrap_or(0.0));
                if let Some(target) = num("warmup_target") {
                    s = s.warmup(target, num("warmup_steps").unwrap_or(0.0));
                }
                Arc::new(s)
            }
            "PiecewiseConstantDecay" => {
                let list = |k: &str| -> Result<Vec<f64>> {
                    let v: Option<Vec<f64>> =
                        cfg.get(k).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_f64).collect());
                    v.ok_or_else(|| Error::Format(format!("PiecewiseConstantDecay config needs `{k}`: {cfg}")))
                };
                Arc::new(super::PiecewiseConstantDecay::new(&list("boundaries")?, &list("values")?)?)
            }
            other => {
                return Err(Error::UnknownIdentifier(format!(
                    "Unknown learning rate schedule: '{other}'. keras-rs knows ExponentialDecay, \
                     PiecewiseConstantDecay, CosineDecay, InverseTimeDecay"
                )));
            }
        };
        Ok(LearningRate::Schedule(schedule))
    }
}

macro_rules! schedule_into_learning_rate {
    ($($t:ty),*) => {$(
        impl From<$t> for LearningRate {
            fn from(s: $t) -> Self {
                LearningRate::Schedule(std::sync::Arc::new(s))
            }
        }
    )*};
}
schedule_into_learning_rate!(
    super::ExponentialDecay,
    super::PiecewiseConstantDecay,
    super::CosineDecay,
    super::InverseTimeDecay
);
