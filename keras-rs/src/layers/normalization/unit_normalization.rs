//! `UnitNormalization`: scales each input vector (along the last axis) to unit L2 norm.

use crate::layers::LayerBase;
use crate::layers::builders::elementwise_layer;
use crate::layers::config::{Validate, keras_config};

/// Keras' `UnitNormalization(axis=-1)`: `x / ||x||` along the last axis, as Keras'
/// `ops.normalize(x, order=2, epsilon=1e-12)` computes it (`x * min(1 / sqrt(sum(x^2)), 1e12)`).
/// Other axes are refused at load.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::UnitNormalization;
/// let model = Sequential::new().add(Input::new(&[2])).add(UnitNormalization::new());
/// let y = model.predict(&ndarray::array![[3.0f32, 4.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![0.6, 0.8]);
/// ```
#[derive(Clone, Debug)]
pub struct UnitNormalization {
    base: LayerBase,
    config: UnitNormalizationConfig,
}

keras_config! {
    /// Keras' `UnitNormalization` arguments: the axis is the last one.
    pub struct UnitNormalizationConfig {}
    constants { axis: -1 }
}

impl Validate for UnitNormalizationConfig {}

elementwise_layer!(UnitNormalization, UnitNormalizationConfig, "UnitNormalization", |_layer, x| {
    let last = x.dims().len() - 1;
    let inverse = x.clone().square().sum_dim(last).sqrt().recip().clamp_max(1e12);
    x * inverse
});
