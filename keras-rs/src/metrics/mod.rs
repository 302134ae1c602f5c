//! Keras metrics (`keras.metrics`): accuracy, regression (incl. R²), confusion (precision,
//! recall, AUC, the sensitivity/specificity trade-offs), F-scores and IoU metrics, lookup by name.

mod accuracy_metrics;
mod confusion_metrics;
mod f_score_metrics;
mod iou_metrics;
mod lookup;
mod loss_metrics;
mod metric;
mod regression_metrics;

pub use accuracy_metrics::{BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy};
pub use confusion_metrics::{
    AUC, Precision, PrecisionAtRecall, Recall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
};
pub use f_score_metrics::{F1Score, FBetaScore};
pub use iou_metrics::MeanIoU;
pub use lookup::{MetricSpec, from_config, get, resolve, validate};
pub use loss_metrics::LossMetric;
pub use metric::Metric;
pub use regression_metrics::{MeanAbsoluteError, MeanSquaredError, R2Score};
