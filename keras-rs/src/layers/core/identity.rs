//! `Identity`: returns its input.

use crate::layers::LayerBase;
use crate::layers::builders::elementwise_layer;
use crate::layers::config::{Validate, keras_config};

/// Keras' `Identity`: a placeholder layer that returns its input.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Identity;
/// let model = Sequential::new().add(Input::new(&[2])).add(Identity::new());
/// let y = model.predict(&ndarray::array![[1.0f32, -2.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![1.0, -2.0]);
/// ```
#[derive(Clone, Debug)]
pub struct Identity {
    base: LayerBase,
    config: IdentityConfig,
}

keras_config! {
    /// Keras' `Identity` arguments: none.
    pub struct IdentityConfig {}
}

impl Validate for IdentityConfig {}

elementwise_layer!(Identity, IdentityConfig, "Identity", |_layer, x| x);
