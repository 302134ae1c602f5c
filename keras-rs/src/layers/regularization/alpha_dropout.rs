//! `AlphaDropout`: dropout that keeps the mean and variance of self-normalizing (SELU) inputs.

use burn::tensor::{Tensor, TensorData};
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// SELU's negative saturation value, `-alpha * scale` (Keras' `alpha_p`).
const ALPHA_P: f32 = -1.673_263_2 * 1.050_701;

/// Keras' `AlphaDropout(rate)`: in training, dropped units are set to SELU's saturation value
/// `alpha_p = -1.7581` instead of 0, then `a * x + b` with `a = ((1 - rate)(1 + rate alpha_p^2))^-1/2`
/// and `b = -a alpha_p rate`, so that zero-mean unit-variance inputs keep their mean and
/// variance; in inference, the identity. Keras' `noise_shape` is refused at load.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::AlphaDropout;
/// let model = Sequential::new().add(Input::new(&[3])).add(AlphaDropout::new(0.1));
/// let y = model.predict(&ndarray::array![[1.0f32, -2.0, 3.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![1.0, -2.0, 3.0]);
/// ```
#[derive(Clone, Debug)]
pub struct AlphaDropout {
    base: LayerBase,
    config: AlphaDropoutConfig,
}

keras_config! {
    /// Keras' `AlphaDropout` arguments.
    pub struct AlphaDropoutConfig {
        required {
            /// The drop probability, in `[0, 1]`.
            rate: f32,
        }
        args {
            /// Keras' `seed=` argument (kept in the config; masks come from the model's generator).
            seed: Option<u64> = None,
        }
    }
    constants { noise_shape: Value::Null }
    setters for [] AlphaDropout => config;
}

impl Validate for AlphaDropoutConfig {
    fn validate(&self) -> Result<()> {
        super::check_fraction("rate", self.rate)
    }
}

common_builders!(AlphaDropout);

impl AlphaDropout {
    /// Alpha dropout of `rate`.
    pub fn new(rate: f32) -> Self {
        AlphaDropout { base: LayerBase::default(), config: AlphaDropoutConfig::new(rate) }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = AlphaDropoutConfig::from_config(config, "AlphaDropout")?;
        Ok(AlphaDropout { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for AlphaDropout {
    fn supports_masking(&self) -> bool {
        true
    }

    layer_boilerplate!("AlphaDropout");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        Ok(input_shape.clone())
    }
    fn build(&mut self, _input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        validated(&self.config, self.base.name.as_deref().unwrap_or("alpha_dropout"))?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let rate = self.config.rate;
        if !ctx.training || rate == 0.0 {
            return Ok(inputs);
        }
        let dims = inputs.dims();
        let n: usize = dims.iter().product();
        // 1 where kept, 0 where dropped (the dropout mask without its scaling).
        let kept: Vec<f32> =
            ctx.dropout_mask(dims[0], n / dims[0].max(1), rate).into_iter().map(|m| f32::from(m > 0.0)).collect();
        let kept = Tensor::<1>::from_data(TensorData::new(kept, [n]), ctx.device);
        let a = ((1.0 - rate) * (1.0 + rate * ALPHA_P * ALPHA_P)).powf(-0.5);
        let b = -a * ALPHA_P * rate;
        let x = inputs.reshape(&[n])?.into_rank::<1>("alpha_dropout")?;
        let dropped = kept.clone().neg().add_scalar(1.0).mul_scalar(ALPHA_P);
        DynTensor::new((x * kept + dropped).mul_scalar(a).add_scalar(b)).reshape(&dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn training_keeps_the_mean_and_variance_of_normalized_inputs() {
        let device = keras_rs_backends::default_device();
        let mut rng = SeedGenerator::new(8);
        let n = 40_000;
        let values: Vec<f32> = (0..n).map(|_| rng.normal()).collect();
        let x = DynTensor::from_data(values, &[n / 4, 4], &device).unwrap();
        let mut ctx = CallContext::new(true, &mut rng, &device);
        let y = Layer::forward(&AlphaDropout::new(0.2), x, Weights::from(&[]), &mut ctx).unwrap().to_vec().unwrap();
        let mean = y.iter().sum::<f32>() / n as f32;
        let var = y.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n as f32;
        assert!(mean.abs() < 0.02 && (var - 1.0).abs() < 0.03, "mean {mean}, variance {var}");
        // About a fifth of the values are the dropped units' a * alpha_p + b.
        let a = (0.8f32 * (1.0 + 0.2 * ALPHA_P * ALPHA_P)).powf(-0.5);
        let dropped = a * ALPHA_P - a * ALPHA_P * 0.2;
        let share = y.iter().filter(|v| (**v - dropped).abs() < 1e-5).count() as f32 / n as f32;
        assert!((share - 0.2).abs() < 0.01, "{share}");
    }
}
