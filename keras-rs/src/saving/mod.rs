//! Saving and loading in Keras 3's `.keras` format: `config.json` (Keras' JSON), the HDF5
//! `model.weights.h5` (Keras' group layout) and `metadata.json`, zipped; `.weights.h5` alone
//! for `save_weights`. Files move both ways with Python Keras 3.

mod compile_config;
pub(crate) mod config;
mod h5io;
pub(crate) mod honoured;
mod keras_file;
mod model_methods;
pub(crate) mod onnx;
pub(crate) mod weights;

pub use crate::layers::registry::Reader;
pub(crate) use keras_file::{create_dir, create_parent, write_atomic, write_atomic_with};
pub use model_methods::{LoadOptions, LoadedModel, load_model, load_model_from_bytes, model_from_json};
pub(crate) use model_methods::{Saveable, load_weights_file, model_entry, save_model, save_weights_file};

/// Registers a layer class of your own so that model files naming it load (Keras'
/// `@keras.saving.register_keras_serializable(package=...)`), and returns its registered name
/// `"package>ClassName"`, which keras-rs writes into model files as Keras does: a file with the
/// layer loads in Python Keras where the same class is registered there, and the reverse.
/// `class_name` is what the layer's [`Layer::class_name`](crate::layers::Layer::class_name)
/// returns; `from_config` rebuilds it from its config (what its `get_config` wrote).
///
/// ```
/// use keras_rs::layers::{Dense, Layer};
/// let name = keras_rs::saving::register_keras_serializable("my_package", "MyDense", |config| {
///     Ok(Box::new(Dense::from_config(config)?))
/// })
/// .unwrap();
/// assert_eq!(name, "my_package>MyDense");
/// assert!(keras_rs::saving::register_keras_serializable("", "MyDense", |_| unreachable!()).is_err());
/// ```
pub fn register_keras_serializable(package: &str, class_name: &str, from_config: Reader) -> crate::Result<String> {
    crate::layers::registry::register(package, class_name, from_config)
}
