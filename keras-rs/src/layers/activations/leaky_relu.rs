//! `LeakyReLU`: `x` for `x >= 0`, `negative_slope * x` below.

use burn::tensor::activation as act;

use crate::error::{Error, Result};
use crate::layers::LayerBase;
use crate::layers::builders::elementwise_layer;
use crate::layers::config::{Validate, keras_config};

/// Keras' `LeakyReLU(negative_slope=0.3)`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::LeakyReLU;
/// let model = Sequential::new().add(Input::new(&[2])).add(LeakyReLU::new());
/// let y = model.predict(&ndarray::array![[-1.0f32, 2.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert!((y[[0, 0]] + 0.3).abs() < 1e-6 && y[[0, 1]] == 2.0);
/// ```
#[derive(Clone, Debug)]
pub struct LeakyReLU {
    base: LayerBase,
    config: LeakyReluConfig,
}

keras_config! {
    /// Keras' `LeakyReLU` arguments.
    pub struct LeakyReluConfig {
        args {
            /// The slope for negative inputs (default 0.3).
            negative_slope: f32 = 0.3,
        }
    }
    setters for [] LeakyReLU => config;
}

impl Validate for LeakyReluConfig {
    fn validate(&self) -> Result<()> {
        if self.negative_slope < 0.0 || self.negative_slope.is_nan() {
            return Err(Error::value(format!(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float. \
                 Received: negative_slope={}",
                self.negative_slope
            )));
        }
        Ok(())
    }
}

elementwise_layer!(LeakyReLU, LeakyReluConfig, "LeakyReLU", |layer, x| act::leaky_relu(
    x,
    layer.config.negative_slope as f64
));
