//! `ReLU`: the rectified linear unit with Keras' `max_value`, `negative_slope` and `threshold`.

use burn::tensor::Tensor;
use burn::tensor::activation as act;

use crate::error::{Error, Result};
use crate::layers::LayerBase;
use crate::layers::builders::elementwise_layer;
use crate::layers::config::{Validate, keras_config};

/// Keras' `ReLU(max_value=None, negative_slope=0.0, threshold=0.0)`: `x` above `threshold`
/// (else 0), clipped at `max_value`, minus `negative_slope * relu(threshold - x)`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::ReLU;
/// let model = Sequential::new().add(Input::new(&[4])).add(ReLU::new().max_value(1.0).negative_slope(0.5));
/// let y = model.predict(&ndarray::array![[-2.0f32, 0.5, 3.0, 0.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![-1.0, 0.5, 1.0, 0.0]);
/// ```
#[derive(Clone, Debug)]
pub struct ReLU {
    base: LayerBase,
    config: ReluConfig,
}

keras_config! {
    /// Keras' `ReLU` arguments.
    pub struct ReluConfig {
        args {
            /// The largest output (default: none).
            max_value: Option<f32> = None,
            /// The slope below the threshold (default 0).
            negative_slope: f32 = 0.0,
            /// Inputs at or below it give 0 (or the negative slope's part; default 0).
            threshold: f32 = 0.0,
        }
    }
    setters for [] ReLU => config;
}

impl Validate for ReluConfig {
    fn validate(&self) -> Result<()> {
        if let Some(max) = self.max_value.filter(|m| *m < 0.0) {
            return Err(Error::value(format!("max_value of a ReLU layer cannot be a negative value. Received: {max}")));
        }
        for (arg, value) in [("negative_slope", self.negative_slope), ("threshold", self.threshold)] {
            if value < 0.0 || value.is_nan() {
                return Err(Error::value(format!(
                    "{arg} of a ReLU layer cannot be a negative value. Received: {value}"
                )));
            }
        }
        Ok(())
    }
}

elementwise_layer!(ReLU, ReluConfig, "ReLU", |layer, x| relu(x, &layer.config));

/// Keras' `activations.relu(x, negative_slope, max_value, threshold)`.
fn relu<const D: usize>(x: Tensor<D>, c: &ReluConfig) -> Tensor<D> {
    let mut y =
        if c.threshold != 0.0 { x.clone() * x.clone().greater_elem(c.threshold).float() } else { act::relu(x.clone()) };
    if let Some(max) = c.max_value {
        y = y.clamp(0.0, max);
    }
    if c.negative_slope != 0.0 {
        y = y - act::relu(x.neg().add_scalar(c.threshold)).mul_scalar(c.negative_slope);
    }
    y
}
