//! `Dropout`: zeroes a fraction `rate` of the inputs in training and scales the rest by
//! `1 / (1 - rate)`; the identity in inference.

use burn::tensor::{Tensor, TensorData};
use serde_json::{Value, json};

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec};
use crate::layers::{cfg_or, cfg_req};
use crate::shape::Shape;

/// Keras' `Dropout(rate)`. Masks come from the model's seeded generator, so a seed makes
/// training reproducible.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[4])).add(Dropout::new(0.5));
/// // In inference (predict) Dropout passes values through unchanged.
/// let x = ndarray::array![[1.0f32, 2.0, 3.0, 4.0]];
/// let y = model.predict(&x, PredictOptions::new().verbose(0)).unwrap();
/// assert_eq!(y.into_raw_vec_and_offset().0, vec![1.0, 2.0, 3.0, 4.0]);
/// ```
#[derive(Clone, Debug)]
pub struct Dropout {
    base: LayerBase,
    rate: f32,
    seed: Option<u64>,
}

common_builders!(Dropout);

impl Dropout {
    /// Drops a fraction `rate` (in `[0, 1)`) of the units during training.
    pub fn new(rate: f32) -> Self {
        Dropout { base: LayerBase::default(), rate, seed: None }
    }
    /// Keras' `seed=` argument (kept in the config; masks come from the model's generator).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    /// Reads Keras' `Dropout` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let mut d = Dropout::new(cfg_req(config, "rate", "Dropout")?);
        d.base = LayerBase::from_config(config);
        d.seed = cfg_or(config, "seed", None)?;
        Ok(d)
    }
}

impl Layer for Dropout {
    layer_boilerplate!("Dropout");

    fn config(&self) -> Value {
        json!({"rate": self.rate, "seed": self.seed, "noise_shape": null})
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        Ok(input_shape.clone())
    }

    fn build(&mut self, _input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        if !(0.0..1.0).contains(&self.rate) {
            return Err(Error::value(format!(
                "Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={}",
                self.rate
            )));
        }
        Ok(Vec::new())
    }

    fn call(&self, inputs: DynTensor, _w: &[Tensor<1>], ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        if !ctx.training || self.rate == 0.0 {
            return Ok(inputs);
        }
        let dims = inputs.dims();
        let n: usize = dims.iter().product();
        let mask = Tensor::<1>::from_data(TensorData::new(ctx.rng.dropout_mask(n, self.rate), [n]), ctx.device);
        let x = inputs.reshape(&[n])?.into_rank::<1>("dropout")?;
        DynTensor::new(x * mask).reshape(&dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    fn run(training: bool, seed: u64) -> Vec<f32> {
        let device = keras_rs_backends::default_device();
        let d = Dropout::new(0.5);
        let x = DynTensor::from_data(vec![1.0; 64], &[8, 8], &device).unwrap();
        let mut rng = SeedGenerator::new(seed);
        let mut ctx = CallContext::new(training, &mut rng, &device);
        Layer::call(&d, x, &[], &mut ctx).unwrap().to_vec().unwrap()
    }

    #[test]
    fn training_masks_and_scales_reproducibly() {
        let a = run(true, 3);
        assert!(a.iter().all(|v| *v == 0.0 || *v == 2.0));
        assert!(a.contains(&0.0) && a.contains(&2.0));
        assert_eq!(a, run(true, 3));
        assert_ne!(a, run(true, 4));
        assert!(run(false, 3).iter().all(|v| *v == 1.0));
    }

    #[test]
    fn rate_out_of_range_is_an_error() {
        let err = Dropout::new(1.5).build(&Shape::batched(&[2])).unwrap_err().to_string();
        assert!(err.contains("rate=1.5"), "{err}");
    }
}
