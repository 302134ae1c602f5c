//! Saving and loading in Keras 3's `.keras` format: `config.json` (Keras' JSON), the HDF5
//! `model.weights.h5` (Keras' group layout) and `metadata.json`, zipped; `.weights.h5` alone
//! for `save_weights`. Files move both ways with Python Keras 3.

mod compile_config;
pub(crate) mod config;
mod h5io;
pub(crate) mod honoured;
mod keras_file;
mod model_methods;
pub(crate) mod weights;

pub(crate) use keras_file::{create_dir, create_parent, write_atomic, write_atomic_with};
pub use model_methods::{LoadedModel, load_model, load_model_from_bytes, model_from_json};
pub(crate) use model_methods::{Saveable, load_weights_file, save_model, save_weights_file};
