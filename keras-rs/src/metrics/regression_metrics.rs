//! Regression metrics (Keras' `regression_metrics.py`): `MeanSquaredError`, `MeanAbsoluteError`.

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
