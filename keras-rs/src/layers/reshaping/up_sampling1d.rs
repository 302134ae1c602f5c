//! `UpSampling1D`: repeats each step of `(batch, steps, channels)`.

use burn::tensor::Tensor;
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `UpSampling1D(size=2)`: each step repeated `size` times (`ops.repeat` on axis 1).
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::UpSampling1D;
/// let model = Sequential::new().add(Input::new(&[4, 3])).add(UpSampling1D::new(3));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 12, 3)");
/// ```
#[derive(Clone, Debug)]
pub struct UpSampling1D {
    base: LayerBase,
    config: UpSampling1DConfig,
}

keras_config! {
    /// Keras' `UpSampling1D` arguments.
    pub struct UpSampling1DConfig {
        other {
            /// How many times each step is repeated (default 2).
            size: usize = 2,
        }
    }
}

impl Validate for UpSampling1DConfig {
    fn validate(&self) -> Result<()> {
        if self.size == 0 {
            return Err(Error::value("Argument `size` should be a positive integer. Received: size=0"));
        }
        Ok(())
    }
}

common_builders!(UpSampling1D);

impl UpSampling1D {
    /// Repeats each step `size` times.
    pub fn new(size: usize) -> Self {
        UpSampling1D { base: LayerBase::default(), config: UpSampling1DConfig { size } }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = UpSampling1DConfig::from_config(config, "UpSampling1D")?;
        Ok(UpSampling1D { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for UpSampling1D {
    layer_boilerplate!("UpSampling1D");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        let name = self.base.name.as_deref().unwrap_or("up_sampling1d");
        input.check_ndim(name, 3)?;
        validated(&self.config, name)?;
        Ok(Shape(vec![input.0[0], input.0[1].map(|t| t * self.config.size), input.0[2]]))
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = inputs.into_rank::<3>(self.base.name.as_deref().unwrap_or("up_sampling1d"))?;
        let [n, t, c] = x.dims();
        let s = self.config.size;
        let y: Tensor<4> = x.reshape([n, t, 1, c]).expand([n, t, s, c]);
        Ok(DynTensor::new(y.reshape([n, t * s, c])))
    }
}
