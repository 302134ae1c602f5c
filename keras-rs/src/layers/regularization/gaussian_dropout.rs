//! `GaussianDropout`: multiplies by `N(1, sqrt(rate / (1 - rate)))` noise in training.

use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `GaussianDropout(rate)`: in training, `x * N(1, sqrt(rate / (1 - rate)))` per element
/// (from the model's seeded generator); in inference, `x`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::GaussianDropout;
/// let model = Sequential::new().add(Input::new(&[3])).add(GaussianDropout::new(0.2));
/// assert_eq!(model.get_config()["layers"][1]["config"]["rate"], 0.2f32 as f64);
/// ```
#[derive(Clone, Debug)]
pub struct GaussianDropout {
    base: LayerBase,
    config: GaussianDropoutConfig,
}

keras_config! {
    /// Keras' `GaussianDropout` arguments.
    pub struct GaussianDropoutConfig {
        required {
            /// The drop probability, in `[0, 1]`: the noise's standard deviation is
            /// `sqrt(rate / (1 - rate))`.
            rate: f32,
        }
        args {
            /// Keras' `seed=` argument (kept in the config; noise comes from the model's generator).
            seed: Option<u64> = None,
        }
    }
    setters for [] GaussianDropout => config;
}

impl Validate for GaussianDropoutConfig {
    fn validate(&self) -> Result<()> {
        super::check_fraction("rate", self.rate)
    }
}

common_builders!(GaussianDropout);

impl GaussianDropout {
    /// Gaussian dropout of `rate`.
    pub fn new(rate: f32) -> Self {
        GaussianDropout { base: LayerBase::default(), config: GaussianDropoutConfig::new(rate) }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = GaussianDropoutConfig::from_config(config, "GaussianDropout")?;
        Ok(GaussianDropout { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for GaussianDropout {
    fn supports_masking(&self) -> bool {
        true
    }

    layer_boilerplate!("GaussianDropout");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        Ok(input_shape.clone())
    }
    fn build(&mut self, _input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        validated(&self.config, self.base.name.as_deref().unwrap_or("gaussian_dropout"))?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let rate = self.config.rate;
        if !ctx.training || rate == 0.0 {
            return Ok(inputs);
        }
        super::with_normal_noise(inputs, ctx, (1.0, (rate / (1.0 - rate)).sqrt()), |x, noise| x * noise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn training_multiplies_by_noise_around_one() {
        let device = keras_rs_backends::default_device();
        let n = 20_000;
        let x = DynTensor::from_data(vec![2.0; n], &[n / 4, 4], &device).unwrap();
        let mut rng = SeedGenerator::new(6);
        let mut ctx = CallContext::new(true, &mut rng, &device);
        let y = Layer::forward(&GaussianDropout::new(0.2), x, Weights::from(&[]), &mut ctx).unwrap().to_vec().unwrap();
        let mean = y.iter().sum::<f32>() / n as f32;
        let std = (y.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n as f32).sqrt();
        // x * N(1, sqrt(0.2 / 0.8) = 0.5): mean 2, deviation 1.
        assert!((mean - 2.0).abs() < 0.03 && (std - 1.0).abs() < 0.03, "mean {mean}, std {std}");
    }
}
