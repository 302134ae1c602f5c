//! Optimizers by Keras name, and what `compile` accepts as an optimizer.

use super::optimizer::GradientClipping;
use super::*;
use crate::error::{Error, Result};

/// Reads an optimizer class's Keras config (besides the learning rate and clipping, which every
/// optimizer has and `from_config` reads).
type Reader = fn(&serde_json::Value) -> Result<Box<dyn Optimizer>>;

/// The optimizers keras-rs knows, one line each: Keras' class name and how its config is read.
/// `get` (by name, any case), `from_config` and the "Known optimizers" message come from here.
const OPTIMIZERS: &[(&str, Reader)] = &[
    ("SGD", |c| Ok(Box::new(SGD::from_config(c)?))),
    ("Adam", |c| Ok(Box::new(Adam::from_config(c)?))),
    ("AdamW", |c| Ok(Box::new(AdamW::from_config(c)?))),
    ("RMSprop", |c| Ok(Box::new(RMSprop::from_config(c)?))),
    ("Adagrad", |c| Ok(Box::new(Adagrad::from_config(c)?))),
    ("Adadelta", |c| Ok(Box::new(Adadelta::from_config(c)?))),
    ("Adamax", |c| Ok(Box::new(Adamax::from_config(c)?))),
    ("Nadam", |c| Ok(Box::new(Nadam::from_config(c)?))),
    ("Ftrl", |c| Ok(Box::new(Ftrl::from_config(c)?))),
    ("Lion", |c| Ok(Box::new(Lion::from_config(c)?))),
];

/// The registry line of a class name, in any case (`"adam"`, `"Adam"`).
fn entry(name: &str) -> Result<&'static (&'static str, Reader)> {
    OPTIMIZERS.iter().find(|(class, _)| class.eq_ignore_ascii_case(name)).ok_or_else(|| {
        let known: Vec<String> = OPTIMIZERS.iter().map(|(class, _)| class.to_ascii_lowercase()).collect();
        Error::UnknownIdentifier(format!(
            "Could not interpret optimizer identifier: '{name}'. Known optimizers: {}",
            known.join(", ")
        ))
    })
}

/// Looks an optimizer up by Keras name (`"adam"`, `"sgd"`, `"rmsprop"`, `"adamw"`), with
/// Keras' defaults.
///
/// ```
/// assert_eq!(keras_rs::optimizers::get("rmsprop").unwrap().class_name(), "RMSprop");
/// assert!(keras_rs::optimizers::get("adamm").is_err());
/// ```
pub fn get(name: &str) -> Result<Box<dyn Optimizer>> {
    (entry(name)?.1)(&serde_json::Value::Null)
}

/// What `compile` takes as an optimizer: a Keras name or an optimizer object.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OptimizerSpec {
    /// A Keras name, resolved by [`get`].
    Name(String),
    /// An optimizer object.
    Optimizer(Box<dyn Optimizer>),
}

impl OptimizerSpec {
    /// Resolves the spec.
    pub fn resolve(self) -> Result<Box<dyn Optimizer>> {
        match self {
            OptimizerSpec::Name(n) => get(&n),
            OptimizerSpec::Optimizer(o) => {
                // Keras refuses conflicting clipping arguments (and bad arguments) when the
                // optimizer is made.
                o.clipping().check()?;
                o.validate()?;
                Ok(o)
            }
        }
    }
}

impl From<&str> for OptimizerSpec {
    fn from(name: &str) -> Self {
        OptimizerSpec::Name(name.to_string())
    }
}

impl From<Box<dyn Optimizer>> for OptimizerSpec {
    fn from(o: Box<dyn Optimizer>) -> Self {
        OptimizerSpec::Optimizer(o)
    }
}

macro_rules! optimizer_spec_from {
    ($($t:ty),*) => {$(
        impl From<$t> for OptimizerSpec {
            fn from(o: $t) -> Self {
                OptimizerSpec::Optimizer(Box::new(o))
            }
        }
    )*};
}
optimizer_spec_from!(SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion);

/// Rebuilds an optimizer from Keras' serialized form (`{"class_name": "Adam", "config":
/// {"learning_rate": 0.001, "beta_1": 0.9, ...}}`); missing entries take Keras' defaults.
///
/// ```
/// use keras_rs::optimizers::{Optimizer, RMSprop, from_config};
/// let cfg = RMSprop::new().learning_rate(0.01).momentum(0.9).centered(true).get_config();
/// assert_eq!(from_config(&cfg).unwrap().get_config(), cfg);
/// ```
pub fn from_config(value: &serde_json::Value) -> Result<Box<dyn Optimizer>> {
    let class = value.get("class_name").and_then(serde_json::Value::as_str).unwrap_or_default();
    let cfg = value.get("config").cloned().unwrap_or_default();
    let mut opt = (entry(class)?.1)(&cfg)?;
    if let Some(lr) = cfg.get("learning_rate").filter(|v| !v.is_null()) {
        *opt.learning_rate_mut() = schedules::LearningRate::from_config(lr)?;
    }
    let clip = |key: &str| super::optimizer::config_number(&cfg, key).map(|v| v as f32);
    *opt.clipping_mut() = GradientClipping {
        clipnorm: clip("clipnorm"),
        global_clipnorm: clip("global_clipnorm"),
        clipvalue: clip("clipvalue"),
    };
    opt.clipping().check()?;
    // Honoured or refused: what keras-rs does not implement (`use_ema`, gradient accumulation, ...).
    crate::saving::honoured::check(class, &cfg, &opt.get_config()["config"])?;
    Ok(opt)
}
