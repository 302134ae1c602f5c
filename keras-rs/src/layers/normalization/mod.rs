//! Normalization layers: `BatchNormalization`, `LayerNormalization`, `GroupNormalization`,
//! `UnitNormalization`.

mod batch_normalization;
mod group_normalization;
mod layer_normalization;
mod unit_normalization;

pub use batch_normalization::{BatchNormalization, BatchNormalizationConfig};
pub use group_normalization::{GroupNormalization, GroupNormalizationConfig};
pub use layer_normalization::{LayerNormalization, LayerNormalizationConfig};
pub use unit_normalization::{UnitNormalization, UnitNormalizationConfig};

/// Keras' `axis` of a normalization layer: keras-rs normalizes the last axis only (`-1`, or
/// `[-1]` as Keras also writes it); any other is refused naming the class.
pub(crate) fn check_last_axis(axis: &serde_json::Value, class: &str, note: &str) -> crate::error::Result<()> {
    if *axis != serde_json::json!(-1) && *axis != serde_json::json!([-1]) {
        return Err(crate::error::Error::value(format!("{class} supports axis=-1{note} only, received axis={axis}")));
    }
    Ok(())
}

/// A normalization layer's `gamma` (with `scale`, ones) and `beta` (with `center`, zeros), one
/// value per channel, in Keras' order.
pub(crate) fn affine_variables(channels: usize, scale: bool, center: bool) -> Vec<crate::layers::VariableSpec> {
    use crate::initializers::Initializer;
    use crate::layers::VariableSpec;
    let gamma = scale.then(|| VariableSpec::trainable("gamma", vec![channels], Initializer::Ones));
    let beta = center.then(|| VariableSpec::trainable("beta", vec![channels], Initializer::Zeros));
    gamma.into_iter().chain(beta).collect()
}
