//! Streaming metrics from confusion counts (Keras' `confusion_metrics.py`): `Precision`,
//! `Recall`, `AUC`, and the sensitivity/specificity and precision/recall trade-offs
//! (`SensitivityAtSpecificity`, `SpecificityAtSensitivity`, `PrecisionAtRecall`,
//! `RecallAtPrecision`). Each batch adds its counts; the result is computed from the epoch's totals.

use burn::tensor::Tensor;

use super::metric::Metric;

/// Keras' `divide_no_nan`.
fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// Predicted positive (`y_pred > threshold`) and actual positive (`y_true != 0`) as 0/1 floats,
/// over every element (Keras flattens multi-label targets).
fn flags(y_true: Tensor<2>, y_pred: Tensor<2>, threshold: f32) -> (Tensor<1>, Tensor<1>) {
    let n = y_pred.dims().iter().product::<usize>();
    (y_pred.greater_elem(threshold).float().reshape([n]), y_true.not_equal_elem(0.0).float().reshape([n]))
}

/// `[tp, fp, fn]` at `threshold`.
fn counts(y_true: Tensor<2>, y_pred: Tensor<2>, threshold: f32) -> Tensor<1> {
    let (pred, truth) = flags(y_true, y_pred, threshold);
    let tp = (pred.clone() * truth.clone()).sum();
    let fp = pred.sum() - tp.clone();
    let fn_ = truth.sum() - tp.clone();
    Tensor::cat(vec![tp, fp, fn_], 0)
}

macro_rules! threshold_metric {
    ($(#[$doc:meta])* $name:ident, $class:literal, $log:literal, |$tp:ident, $fp:ident, $fneg:ident| $result:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name {
            threshold: f32,
        }

        impl Default for $name {
            fn default() -> Self {
                $name { threshold: 0.5 }
            }
        }

        impl $name {
            /// Keras' default threshold 0.5.
            pub fn new() -> Self {
                Self::default()
            }
            /// The threshold above which a prediction counts as positive.
            pub fn thresholds(mut self, threshold: f32) -> Self {
                self.threshold = threshold;
                self
            }
        }

        impl Metric for $name {
            fn name(&self) -> String {
                $log.into()
            }
            fn class_name(&self) -> &'static str {
                $class
            }
            fn config(&self) -> serde_json::Value {
                serde_json::json!({"thresholds": self.threshold, "top_k": null, "class_id": null})
            }
            fn batch_stats(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Option<Tensor<1>> {
                Some(counts(y_true, y_pred, self.threshold))
            }
            fn result(&self, stats: &[f32]) -> f64 {
                let [tp, fp, fneg] = stats else { return 0.0 }; // no batch seen
                let ($tp, $fp, $fneg) = (*tp as f64, *fp as f64, *fneg as f64);
                let _ = ($fp, $fneg);
                $result
            }
            fn clone_box(&self) -> Box<dyn Metric> {
                Box::new(*self)
            }
        }
    };
}

threshold_metric!(
    /// Keras' `Precision(thresholds=None)`: `tp / (tp + fp)` over the epoch, a prediction being
    /// positive when above 0.5 (or the given threshold), a target when non-zero.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::metrics::{Metric, Precision};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0], [1.0], [1.0], [1.0]], &d);
    /// let p = Tensor::<2>::from_floats([[1.0], [1.0], [0.0], [0.0]], &d);
    /// let stats = Precision::new().batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
    /// assert_eq!(Precision::new().result(&stats), 0.5); // Keras' docstring example
    /// ```
    Precision,
    "Precision",
    "precision",
    |tp, fp, fneg| ratio(tp, tp + fp)
);

threshold_metric!(
    /// Keras' `Recall(thresholds=None)`: `tp / (tp + fn)` over the epoch.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::metrics::{Metric, Recall};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0], [1.0], [1.0], [1.0]], &d);
    /// let p = Tensor::<2>::from_floats([[1.0], [0.0], [1.0], [1.0]], &d);
    /// let stats = Recall::new().batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
    /// assert!((Recall::new().result(&stats) - 2.0 / 3.0).abs() < 1e-9);
    /// ```
    Recall,
    "Recall",
    "recall",
    |tp, fp, fneg| ratio(tp, tp + fneg)
);

