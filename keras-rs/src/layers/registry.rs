//! Layers by Keras class name: rebuilds a layer from its `class_name` and config.

use serde_json::Value;

use super::{Activation, Dense, Dropout, Flatten, Input, Layer, Reshape};
use crate::error::{Error, Result};

/// The Keras class names keras-rs can rebuild from a config.
pub const KNOWN_CLASSES: &[&str] = &["InputLayer", "Dense", "Activation", "Dropout", "Flatten", "Reshape"];

/// Rebuilds a layer from Keras' `class_name` and `config`.
///
/// ```
/// use keras_rs::layers::{Dense, Layer, from_config};
/// let cfg = Dense::new(3).activation("relu").get_config();
/// let layer = from_config("Dense", &cfg).unwrap();
/// assert_eq!(layer.get_config(), cfg);
/// assert!(from_config("Dense2", &cfg).is_err());
/// ```
pub fn from_config(class_name: &str, config: &Value) -> Result<Box<dyn Layer>> {
    Ok(match class_name {
        "InputLayer" => Box::new(Input::from_config(config)?),
        "Dense" => Box::new(Dense::from_config(config)?),
        "Activation" => Box::new(Activation::from_config(config)?),
        "Dropout" => Box::new(Dropout::from_config(config)?),
        "Flatten" => Box::new(Flatten::from_config(config)?),
        "Reshape" => Box::new(Reshape::from_config(config)?),
        other => {
            return Err(Error::UnknownIdentifier(format!(
                "Unknown layer class: '{other}'. keras-rs knows: {}",
                KNOWN_CLASSES.join(", ")
            )));
        }
    })
}
