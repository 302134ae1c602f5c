//! F-scores (Keras' `f_score_metrics.py`): `FBetaScore` and `F1Score`, from per-class true
//! positive, false positive and false negative counts summed over the epoch.

use burn::tensor::Tensor;

use super::metric::Metric;
use crate::error::{Error, Result};
use crate::losses::EPSILON;

/// Keras' `FBetaScore(average=None, beta=1.0, threshold=None)`: the weighted harmonic mean of
/// precision and recall, `(1 + beta²) · p · r / (beta² · p + r)`, per class and then averaged —
/// `"micro"` (global counts), `"macro"` (mean over classes) or `"weighted"` (by each class's
/// number of true instances). Keras' default `average=None` gives one score per class, which
/// keras-rs' logs (one number per metric) cannot hold: it is refused when the metric is
/// compiled or loaded. With `threshold=None` the highest prediction of each row counts as
/// positive, else every prediction above `threshold`.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::metrics::{FBetaScore, Metric};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], &d);
/// let p = Tensor::<2>::from_floats([[0.9, 0.1, 0.8], [0.6, 0.9, 0.4], [0.4, 0.1, 0.7]], &d);
/// let f = FBetaScore::new().average("macro").beta(2.0).threshold(0.5);
/// let stats = f.batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
/// assert!((f.result(&stats) - 0.44444442).abs() < 1e-6); // Keras 3.15 on these values
/// ```
#[derive(Clone, Debug)]
pub struct FBetaScore {
    average: Option<String>,
    beta: f64,
    threshold: Option<f32>,
    /// `F1Score` (beta 1, no `beta` in its config) or `FBetaScore`.
    f1: bool,
}

impl Default for FBetaScore {
    fn default() -> Self {
        FBetaScore { average: None, beta: 1.0, threshold: None, f1: false }
    }
}

/// Keras' `F1Score(average=None, threshold=None)`: [`FBetaScore`] with `beta = 1`.
///
/// ```
/// use keras_rs::metrics::{F1Score, Metric};
/// let f1 = F1Score::new().average("weighted");
/// assert_eq!((f1.name(), f1.class_name()), ("f1_score".to_string(), "F1Score"));
/// ```
pub struct F1Score;

impl F1Score {
    /// Keras' defaults (`average=None`: set `average` before compiling).
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> FBetaScore {
        FBetaScore { f1: true, ..FBetaScore::default() }
    }
}

impl FBetaScore {
    /// Keras' defaults (`average=None`, `beta=1.0`: set `average` before compiling).
    pub fn new() -> Self {
        Self::default()
    }
    /// `"micro"`, `"macro"` or `"weighted"`.
    pub fn average(mut self, average: &str) -> Self {
        self.average = Some(average.to_string());
        self
    }
    /// The weight of recall (default 1.0).
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }
    /// Predictions above `threshold` are positive (default: each row's highest).
    pub fn threshold(mut self, threshold: f32) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// Reads Keras' `FBetaScore` (or, with `f1`, `F1Score`) config.
    pub(crate) fn from_config(config: &serde_json::Value, f1: bool) -> Result<Self> {
        let class = if f1 { "F1Score" } else { "FBetaScore" };
        let read = |key: &str| config.get(key).filter(|v| !v.is_null());
        let invalid = |key: &str, v: &serde_json::Value| Error::Format(format!("invalid `{key}` of {class}: {v}"));
        let mut metric = if f1 { F1Score::new() } else { FBetaScore::new() };
        if let Some(v) = read("average") {
            metric.average = Some(v.as_str().ok_or_else(|| invalid("average", v))?.to_string());
        }
        if let Some(v) = read("beta").filter(|_| !f1) {
            metric.beta = v.as_f64().ok_or_else(|| invalid("beta", v))?;
        }
        if let Some(v) = read("threshold") {
            metric.threshold = Some(v.as_f64().ok_or_else(|| invalid("threshold", v))? as f32);
        }
        metric.validate()?;
        Ok(metric)
    }

    /// Keras' argument checks, and the refusal of `average=None`.
    fn validate(&self) -> Result<()> {
        match self.average.as_deref() {
            Some("micro" | "macro" | "weighted") => {}
            Some(other) => {
                return Err(Error::value(format!(
                    "Invalid `average` argument value. Expected one of: {{None, 'micro', 'macro', 'weighted'}}. \
                     Received: average={other}"
                )));
            }
            None => {
                return Err(Error::value(format!(
                    "{} with average=None gives one score per class, which keras-rs' logs (one number per metric) \
                     cannot hold: pass average \"micro\", \"macro\" or \"weighted\"",
                    self.class_name()
                )));
            }
        }
        if self.beta <= 0.0 {
            return Err(Error::value(format!(
                "Invalid `beta` argument value. It should be > 0. Received: beta={}",
                self.beta
            )));
        }
        if let Some(t) = self.threshold.filter(|t| *t > 1.0 || *t <= 0.0) {
            return Err(Error::value(format!(
                "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. Received: threshold={t}"
            )));
        }
        Ok(())
    }
}

