//! `Cropping3D`: cuts rows off the three spatial axes of a channels-last volume.

use serde_json::Value;

use super::cropping2d::kept_length;
use super::zero_padding3d::Padding3;
use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Cropping3D(cropping=((1, 1), (1, 1), (1, 1)))` on `(batch, d, h, w, channels)`
/// inputs.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Cropping3D;
/// let model = Sequential::new().add(Input::new(&[4, 5, 6, 2])).add(Cropping3D::new(((1, 0), (1, 2), (0, 3))));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 3, 2, 3, 2)");
/// ```
#[derive(Clone, Debug)]
pub struct Cropping3D {
    base: LayerBase,
    config: Cropping3DConfig,
}

keras_config! {
    /// Keras' `Cropping3D` arguments; channels last.
    pub struct Cropping3DConfig {
        other {
            /// `(before, after)` rows cut from depth, rows and columns (default 1 everywhere).
            cropping: Padding3 = Padding3([[1, 1]; 3]),
        }
    }
    constants { data_format: "channels_last" }
}

impl Validate for Cropping3DConfig {}

common_builders!(Cropping3D);

impl Cropping3D {
    /// Crops by `cropping` (`1`, `(d, h, w)` or `((d1, d2), (h1, h2), (w1, w2))`).
    pub fn new(cropping: impl Into<Padding3>) -> Self {
        Cropping3D { base: LayerBase::default(), config: Cropping3DConfig { cropping: cropping.into() } }
    }
    /// Reads Keras' `Cropping3D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = Cropping3DConfig::from_config(config, "Cropping3D")?;
        Ok(Cropping3D { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for Cropping3D {
    layer_boilerplate!("Cropping3D");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        input.check_ndim(self.base.name.as_deref().unwrap_or("cropping3d"), 5)?;
        let mut out = input.0.clone();
        for (axis, [before, after]) in self.config.cropping.0.into_iter().enumerate() {
            out[axis + 1] = kept_length(input.0[axis + 1], [before, after], input, &self.config.cropping.0)?;
        }
        Ok(Shape(out))
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let out = self.compute_output_shape(&Shape::known(&inputs.dims()))?;
        let mut x = inputs.into_rank::<5>(self.base.name.as_deref().unwrap_or("cropping3d"))?;
        for (axis, [before, _]) in self.config.cropping.0.into_iter().enumerate() {
            x = x.narrow(axis + 1, before, out.0[axis + 1].unwrap_or(0));
        }
        Ok(DynTensor::new(x))
    }
}
