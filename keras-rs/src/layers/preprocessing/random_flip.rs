//! `RandomFlip`: mirrors training images at random.

use serde_json::Value;

use super::image_transform::{augmentation_layer, on_images};
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::common_builders;
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, LayerBase};

/// Keras' `RandomFlip(mode="horizontal_and_vertical", seed=None)`: in training, each image is
/// flipped with probability 1/2 — left-right (`"horizontal"`), top-bottom (`"vertical"`), or
/// both at once (`"horizontal_and_vertical"`, one draw for both as in Keras 3); in inference,
/// the identity.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::RandomFlip;
/// let model = Sequential::new().add(Input::new(&[32, 32, 3])).add(RandomFlip::new().mode("horizontal"));
/// let x = ndarray::Array4::<f32>::ones((2, 32, 32, 3));
/// // predict is inference: the images pass unchanged
/// assert_eq!(model.predict(&x, PredictOptions::new().verbose(0)).unwrap(), x.into_dyn());
/// ```
#[derive(Clone, Debug)]
pub struct RandomFlip {
    base: LayerBase,
    config: RandomFlipConfig,
}

keras_config! {
    /// Keras' `RandomFlip` arguments; channels last.
    pub struct RandomFlipConfig {
        args {
            /// `"horizontal"`, `"vertical"` or `"horizontal_and_vertical"` (default).
            mode: String = "horizontal_and_vertical".to_string(),
            /// Keras' `seed=` (kept in the config; flips come from the model's generator).
            seed: Option<u64> = None,
        }
    }
    constants { data_format: "channels_last" }
    setters for [] RandomFlip => config;
}

impl Validate for RandomFlipConfig {
    fn validate(&self) -> Result<()> {
        match self.mode.as_str() {
            "horizontal" | "vertical" | "horizontal_and_vertical" => Ok(()),
            other => Err(Error::value(format!(
                "RandomFlip layer {other} is not a valid mode: expected \"horizontal\", \"vertical\" or \
                 \"horizontal_and_vertical\""
            ))),
        }
    }
}

common_builders!(RandomFlip);

impl Default for RandomFlip {
    fn default() -> Self {
        Self::new()
    }
}

impl RandomFlip {
    /// Keras' default: both directions.
    pub fn new() -> Self {
        RandomFlip { base: LayerBase::default(), config: RandomFlipConfig::new() }
    }
    /// Reads Keras' `RandomFlip` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = RandomFlipConfig::from_config(config, "RandomFlip")?;
        Ok(RandomFlip { base: LayerBase::from_config(config), config: read })
    }

    fn augment(&self, inputs: DynTensor, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let flips: Vec<bool> = ctx.uniform(inputs.dims()[0], 1, 0.0, 1.0).into_iter().map(|u| u <= 0.5).collect();
        let (rows, cols) = match self.config.mode.as_str() {
            "horizontal" => (false, true),
            "vertical" => (true, false),
            _ => (true, true),
        };
        on_images(inputs, "random_flip", |images, [_, h, w, c]| {
            let mut out = images.clone();
            for (b, _) in flips.iter().enumerate().filter(|(_, flip)| **flip) {
                for i in 0..h {
                    for j in 0..w {
                        let (si, sj) = (if rows { h - 1 - i } else { i }, if cols { w - 1 - j } else { j });
                        let (to, from) = (((b * h + i) * w + j) * c, ((b * h + si) * w + sj) * c);
                        out[to..to + c].copy_from_slice(&images[from..from + c]);
                    }
                }
            }
            Ok(out)
        })
    }
}

augmentation_layer!(RandomFlip, "RandomFlip");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Layer, Weights};
    use crate::random::SeedGenerator;
    use crate::shape::Shape;

    #[test]
    fn about_half_the_images_flip_whole_and_inference_is_the_identity() {
        let device = keras_rs_backends::default_device();
        let (n, h, w) = (400, 2, 3);
        let values: Vec<f32> = (0..n * h * w).map(|v| (v % (h * w)) as f32).collect();
        let mut rng = SeedGenerator::new(7);
        for (mode, flipped) in
            [("horizontal", [2.0, 1.0, 0.0, 5.0, 4.0, 3.0]), ("vertical", [3.0, 4.0, 5.0, 0.0, 1.0, 2.0])]
        {
            let mut layer = RandomFlip::new().mode(mode);
            layer.build(&Shape::batched(&[h, w, 1])).unwrap();
            let x = DynTensor::from_data(values.clone(), &[n, h, w, 1], &device).unwrap();
            let mut ctx = CallContext::new(true, &mut rng, &device);
            let y = Layer::forward(&layer, x, Weights::from(&[]), &mut ctx).unwrap().to_vec().unwrap();
            let mut count = 0;
            for image in y.chunks(h * w) {
                if image == flipped {
                    count += 1;
                } else {
                    assert_eq!(image, &values[..h * w], "{mode}: an image is either flipped or untouched");
                }
            }
            // Binomial(400, 1/2): within 5 standard deviations of 200.
            assert!((150..=250).contains(&count), "{mode}: {count} of {n} flipped");
            let x = DynTensor::from_data(values.clone(), &[n, h, w, 1], &device).unwrap();
            let mut ctx = CallContext::new(false, &mut rng, &device);
            assert_eq!(Layer::forward(&layer, x, Weights::from(&[]), &mut ctx).unwrap().to_vec().unwrap(), values);
        }
        let err = RandomFlip::new().mode("diagonal").compute_output_shape(&Shape::batched(&[2, 2, 1])).unwrap_err();
        assert!(err.to_string().contains("diagonal is not a valid mode"), "{err}");
    }
}
