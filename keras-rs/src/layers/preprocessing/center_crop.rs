//! `CenterCrop`: the central `height × width` region of each image.

use serde_json::Value;

use super::resizing::{check_size, crop_to_aspect_ratio, resize, resized_shape};
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `CenterCrop(height, width)`: the centred `height × width` crop of every image (in
/// training and inference); an image smaller than that on either axis is instead cropped to
/// the target's aspect ratio and resized (bilinear), as Keras' `smart_resize`.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::CenterCrop;
/// let model = Sequential::new().add(Input::new(&[32, 32, 3])).add(CenterCrop::new(24, 20));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 24, 20, 3)");
/// ```
#[derive(Clone, Debug)]
pub struct CenterCrop {
    base: LayerBase,
    config: CenterCropConfig,
}

keras_config! {
    /// Keras' `CenterCrop` arguments; channels last.
    pub struct CenterCropConfig {
        required {
            /// The output height.
            height: usize,
            /// The output width.
            width: usize,
        }
    }
    constants { data_format: "channels_last" }
}

impl Validate for CenterCropConfig {
    fn validate(&self) -> Result<()> {
        check_size(self.height, self.width, "CenterCrop")
    }
}

common_builders!(CenterCrop);

impl CenterCrop {
    /// The centred `height × width` crop.
    pub fn new(height: usize, width: usize) -> Self {
        CenterCrop { base: LayerBase::default(), config: CenterCropConfig::new(height, width) }
    }
    /// Reads Keras' `CenterCrop` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = CenterCropConfig::from_config(config, "CenterCrop")?;
        Ok(CenterCrop { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for CenterCrop {
    layer_boilerplate!("CenterCrop");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        let name = self.base.name.as_deref().unwrap_or("center_crop");
        validated(&self.config, name)?;
        resized_shape(input, name, self.config.height, self.config.width)
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let (height, width) = (self.config.height, self.config.width);
        let x = inputs.into_rank::<4>(self.base.name.as_deref().unwrap_or("center_crop"))?;
        let [_, h, w, _] = x.dims();
        if h >= height && w >= width {
            return Ok(DynTensor::new(x.narrow(1, (h - height) / 2, height).narrow(2, (w - width) / 2, width)));
        }
        Ok(DynTensor::new(resize(crop_to_aspect_ratio(x, height, width), height, width, "bilinear")))
    }
}
