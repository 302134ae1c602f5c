//! `History`: what `fit` returns, the per-epoch logs.

use std::collections::BTreeMap;

use super::callback::{Callback, Logs, ModelHandle};
use crate::error::Result;

/// Keras' `History` object: `history["loss"]` is the loss of each epoch, and so on for every
/// logged metric (`accuracy`, `val_loss`, ...). Keys are in Keras' (alphabetical) order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Metric name -> one value per epoch.
    pub history: BTreeMap<String, Vec<f64>>,
    /// The epoch indices that ran (0-based, `initial_epoch` first).
    pub epoch: Vec<usize>,
}

impl History {
    /// Appends one epoch's logs.
    pub fn record(&mut self, epoch: usize, logs: &BTreeMap<String, f64>) {
        self.epoch.push(epoch);
        for (k, v) in logs {
            self.history.entry(k.clone()).or_default().push(*v);
        }
    }

    /// Draws the training curves (Keras users plot `history.history` with matplotlib): a PNG
    /// or SVG (by extension) with one panel per metric, training and validation per epoch.
    ///
    /// ```
    /// let mut h = keras_rs::callbacks::History::default();
    /// for (e, (l, v)) in [(1.0, 1.2), (0.6, 0.9), (0.4, 0.8)].into_iter().enumerate() {
    ///     h.record(e, &[("loss".to_string(), l), ("val_loss".to_string(), v)].into_iter().collect());
    /// }
    /// let path = std::env::temp_dir().join("keras_rs_history_doc.svg");
    /// h.plot(&path).unwrap();
    /// assert!(std::fs::read_to_string(&path).unwrap().contains("validation"));
    /// assert!(h.plot("history.gif").is_err());
    /// ```
    pub fn plot(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        crate::utils::plot_history(self, path.as_ref())
    }

    /// The values of one metric (empty if it was not logged).
    pub fn get(&self, name: &str) -> &[f64] {
        self.history.get(name).map_or(&[], |v| v.as_slice())
    }
}

/// `fit` calls `History` last, so it records what every other callback added to the logs.
impl Callback for History {
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, _model: &mut dyn ModelHandle) -> Result<()> {
        self.record(epoch, logs);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_per_epoch() {
        let mut h = History::default();
        h.record(0, &BTreeMap::from([("loss".to_string(), 1.0)]));
        h.record(1, &BTreeMap::from([("loss".to_string(), 0.5)]));
        assert_eq!(h.get("loss"), &[1.0, 0.5]);
        assert!(h.get("accuracy").is_empty());
        assert_eq!(h.epoch, vec![0, 1]);
    }
}
