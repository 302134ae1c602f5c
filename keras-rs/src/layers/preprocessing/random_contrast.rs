//! `RandomContrast`: scales each training image's deviation from its mean by a random factor.

use serde_json::Value;

use super::image_transform::{Factor, augmentation_layer, on_images};
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::common_builders;
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, LayerBase};

/// Keras' `RandomContrast(factor, value_range=(0, 255), seed=None)`: in training, each image
/// becomes `(x - mean) * k + mean` per channel (mean over its pixels), `k` drawn from
/// `[1 - lower, 1 + upper]` (Keras 3 reads a single `f` as `(0, f)`), clipped to
/// `value_range`; in inference, the identity.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::RandomContrast;
/// let layer = RandomContrast::new(0.2).value_range((0.0, 1.0));
/// let factor = &layer.get_config()["factor"]; // Keras 3 writes a single 0.2 as (0, 0.2)
/// assert_eq!((factor[0].as_f64().unwrap() as f32, factor[1].as_f64().unwrap() as f32), (0.0, 0.2));
/// ```
#[derive(Clone, Debug)]
pub struct RandomContrast {
    base: LayerBase,
    config: RandomContrastConfig,
}

keras_config! {
    /// Keras' `RandomContrast` arguments; channels last.
    pub struct RandomContrastConfig {
        required {
            /// `(lower, upper)` in `[0, 1]`: contrast factors from `1 - lower` to `1 + upper`.
            factor: Factor,
        }
        args {
            /// The range outputs are clipped to (default `(0, 255)`).
            value_range: (f32, f32) = (0.0, 255.0),
            /// Keras' `seed=` (kept in the config; factors come from the model's generator).
            seed: Option<u64> = None,
        }
    }
    constants { data_format: "channels_last" }
    setters for [] RandomContrast => config;
}

impl Validate for RandomContrastConfig {
    fn validate(&self) -> Result<()> {
        self.factor.check("factor", 0.0)?;
        if self.value_range.0 > self.value_range.1 {
            return Err(Error::value(format!(
                "The `value_range` argument should be a list of two numbers, lower first. Received: \
                 value_range={:?}",
                self.value_range
            )));
        }
        Ok(())
    }
}

common_builders!(RandomContrast);

impl RandomContrast {
    /// Contrast factors from `factor` (`0.2` or `(0.1, 0.3)`).
    pub fn new(factor: impl Into<Factor>) -> Self {
        RandomContrast { base: LayerBase::default(), config: RandomContrastConfig::new(factor.into().as_set(0.0)) }
    }
    /// Reads Keras' `RandomContrast` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = RandomContrastConfig::from_config(config, "RandomContrast")?;
        Ok(RandomContrast { base: LayerBase::from_config(config), config: read })
    }

    fn augment(&self, inputs: DynTensor, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let (lower, upper) = self.config.factor.range(0.0);
        let factors = ctx.uniform(inputs.dims()[0], 1, 1.0 - lower, 1.0 + upper);
        let (low, high) = self.config.value_range;
        on_images(inputs, "random_contrast", |mut images, [_, h, w, c]| {
            for (b, &k) in factors.iter().enumerate() {
                let image = &mut images[b * h * w * c..(b + 1) * h * w * c];
                for channel in 0..c {
                    let mean = image.iter().skip(channel).step_by(c).map(|&v| v as f64).sum::<f64>() / (h * w) as f64;
                    let mean = mean as f32;
                    for v in image.iter_mut().skip(channel).step_by(c) {
                        *v = ((*v - mean) * k + mean).clamp(low, high);
                    }
                }
            }
            Ok(images)
        })
    }
}

augmentation_layer!(RandomContrast, "RandomContrast");
