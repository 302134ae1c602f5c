//! `Resizing`: resizes image batches to a fixed height and width.

use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Int, Tensor};
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Resizing(height, width, interpolation="bilinear", crop_to_aspect_ratio=False)`:
/// every image (in training and inference) resized to `height × width` — bilinear with
/// half-pixel centres or nearest, as Keras' `image.resize` without antialiasing; with
/// `crop_to_aspect_ratio`, the largest centred crop of the target's aspect ratio first.
/// Keras' `pad_to_aspect_ratio`, `antialias` and its other interpolations are refused.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Resizing;
/// let model = Sequential::new().add(Input::new(&[30, 40, 3])).add(Resizing::new(16, 16).crop_to_aspect_ratio(true));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 16, 16, 3)");
/// ```
#[derive(Clone, Debug)]
pub struct Resizing {
    base: LayerBase,
    config: ResizingConfig,
}

keras_config! {
    /// Keras' `Resizing` arguments; channels last.
    pub struct ResizingConfig {
        required {
            /// The output height.
            height: usize,
            /// The output width.
            width: usize,
        }
        args {
            /// `"bilinear"` (default) or `"nearest"`.
            interpolation: String = "bilinear".to_string(),
            /// Crop to the target's aspect ratio (centred) before resizing (default false).
            crop_to_aspect_ratio: bool = false,
            /// Keras' padding to the aspect ratio (only `false`).
            pad_to_aspect_ratio: bool = false,
            /// Keras' fill of that padding (kept in the config).
            fill_mode: String = "constant".to_string(),
            /// Keras' fill value of that padding (kept in the config).
            fill_value: f32 = 0.0,
            /// Keras' antialiasing when downsampling (only `false`).
            antialias: bool = false,
        }
    }
    constants { data_format: "channels_last" }
    setters for [] Resizing => config;
}

impl Validate for ResizingConfig {
    fn validate(&self) -> Result<()> {
        check_size(self.height, self.width, "Resizing")?;
        check_interpolation(&self.interpolation, "Resizing")?;
        if self.crop_to_aspect_ratio && self.pad_to_aspect_ratio {
            return Err(Error::value(
                "Only one of `crop_to_aspect_ratio` & `pad_to_aspect_ratio` can be set to `True`.",
            ));
        }
        if self.pad_to_aspect_ratio || self.antialias {
            return Err(Error::value(format!(
                "Resizing: keras-rs has no {}; received pad_to_aspect_ratio={}, antialias={}",
                if self.antialias { "antialiasing" } else { "padding to the aspect ratio" },
                self.pad_to_aspect_ratio,
                self.antialias
            )));
        }
        Ok(())
    }
}

/// A positive output size, or the error naming `class`.
pub(crate) fn check_size(height: usize, width: usize, class: &str) -> Result<()> {
    if height == 0 || width == 0 {
        return Err(Error::value(format!(
            "{class} needs a positive `height` and `width`. Received: height={height}, width={width}"
        )));
    }
    Ok(())
}

/// The shape of image batches `input` resized to `height × width`.
pub(crate) fn resized_shape(input: &Shape, name: &str, height: usize, width: usize) -> Result<Shape> {
    input.check_ndim(name, 4)?;
    Ok(Shape(vec![input.0[0], Some(height), Some(width), input.0[3]]))
}

/// The interpolations keras-rs resizes with: Keras' `"bilinear"` and `"nearest"`.
fn check_interpolation(interpolation: &str, class: &str) -> Result<()> {
    match interpolation {
        "bilinear" | "nearest" => Ok(()),
        other => Err(Error::value(format!(
            "Invalid value for argument `interpolation` of {class}: keras-rs resizes with \"bilinear\" or \
             \"nearest\". Received: interpolation={other}"
        ))),
    }
}

common_builders!(Resizing);

impl Resizing {
    /// Resizes to `height × width`.
    pub fn new(height: usize, width: usize) -> Self {
        Resizing { base: LayerBase::default(), config: ResizingConfig::new(height, width) }
    }
    /// Reads Keras' `Resizing` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = ResizingConfig::from_config(config, "Resizing")?;
        Ok(Resizing { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for Resizing {
    layer_boilerplate!("Resizing");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        let name = self.base.name.as_deref().unwrap_or("resizing");
        validated(&self.config, name)?;
        resized_shape(input, name, self.config.height, self.config.width)
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let c = &self.config;
        let x = inputs.into_rank::<4>(self.base.name.as_deref().unwrap_or("resizing"))?;
        let x = if c.crop_to_aspect_ratio { crop_to_aspect_ratio(x, c.height, c.width) } else { x };
        Ok(DynTensor::new(resize(x, c.height, c.width, &c.interpolation)))
    }
}

/// The largest centred crop of channels-last `x` with the aspect ratio `height : width` (Keras'
/// `crop_to_aspect_ratio`, `smart_resize`).
pub(crate) fn crop_to_aspect_ratio(x: Tensor<4>, height: usize, width: usize) -> Tensor<4> {
    let [_, h, w, _] = x.dims();
    let crop_h = ((w * height) as f32 / width as f32) as usize;
    let crop_h = crop_h.min(h).max(1);
    let crop_w = ((h * width) as f32 / height as f32) as usize;
    let crop_w = crop_w.min(w).max(1);
    x.narrow(1, (h - crop_h) / 2, crop_h).narrow(2, (w - crop_w) / 2, crop_w)
}

/// Channels-last `x` resized to `height × width`: `"bilinear"` (half-pixel centres) or
/// `"nearest"` (the pixel under each output centre), as Keras' JAX `image.resize`.
pub(crate) fn resize(x: Tensor<4>, height: usize, width: usize, interpolation: &str) -> Tensor<4> {
    let [_, h, w, _] = x.dims();
    if (h, w) == (height, width) {
        return x;
    }
    if interpolation == "nearest" {
        // jax's nearest: output index i takes input floor((i + 0.5) * in / out), in float32.
        let device = x.device();
        let pick = |x: Tensor<4>, axis: usize, from: usize, to: usize| {
            let indices: Vec<i64> =
                (0..to).map(|i| ((i as f32 + 0.5) * from as f32 / to as f32).floor() as i64).collect();
            x.select(axis, Tensor::<1, Int>::from_ints(indices.as_slice(), &device))
        };
        return pick(pick(x, 1, h, height), 2, w, width);
    }
    let options =
        InterpolateOptions::new(InterpolateMode::Bilinear).with_align_corners(false).with_output_size([height, width]);
    interpolate(x.permute([0, 3, 1, 2]), options).permute([0, 2, 3, 1])
}
