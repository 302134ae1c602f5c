//! Layers by Keras class name: rebuilds a layer from its `class_name` and config, and refuses
//! a config whose values the rebuilt layer would not honour. Built-in classes are listed once
//! below; a user's own classes are added at run time with
//! [`register_keras_serializable`](crate::saving::register_keras_serializable).

use std::sync::RwLock;

use serde_json::Value;

use super::*;
use crate::error::{Error, Result};

/// Reads one class's config: `|config| Ok(Box::new(MyLayer::from_config(config)?))`.
pub type Reader = fn(&Value) -> Result<Box<dyn Layer>>;

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
    "EinsumDense" => EinsumDense,
    "MultiHeadAttention" => MultiHeadAttention,
    "Attention" => Attention,
    "AdditiveAttention" => AdditiveAttention,
    "Activation" => Activation,
    "Identity" => Identity,
    "Masking" => Masking,
    "ReLU" => ReLU,
    "LeakyReLU" => LeakyReLU,
    "PReLU" => PReLU,
    "ELU" => ELU,
    "Softmax" => Softmax,
    "Rescaling" => Rescaling,
    "Permute" => Permute,
    "Dropout" => Dropout,
    "SpatialDropout1D" => SpatialDropout1D,
    "SpatialDropout2D" => SpatialDropout2D,
    "SpatialDropout3D" => SpatialDropout3D,
    "GaussianNoise" => GaussianNoise,
    "GaussianDropout" => GaussianDropout,
    "AlphaDropout" => AlphaDropout,
    "ActivityRegularization" => ActivityRegularization,
    "UnitNormalization" => UnitNormalization,
    "Normalization" => Normalization,
    "RandomFlip" => RandomFlip,
    "RandomRotation" => RandomRotation,
    "RandomZoom" => RandomZoom,
    "RandomTranslation" => RandomTranslation,
    "RandomContrast" => RandomContrast,
    "Resizing" => Resizing,
    "CenterCrop" => CenterCrop,
    "CategoryEncoding" => CategoryEncoding,
    "Discretization" => Discretization,
    "IntegerLookup" => IntegerLookup,
    "StringLookup" => StringLookup,
    "TextVectorization" => TextVectorization,
    "Hashing" => Hashing,
    "ConvLSTM2D" => ConvLSTM2D,
    "Flatten" => Flatten,
    "Reshape" => Reshape,
    "ZeroPadding1D" => ZeroPadding1D,
    "ZeroPadding2D" => ZeroPadding2D,
    "Cropping1D" => Cropping1D,
    "Cropping2D" => Cropping2D,
    "UpSampling1D" => UpSampling1D,
    "UpSampling2D" => UpSampling2D,
    "ZeroPadding3D" => ZeroPadding3D,
    "Cropping3D" => Cropping3D,
    "UpSampling3D" => UpSampling3D,
    "Conv1D" => Conv1D,
    "Conv2D" => Conv2D,
    "Conv1DTranspose" => Conv1DTranspose,
    "Conv2DTranspose" => Conv2DTranspose,
    "Conv3D" => Conv3D,
    "Conv3DTranspose" => Conv3DTranspose,
    "DepthwiseConv1D" => DepthwiseConv1D,
    "DepthwiseConv2D" => DepthwiseConv2D,
    "SeparableConv1D" => SeparableConv1D,
    "SeparableConv2D" => SeparableConv2D,
    "MaxPooling1D" => MaxPooling1D,
    "MaxPooling2D" => MaxPooling2D,
    "AveragePooling1D" => AveragePooling1D,
    "AveragePooling2D" => AveragePooling2D,
    "GlobalAveragePooling1D" => GlobalAveragePooling1D,
    "GlobalAveragePooling2D" => GlobalAveragePooling2D,
    "GlobalMaxPooling1D" => GlobalMaxPooling1D,
    "GlobalMaxPooling2D" => GlobalMaxPooling2D,
    "MaxPooling3D" => MaxPooling3D,
    "AveragePooling3D" => AveragePooling3D,
    "GlobalAveragePooling3D" => GlobalAveragePooling3D,
    "GlobalMaxPooling3D" => GlobalMaxPooling3D,
    "BatchNormalization" => BatchNormalization,
    "LayerNormalization" => LayerNormalization,
    "GroupNormalization" => GroupNormalization,
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
/// cfg["kernel_constraint"] = serde_json::json!({"class_name": "MaxNorm", "config": {"max_value": 2.0}});
/// let err = from_config("Dense", &cfg).unwrap_err().to_string();
/// assert!(err.contains("Dense 'dense': kernel_constraint="), "{err}");
/// ```
pub fn from_config(class_name: &str, config: &Value) -> Result<Box<dyn Layer>> {
    read(class_name, None, config)
}

