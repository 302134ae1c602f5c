//! Layers by Keras class name: rebuilds a layer from its `class_name` and config.

use serde_json::Value;

use super::*;
use crate::error::{Error, Result};

/// The Keras class names keras-rs can rebuild from a config.
pub const KNOWN_CLASSES: &[&str] = &[
    "InputLayer",
    "Dense",
    "Activation",
    "Dropout",
    "Flatten",
    "Reshape",
    "ZeroPadding2D",
    "UpSampling2D",
    "Conv1D",
    "Conv2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "BatchNormalization",
    "LayerNormalization",
    "Embedding",
    "RepeatVector",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "Bidirectional",
    "TimeDistributed",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
];

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
        "Add" => Box::new(Add::from_config(config)?),
        "Subtract" => Box::new(Subtract::from_config(config)?),
        "Multiply" => Box::new(Multiply::from_config(config)?),
        "Average" => Box::new(Average::from_config(config)?),
        "Maximum" => Box::new(Maximum::from_config(config)?),
        "Minimum" => Box::new(Minimum::from_config(config)?),
        "Concatenate" => Box::new(Concatenate::from_config(config)?),
        "Dot" => Box::new(Dot::from_config(config)?),
        "Dense" => Box::new(Dense::from_config(config)?),
        "Activation" => Box::new(Activation::from_config(config)?),
        "Dropout" => Box::new(Dropout::from_config(config)?),
        "Flatten" => Box::new(Flatten::from_config(config)?),
        "Reshape" => Box::new(Reshape::from_config(config)?),
        "ZeroPadding2D" => Box::new(ZeroPadding2D::from_config(config)?),
        "UpSampling2D" => Box::new(UpSampling2D::from_config(config)?),
        "Conv1D" => Box::new(Conv1D::from_config(config)?),
        "Conv2D" => Box::new(Conv2D::from_config(config)?),
        "MaxPooling1D" => Box::new(MaxPooling1D::from_config(config)?),
        "MaxPooling2D" => Box::new(MaxPooling2D::from_config(config)?),
        "AveragePooling1D" => Box::new(AveragePooling1D::from_config(config)?),
        "AveragePooling2D" => Box::new(AveragePooling2D::from_config(config)?),
        "GlobalAveragePooling1D" => Box::new(GlobalAveragePooling1D::from_config(config)?),
        "GlobalAveragePooling2D" => Box::new(GlobalAveragePooling2D::from_config(config)?),
        "GlobalMaxPooling1D" => Box::new(GlobalMaxPooling1D::from_config(config)?),
        "GlobalMaxPooling2D" => Box::new(GlobalMaxPooling2D::from_config(config)?),
        "BatchNormalization" => Box::new(BatchNormalization::from_config(config)?),
        "LayerNormalization" => Box::new(LayerNormalization::from_config(config)?),
        "Embedding" => Box::new(Embedding::from_config(config)?),
        "RepeatVector" => Box::new(RepeatVector::from_config(config)?),
        "SimpleRNN" => Box::new(SimpleRNN::from_config(config)?),
        "LSTM" => Box::new(LSTM::from_config(config)?),
        "GRU" => Box::new(GRU::from_config(config)?),
        "Bidirectional" => Box::new(Bidirectional::from_config(config)?),
        "TimeDistributed" => Box::new(TimeDistributed::from_config(config)?),
        other => {
            return Err(Error::UnknownIdentifier(format!(
                "Unknown layer class: '{other}'. keras-rs knows: {}",
                KNOWN_CLASSES.join(", ")
            )));
        }
    })
}
