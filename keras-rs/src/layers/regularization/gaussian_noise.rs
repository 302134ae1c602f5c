//! `GaussianNoise`: adds zero-centered Gaussian noise in training; the identity in inference.

use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `GaussianNoise(stddev)`: in training, `x + N(0, stddev)` per element (from the
/// model's seeded generator); in inference, `x`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::GaussianNoise;
/// let model = Sequential::new().add(Input::new(&[3])).add(GaussianNoise::new(0.1)).add(Dense::new(1));
/// let y = model.predict(&ndarray::array![[1.0f32, 2.0, 3.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.shape(), &[1, 1]);
/// ```
#[derive(Clone, Debug)]
pub struct GaussianNoise {
    base: LayerBase,
    config: GaussianNoiseConfig,
}

keras_config! {
    /// Keras' `GaussianNoise` arguments.
    pub struct GaussianNoiseConfig {
        required {
            /// The noise's standard deviation, in `[0, 1]`.
            stddev: f32,
        }
        args {
            /// Keras' `seed=` argument (kept in the config; noise comes from the model's generator).
            seed: Option<u64> = None,
        }
    }
    setters for [] GaussianNoise => config;
}

impl Validate for GaussianNoiseConfig {
    fn validate(&self) -> Result<()> {
        super::check_fraction("stddev", self.stddev)
    }
}

common_builders!(GaussianNoise);

impl GaussianNoise {
    /// Noise of standard deviation `stddev`.
    pub fn new(stddev: f32) -> Self {
        GaussianNoise { base: LayerBase::default(), config: GaussianNoiseConfig::new(stddev) }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = GaussianNoiseConfig::from_config(config, "GaussianNoise")?;
        Ok(GaussianNoise { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for GaussianNoise {
    fn supports_masking(&self) -> bool {
        true
    }

    layer_boilerplate!("GaussianNoise");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        Ok(input_shape.clone())
    }
    fn build(&mut self, _input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        validated(&self.config, self.base.name.as_deref().unwrap_or("gaussian_noise"))?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        if !ctx.training || self.config.stddev == 0.0 {
            return Ok(inputs);
        }
        super::with_normal_noise(inputs, ctx, (0.0, self.config.stddev), |x, noise| x + noise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn training_adds_noise_of_the_given_deviation() {
        let device = keras_rs_backends::default_device();
        let n = 20_000;
        let x = DynTensor::from_data(vec![2.0; n], &[n / 4, 4], &device).unwrap();
        let mut rng = SeedGenerator::new(5);
        let mut ctx = CallContext::new(true, &mut rng, &device);
        let y = Layer::forward(&GaussianNoise::new(0.3), x, Weights::from(&[]), &mut ctx).unwrap().to_vec().unwrap();
        let mean = y.iter().sum::<f32>() / n as f32;
        let std = (y.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n as f32).sqrt();
        assert!((mean - 2.0).abs() < 0.01 && (std - 0.3).abs() < 0.01, "mean {mean}, std {std}");
        let err = GaussianNoise::from_config(&serde_json::json!({"stddev": 1.5})).unwrap_err();
        assert!(err.to_string().contains("Expected a float value between 0 and 1. Received: stddev=1.5"), "{err}");
    }
}
