//! `Dropout`: zeroes a fraction `rate` of the inputs in training and scales the rest by
//! `1 / (1 - rate)`; the identity in inference.

use burn::tensor::{Tensor, TensorData};
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Dropout(rate, noise_shape=None)`. Masks come from the model's seeded generator, so
/// a seed makes training reproducible. With `noise_shape`, one mask of that shape (`None`
/// entries take the input's size) is broadcast over the input: `[None, 1, features]` drops the
/// same features at every time step.
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
    config: DropoutConfig,
}

keras_config! {
    /// Keras' `Dropout` arguments, with Keras' names and defaults.
    pub struct DropoutConfig {
        required {
            /// The fraction of the units dropped during training, in `[0, 1)`.
            rate: f32,
        }
        other {
            /// Keras' `seed=` argument (kept in the config; masks come from the model's generator).
            seed: Option<u64> = None,
            /// The shape of the mask broadcast over the input (Keras' `noise_shape`): one entry
            /// per input axis, each `None` (the input's size) or a size the input's broadcasts
            /// to (1 or the same).
            noise_shape: Option<Vec<Option<usize>>> = None,
        }
    }
}

impl Validate for DropoutConfig {
    fn validate(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.rate) {
            return Err(Error::value(format!(
                "Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={}",
                self.rate
            )));
        }
        Ok(())
    }
}

common_builders!(Dropout);

impl Dropout {
    /// Drops a fraction `rate` (in `[0, 1)`) of the units during training.
    pub fn new(rate: f32) -> Self {
        Dropout { base: LayerBase::default(), config: DropoutConfig::new(rate) }
    }
    /// The shape of the mask broadcast over the input (Keras' `noise_shape`): one entry per
    /// input axis, each `None` (the input's size) or a size the input's broadcasts to (1 or
    /// the same).
    pub fn noise_shape(mut self, noise_shape: &[Option<usize>]) -> Self {
        self.config.noise_shape = Some(noise_shape.to_vec());
        self
    }
    /// Keras' `seed=` argument (kept in the config; masks come from the model's generator).
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = Some(seed);
        self
    }
    /// Reads Keras' `Dropout` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Dropout { base: LayerBase::from_config(config), config: DropoutConfig::from_config(config, "Dropout")? })
    }
}

impl Layer for Dropout {
    layer_boilerplate!("Dropout");

    fn takes_unknown_sizes(&self) -> bool {
        true
    }

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        Ok(input_shape.clone())
    }

    fn build(&mut self, _input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.config.validate()?;
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        if !ctx.training || self.config.rate == 0.0 {
            return Ok(inputs);
        }
        let dims = inputs.dims();
        let n: usize = dims.iter().product();
        let mask = match &self.config.noise_shape {
            None => ctx.dropout_mask(dims[0], n / dims[0].max(1), self.config.rate),
            Some(noise) => {
                let noise = self.concrete_noise_shape(noise, &dims)?;
                let per_sample = noise[1..].iter().product();
                let mask = if noise[0] == dims[0] {
                    ctx.dropout_mask(dims[0], per_sample, self.config.rate)
                } else {
                    ctx.rng.dropout_mask(noise[0] * per_sample, self.config.rate)
                };
                broadcast(mask, &noise, &dims)
            }
        };
        let mask = Tensor::<1>::from_data(TensorData::new(mask, [n]), ctx.device);
        let x = inputs.reshape(&[n])?.into_rank::<1>("dropout")?;
        DynTensor::new(x * mask).reshape(&dims)
    }
}

impl Dropout {
    /// Keras' `_get_concrete_noise_shape`: `None` entries take the input's size; every entry
    /// must be 1 or the input's size.
    fn concrete_noise_shape(&self, noise: &[Option<usize>], dims: &[usize]) -> Result<Vec<usize>> {
        let concrete: Vec<usize> = noise.iter().zip(dims).map(|(n, d)| n.unwrap_or(*d)).collect();
        if noise.len() != dims.len() || concrete.iter().zip(dims).any(|(n, d)| *n != 1 && n != d) {
            let keras: Vec<String> = noise.iter().map(|n| n.map_or("None".into(), |n| n.to_string())).collect();
            return Err(Error::shape(format!(
                "Layer \"{}\": noise_shape=({}) cannot be broadcast to the input's shape {} (one entry per axis, \
                 each None, 1 or the input's size)",
                self.base.name.as_deref().unwrap_or("dropout"),
                keras.join(", "),
                crate::shape::format_dims(dims)
            )));
        }
        Ok(concrete)
    }
}

/// `mask` (row-major, shape `noise`) repeated along the axes where `noise` is 1, to `dims`
/// (`noise` broadcasts to `dims`: checked by `concrete_noise_shape`).
fn broadcast(mask: Vec<f32>, noise: &[usize], dims: &[usize]) -> Vec<f32> {
    let mask = ndarray::ArrayD::from_shape_vec(noise, mask).expect("one value per element of the noise shape");
    mask.broadcast(dims).expect("the noise shape broadcasts to the input's").iter().copied().collect()
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
        Layer::forward(&d, x, Weights::from(&[]), &mut ctx).unwrap().to_vec().unwrap()
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
    fn a_noise_shape_repeats_one_mask_along_its_unit_axes() {
        let device = keras_rs_backends::default_device();
        let d = Dropout::new(0.5).noise_shape(&[None, Some(1), Some(8)]);
        let x = DynTensor::from_data(vec![1.0; 4 * 3 * 8], &[4, 3, 8], &device).unwrap();
        let mut rng = SeedGenerator::new(5);
        let mut ctx = CallContext::new(true, &mut rng, &device);
        let y = Layer::forward(&d, x.clone(), Weights::from(&[]), &mut ctx).unwrap().to_vec().unwrap();
        for sample in y.chunks(24) {
            // The same features dropped at each of the 3 steps; different samples differ.
            assert!(sample[..8] == sample[8..16] && sample[8..16] == sample[16..]);
        }
        assert!(y.contains(&0.0) && y.contains(&2.0));
        assert_ne!(y[..24], y[24..48]);
        assert_eq!(Dropout::from_config(&d.config()).unwrap().config()["noise_shape"], serde_json::json!([null, 1, 8]));
        let bad = Dropout::new(0.5).noise_shape(&[None, Some(2), Some(8)]);
        let err = Layer::forward(&bad, x, Weights::from(&[]), &mut ctx).unwrap_err().to_string();
        assert!(err.contains("noise_shape=(None, 2, 8) cannot be broadcast to the input's shape (4, 3, 8)"), "{err}");
    }

    #[test]
    fn rate_out_of_range_is_an_error() {
        let err = Dropout::new(1.5).build(&Shape::batched(&[2])).unwrap_err().to_string();
        assert!(err.contains("rate=1.5"), "{err}");
    }
}
