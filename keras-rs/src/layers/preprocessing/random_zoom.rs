//! `RandomZoom`: zooms each training image in or out by a random factor.

use serde_json::Value;

use super::image_transform::{Factor, FillArgs, Transform, affine_transform, augmentation_layer, on_images};
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::common_builders;
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, LayerBase};

/// Keras' `RandomZoom(height_factor, width_factor=None, fill_mode="reflect",
/// interpolation="bilinear", seed=None, fill_value=0.0)`: in training, each image is scaled
/// about its centre by `1 + z`, `z` drawn from `height_factor` (`0.2`: `[-0.2, 0.2]`; negative
/// values zoom in) for rows and from `width_factor` for columns (the same draw when `None`); in
/// inference, the identity.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::RandomZoom;
/// let model = Sequential::new().add(Input::new(&[32, 32, 3])).add(RandomZoom::new(0.2).width_factor((-0.1, 0.3)));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 32, 32, 3)");
/// ```
#[derive(Clone, Debug)]
pub struct RandomZoom {
    base: LayerBase,
    pub(crate) config: RandomZoomConfig,
}

keras_config! {
    /// Keras' `RandomZoom` arguments; channels last.
    pub struct RandomZoomConfig {
        required {
            /// The zoom range for rows: `f` for `[-f, f]` or a pair, each in `(-1, 1]`.
            height_factor: Factor,
        }
        args {
            /// The zoom range for columns (default `None`: the rows' zoom).
            width_factor: Option<Factor> = None,
        }
        nested {
            /// `fill_mode`, `interpolation`, `seed`, `fill_value`.
            fill: FillArgs,
        }
    }
    constants { data_format: "channels_last" }
    setters for [] RandomZoom => config;
}

impl Validate for RandomZoomConfig {
    fn validate(&self) -> Result<()> {
        for value in self.height_factor.values().into_iter().chain(self.width_factor.iter().flat_map(|f| f.values())) {
            if value > 1.0 || value <= -1.0 {
                return Err(Error::value(format!(
                    "The `height_factor` and `width_factor` arguments should be a number (or a list of two numbers) \
                     in the range (-1.0, 1.0]. Received: input_number={value}"
                )));
            }
        }
        self.fill.validate()
    }
}

common_builders!(RandomZoom);

impl RandomZoom {
    /// Zooms rows (and, unless `width_factor` is set, columns) by `1 + z`, `z` in `height_factor`.
    pub fn new(height_factor: impl Into<Factor>) -> Self {
        RandomZoom { base: LayerBase::default(), config: RandomZoomConfig::new(height_factor.into()) }
    }
    /// Reads Keras' `RandomZoom` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = RandomZoomConfig::from_config(config, "RandomZoom")?;
        Ok(RandomZoom { base: LayerBase::from_config(config), config: read })
    }

    fn augment(&self, inputs: DynTensor, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let c = &self.config;
        let sampling = c.fill.sampling()?;
        let batch = inputs.dims()[0];
        let (hl, hu) = c.height_factor.range(f32::NEG_INFINITY);
        let heights = ctx.uniform(batch, 1, 1.0 + hl, 1.0 + hu);
        let widths = match c.width_factor {
            Some(f) => {
                let (wl, wu) = f.range(f32::NEG_INFINITY);
                ctx.uniform(batch, 1, 1.0 + wl, 1.0 + wu)
            }
            None => heights.clone(),
        };
        on_images(inputs, "random_zoom", |images, dims| {
            let [_, h, w, _] = dims;
            let transforms: Vec<Transform> = heights.iter().zip(&widths).map(|(&zy, &zx)| zoom(zy, zx, h, w)).collect();
            Ok(affine_transform(&images, dims, &transforms, sampling))
        })
    }
}

/// Keras' `_get_zoom_matrix`: rows scaled by `zy`, columns by `zx`, about the centre.
fn zoom(zy: f32, zx: f32, h: usize, w: usize) -> Transform {
    let x_offset = (w as f32 - 1.0) / 2.0 * (1.0 - zx);
    let y_offset = (h as f32 - 1.0) / 2.0 * (1.0 - zy);
    [zx, 0.0, x_offset, 0.0, zy, y_offset]
}

augmentation_layer!(RandomZoom, "RandomZoom");
