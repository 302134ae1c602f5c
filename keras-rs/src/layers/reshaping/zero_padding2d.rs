//! `ZeroPadding2D`: adds rows and columns of zeros around `(batch, height, width, channels)`.

use burn::tensor::ops::PadMode;
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{ConfigValue, Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `ZeroPadding2D(padding=(1, 1))`: `((top, bottom), (left, right))` zeros.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[4, 4, 3])).add(ZeroPadding2D::new(((1, 0), (2, 3))));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 5, 9, 3)");
/// ```
#[derive(Clone, Debug)]
pub struct ZeroPadding2D {
    base: LayerBase,
    config: ZeroPadding2DConfig,
}

keras_config! {
    /// Keras' `ZeroPadding2D` arguments (channels last).
    pub struct ZeroPadding2DConfig {
        other {
            /// Zeros added `((top, bottom), (left, right))` (default 1 on every side).
            padding: Padding2 = Padding2([[1, 1], [1, 1]]),
        }
    }
    constants { data_format: "channels_last" }
}

impl Validate for ZeroPadding2DConfig {}

common_builders!(ZeroPadding2D);

/// Keras' ways to give the padding: `1`, `(1, 2)` (symmetric per axis) or `((t, b), (l, r))`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Padding2(pub [[usize; 2]; 2]);

impl From<usize> for Padding2 {
    fn from(p: usize) -> Self {
        Padding2([[p, p], [p, p]])
    }
}
impl From<(usize, usize)> for Padding2 {
    fn from((h, w): (usize, usize)) -> Self {
        Padding2([[h, h], [w, w]])
    }
}
impl From<((usize, usize), (usize, usize))> for Padding2 {
    fn from(((t, b), (l, r)): ((usize, usize), (usize, usize))) -> Self {
        Padding2([[t, b], [l, r]])
    }
}

impl ConfigValue for Padding2 {
    fn to_value(&self) -> Value {
        self.0.to_value()
    }
    /// One number, `[h, w]` or `[[t, b], [l, r]]`, as Keras accepts.
    fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
        if let Some(p) = value.as_u64() {
            return Ok(Padding2::from(p as usize));
        }
        if let Ok([h, w]) = serde_json::from_value::<[usize; 2]>(value.clone()) {
            return Ok(Padding2::from((h, w)));
        }
        <[[usize; 2]; 2]>::read(value, key, class).map(Padding2)
    }
}

impl ZeroPadding2D {
    /// Pads with `padding` zeros (see [`Padding2`]).
    pub fn new(padding: impl Into<Padding2>) -> Self {
        ZeroPadding2D { base: LayerBase::default(), config: ZeroPadding2DConfig { padding: padding.into() } }
    }
    /// Reads Keras' config (`padding` as `[[t, b], [l, r]]`).
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = ZeroPadding2DConfig::from_config(config, "ZeroPadding2D")?;
        Ok(ZeroPadding2D { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for ZeroPadding2D {
    layer_boilerplate!("ZeroPadding2D");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        input.check_ndim(self.base.name.as_deref().unwrap_or("zero_padding2d"), 4)?;
        let [[t, b], [l, r]] = self.config.padding.0;
        Ok(Shape(vec![input.0[0], input.0[1].map(|h| h + t + b), input.0[2].map(|w| w + l + r), input.0[3]]))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = inputs.into_rank::<4>(self.base.name.as_deref().unwrap_or("zero_padding2d"))?;
        let [[t, b], [l, r]] = self.config.padding.0;
        Ok(DynTensor::new(x.pad([(0, 0), (t, b), (l, r), (0, 0)], PadMode::Constant(0.0))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn pads_height_and_width_only() {
        let device = keras_rs_backends::default_device();
        let z = ZeroPadding2D::new(((1, 0), (0, 1)));
        let x = DynTensor::from_data(vec![1.0, 2.0], &[1, 1, 1, 2], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let y = Layer::forward(&z, x, Weights::from(&[]), &mut ctx).unwrap();
        assert_eq!(y.dims(), vec![1, 2, 2, 2]);
        assert_eq!(y.to_vec().unwrap(), vec![0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0]);
        let cfg = z.get_config();
        assert_eq!(ZeroPadding2D::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
