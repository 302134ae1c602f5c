//! Losses by Keras name, and what `compile` accepts as a loss.

use super::*;
use crate::error::{Error, Result};

/// Looks a loss up by Keras name: the function name (`"mse"`, `"mean_squared_error"`,
/// `"sparse_categorical_crossentropy"`, ...) or the class name (`"MeanSquaredError"`).
///
/// ```
/// assert_eq!(keras_rs::losses::get("mse").unwrap().name(), "mean_squared_error");
/// assert!(keras_rs::losses::get("msee").is_err());
/// ```
pub fn get(name: &str) -> Result<Box<dyn Loss>> {
    Ok(match name {
        "mse" | "mean_squared_error" | "MeanSquaredError" => Box::new(MeanSquaredError::new()),
        "mae" | "mean_absolute_error" | "MeanAbsoluteError" => Box::new(MeanAbsoluteError::new()),
        "huber" | "huber_loss" | "Huber" => Box::new(Huber::new()),
        "binary_crossentropy" | "BinaryCrossentropy" => Box::new(BinaryCrossentropy::new()),
        "categorical_crossentropy" | "CategoricalCrossentropy" => Box::new(CategoricalCrossentropy::new()),
        "sparse_categorical_crossentropy" | "SparseCategoricalCrossentropy" => {
            Box::new(SparseCategoricalCrossentropy::new())
        }
        other => {
            return Err(Error::UnknownIdentifier(format!(
                "Could not interpret loss identifier: '{other}'. Known losses: mse, mae, huber, binary_crossentropy, \
                 categorical_crossentropy, sparse_categorical_crossentropy"
            )));
        }
    })
}

/// What `compile` takes as a loss: a Keras name or a loss object.
#[derive(Debug, Clone)]
pub enum LossSpec {
    /// A Keras name, resolved by [`get`] in `compile`.
    Name(String),
    /// A loss object.
    Loss(Box<dyn Loss>),
}

impl LossSpec {
    /// Resolves the spec to a loss.
    pub fn resolve(self) -> Result<Box<dyn Loss>> {
        match self {
            LossSpec::Name(n) => get(&n),
            LossSpec::Loss(l) => Ok(l),
        }
    }
}

impl From<&str> for LossSpec {
    fn from(name: &str) -> Self {
        LossSpec::Name(name.to_string())
    }
}

impl From<String> for LossSpec {
    fn from(name: String) -> Self {
        LossSpec::Name(name)
    }
}

impl From<Box<dyn Loss>> for LossSpec {
    fn from(loss: Box<dyn Loss>) -> Self {
        LossSpec::Loss(loss)
    }
}

macro_rules! loss_spec_from {
    ($($t:ty),*) => {$(
        impl From<$t> for LossSpec {
            fn from(loss: $t) -> Self {
                LossSpec::Loss(Box::new(loss))
            }
        }
    )*};
}
loss_spec_from!(
    MeanSquaredError,
    MeanAbsoluteError,
    Huber,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Reduced
);

/// Rebuilds a loss from Keras' serialized form (`{"class_name": "SparseCategoricalCrossentropy",
/// "config": {"from_logits": true, ...}}`) or its name.
///
/// ```
/// use keras_rs::losses::{Loss, SparseCategoricalCrossentropy, from_config};
/// let cfg = SparseCategoricalCrossentropy::new().from_logits(true).get_config();
/// assert_eq!(from_config(&cfg).unwrap().get_config(), cfg);
/// ```
pub fn from_config(value: &serde_json::Value) -> Result<Box<dyn Loss>> {
    if let Some(name) = value.as_str() {
        return get(name);
    }
    let class = value.get("class_name").and_then(serde_json::Value::as_str).unwrap_or_default();
    let config = value.get("config").cloned().unwrap_or_default();
    let from_logits = config.get("from_logits").and_then(serde_json::Value::as_bool).unwrap_or(false);
    let loss: Box<dyn Loss> = match class {
        "BinaryCrossentropy" => {
            Box::new(BinaryCrossentropy::new().from_logits(from_logits).label_smoothing(label_smoothing(&config)?))
        }
        "CategoricalCrossentropy" => {
            Box::new(CategoricalCrossentropy::new().from_logits(from_logits).label_smoothing(label_smoothing(&config)?))
        }
        "SparseCategoricalCrossentropy" => Box::new(SparseCategoricalCrossentropy::new().from_logits(from_logits)),
        "Huber" => {
            let delta = config.get("delta").and_then(serde_json::Value::as_f64).unwrap_or(1.0);
            Box::new(Huber::new().delta(delta as f32))
        }
        other => get(other)?,
    };
    let loss = match config.get("reduction") {
        None => loss,
        Some(r) => match Reduction::from_config(r).map_err(|e| Error::value(format!("{class}: {e}")))? {
            Reduction::SumOverBatchSize => loss,
            reduction => Box::new(Reduced::new(loss, reduction)),
        },
    };
    // Honoured or refused: what keras-rs does not implement (`axis`, `ignore_class`, ...).
    crate::saving::honoured::check(class, &config, &loss.get_config()["config"])?;
    Ok(loss)
}

/// A loss config's `label_smoothing` (0 when absent); any number, as Keras does not limit it.
fn label_smoothing(config: &serde_json::Value) -> Result<f32> {
    match config.get("label_smoothing") {
        None | Some(serde_json::Value::Null) => Ok(0.0),
        Some(v) => v.as_f64().map(|s| s as f32).ok_or_else(|| {
            crate::error::Error::value(format!("`label_smoothing` must be a number. Received: label_smoothing={v}"))
        }),
    }
}
