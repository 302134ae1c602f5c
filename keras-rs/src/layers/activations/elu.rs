//! `ELU`: `x` for `x > 0`, `alpha * (exp(x) - 1)` below.

use crate::layers::LayerBase;
use crate::layers::builders::elementwise_layer;
use crate::layers::config::{Validate, keras_config};

/// Keras' `ELU(alpha=1.0)`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::ELU;
/// let model = Sequential::new().add(Input::new(&[2])).add(ELU::new().alpha(2.0));
/// let y = model.predict(&ndarray::array![[-1.0f32, 2.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert!((y[[0, 0]] - 2.0 * ((-1.0f32).exp() - 1.0)).abs() < 1e-6 && y[[0, 1]] == 2.0);
/// ```
#[derive(Clone, Debug)]
pub struct ELU {
    base: LayerBase,
    config: EluConfig,
}

keras_config! {
    /// Keras' `ELU` arguments.
    pub struct EluConfig {
        args {
            /// The scale of the negative part (default 1).
            alpha: f32 = 1.0,
        }
    }
    setters for [] ELU => config;
}

impl Validate for EluConfig {}

elementwise_layer!(ELU, EluConfig, "ELU", |layer, x| crate::activations::elu(x, layer.config.alpha));
