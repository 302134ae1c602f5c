//! Regression metrics (Keras' `regression_metrics.py`): `MeanSquaredError`, `MeanAbsoluteError`,
//! `R2Score`.

use burn::tensor::Tensor;

use super::Metric;
use crate::losses::{self, Loss};

/// Keras' `MeanSquaredError` metric (`"mse"`): the running mean of per-row squared errors.
///
/// ```
/// use keras_rs::metrics::{MeanSquaredError, Metric};
/// assert_eq!(MeanSquaredError::new().name(), "mean_squared_error");
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MeanSquaredError;

impl MeanSquaredError {
    /// The metric.
    pub fn new() -> Self {
        MeanSquaredError
    }
}

impl Metric for MeanSquaredError {
    fn name(&self) -> String {
        "mean_squared_error".into()
    }
    fn class_name(&self) -> &'static str {
        "MeanSquaredError"
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        losses::MeanSquaredError.per_row(y_true, y_pred)
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(*self)
    }
}

/// Keras' `MeanAbsoluteError` metric (`"mae"`): the running mean of per-row absolute errors.
///
/// ```
/// use keras_rs::metrics::{MeanAbsoluteError, Metric};
/// assert_eq!(MeanAbsoluteError::new().name(), "mean_absolute_error");
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MeanAbsoluteError;

impl MeanAbsoluteError {
    /// The metric.
    pub fn new() -> Self {
        MeanAbsoluteError
    }
}

impl Metric for MeanAbsoluteError {
    fn name(&self) -> String {
        "mean_absolute_error".into()
    }
    fn class_name(&self) -> &'static str {
        "MeanAbsoluteError"
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        losses::MeanAbsoluteError.per_row(y_true, y_pred)
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(*self)
    }
}

/// Keras' `R2Score(class_aggregation="uniform_average", num_regressors=0)`: the coefficient of
/// determination `1 - SS_res / SS_tot` per output column over the epoch, averaged uniformly or
/// weighted by each column's variance (`"variance_weighted_average"`); with `num_regressors`,
/// the adjusted R². Keras' `class_aggregation=None` (one score per column) is refused: keras-rs'
/// logs hold one number per metric.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::metrics::{Metric, R2Score};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[1.0], [4.0], [3.0]], &d);
/// let p = Tensor::<2>::from_floats([[2.0], [4.0], [4.0]], &d);
/// let r2 = R2Score::new();
/// let stats = r2.batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
/// assert!((r2.result(&stats) - 0.57142854).abs() < 1e-6); // Keras' docstring example
/// ```
#[derive(Clone, Debug)]
pub struct R2Score {
    class_aggregation: Option<String>,
    num_regressors: usize,
}

impl Default for R2Score {
    fn default() -> Self {
        R2Score { class_aggregation: Some("uniform_average".into()), num_regressors: 0 }
    }
}

impl R2Score {
    /// Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// `"uniform_average"` (default) or `"variance_weighted_average"`.
    pub fn class_aggregation(mut self, aggregation: &str) -> Self {
        self.class_aggregation = Some(aggregation.to_string());
        self
    }
    /// The number of independent variables, for the adjusted R² (default 0: plain R²).
    pub fn num_regressors(mut self, n: usize) -> Self {
        self.num_regressors = n;
        self
    }

    /// Reads Keras' config.
    pub(crate) fn from_config(config: &serde_json::Value) -> crate::error::Result<Self> {
        use crate::error::Error;
        let aggregation = match config.get("class_aggregation") {
            None => Some("uniform_average".to_string()),
            Some(serde_json::Value::Null) => None,
            Some(v) => Some(v.as_str().ok_or_else(|| Error::Format(format!("invalid class_aggregation: {v}")))?.into()),
        };
        let num_regressors = match config.get("num_regressors") {
            None | Some(serde_json::Value::Null) => 0,
            Some(v) => v.as_u64().ok_or_else(|| {
                Error::value(format!(
                    "Invalid value for argument `num_regressors`. Expected a value >= 0. Received: num_regressors={v}"
                ))
            })? as usize,
        };
        let metric = R2Score { class_aggregation: aggregation, num_regressors };
        metric.validate()?;
        Ok(metric)
    }

    /// Keras' check of `class_aggregation`, and the refusal of `None`.
    fn validate(&self) -> crate::error::Result<()> {
        match self.class_aggregation.as_deref() {
            Some("uniform_average" | "variance_weighted_average") => Ok(()),
            Some(other) => Err(crate::error::Error::value(format!(
                "Invalid value for argument `class_aggregation`. Expected one of (None, 'uniform_average', \
                 'variance_weighted_average'). Received: class_aggregation={other}"
            ))),
            None => Err(crate::error::Error::value(
                "R2Score with class_aggregation=None gives one score per output, which keras-rs' logs (one number \
                 per metric) cannot hold: pass \"uniform_average\" or \"variance_weighted_average\"",
            )),
        }
    }
}

impl Metric for R2Score {
    fn check(&self) -> crate::error::Result<()> {
        self.validate()
    }
    fn name(&self) -> String {
        "r2_score".into()
    }
    fn class_name(&self) -> &'static str {
        "R2Score"
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({"class_aggregation": self.class_aggregation, "num_regressors": self.num_regressors})
    }
    fn batch_stats(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Option<Tensor<1>> {
        let [rows, columns] = y_true.dims();
        let residual = (y_true.clone() - y_pred).powi_scalar(2).sum_dim(0);
        let count = Tensor::<2>::full([1, columns], rows as f32, &y_true.device());
        // [sum, squared sum, residual, count] per output column
        let stats = vec![y_true.clone().sum_dim(0), y_true.powi_scalar(2).sum_dim(0), residual, count];
        Some(Tensor::cat(stats, 1).reshape([4 * columns]))
    }
    fn result(&self, stats: &[f32]) -> f64 {
        let columns = stats.len() / 4;
        if columns == 0 {
            return 0.0; // no batch seen
        }
        let at = |i: usize, c: usize| stats[i * columns + c] as f64;
        let (mut scores, mut totals) = (Vec::new(), Vec::new());
        for c in 0..columns {
            let (sum, squared, residual, count) = (at(0, c), at(1, c), at(2, c), at(3, c));
            let total = squared - sum * (sum / count);
            let raw = 1.0 - residual / total;
            scores.push(if raw.is_infinite() { 0.0 } else { raw });
            totals.push(total);
        }
        let r2 = if self.class_aggregation.as_deref() == Some("variance_weighted_average") {
            scores.iter().zip(&totals).map(|(s, t)| s * t).sum::<f64>() / totals.iter().sum::<f64>()
        } else {
            scores.iter().sum::<f64>() / columns as f64
        };
        // Keras counts every value (rows × columns) as a sample; with too few it keeps plain R².
        let (n, p) = ((0..columns).map(|c| at(3, c)).sum::<f64>(), self.num_regressors as f64);
        if p != 0.0 && p < n - 1.0 { 1.0 - (1.0 - r2) * (n - 1.0) / (n - p - 1.0) } else { r2 }
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(self.clone())
    }
}