/// Keras' `AUC(num_thresholds=200, curve="ROC", summation_method="interpolation")`: the
/// area under the ROC curve from true/false positive counts at `num_thresholds` thresholds
/// (`-1e-7`, `1/(n-1)`, ..., `1 + 1e-7`), accumulated over the epoch. (Keras' `curve="PR"`,
/// with its interpolated PR-AUC, is not implemented.)
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::metrics::{AUC, Metric};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0], [0.0], [1.0], [1.0]], &d);
/// let p = Tensor::<2>::from_floats([[0.0], [0.5], [0.3], [0.9]], &d);
/// let auc = AUC::new().num_thresholds(3);
/// let stats = auc.batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
/// assert_eq!(auc.result(&stats), 0.75); // Keras' docstring example
/// ```
#[derive(Clone, Debug)]
pub struct AUC {
    num_thresholds: usize,
}

impl Default for AUC {
    fn default() -> Self {
        AUC { num_thresholds: 200 }
    }
}

impl AUC {
    /// Keras' defaults (200 thresholds, ROC).
    pub fn new() -> Self {
        Self::default()
    }
    /// The number of thresholds (at least 2).
    pub fn num_thresholds(mut self, n: usize) -> Self {
        self.num_thresholds = n.max(2);
        self
    }
    fn thresholds(&self) -> Vec<f32> {
        let n = self.num_thresholds;
        let mut t = vec![-1e-7f32];
        t.extend((0..n - 2).map(|i| (i + 1) as f32 / (n - 1) as f32));
        t.push(1.0 + 1e-7);
        t
    }
}

impl Metric for AUC {
    fn name(&self) -> String {
        "auc".into()
    }
    fn class_name(&self) -> &'static str {
        "AUC"
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({"num_thresholds": self.num_thresholds, "curve": "ROC", "summation_method": "interpolation",
                           "multi_label": false, "num_labels": null, "label_weights": null, "from_logits": false})
    }
    fn batch_stats(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Option<Tensor<1>> {
        Some(threshold_counts(y_true, y_pred, &self.thresholds()))
    }
    fn result(&self, stats: &[f32]) -> f64 {
        let t = self.num_thresholds;
        if stats.len() != 4 * t {
            return 0.0; // no batch seen
        }
        let at = |k: usize, i: usize| stats[k * t + i] as f64;
        // Every threshold sees all rows: positives tp + fn, negatives fp + tn.
        let (pos, neg) = (at(0, 0) + at(3, 0), at(1, 0) + at(2, 0));
        let (x, y): (Vec<f64>, Vec<f64>) = (0..t).map(|i| (ratio(at(1, i), neg), ratio(at(0, i), pos))).unzip();
        (0..t - 1).map(|i| (x[i] - x[i + 1]) * (y[i] + y[i + 1]) / 2.0).sum()
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(self.clone())
    }
}

/// Keras' thresholds of the sensitivity/specificity metrics: `0, 1/(n-1), ..., 1` (`0.5` for one).
fn even_thresholds(n: usize) -> Vec<f32> {
    if n == 1 {
        return vec![0.5];
    }
    let mut t = vec![0.0f32];
    t.extend((0..n - 2).map(|i| (i + 1) as f32 / (n - 1) as f32));
    t.push(1.0);
    t
}

