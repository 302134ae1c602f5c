//! Losses by Keras name, and what `compile` accepts as a loss.

use super::*;
use crate::error::{Error, Result};

/// Reads a loss class's Keras config.
type Reader = fn(&serde_json::Value) -> Result<Box<dyn Loss>>;

/// The losses keras-rs knows, one line each: Keras' class name, its function names, and how its
/// config is read. `get`, `from_config` and the "Known losses" message all come from here.
const LOSSES: &[(&str, &[&str], Reader)] = &[
    ("MeanSquaredError", &["mse", "mean_squared_error"], |_| Ok(Box::new(MeanSquaredError::new()))),
    ("MeanAbsoluteError", &["mae", "mean_absolute_error"], |_| Ok(Box::new(MeanAbsoluteError::new()))),
    ("Huber", &["huber", "huber_loss"], |c| Ok(Box::new(Huber::from_config(c)?))),
    ("BinaryCrossentropy", &["binary_crossentropy"], |c| Ok(Box::new(BinaryCrossentropy::from_config(c)?))),
    ("CategoricalCrossentropy", &["categorical_crossentropy"], |c| {
        Ok(Box::new(CategoricalCrossentropy::from_config(c)?))
    }),
    ("SparseCategoricalCrossentropy", &["sparse_categorical_crossentropy"], |c| {
        Ok(Box::new(SparseCategoricalCrossentropy::from_config(c)?))
    }),
    ("BinaryFocalCrossentropy", &["binary_focal_crossentropy"], |c| {
        Ok(Box::new(BinaryFocalCrossentropy::from_config(c)?))
    }),
    ("CategoricalFocalCrossentropy", &["categorical_focal_crossentropy"], |c| {
        Ok(Box::new(CategoricalFocalCrossentropy::from_config(c)?))
    }),
    ("KLDivergence", &["kl_divergence", "kld", "KLD"], |_| Ok(Box::new(KLDivergence))),
    ("Poisson", &["poisson"], |_| Ok(Box::new(Poisson))),
    ("MeanAbsolutePercentageError", &["mean_absolute_percentage_error", "mape", "MAPE"], |_| {
        Ok(Box::new(MeanAbsolutePercentageError))
    }),
    ("MeanSquaredLogarithmicError", &["mean_squared_logarithmic_error", "msle", "MSLE"], |_| {
        Ok(Box::new(MeanSquaredLogarithmicError))
    }),
    ("CosineSimilarity", &["cosine_similarity"], |_| Ok(Box::new(CosineSimilarity))),
    ("LogCosh", &["log_cosh"], |_| Ok(Box::new(LogCosh))),
    ("Hinge", &["hinge"], |_| Ok(Box::new(Hinge))),
    ("SquaredHinge", &["squared_hinge"], |_| Ok(Box::new(SquaredHinge))),
    ("CategoricalHinge", &["categorical_hinge"], |_| Ok(Box::new(CategoricalHinge))),
];

/// The registry line of a class or function name.
fn entry(name: &str) -> Result<&'static (&'static str, &'static [&'static str], Reader)> {
    LOSSES.iter().find(|(class, names, _)| *class == name || names.contains(&name)).ok_or_else(|| {
        let known: Vec<&str> = LOSSES.iter().map(|(_, names, _)| names[0]).collect();
        Error::UnknownIdentifier(format!(
            "Could not interpret loss identifier: '{name}'. Known losses: {}",
            known.join(", ")
        ))
    })
}

/// Looks a loss up by Keras name: the function name (`"mse"`, `"mean_squared_error"`,
/// `"sparse_categorical_crossentropy"`, ...) or the class name (`"MeanSquaredError"`).
///
/// ```
/// assert_eq!(keras_rs::losses::get("mse").unwrap().name(), "mean_squared_error");
/// assert!(keras_rs::losses::get("msee").is_err());
/// ```
pub fn get(name: &str) -> Result<Box<dyn Loss>> {
    (entry(name)?.2)(&serde_json::Value::Null)
}

/// What `compile` takes as a loss: a Keras name or a loss object.
#[derive(Debug, Clone)]
#[non_exhaustive]
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
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    KLDivergence,
    Poisson,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCosh,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
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
    let loss = (entry(class)?.2)(&config)?;
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
