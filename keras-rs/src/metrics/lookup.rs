//! Metrics by Keras name, and Keras' resolution of `"accuracy"` from the data's shapes.

use super::*;
use crate::error::{Error, Result};

/// What `compile` takes as a metric: a Keras name or a metric object.
#[derive(Debug, Clone)]
pub enum MetricSpec {
    /// A Keras name (`"accuracy"`, `"mae"`, ...); logs use this string.
    Name(String),
    /// A metric object; logs use its [`Metric::name`].
    Metric(Box<dyn Metric>),
}

impl From<&str> for MetricSpec {
    fn from(name: &str) -> Self {
        MetricSpec::Name(name.to_string())
    }
}

impl From<&&str> for MetricSpec {
    fn from(name: &&str) -> Self {
        MetricSpec::Name(name.to_string())
    }
}

impl From<String> for MetricSpec {
    fn from(name: String) -> Self {
        MetricSpec::Name(name)
    }
}

macro_rules! metric_spec_from {
    ($($t:ty),*) => {$(
        impl From<$t> for MetricSpec {
            fn from(m: $t) -> Self {
                MetricSpec::Metric(Box::new(m))
            }
        }
    )*};
}
metric_spec_from!(
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    MeanSquaredError,
    MeanAbsoluteError,
    Precision,
    Recall,
    AUC,
    TopKCategoricalAccuracy,
    MeanIoU
);

/// Looks a metric up by Keras name (`"accuracy"` needs shapes: see [`resolve`]).
///
/// ```
/// assert_eq!(keras_rs::metrics::get("mae").unwrap().name(), "mean_absolute_error");
/// assert!(keras_rs::metrics::get("f1").is_err());
/// ```
pub fn get(name: &str) -> Result<Box<dyn Metric>> {
    Ok(match name {
        "binary_accuracy" | "BinaryAccuracy" => Box::new(BinaryAccuracy::new()),
        "categorical_accuracy" | "CategoricalAccuracy" => Box::new(CategoricalAccuracy::new()),
        "sparse_categorical_accuracy" | "SparseCategoricalAccuracy" => Box::new(SparseCategoricalAccuracy::new()),
        "mse" | "mean_squared_error" | "MeanSquaredError" => Box::new(MeanSquaredError::new()),
        "mae" | "mean_absolute_error" | "MeanAbsoluteError" => Box::new(MeanAbsoluteError::new()),
        "precision" | "Precision" => Box::new(Precision::new()),
        "recall" | "Recall" => Box::new(Recall::new()),
        "auc" | "AUC" => Box::new(AUC::new()),
        "top_k_categorical_accuracy" | "TopKCategoricalAccuracy" => Box::new(TopKCategoricalAccuracy::new()),
        "sparse_top_k_categorical_accuracy" | "SparseTopKCategoricalAccuracy" => {
            Box::new(TopKCategoricalAccuracy::sparse())
        }
        other => {
            return Err(Error::UnknownIdentifier(format!(
                "Could not interpret metric identifier: '{other}'. Known metrics: accuracy, acc, binary_accuracy, \
                 categorical_accuracy, sparse_categorical_accuracy, mse, mae, precision, recall, auc, \
                 top_k_categorical_accuracy, sparse_top_k_categorical_accuracy (MeanIoU needs num_classes: pass \
                 MeanIoU::new(n))"
            )));
        }
    })
}

/// Checks a spec's name without data (used by `compile`).
pub fn validate(spec: &MetricSpec) -> Result<()> {
    match spec {
        MetricSpec::Name(n) if n == "accuracy" || n == "acc" => Ok(()),
        MetricSpec::Name(n) => get(n).map(|_| ()),
        MetricSpec::Metric(_) => Ok(()),
    }
}

/// Keras' `get_metric`: resolves a spec for targets of rank `y_rank` with last axis `y_last`
/// and predictions of rank `p_rank` with last axis `p_last`. Returns the log name and metric.
pub fn resolve(
    spec: &MetricSpec,
    y_rank: usize,
    y_last: usize,
    p_rank: usize,
    p_last: usize,
) -> Result<(String, Box<dyn Metric>)> {
    match spec {
        MetricSpec::Metric(m) => Ok((m.name(), m.clone())),
        MetricSpec::Name(n) if n == "accuracy" || n == "acc" => {
            let is_binary = p_last == 1;
            let is_sparse = y_rank < p_rank || (y_last == 1 && p_last > 1);
            let m: Box<dyn Metric> = if is_binary {
                Box::new(BinaryAccuracy::new())
            } else if is_sparse {
                Box::new(SparseCategoricalAccuracy::new())
            } else {
                Box::new(CategoricalAccuracy::new())
            };
            Ok((n.clone(), m))
        }
        MetricSpec::Name(n) => Ok((n.clone(), get(n)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_resolves_like_keras() {
        let acc = MetricSpec::from("accuracy");
        assert_eq!(resolve(&acc, 1, 8, 2, 10).unwrap().1.class_name(), "SparseCategoricalAccuracy");
        assert_eq!(resolve(&acc, 2, 1, 2, 10).unwrap().1.class_name(), "SparseCategoricalAccuracy");
        assert_eq!(resolve(&acc, 2, 10, 2, 10).unwrap().1.class_name(), "CategoricalAccuracy");
        assert_eq!(resolve(&acc, 2, 1, 2, 1).unwrap().1.class_name(), "BinaryAccuracy");
        assert_eq!(resolve(&acc, 2, 1, 2, 1).unwrap().0, "accuracy");
        assert!(validate(&MetricSpec::from("f1")).unwrap_err().to_string().contains("'f1'"));
    }
}
