//! `RandomRotation`: rotates each training image by a random angle.

use serde_json::Value;

use super::image_transform::{Factor, FillArgs, Transform, affine_transform, augmentation_layer, on_images};
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::common_builders;
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, LayerBase};

/// Keras' `RandomRotation(factor, fill_mode="reflect", interpolation="bilinear", seed=None,
/// fill_value=0.0)`: in training, each image turns by an angle drawn uniformly from
/// `factor × 360°` (`0.1`: ±36°; `(-0.2, 0.3)`), about its centre, the corners filled by
/// `fill_mode`; in inference, the identity. Angles come from the model's seeded generator.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::{RandomFlip, RandomRotation};
/// let model = Sequential::new()
///     .add(Input::new(&[28, 28, 1]))
///     .add(RandomFlip::new().mode("horizontal"))
///     .add(RandomRotation::new(0.1).fill_mode("constant"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 28, 28, 1)");
/// ```
#[derive(Clone, Debug)]
pub struct RandomRotation {
    base: LayerBase,
    pub(crate) config: RandomRotationConfig,
}

keras_config! {
    /// Keras' `RandomRotation` arguments; channels last.
    pub struct RandomRotationConfig {
        required {
            /// The range of angles as fractions of a full turn: `f` for `[-f, f]`, or a pair
            /// (Keras writes the pair).
            factor: Factor,
        }
        nested {
            /// `fill_mode`, `interpolation`, `seed`, `fill_value`.
            fill: FillArgs,
        }
    }
    constants { data_format: "channels_last" }
    setters for [] RandomRotation => config;
}

impl Validate for RandomRotationConfig {
    fn validate(&self) -> Result<()> {
        self.factor.check("factor", -1.0)?;
        self.fill.validate()
    }
}

common_builders!(RandomRotation);

impl RandomRotation {
    /// Angles in `factor × 360°`: `0.1` or `(-0.2, 0.3)`.
    pub fn new(factor: impl Into<Factor>) -> Self {
        let config = RandomRotationConfig::new(factor.into().as_set(-1.0));
        RandomRotation { base: LayerBase::default(), config }
    }
    /// Reads Keras' `RandomRotation` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = RandomRotationConfig::from_config(config, "RandomRotation")?;
        Ok(RandomRotation { base: LayerBase::from_config(config), config: read })
    }

    fn augment(&self, inputs: DynTensor, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let c = &self.config;
        let sampling = c.fill.sampling()?;
        let (lower, upper) = c.factor.range(-1.0);
        let batch = inputs.dims()[0];
        let angles = ctx.uniform(batch, 1, lower * 360.0, upper * 360.0);
        on_images(inputs, "random_rotation", |images, dims| {
            let [_, h, w, _] = dims;
            let transforms: Vec<Transform> = angles.iter().map(|&a| rotation(a, h, w)).collect();
            Ok(affine_transform(&images, dims, &transforms, sampling))
        })
    }
}

/// Keras' `_compute_affine_matrix` for a rotation by `degrees` about the image centre.
pub(crate) fn rotation(degrees: f32, h: usize, w: usize) -> Transform {
    let angle = degrees * (std::f32::consts::PI / 180.0);
    let (cx, cy) = (0.5 * (w as f32 - 1.0), 0.5 * (h as f32 - 1.0));
    let (cos, sin) = (angle.cos(), angle.sin());
    let (a0, a1, b0, b1) = (cos, -sin, sin, cos);
    [a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1]
}

augmentation_layer!(RandomRotation, "RandomRotation");
