//! Keras layers, one per file, grouped by Keras' families.

pub(crate) mod builders;
pub mod core;
mod layer;
mod registry;
pub mod regularization;
pub mod reshaping;

pub use self::core::{Activation, Dense, Input};
pub use layer::{CallContext, Layer, LayerBase, VariableSpec, to_snake_case};
pub(crate) use layer::{cfg_or, cfg_req};
pub use registry::{KNOWN_CLASSES, from_config};
pub use regularization::Dropout;
pub use reshaping::{Flatten, Reshape};
