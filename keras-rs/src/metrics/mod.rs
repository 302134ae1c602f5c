//! Keras metrics (`keras.metrics`): accuracy and regression metrics, lookup by name.

mod accuracy_metrics;
mod lookup;
mod metric;
mod regression_metrics;

pub use accuracy_metrics::{BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy};
pub use lookup::{MetricSpec, get, resolve, validate};
pub use metric::Metric;
pub use regression_metrics::{MeanAbsoluteError, MeanSquaredError};
