//! `RepeatVector`: `(batch, features)` -> `(batch, n, features)`.

use burn::tensor::Tensor;
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `RepeatVector(n)`: repeats each sample's vector `n` times along a new time axis.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[8])).add(RepeatVector::new(5)).add(LSTM::new(4).return_sequences(true));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 5, 4)");
/// ```
#[derive(Clone, Debug)]
pub struct RepeatVector {
    base: LayerBase,
    config: RepeatVectorConfig,
}

keras_config! {
    /// Keras' `RepeatVector` arguments.
    pub struct RepeatVectorConfig {
        required {
            /// How many times the input is repeated.
            n: usize,
        }
    }
}

impl Validate for RepeatVectorConfig {
    fn validate(&self) -> Result<()> {
        if self.n == 0 {
            return Err(Error::value("argument `n` should be a positive integer. Received: n=0"));
        }
        Ok(())
    }
}

common_builders!(RepeatVector);

impl RepeatVector {
    /// Repeats the input `n` times.
    pub fn new(n: usize) -> Self {
        RepeatVector { base: LayerBase::default(), config: RepeatVectorConfig::new(n) }
    }
    /// Reads Keras' `RepeatVector` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = RepeatVectorConfig::from_config(config, "RepeatVector")?;
        Ok(RepeatVector { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for RepeatVector {
    layer_boilerplate!("RepeatVector");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        let name = self.base.name.as_deref().unwrap_or("repeat_vector");
        input.check_ndim(name, 2)?;
        validated(&self.config, name)?;
        Ok(Shape(vec![input.0[0], Some(self.config.n), input.0[1]]))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = inputs.into_rank::<2>(self.base.name.as_deref().unwrap_or("repeat_vector"))?;
        let [b, f] = x.dims();
        let y: Tensor<3> = x.reshape([b, 1, f]).expand([b, self.config.n, f]);
        Ok(DynTensor::new(y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn repeats_along_a_new_time_axis() {
        let device = keras_rs_backends::default_device();
        let r = RepeatVector::new(2);
        let x = DynTensor::from_data(vec![1.0, 2.0], &[1, 2], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        assert_eq!(
            Layer::forward(&r, x, Weights::from(&[]), &mut ctx).unwrap().to_vec().unwrap(),
            vec![1.0, 2.0, 1.0, 2.0]
        );
        assert!(r.compute_output_shape(&Shape::batched(&[2, 3])).is_err());
        assert_eq!(RepeatVector::from_config(&r.get_config()).unwrap().get_config(), r.get_config());
    }
}
