//! Keras' `MonitorCallback`: which logged value to watch, which direction is better, and
//! whether a value improves on a reference.

use super::callback::Logs;
use crate::error::{Error, Result};

/// The monitored quantity, its direction and `min_delta` (shared by `EarlyStopping`,
/// `ModelCheckpoint` and `ReduceLROnPlateau`).
#[derive(Clone, Debug)]
pub(crate) struct Monitor {
    pub(crate) monitor: String,
    pub(crate) mode: String,
    pub(crate) min_delta: f64,
    /// `true`: lower is better.
    lower: Option<bool>,
}

impl Monitor {
    pub(crate) fn new(monitor: &str) -> Self {
        Monitor { monitor: monitor.to_string(), mode: "auto".into(), min_delta: 0.0, lower: None }
    }

    /// Keras' `_set_monitor_op`: `min`/`max`, or for `auto` from the metric's name.
    fn direction(&mut self, callback: &str) -> Result<bool> {
        if let Some(lower) = self.lower {
            return Ok(lower);
        }
        let name = self.monitor.strip_prefix("val_").unwrap_or(&self.monitor);
        let lower = match self.mode.as_str() {
            "min" => true,
            "max" => false,
            _ if name == "loss" || name.ends_with("_loss") => true,
            _ if ["accuracy", "acc", "auc", "precision", "recall", "iou"].iter().any(|m| name.contains(m)) => false,
            _ if ["error", "mse", "mae", "hinge", "crossentropy"].iter().any(|m| name.contains(m)) => true,
            _ => {
                return Err(Error::value(format!(
                    "{callback} callback received monitor={}, but keras-rs isn't able to automatically determine \
                     whether that metric should be maximized or minimized. Pass `mode(\"max\")` in order to monitor \
                     based on the highest metric value, or pass `mode(\"min\")` in order to use the lowest value.",
                    self.monitor
                )));
            }
        };
        self.lower = Some(lower);
        Ok(lower)
    }

    /// Keras' `_is_improvement`: `current + min_delta < reference` (lower is better) or
    /// `current + min_delta > reference`; any value improves on no reference.
    pub(crate) fn is_improvement(&mut self, callback: &str, current: f64, reference: Option<f64>) -> Result<bool> {
        let lower = self.direction(callback)?;
        let Some(reference) = reference else { return Ok(true) };
        let delta = self.min_delta.abs();
        Ok(if lower { current + delta < reference } else { current - delta > reference })
    }

    /// The monitored value, or a warning listing what is available.
    pub(crate) fn value(&self, logs: &Logs, what: &str) -> Option<f64> {
        let v = logs.get(&self.monitor).copied();
        if v.is_none() {
            let keys: Vec<&str> = logs.keys().map(String::as_str).collect();
            errln!(
                "WARNING: {what} conditioned on metric `{}` which is not available. Available metrics are: {}",
                self.monitor,
                keys.join(",")
            );
        }
        v
    }
}

/// The builders of a callback with a `m: Monitor` field: `monitor`, `mode`, and with
/// `min_delta` also `min_delta`.
macro_rules! monitor_builders {
    () => {
        /// The logged quantity to watch (default `val_loss`).
        pub fn monitor(mut self, monitor: &str) -> Self {
            self.m.monitor = monitor.to_string();
            self
        }
        /// `"auto"` (the direction from the metric's name), `"min"` or `"max"`.
        pub fn mode(mut self, mode: &str) -> Self {
            self.m.mode = mode.to_string();
            self
        }
    };
    (min_delta) => {
        $crate::callbacks::monitor::monitor_builders!();
        /// The smallest change that counts as an improvement.
        pub fn min_delta(mut self, min_delta: f64) -> Self {
            self.m.min_delta = min_delta.abs();
            self
        }
    };
}
pub(crate) use monitor_builders;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_and_min_delta_follow_keras() {
        let mut m = Monitor::new("val_loss");
        m.min_delta = 0.1;
        assert!(m.is_improvement("T", 1.0, None).unwrap());
        assert!(m.is_improvement("T", 0.85, Some(1.0)).unwrap());
        assert!(!m.is_improvement("T", 0.95, Some(1.0)).unwrap());
        let mut acc = Monitor::new("val_accuracy");
        assert!(acc.is_improvement("T", 0.9, Some(0.8)).unwrap());
        assert!(!acc.is_improvement("T", 0.8, Some(0.8)).unwrap());
        let mut odd = Monitor::new("val_thing");
        assert!(odd.is_improvement("T", 1.0, Some(2.0)).unwrap_err().to_string().contains("mode(\"max\")"));
    }
}