/// [`from_config`] for an entry of a model file that may carry Keras' `registered_name`
/// (`"my_package>Linear"`): a class registered under that name is read first, as Keras does;
/// then the built-in classes; then a registered class of that `class_name`.
pub(crate) fn read(class_name: &str, registered_name: Option<&str>, config: &Value) -> Result<Box<dyn Layer>> {
    let user = |matches: &dyn Fn(&Registered) -> bool| {
        let registered = USER_CLASSES.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        registered.iter().find(|r| matches(r)).map(|r| r.read)
    };
    let reader = registered_name
        .and_then(|name| user(&|r| r.registered_name == name))
        .or_else(|| KNOWN_CLASSES.iter().position(|c| *c == class_name).map(|i| READERS[i]))
        .or_else(|| user(&|r| r.class == class_name));
    let Some(reader) = reader else {
        return Err(Error::UnknownIdentifier(format!(
            "Unknown layer class: '{class_name}'{}. keras-rs knows: {}. A layer of your own must be registered \
             before loading, as Keras' @register_keras_serializable does: \
             keras_rs::saving::register_keras_serializable(\"my_package\", \"{class_name}\", |config| \
             Ok(Box::new({class_name}::from_config(config)?)))",
            registered_name.map(|n| format!(" (registered_name '{n}')")).unwrap_or_default(),
            KNOWN_CLASSES.join(", ")
        )));
    };
    let layer = reader(config)?;
    crate::saving::honoured::check(class_name, config, &layer.get_config())?;
    Ok(layer)
}

/// A layer class a user registered.
struct Registered {
    /// The class name its layers report (`Layer::class_name`).
    class: String,
    /// Keras' `package>class` name.
    registered_name: String,
    read: Reader,
}

static USER_CLASSES: RwLock<Vec<Registered>> = RwLock::new(Vec::new());

/// Adds a user's layer class (see [`crate::saving::register_keras_serializable`]); registering
/// the same class again replaces its reader.
pub(crate) fn register(package: &str, class_name: &str, read: Reader) -> Result<String> {
    if package.is_empty() || package.contains('>') || class_name.is_empty() || class_name.contains('>') {
        return Err(Error::value(format!(
            "register_keras_serializable: the package and the class name must be non-empty and without '>'. \
             Received: package='{package}', class_name='{class_name}'"
        )));
    }
    let registered_name = format!("{package}>{class_name}");
    let mut registered = USER_CLASSES.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    registered.retain(|r| r.registered_name != registered_name);
    registered.push(Registered { class: class_name.to_string(), registered_name: registered_name.clone(), read });
    Ok(registered_name)
}

/// Keras' `registered_name` of a user's class (`"my_package>Linear"`), if one was registered.
pub(crate) fn registered_name(class_name: &str) -> Option<String> {
    if KNOWN_CLASSES.contains(&class_name) {
        return None;
    }
    let registered = USER_CLASSES.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    registered.iter().find(|r| r.class == class_name).map(|r| r.registered_name.clone())
}
