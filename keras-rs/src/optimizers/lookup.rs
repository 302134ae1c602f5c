//! Optimizers by Keras name, and what `compile` accepts as an optimizer.

use super::*;
use crate::error::{Error, Result};

/// Looks an optimizer up by Keras name (`"adam"`, `"sgd"`, `"rmsprop"`, `"adamw"`), with
/// Keras' defaults.
///
/// ```
/// assert_eq!(keras_rs::optimizers::get("rmsprop").unwrap().class_name(), "RMSprop");
/// assert!(keras_rs::optimizers::get("adamm").is_err());
/// ```
pub fn get(name: &str) -> Result<Box<dyn Optimizer>> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "sgd" => Box::new(SGD::new()),
        "adam" => Box::new(Adam::new()),
        "adamw" => Box::new(AdamW::new()),
        "rmsprop" => Box::new(RMSprop::new()),
        _ => {
            return Err(Error::UnknownIdentifier(format!(
                "Could not interpret optimizer identifier: '{name}'. Known optimizers: sgd, adam, adamw, rmsprop"
            )));
        }
    })
}

/// What `compile` takes as an optimizer: a Keras name or an optimizer object.
#[derive(Debug, Clone)]
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
            OptimizerSpec::Optimizer(o) => Ok(o),
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
optimizer_spec_from!(SGD, Adam, AdamW, RMSprop);
