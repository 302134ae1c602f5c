//! `ZeroPadding3D`: zeros around the three spatial axes of a channels-last volume.

use burn::tensor::ops::PadMode;
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{ConfigValue, Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `ZeroPadding3D(padding=1)` on `(batch, d, h, w, channels)` inputs.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::ZeroPadding3D;
/// let model = Sequential::new().add(Input::new(&[2, 3, 4, 1])).add(ZeroPadding3D::new(((1, 0), (0, 2), (1, 1))));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 3, 5, 6, 1)");
/// ```
#[derive(Clone, Debug)]
pub struct ZeroPadding3D {
    base: LayerBase,
    config: ZeroPadding3DConfig,
}

keras_config! {
    /// Keras' `ZeroPadding3D` arguments; channels last.
    pub struct ZeroPadding3DConfig {
        other {
            /// `(before, after)` zeros for depth, rows and columns (default 1 everywhere).
            padding: Padding3 = Padding3([[1, 1]; 3]),
        }
    }
    constants { data_format: "channels_last" }
}

impl Validate for ZeroPadding3DConfig {}

common_builders!(ZeroPadding3D);

/// `(before, after)` amounts for the three spatial axes of a volume: `1` (everywhere),
/// `(d, h, w)` (both sides) or `((d1, d2), (h1, h2), (w1, w2))`, as Keras takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Padding3(pub [[usize; 2]; 3]);

impl From<usize> for Padding3 {
    fn from(p: usize) -> Self {
        Padding3([[p, p]; 3])
    }
}
impl From<(usize, usize, usize)> for Padding3 {
    fn from((d, h, w): (usize, usize, usize)) -> Self {
        Padding3([[d, d], [h, h], [w, w]])
    }
}
impl From<((usize, usize), (usize, usize), (usize, usize))> for Padding3 {
    fn from(((d1, d2), (h1, h2), (w1, w2)): ((usize, usize), (usize, usize), (usize, usize))) -> Self {
        Padding3([[d1, d2], [h1, h2], [w1, w2]])
    }
}

impl ConfigValue for Padding3 {
    fn to_value(&self) -> Value {
        Value::from(self.0.iter().map(|p| p.to_vec()).collect::<Vec<_>>())
    }
    fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
        if let Some(p) = value.as_u64() {
            return Ok(Padding3::from(p as usize));
        }
        if let Ok([d, h, w]) = serde_json::from_value::<[usize; 3]>(value.clone()) {
            return Ok(Padding3::from((d, h, w)));
        }
        serde_json::from_value::<[[usize; 2]; 3]>(value.clone())
            .map(Padding3)
            .map_err(|e| crate::layers::config::invalid(key, class, value, e))
    }
}

impl ZeroPadding3D {
    /// Pads by `padding` (`1`, `(d, h, w)` or `((d1, d2), (h1, h2), (w1, w2))`).
    pub fn new(padding: impl Into<Padding3>) -> Self {
        ZeroPadding3D { base: LayerBase::default(), config: ZeroPadding3DConfig { padding: padding.into() } }
    }
    /// Reads Keras' `ZeroPadding3D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = ZeroPadding3DConfig::from_config(config, "ZeroPadding3D")?;
        Ok(ZeroPadding3D { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for ZeroPadding3D {
    layer_boilerplate!("ZeroPadding3D");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        input.check_ndim(self.base.name.as_deref().unwrap_or("zero_padding3d"), 5)?;
        let mut out = input.0.clone();
        for (axis, [before, after]) in self.config.padding.0.into_iter().enumerate() {
            out[axis + 1] = out[axis + 1].map(|n| n + before + after);
        }
        Ok(Shape(out))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = inputs.into_rank::<5>(self.base.name.as_deref().unwrap_or("zero_padding3d"))?;
        let [[d1, d2], [h1, h2], [w1, w2]] = self.config.padding.0;
        Ok(DynTensor::new(x.pad([(0, 0), (d1, d2), (h1, h2), (w1, w2), (0, 0)], PadMode::Constant(0.0))))
    }
}
