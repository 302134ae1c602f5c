//! `Rescaling`: `x * scale + offset`.

use crate::layers::LayerBase;
use crate::layers::builders::elementwise_layer;
use crate::layers::config::{Validate, keras_config};

/// Keras' `Rescaling(scale, offset=0.0)` (a preprocessing layer, kept in the model): inputs
/// times `scale`, plus `offset` — `Rescaling::new(1.0 / 255.0)` maps pixel values to `[0, 1]`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Rescaling;
/// let model = Sequential::new().add(Input::new(&[2])).add(Rescaling::new().scale(1.0 / 127.5).offset(-1.0));
/// let y = model.predict(&ndarray::array![[0.0f32, 255.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![-1.0, 1.0]);
/// ```
#[derive(Clone, Debug)]
pub struct Rescaling {
    base: LayerBase,
    config: RescalingConfig,
}

keras_config! {
    /// Keras' `Rescaling` arguments (one number each; Keras' per-channel lists are refused).
    pub struct RescalingConfig {
        args {
            /// The factor inputs are multiplied by (default 1).
            scale: f32 = 1.0,
            /// What is added after scaling (default 0).
            offset: f32 = 0.0,
        }
    }
    setters for [] Rescaling => config;
}

impl Validate for RescalingConfig {}

elementwise_layer!(Rescaling, RescalingConfig, "Rescaling", |layer, x| x
    .mul_scalar(layer.config.scale)
    .add_scalar(layer.config.offset));
