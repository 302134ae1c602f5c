//! The `Metric` trait: per-row values whose mean over an epoch Keras reports, or statistics
//! summed over the epoch (confusion counts) that give the result.

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
    /// Per-row values `[rows]` for targets and predictions `[rows, classes]` (mean metrics;
    /// streaming metrics implement [`Metric::batch_stats`] instead and keep this default).
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let _ = y_true;
        y_pred.sum_dim(1).reshape([-1]).zeros_like()
    }
    /// Streaming metrics (`Precision`, `Recall`, `AUC`, `MeanIoU`): one batch's statistics,
    /// summed over the epoch and turned into the value by [`Metric::result`]. `None` (the
    /// default): the metric is the mean of [`Metric::per_row`].
    fn batch_stats(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Option<Tensor<1>> {
        let _ = (y_true, y_pred);
        None
    }
    /// The value from the summed [`Metric::batch_stats`].
    fn result(&self, stats: &[f32]) -> f64 {
        let _ = stats;
        0.0
    }
    /// Keras' config entries besides `name` and `dtype` (`{"k": 5}`), written to and compared
    /// with compile configs.
    fn config(&self) -> serde_json::Value {
        serde_json::json!({})
    }
    /// Keras' argument checks, run by `compile` (a metric built with invalid arguments, or with
    /// ones keras-rs cannot report, is refused there).
    fn check(&self) -> crate::error::Result<()> {
        Ok(())
    }
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn Metric>;
}

impl Clone for Box<dyn Metric> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}
