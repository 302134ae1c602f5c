//! Metrics by Keras name, and Keras' resolution of `"accuracy"` from the data's shapes.

use super::*;
use crate::error::{Error, Result};
use crate::losses;

/// What `compile` takes as a metric: a Keras name or a metric object.
#[derive(Debug, Clone)]
#[non_exhaustive]
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
    MeanIoU,
    LossMetric,
    FBetaScore,
    R2Score,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    PrecisionAtRecall,
    RecallAtPrecision
);

/// Reads a metric class's Keras config.
type Reader = fn(&serde_json::Value) -> Result<Box<dyn Metric>>;

/// A metric config's number `key` (`None` when absent or `null`).
fn number(config: &serde_json::Value, key: &str) -> Option<f64> {
    config.get(key).and_then(serde_json::Value::as_f64)
}

/// The metrics keras-rs knows, one line each: Keras' class name, its function names, and how its
/// config is read. `get`, `from_config` and the "Known metrics" message come from here.
const METRICS: &[(&str, &[&str], Reader)] = &[
    ("BinaryAccuracy", &["binary_accuracy"], |c| {
        Ok(Box::new(BinaryAccuracy::new().threshold(number(c, "threshold").unwrap_or(0.5) as f32)))
    }),
    ("CategoricalAccuracy", &["categorical_accuracy"], |_| Ok(Box::new(CategoricalAccuracy::new()))),
    ("SparseCategoricalAccuracy", &["sparse_categorical_accuracy"], |_| Ok(Box::new(SparseCategoricalAccuracy::new()))),
    ("MeanSquaredError", &["mse", "mean_squared_error"], |_| Ok(Box::new(MeanSquaredError::new()))),
    ("MeanAbsoluteError", &["mae", "mean_absolute_error"], |_| Ok(Box::new(MeanAbsoluteError::new()))),
    ("Precision", &["precision"], |c| {
        Ok(Box::new(Precision::new().thresholds(number(c, "thresholds").unwrap_or(0.5) as f32)))
    }),
    ("Recall", &["recall"], |c| Ok(Box::new(Recall::new().thresholds(number(c, "thresholds").unwrap_or(0.5) as f32)))),
    ("AUC", &["auc"], |c| {
        Ok(Box::new(AUC::new().num_thresholds(number(c, "num_thresholds").unwrap_or(200.0) as usize)))
    }),
    ("TopKCategoricalAccuracy", &["top_k_categorical_accuracy"], |c| {
        Ok(Box::new(TopKCategoricalAccuracy::new().k(number(c, "k").unwrap_or(5.0) as usize)))
    }),
    ("SparseTopKCategoricalAccuracy", &["sparse_top_k_categorical_accuracy"], |c| {
        Ok(Box::new(TopKCategoricalAccuracy::sparse().k(number(c, "k").unwrap_or(5.0) as usize)))
    }),
    ("KLDivergence", &["kl_divergence", "kld", "KLD"], |_| {
        Ok(Box::new(LossMetric::new("KLDivergence", "kl_divergence", losses::KLDivergence)))
    }),
    ("Poisson", &["poisson"], |_| Ok(Box::new(LossMetric::new("Poisson", "poisson", losses::Poisson)))),
    ("MeanAbsolutePercentageError", &["mean_absolute_percentage_error", "mape", "MAPE"], |_| {
        let loss = losses::MeanAbsolutePercentageError;
        Ok(Box::new(LossMetric::new("MeanAbsolutePercentageError", "mean_absolute_percentage_error", loss)))
    }),
    ("MeanSquaredLogarithmicError", &["mean_squared_logarithmic_error", "msle", "MSLE"], |_| {
        let loss = losses::MeanSquaredLogarithmicError;
        Ok(Box::new(LossMetric::new("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", loss)))
    }),
    ("CosineSimilarity", &["cosine_similarity"], |_| Ok(Box::new(LossMetric::cosine_similarity()))),
    ("LogCoshError", &["log_cosh_error", "logcosh"], |_| {
        Ok(Box::new(LossMetric::new("LogCoshError", "logcosh", losses::LogCosh)))
    }),
    ("Hinge", &["hinge"], |_| Ok(Box::new(LossMetric::new("Hinge", "hinge", losses::Hinge)))),
    ("SquaredHinge", &["squared_hinge"], |_| {
        Ok(Box::new(LossMetric::new("SquaredHinge", "squared_hinge", losses::SquaredHinge)))
    }),
    ("CategoricalHinge", &["categorical_hinge"], |_| {
        Ok(Box::new(LossMetric::new("CategoricalHinge", "categorical_hinge", losses::CategoricalHinge)))
    }),
    ("BinaryCrossentropy", &["binary_crossentropy", "bce", "BCE"], |c| {
        let loss = losses::BinaryCrossentropy::from_config(c)?;
        Ok(Box::new(LossMetric::new("BinaryCrossentropy", "binary_crossentropy", loss)))
    }),
    ("CategoricalCrossentropy", &["categorical_crossentropy"], |c| {
        let loss = losses::CategoricalCrossentropy::from_config(c)?;
        Ok(Box::new(LossMetric::new("CategoricalCrossentropy", "categorical_crossentropy", loss)))
    }),
    ("SparseCategoricalCrossentropy", &["sparse_categorical_crossentropy"], |c| {
        let loss = losses::SparseCategoricalCrossentropy::from_config(c)?;
        Ok(Box::new(LossMetric::new("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy", loss)))
    }),
    ("F1Score", &["f1_score"], |c| Ok(Box::new(FBetaScore::from_config(c, true)?))),
    ("FBetaScore", &["fbeta_score"], |c| Ok(Box::new(FBetaScore::from_config(c, false)?))),
    ("R2Score", &["r2_score"], |c| Ok(Box::new(R2Score::from_config(c)?))),
    ("SensitivityAtSpecificity", &[], |c| Ok(Box::new(SensitivityAtSpecificity::from_config(c)?))),
    ("SpecificityAtSensitivity", &[], |c| Ok(Box::new(SpecificityAtSensitivity::from_config(c)?))),
    ("PrecisionAtRecall", &[], |c| Ok(Box::new(PrecisionAtRecall::from_config(c)?))),
    ("RecallAtPrecision", &[], |c| Ok(Box::new(RecallAtPrecision::from_config(c)?))),
    ("MeanIoU", &[], |c| {
        let num_classes = number(c, "num_classes")
            .ok_or_else(|| Error::value("MeanIoU needs `num_classes` (pass MeanIoU::new(n))".to_string()))?;
        let flag = |key: &str| c.get(key).and_then(serde_json::Value::as_bool).unwrap_or(true);
        let m = MeanIoU::new(num_classes as usize).sparse_y_true(flag("sparse_y_true"));
        Ok(Box::new(m.sparse_y_pred(flag("sparse_y_pred"))))
    }),
];

