//! Optimizers by Keras name, and what `compile` accepts as an optimizer.

use super::optimizer::GradientClipping;
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
            OptimizerSpec::Optimizer(o) => {
                // Keras refuses conflicting clipping arguments when the optimizer is made.
                o.clipping().check()?;
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
optimizer_spec_from!(SGD, Adam, AdamW, RMSprop);

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
    let num = |key: &str| cfg.get(key).and_then(serde_json::Value::as_f64);
    let flag = |key: &str| cfg.get(key).and_then(serde_json::Value::as_bool).unwrap_or(false);
    let mut opt: Box<dyn Optimizer> = match class {
        "SGD" => {
            let mut o = SGD::new().momentum(num("momentum").unwrap_or(0.0)).nesterov(flag("nesterov"));
            if let Some(wd) = num("weight_decay") {
                o = o.weight_decay(wd);
            }
            Box::new(o)
        }
        "Adam" => {
            let mut o = Adam::new().amsgrad(flag("amsgrad"));
            o = o.beta_1(num("beta_1").unwrap_or(0.9)).beta_2(num("beta_2").unwrap_or(0.999));
            o = o.epsilon(num("epsilon").unwrap_or(1e-7));
            if let Some(wd) = num("weight_decay") {
                o = o.weight_decay(wd);
            }
            Box::new(o)
        }
        "AdamW" => {
            let mut o = AdamW::new().weight_decay(num("weight_decay").unwrap_or(0.004)).amsgrad(flag("amsgrad"));
            o = o.beta_1(num("beta_1").unwrap_or(0.9)).beta_2(num("beta_2").unwrap_or(0.999));
            Box::new(o.epsilon(num("epsilon").unwrap_or(1e-7)))
        }
        "RMSprop" => {
            let mut o = RMSprop::new().rho(num("rho").unwrap_or(0.9)).momentum(num("momentum").unwrap_or(0.0));
            o = o.epsilon(num("epsilon").unwrap_or(1e-7)).centered(flag("centered"));
            if let Some(wd) = num("weight_decay") {
                o = o.weight_decay(wd);
            }
            Box::new(o)
        }
        other => get(other)?,
    };
    if let Some(lr) = cfg.get("learning_rate").filter(|v| !v.is_null()) {
        *opt.learning_rate_mut() = schedules::LearningRate::from_config(lr)?;
    }
    let clip = |key: &str| num(key).map(|v| v as f32);
    *opt.clipping_mut() = GradientClipping {
        clipnorm: clip("clipnorm"),
        global_clipnorm: clip("global_clipnorm"),
        clipvalue: clip("clipvalue"),
    };
    opt.clipping().check()?;
    // Honoured or refused: `clipnorm`, `amsgrad`, `use_ema`, ... keras-rs does not implement.
    crate::saving::honoured::check(class, &cfg, &opt.get_config()["config"])?;
    Ok(opt)
}
