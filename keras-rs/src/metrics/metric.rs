//! The `Metric` trait: per-row values whose mean over an epoch Keras reports.

use burn::tensor::Tensor;

/// A Keras metric of the "mean of per-sample values" kind (`MeanMetricWrapper`): each row
/// yields a value, and the reported metric is the running mean over all rows seen since the
/// last reset (an epoch, or one `evaluate`).
pub trait Metric: std::fmt::Debug + Send + Sync {
    /// The default name logs use (`"accuracy"`, `"mae"`).
    fn name(&self) -> String;
    /// Keras' class name.
    fn class_name(&self) -> &'static str;
    /// Whether targets are class indices (one column).
    fn is_sparse(&self) -> bool {
        false
    }
    /// Per-row values `[rows]` for targets and predictions `[rows, classes]`.
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1>;
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn Metric>;
}

impl Clone for Box<dyn Metric> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}
