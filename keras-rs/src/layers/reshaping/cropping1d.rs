//! `Cropping1D`: removes steps at the start and end of `(batch, steps, channels)`.

use serde_json::Value;

use super::zero_padding1d::Pair;
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::{Shape, format_dims};

/// Keras' `Cropping1D(cropping=(1, 1))`: drops `(start, end)` steps.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Cropping1D;
/// let model = Sequential::new().add(Input::new(&[6, 2])).add(Cropping1D::new((1, 2)));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 3, 2)");
/// ```
#[derive(Clone, Debug)]
pub struct Cropping1D {
    base: LayerBase,
    config: Cropping1DConfig,
}

keras_config! {
    /// Keras' `Cropping1D` arguments.
    pub struct Cropping1DConfig {
        other {
            /// Steps removed `(start, end)` (default 1 at each end).
            cropping: Pair = Pair([1, 1]),
        }
    }
}

impl Validate for Cropping1DConfig {}

common_builders!(Cropping1D);

impl Cropping1D {
    /// Crops `cropping` steps (`1` or `(start, end)`).
    pub fn new(cropping: impl Into<Pair>) -> Self {
        Cropping1D { base: LayerBase::default(), config: Cropping1DConfig { cropping: cropping.into() } }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = Cropping1DConfig::from_config(config, "Cropping1D")?;
        Ok(Cropping1D { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for Cropping1D {
    layer_boilerplate!("Cropping1D");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        input.check_ndim(self.base.name.as_deref().unwrap_or("cropping1d"), 3)?;
        let [start, end] = self.config.cropping.0;
        let length = match input.0[1] {
            Some(t) if start + end >= t => {
                return Err(Error::value(format!(
                    "`cropping` parameter of `Cropping1D` layer must be smaller than the input length. Received: \
                     input_shape={input}, cropping=({start}, {end})"
                )));
            }
            t => t.map(|t| t - start - end),
        };
        Ok(Shape(vec![input.0[0], length, input.0[2]]))
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = inputs.into_rank::<3>(self.base.name.as_deref().unwrap_or("cropping1d"))?;
        let [start, end] = self.config.cropping.0;
        let steps = x.dims()[1];
        if start + end >= steps {
            return Err(Error::value(format!(
                "`cropping` parameter of `Cropping1D` layer must be smaller than the input length. Received: \
                 inputs.shape={}, cropping=({start}, {end})",
                format_dims(&x.dims())
            )));
        }
        Ok(DynTensor::new(x.narrow(1, start, steps - start - end)))
    }
}
