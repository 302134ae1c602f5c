//! `ZeroPadding1D`: adds zeros before and after the steps of `(batch, steps, channels)`.

use burn::tensor::ops::PadMode;
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{ConfigValue, Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `ZeroPadding1D(padding=1)`: `(before, after)` zero steps.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::ZeroPadding1D;
/// let model = Sequential::new().add(Input::new(&[5, 3])).add(ZeroPadding1D::new((1, 2)));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 8, 3)");
/// ```
#[derive(Clone, Debug)]
pub struct ZeroPadding1D {
    base: LayerBase,
    config: ZeroPadding1DConfig,
}

keras_config! {
    /// Keras' `ZeroPadding1D` arguments (channels last).
    pub struct ZeroPadding1DConfig {
        other {
            /// Zero steps added `(before, after)` (default 1 on each side).
            padding: Pair = Pair([1, 1]),
        }
    }
    constants { data_format: "channels_last" }
}

impl Validate for ZeroPadding1DConfig {}

common_builders!(ZeroPadding1D);

/// Keras' ways to give a `(before, after)` pair along one axis: `1` or `(1, 2)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair(pub [usize; 2]);

impl From<usize> for Pair {
    fn from(p: usize) -> Self {
        Pair([p, p])
    }
}
impl From<(usize, usize)> for Pair {
    fn from((before, after): (usize, usize)) -> Self {
        Pair([before, after])
    }
}

impl ConfigValue for Pair {
    fn to_value(&self) -> Value {
        self.0.to_value()
    }
    /// One number or `[before, after]`, as Keras accepts.
    fn read(value: &Value, key: &str, class: &str) -> Result<Self> {
        match value.as_u64() {
            Some(p) => Ok(Pair::from(p as usize)),
            None => <[usize; 2]>::read(value, key, class).map(Pair),
        }
    }
}

impl ZeroPadding1D {
    /// Pads with `padding` zero steps (`1` or `(before, after)`).
    pub fn new(padding: impl Into<Pair>) -> Self {
        ZeroPadding1D { base: LayerBase::default(), config: ZeroPadding1DConfig { padding: padding.into() } }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = ZeroPadding1DConfig::from_config(config, "ZeroPadding1D")?;
        Ok(ZeroPadding1D { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for ZeroPadding1D {
    layer_boilerplate!("ZeroPadding1D");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        input.check_ndim(self.base.name.as_deref().unwrap_or("zero_padding1d"), 3)?;
        let [before, after] = self.config.padding.0;
        Ok(Shape(vec![input.0[0], input.0[1].map(|t| t + before + after), input.0[2]]))
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = inputs.into_rank::<3>(self.base.name.as_deref().unwrap_or("zero_padding1d"))?;
        let [before, after] = self.config.padding.0;
        Ok(DynTensor::new(x.pad([(0, 0), (before, after), (0, 0)], PadMode::Constant(0.0))))
    }
}