impl Metric for FBetaScore {
    fn check(&self) -> crate::error::Result<()> {
        self.validate()
    }
    fn name(&self) -> String {
        if self.f1 { "f1_score" } else { "fbeta_score" }.into()
    }
    fn class_name(&self) -> &'static str {
        if self.f1 { "F1Score" } else { "FBetaScore" }
    }
    fn config(&self) -> serde_json::Value {
        let mut config = serde_json::json!({"average": self.average, "threshold": self.threshold});
        if !self.f1 {
            config["beta"] = self.beta.into();
        }
        config
    }
    fn batch_stats(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Option<Tensor<1>> {
        let positive = match self.threshold {
            Some(t) => y_pred.greater_elem(t),
            // Keras: the row's maximum (ties all count), unless it is (nearly) zero.
            None => {
                let max = y_pred.clone().max_dim(1).expand(y_pred.dims());
                y_pred.clone().greater_equal(max).bool_and(y_pred.abs().greater_elem(1e-9))
            }
        };
        let (pred, truth) = (positive.float(), y_true);
        let tp = (pred.clone() * truth.clone()).sum_dim(0);
        let fp = pred.clone().sum_dim(0) - tp.clone();
        let fneg = truth.clone().sum_dim(0) - tp.clone();
        let classes = tp.dims()[1];
        // [tp per class, fp per class, fn per class, true instances per class]
        Some(Tensor::cat(vec![tp, fp, fneg, truth.sum_dim(0)], 1).reshape([4 * classes]))
    }
    fn result(&self, stats: &[f32]) -> f64 {
        let classes = stats.len() / 4;
        if classes == 0 {
            return 0.0; // no batch seen
        }
        let column = |i: usize| stats[i * classes..(i + 1) * classes].iter().map(|&v| v as f64);
        let (tp, fp, fneg, support): (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) =
            (column(0).collect(), column(1).collect(), column(2).collect(), column(3).collect());
        let b2 = self.beta * self.beta;
        let score = |tp: f64, fp: f64, fneg: f64| {
            let precision = tp / (tp + fp + EPSILON);
            let recall = tp / (tp + fneg + EPSILON);
            precision * recall / (b2 * precision + recall + EPSILON) * (1.0 + b2)
        };
        let sum = |v: &[f64]| v.iter().sum::<f64>();
        match self.average.as_deref() {
            Some("micro") => score(sum(&tp), sum(&fp), sum(&fneg)),
            Some("weighted") => {
                let total = sum(&support) + EPSILON;
                (0..classes).map(|c| score(tp[c], fp[c], fneg[c]) * support[c] / total).sum()
            }
            _ => (0..classes).map(|c| score(tp[c], fp[c], fneg[c])).sum::<f64>() / classes as f64,
        }
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_docstring_values_and_refusals() {
        // Python Keras 3.15 on the same values: 0.38888884.
        let d = crate::backends::default_device();
        let t = Tensor::<2>::from_floats([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], &d);
        let p = Tensor::<2>::from_floats([[0.9, 0.1, 0.8], [0.6, 0.9, 0.4], [0.4, 0.1, 0.7]], &d);
        let f1 = F1Score::new().average("macro").threshold(0.5);
        let stats = f1.batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
        assert!((f1.result(&stats) - 0.38888884).abs() < 1e-6);
        let err = F1Score::new().check().unwrap_err().to_string();
        assert!(err.contains("F1Score with average=None"), "{err}");
        assert!(FBetaScore::new().average("macro").beta(0.0).check().is_err());
        assert_eq!(FBetaScore::new().result(&[]), 0.0);
    }
}