/// `[tp, fp, tn, fn]` at each threshold (a prediction above it is positive), each `thresholds.len()` long.
fn threshold_counts(y_true: Tensor<2>, y_pred: Tensor<2>, thresholds: &[f32]) -> Tensor<1> {
    let t = thresholds.len();
    let n = y_pred.dims().iter().product::<usize>();
    let device = y_pred.device();
    let pred = y_pred.reshape([n, 1]).repeat_dim(1, t);
    let thr = Tensor::<1>::from_floats(thresholds, &device).reshape([1, t]).repeat_dim(0, n);
    let above = pred.greater(thr).float();
    let truth = y_true.not_equal_elem(0.0).float().reshape([n, 1]);
    let tp = (above.clone() * truth.clone().repeat_dim(1, t)).sum_dim(0).reshape([t]);
    let fp = above.sum_dim(0).reshape([t]) - tp.clone();
    let pos = truth.sum().repeat_dim(0, t);
    let fneg = pos.clone() - tp.clone();
    let tn = Tensor::<1>::full([t], n as f32, &device) - pos - fp.clone();
    Tensor::cat(vec![tp, fp, tn, fneg], 0)
}

macro_rules! constrained_metric {
    (
        $(#[$doc:meta])* $name:ident, $class:literal, $log:literal, $key:literal,
        |$tp:ident, $fp:ident, $tn:ident, $fneg:ident| ($constrained:expr, $dependent:expr)
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name {
            value: f64,
            num_thresholds: usize,
        }

        impl $name {
            #[doc = concat!("The metric at `", $key, "` (in [0, 1]), with Keras' 200 thresholds.")]
            pub fn new(value: f64) -> Self {
                $name { value, num_thresholds: 200 }
            }
            /// The number of thresholds (default 200).
            pub fn num_thresholds(mut self, n: usize) -> Self {
                self.num_thresholds = n;
                self
            }
            /// Reads Keras' config (`class_id` is refused by the config comparison).
            pub(crate) fn from_config(config: &serde_json::Value) -> $crate::error::Result<Self> {
                let value = config.get($key).and_then(serde_json::Value::as_f64).ok_or_else(|| {
                    $crate::error::Error::Format(format!(concat!($class, " needs a number `", $key, "`: {}"), config))
                })?;
                let mut metric = $name::new(value);
                if let Some(n) = config.get("num_thresholds").and_then(serde_json::Value::as_u64) {
                    metric.num_thresholds = n as usize;
                }
                metric.validate()?;
                Ok(metric)
            }
            /// Keras' argument checks.
            fn validate(&self) -> $crate::error::Result<()> {
                if !(0.0..=1.0).contains(&self.value) {
                    return Err($crate::error::Error::value(format!(
                        concat!("Argument `", $key, "` must be in the range [0, 1]. Received: ", $key, "={}"),
                        self.value
                    )));
                }
                if self.num_thresholds == 0 {
                    return Err($crate::error::Error::value(
                        "Argument `num_thresholds` must be an integer > 0. Received: num_thresholds=0",
                    ));
                }
                Ok(())
            }
        }

        impl Metric for $name {
            fn check(&self) -> $crate::error::Result<()> {
                self.validate()
            }
            fn name(&self) -> String {
                $log.into()
            }
            fn class_name(&self) -> &'static str {
                $class
            }
            fn config(&self) -> serde_json::Value {
                serde_json::json!({"num_thresholds": self.num_thresholds, $key: self.value, "class_id": null})
            }
            fn batch_stats(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Option<Tensor<1>> {
                Some(threshold_counts(y_true, y_pred, &even_thresholds(self.num_thresholds)))
            }
            fn result(&self, stats: &[f32]) -> f64 {
                let t = stats.len() / 4;
                // The best dependent value over the thresholds where the constraint holds (0 if none).
                (0..t)
                    .filter_map(|i| {
                        let at = |k: usize| stats[k * t + i] as f64;
                        let ($tp, $fp, $tn, $fneg) = (at(0), at(1), at(2), at(3));
                        let _ = ($fp, $tn);
                        let (constrained, dependent) = ($constrained, $dependent);
                        (constrained >= self.value).then_some(dependent)
                    })
                    .fold(0.0, f64::max)
            }
            fn clone_box(&self) -> Box<dyn Metric> {
                Box::new(self.clone())
            }
        }
    };
}

constrained_metric!(
    /// Keras' `SensitivityAtSpecificity(specificity, num_thresholds=200)`: the best sensitivity
    /// (`tp / (tp + fn)`) over the thresholds whose specificity (`tn / (tn + fp)`) is at least
    /// `specificity`.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::metrics::{Metric, SensitivityAtSpecificity};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0], [0.0], [0.0], [1.0], [1.0]], &d);
    /// let p = Tensor::<2>::from_floats([[0.0], [0.3], [0.8], [0.3], [0.8]], &d);
    /// let m = SensitivityAtSpecificity::new(0.5);
    /// let stats = m.batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
    /// assert_eq!(m.result(&stats), 0.5); // Keras' docstring example
    /// ```
    SensitivityAtSpecificity,
    "SensitivityAtSpecificity",
    "sensitivity_at_specificity",
    "specificity",
    |tp, fp, tn, fneg| (ratio(tn, tn + fp), ratio(tp, tp + fneg))
);

constrained_metric!(
    /// Keras' `SpecificityAtSensitivity(sensitivity, num_thresholds=200)`: the best specificity
    /// over the thresholds whose sensitivity is at least `sensitivity`.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::metrics::{Metric, SpecificityAtSensitivity};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0], [0.0], [0.0], [1.0], [1.0]], &d);
    /// let p = Tensor::<2>::from_floats([[0.0], [0.3], [0.8], [0.3], [0.8]], &d);
    /// let m = SpecificityAtSensitivity::new(0.5);
    /// let stats = m.batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
    /// assert!((m.result(&stats) - 2.0 / 3.0).abs() < 1e-9); // Keras' docstring example
    /// ```
    SpecificityAtSensitivity,
    "SpecificityAtSensitivity",
    "specificity_at_sensitivity",
    "sensitivity",
    |tp, fp, tn, fneg| (ratio(tp, tp + fneg), ratio(tn, tn + fp))
);

constrained_metric!(
    /// Keras' `PrecisionAtRecall(recall, num_thresholds=200)`: the best precision over the
    /// thresholds whose recall is at least `recall`.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::metrics::{Metric, PrecisionAtRecall};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0], [0.0], [0.0], [1.0], [1.0]], &d);
    /// let p = Tensor::<2>::from_floats([[0.0], [0.3], [0.8], [0.3], [0.8]], &d);
    /// let m = PrecisionAtRecall::new(0.5);
    /// let stats = m.batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
    /// assert_eq!(m.result(&stats), 0.5); // Keras' docstring example
    /// ```
    PrecisionAtRecall,
    "PrecisionAtRecall",
    "precision_at_recall",
    "recall",
    |tp, fp, tn, fneg| (ratio(tp, tp + fneg), ratio(tp, tp + fp))
);

constrained_metric!(
    /// Keras' `RecallAtPrecision(precision, num_thresholds=200)`: the best recall over the
    /// thresholds whose precision is at least `precision` (0 when none reaches it).
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::metrics::{Metric, RecallAtPrecision};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0], [0.0], [1.0], [1.0]], &d);
    /// let p = Tensor::<2>::from_floats([[0.0], [0.5], [0.3], [0.9]], &d);
    /// let m = RecallAtPrecision::new(0.8);
    /// let stats = m.batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
    /// assert_eq!(m.result(&stats), 0.5); // Keras' docstring example
    /// ```
    RecallAtPrecision,
    "RecallAtPrecision",
    "recall_at_precision",
    "precision",
    |tp, fp, tn, fneg| (ratio(tp, tp + fp), ratio(tp, tp + fneg))
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_before_any_batch_are_zero_not_a_panic() {
        assert_eq!(Precision::new().result(&[]), 0.0);
        assert_eq!(Recall::new().result(&[1.0]), 0.0);
        assert_eq!(AUC::new().result(&[]), 0.0);
        assert_eq!(crate::metrics::MeanIoU::new(3).result(&[1.0; 4]), 0.0);
    }
}