/// The registry line of a class or function name.
fn entry(name: &str) -> Result<&'static (&'static str, &'static [&'static str], Reader)> {
    METRICS.iter().find(|(class, names, _)| *class == name || names.contains(&name)).ok_or_else(|| {
        let known: Vec<&str> = METRICS.iter().filter_map(|(_, names, _)| names.first().copied()).collect();
        Error::UnknownIdentifier(format!(
            "Could not interpret metric identifier: '{name}'. Known metrics: accuracy, acc, {} (MeanIoU needs \
             num_classes: pass MeanIoU::new(n))",
            known.join(", ")
        ))
    })
}

/// Looks a metric up by Keras name (`"accuracy"` needs shapes: see [`resolve`]).
///
/// ```
/// assert_eq!(keras_rs::metrics::get("mae").unwrap().name(), "mean_absolute_error");
/// assert!(keras_rs::metrics::get("f1").is_err());
/// ```
pub fn get(name: &str) -> Result<Box<dyn Metric>> {
    (entry(name)?.2)(&serde_json::Value::Null)
}

/// Rebuilds a metric from Keras' serialized form (`{"class_name": "TopKCategoricalAccuracy",
/// "config": {"k": 3, ...}}`): its arguments are honoured or refused, never dropped.
///
/// ```
/// use keras_rs::metrics::{Metric, TopKCategoricalAccuracy, from_config};
/// let cfg = serde_json::json!({"class_name": "TopKCategoricalAccuracy", "config": {"name": "top3", "k": 3}});
/// assert_eq!(from_config(&cfg).unwrap().config()["k"], 3);
/// ```
pub fn from_config(value: &serde_json::Value) -> Result<Box<dyn Metric>> {
    let class = value.get("class_name").and_then(serde_json::Value::as_str).unwrap_or_default();
    let config = value.get("config").cloned().unwrap_or_default();
    let metric = (entry(class)?.2)(&config)?;
    crate::saving::honoured::check(class, &config, &metric.config())?;
    Ok(metric)
}

/// Checks a spec's name without data (used by `compile`).
pub fn validate(spec: &MetricSpec) -> Result<()> {
    match spec {
        MetricSpec::Name(n) if n == "accuracy" || n == "acc" => Ok(()),
        MetricSpec::Name(n) => get(n).map(|_| ()),
        MetricSpec::Metric(m) => m.check(),
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
