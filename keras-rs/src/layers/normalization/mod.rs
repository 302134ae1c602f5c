//! Normalization layers: `BatchNormalization`, `LayerNormalization`.

mod batch_normalization;
mod layer_normalization;

pub use batch_normalization::{BatchNormalization, BatchNormalizationConfig};
pub use layer_normalization::{LayerNormalization, LayerNormalizationConfig};
