//! `Cropping2D`: removes rows and columns at the edges of `(batch, height, width, channels)`.

use serde_json::Value;

use super::zero_padding2d::Padding2;
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Cropping2D(cropping=((0, 0), (0, 0)))`: drops `((top, bottom), (left, right))` rows
/// and columns (also `2` or `(2, 1)`, as Keras accepts).
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Cropping2D;
/// let model = Sequential::new().add(Input::new(&[8, 8, 3])).add(Cropping2D::new(((1, 2), (0, 3))));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 5, 5, 3)");
/// ```
#[derive(Clone, Debug)]
pub struct Cropping2D {
    base: LayerBase,
    config: Cropping2DConfig,
}

keras_config! {
    /// Keras' `Cropping2D` arguments (channels last).
    pub struct Cropping2DConfig {
        other {
            /// Rows and columns removed `((top, bottom), (left, right))` (default none).
            cropping: Padding2 = Padding2([[0, 0], [0, 0]]),
        }
    }
    constants { data_format: "channels_last" }
}

impl Validate for Cropping2DConfig {}

common_builders!(Cropping2D);

impl Cropping2D {
    /// Crops `cropping` (see [`Padding2`] for the forms).
    pub fn new(cropping: impl Into<Padding2>) -> Self {
        Cropping2D { base: LayerBase::default(), config: Cropping2DConfig { cropping: cropping.into() } }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = Cropping2DConfig::from_config(config, "Cropping2D")?;
        Ok(Cropping2D { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for Cropping2D {
    layer_boilerplate!("Cropping2D");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        input.check_ndim(self.base.name.as_deref().unwrap_or("cropping2d"), 4)?;
        let [rows, cols] = self.config.cropping.0;
        Ok(Shape(vec![
            input.0[0],
            kept_length(input.0[1], rows, input, &self.config.cropping.0)?,
            kept_length(input.0[2], cols, input, &self.config.cropping.0)?,
            input.0[3],
        ]))
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = inputs.into_rank::<4>(self.base.name.as_deref().unwrap_or("cropping2d"))?;
        let [_, h, w, _] = x.dims();
        let [[top, bottom], [left, right]] = self.config.cropping.0;
        let input = Shape::batched(&x.dims()[1..]);
        let (rows, cols) = (
            kept_length(Some(h), [top, bottom], &input, &self.config.cropping.0)?,
            kept_length(Some(w), [left, right], &input, &self.config.cropping.0)?,
        );
        Ok(DynTensor::new(x.narrow(1, top, rows.unwrap_or(0)).narrow(2, left, cols.unwrap_or(0))))
    }
}

/// The kept length of an axis of `size` cropped by `[before, after]`, or Keras' error naming
/// the whole `cropping` (Cropping2D, Cropping3D).
pub(super) fn kept_length(
    size: Option<usize>,
    [before, after]: [usize; 2],
    input: &Shape,
    cropping: &impl std::fmt::Debug,
) -> Result<Option<usize>> {
    match size {
        Some(n) if before + after >= n => Err(Error::value(format!(
            "Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input. \
             Received: input_shape={input}, cropping={cropping:?}"
        ))),
        n => Ok(n.map(|n| n - before - after)),
    }
}
