//! Layers by Keras class name: rebuilds a layer from its `class_name` and config, and refuses
//! a config whose values the rebuilt layer would not honour.

use serde_json::Value;

use super::*;
use crate::error::{Error, Result};

/// Reads one class's config.
type Reader = fn(&Value) -> Result<Box<dyn Layer>>;

/// The registry, one line per class: Keras' class name and the keras-rs type whose
/// `from_config` reads it. [`KNOWN_CLASSES`] and [`from_config`]'s dispatch both come from it.
macro_rules! registry {
    ($($class:literal => $layer:ty,)*) => {
        /// The Keras class names keras-rs can rebuild from a config.
        pub const KNOWN_CLASSES: &[&str] = &[$($class),*];

        const READERS: &[Reader] = &[$(|config| Ok(Box::new(<$layer>::from_config(config)?))),*];
    };
}

registry! {
    "InputLayer" => Input,
    "Dense" => Dense,
    "Activation" => Activation,
    "Dropout" => Dropout,
    "Flatten" => Flatten,
    "Reshape" => Reshape,
    "ZeroPadding2D" => ZeroPadding2D,
    "UpSampling2D" => UpSampling2D,
    "Conv1D" => Conv1D,
    "Conv2D" => Conv2D,
    "MaxPooling1D" => MaxPooling1D,
    "MaxPooling2D" => MaxPooling2D,
    "AveragePooling1D" => AveragePooling1D,
    "AveragePooling2D" => AveragePooling2D,
    "GlobalAveragePooling1D" => GlobalAveragePooling1D,
    "GlobalAveragePooling2D" => GlobalAveragePooling2D,
    "GlobalMaxPooling1D" => GlobalMaxPooling1D,
    "GlobalMaxPooling2D" => GlobalMaxPooling2D,
    "BatchNormalization" => BatchNormalization,
    "LayerNormalization" => LayerNormalization,
    "Embedding" => Embedding,
    "RepeatVector" => RepeatVector,
    "SimpleRNN" => SimpleRNN,
    "LSTM" => LSTM,
    "GRU" => GRU,
    "Bidirectional" => Bidirectional,
    "TimeDistributed" => TimeDistributed,
    "Add" => Add,
    "Subtract" => Subtract,
    "Multiply" => Multiply,
    "Average" => Average,
    "Maximum" => Maximum,
    "Minimum" => Minimum,
    "Concatenate" => Concatenate,
    "Dot" => Dot,
}

/// Rebuilds a layer from Keras' `class_name` and `config`.
///
/// Every key of `config` is honoured or refused, never dropped: the rebuilt layer's
/// `get_config()` must give back each value read (numbers to float32 precision; `null` for an
/// unset option matches a key the layer does not write), so a Keras argument keras-rs does not
/// implement, set to anything but what keras-rs builds, is an error naming the layer, the key and
/// the value.
///
/// ```
/// use keras_rs::layers::{Dense, Layer, from_config};
/// let cfg = Dense::new(3).activation("relu").get_config();
/// let layer = from_config("Dense", &cfg).unwrap();
/// assert_eq!(layer.get_config(), cfg);
/// assert!(from_config("Dense2", &cfg).is_err());
///
/// let mut cfg = Dense::new(3).name("dense").get_config();
/// cfg["kernel_regularizer"] = serde_json::json!({"class_name": "L2", "config": {"l2": 0.01}});
/// let err = from_config("Dense", &cfg).unwrap_err().to_string();
/// assert!(err.contains("Dense 'dense': kernel_regularizer="), "{err}");
/// ```
pub fn from_config(class_name: &str, config: &Value) -> Result<Box<dyn Layer>> {
    let Some(index) = KNOWN_CLASSES.iter().position(|c| *c == class_name) else {
        return Err(Error::UnknownIdentifier(format!(
            "Unknown layer class: '{class_name}'. keras-rs knows: {}",
            KNOWN_CLASSES.join(", ")
        )));
    };
    let layer = READERS[index](config)?;
    crate::saving::honoured::check(class_name, config, &layer.get_config())?;
    Ok(layer)
}
