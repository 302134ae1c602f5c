//! `PiecewiseConstantDecay`.

use serde_json::{Value, json};

use super::LearningRateSchedule;
use crate::error::{Error, Result};

/// Keras' `PiecewiseConstantDecay(boundaries, values)`: `values[0]` while
/// `step <= boundaries[0]`, `values[1]` while `step <= boundaries[1]`, ..., then the last value.
///
/// ```
/// use keras_rs::optimizers::schedules::{LearningRateSchedule, PiecewiseConstantDecay};
/// let s = PiecewiseConstantDecay::new(&[100.0, 110.0], &[1.0, 0.5, 0.1]).unwrap();
/// assert_eq!((s.at(100), s.at(101), s.at(111)), (1.0, 0.5, 0.1));
/// assert!(PiecewiseConstantDecay::new(&[1.0], &[1.0]).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct PiecewiseConstantDecay {
    boundaries: Vec<f64>,
    values: Vec<f64>,
}

impl PiecewiseConstantDecay {
    /// `values` must have one more entry than `boundaries`.
    pub fn new(boundaries: &[f64], values: &[f64]) -> Result<Self> {
        if values.len() != boundaries.len() + 1 {
            return Err(Error::value(format!(
                "The length of boundaries should be 1 less than the length of values. Received: boundaries={boundaries:?} \
                 of length {}, and values={values:?} of length {}.",
                boundaries.len(),
                values.len()
            )));
        }
        Ok(PiecewiseConstantDecay { boundaries: boundaries.to_vec(), values: values.to_vec() })
    }
}

impl LearningRateSchedule for PiecewiseConstantDecay {
    fn class_name(&self) -> &'static str {
        "PiecewiseConstantDecay"
    }
    fn at(&self, step: u64) -> f64 {
        let i = self.boundaries.iter().take_while(|&&b| step as f64 > b).count();
        self.values[i]
    }
    fn config(&self) -> Value {
        json!({"boundaries": self.boundaries, "values": self.values, "name": "PiecewiseConstant"})
    }
}
