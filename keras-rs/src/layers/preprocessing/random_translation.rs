//! `RandomTranslation`: shifts each training image by a random offset.

use serde_json::Value;

use super::image_transform::{Factor, FillArgs, Transform, affine_transform, augmentation_layer, on_images};
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::common_builders;
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, LayerBase};

/// Keras' `RandomTranslation(height_factor, width_factor, fill_mode="reflect",
/// interpolation="bilinear", seed=None, fill_value=0.0)`: in training, each image moves by a
/// fraction of its height drawn from `height_factor` (`0.1`: `[-0.1, 0.1]`) and of its width
/// from `width_factor`, the uncovered border filled by `fill_mode`; in inference, the identity.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::RandomTranslation;
/// let model = Sequential::new().add(Input::new(&[28, 28, 1])).add(RandomTranslation::new(0.1, (-0.2, 0.1)));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 28, 28, 1)");
/// ```
#[derive(Clone, Debug)]
pub struct RandomTranslation {
    base: LayerBase,
    pub(crate) config: RandomTranslationConfig,
}

keras_config! {
    /// Keras' `RandomTranslation` arguments; channels last.
    pub struct RandomTranslationConfig {
        required {
            /// The vertical shift range as a fraction of the height: `f` for `[-f, f]` or a pair.
            height_factor: Factor,
            /// The horizontal shift range as a fraction of the width.
            width_factor: Factor,
        }
        nested {
            /// `fill_mode`, `interpolation`, `seed`, `fill_value`.
            fill: FillArgs,
        }
    }
    constants { data_format: "channels_last" }
    setters for [] RandomTranslation => config;
}

impl Validate for RandomTranslationConfig {
    fn validate(&self) -> Result<()> {
        for value in self.height_factor.values().into_iter().chain(self.width_factor.values()) {
            if !(-1.0..=1.0).contains(&value) {
                return Err(Error::value(format!(
                    "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. \
                     Received: input_number={value}"
                )));
            }
        }
        self.fill.validate()
    }
}

common_builders!(RandomTranslation);

impl RandomTranslation {
    /// Shifts by fractions of the height in `height_factor` and of the width in `width_factor`.
    pub fn new(height_factor: impl Into<Factor>, width_factor: impl Into<Factor>) -> Self {
        let config = RandomTranslationConfig::new(height_factor.into(), width_factor.into());
        RandomTranslation { base: LayerBase::default(), config }
    }
    /// Reads Keras' `RandomTranslation` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = RandomTranslationConfig::from_config(config, "RandomTranslation")?;
        Ok(RandomTranslation { base: LayerBase::from_config(config), config: read })
    }

    fn augment(&self, inputs: DynTensor, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let c = &self.config;
        let sampling = c.fill.sampling()?;
        let dims = inputs.dims();
        let &[batch, h, w, _] = dims.as_slice() else {
            return Err(Error::shape(format!("RandomTranslation takes image batches (rank 4), received {dims:?}")));
        };
        let (hl, hu) = c.height_factor.range(f32::NEG_INFINITY);
        let (wl, wu) = c.width_factor.range(f32::NEG_INFINITY);
        let dy = ctx.uniform(batch, 1, hl, hu);
        let dx = ctx.uniform(batch, 1, wl, wu);
        on_images(inputs, "random_translation", |images, dims| {
            // Keras' `_get_translation_matrix`: the output samples the input shifted back.
            let transforms: Vec<Transform> =
                dy.iter().zip(&dx).map(|(&ty, &tx)| [1.0, 0.0, -(tx * w as f32), 0.0, 1.0, -(ty * h as f32)]).collect();
            Ok(affine_transform(&images, dims, &transforms, sampling))
        })
    }
}

augmentation_layer!(RandomTranslation, "RandomTranslation");
