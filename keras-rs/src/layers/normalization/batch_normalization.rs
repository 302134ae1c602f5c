//! `BatchNormalization`: batch statistics in training (updating the moving statistics),
//! moving statistics in inference.

use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True)`.
///
/// Weights, in Keras' order: `gamma`, `beta` (trainable), `moving_mean`, `moving_variance`
/// (non-trainable, counted as such by `summary()`). In training it normalises with the batch
/// mean and **biased** variance over every axis but the last and sets
/// `moving = moving * momentum + batch * (1 - momentum)`; in inference it uses the moving
/// statistics. A frozen layer (`trainable(false)`) runs in inference mode, as in Keras 3.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[8, 8, 16])).add(BatchNormalization::new());
/// assert_eq!(model.count_params(), 4 * 16);
/// assert!(model.summary_string().contains("Non-trainable params: 32 (128.00 B)"));
/// ```
#[derive(Clone, Debug)]
pub struct BatchNormalization {
    base: LayerBase,
    config: BatchNormalizationConfig,
    channels: Option<usize>,
}

keras_config! {
    /// Keras' `BatchNormalization` arguments, with Keras' names and defaults. keras-rs
    /// normalizes the last (channel) axis; the other Keras arguments are written with their
    /// defaults, and a file that sets them otherwise is refused at load.
    pub struct BatchNormalizationConfig {
        args {
            /// Momentum of the moving statistics (default 0.99).
            momentum: f32 = 0.99,
            /// Added to the variance (default 1e-3).
            epsilon: f32 = 1e-3,
            /// Whether to add the `beta` offset (default true).
            center: bool = true,
            /// Whether to multiply by `gamma` (default true).
            scale: bool = true,
        }
        other {
            /// The normalized axis: keras-rs normalizes the last one (`-1`) only.
            axis: Value = serde_json::json!(-1),
        }
    }
    constants {
        beta_initializer: Initializer::Zeros.to_config(),
        gamma_initializer: Initializer::Ones.to_config(),
        moving_mean_initializer: Initializer::Zeros.to_config(),
        moving_variance_initializer: Initializer::Ones.to_config(),
        beta_regularizer: Value::Null,
        gamma_regularizer: Value::Null,
        beta_constraint: Value::Null,
        gamma_constraint: Value::Null,
        synchronized: false,
        renorm: false,
        renorm_clipping: Value::Null,
        renorm_momentum: 0.99,
    }
    setters for [] BatchNormalization => config;
}

impl Validate for BatchNormalizationConfig {
    fn validate(&self) -> Result<()> {
        super::check_last_axis(&self.axis, "BatchNormalization", " (channels last)")
    }
}

common_builders!(BatchNormalization);

impl Default for BatchNormalization {
    fn default() -> Self {
        BatchNormalization { base: LayerBase::default(), config: BatchNormalizationConfig::new(), channels: None }
    }
}

impl BatchNormalization {
    /// Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Reads Keras' `BatchNormalization` config (axis must be -1, channels last).
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(BatchNormalization {
            base: LayerBase::from_config(config),
            config: BatchNormalizationConfig::from_config(config, "BatchNormalization")?,
            channels: None,
        })
    }
}

impl Layer for BatchNormalization {
    // Keras uses masks in this layer; keras-rs does not yet.
    crate::layers::builders::refuses_masks!();

    layer_boilerplate!("BatchNormalization");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        if input_shape.rank() < 2 || input_shape.last().is_none() {
            return Err(Error::shape(format!(
                "Layer \"{}\" needs an input with a known last (channel) axis, received {input_shape}",
                self.base.name.as_deref().unwrap_or("batch_normalization")
            )));
        }
        Ok(input_shape.clone())
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        let c = input_shape.last().expect("checked");
        self.channels = Some(c);
        let mut vars = super::affine_variables(c, self.config.scale, self.config.center);
        vars.push(VariableSpec::non_trainable("moving_mean", vec![c], Initializer::Zeros));
        vars.push(VariableSpec::non_trainable("moving_variance", vec![c], Initializer::Ones));
        Ok(vars)
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let c = self.channels.ok_or_else(|| Error::State("BatchNormalization called before build".into()))?;
        let dims = inputs.dims();
        let x = inputs.into_rows();
        let n_affine = usize::from(self.config.scale) + usize::from(self.config.center);
        let (mm, mv) = (weights[n_affine].clone(), weights[n_affine + 1].clone());
        let training = ctx.training && self.base.trainable != Some(false);
        let (mean, var) = if training {
            let mean = x.clone().mean_dim(0);
            let var = (x.clone() - mean.clone()).square().mean_dim(0);
            let (m, bm, bv) = (self.config.momentum, mean.clone().reshape([c]), var.clone().reshape([c]));
            ctx.update_variable(n_affine, mm.mul_scalar(m) + bm.mul_scalar(1.0 - m));
            ctx.update_variable(n_affine + 1, mv.mul_scalar(m) + bv.mul_scalar(1.0 - m));
            (mean, var)
        } else {
            (mm.reshape([1, c]), mv.reshape([1, c]))
        };
        let mut inv = var.add_scalar(self.config.epsilon).sqrt().recip();
        if self.config.scale {
            inv = inv * weights[0].clone().reshape([1, c]);
        }
        let mut y = (x - mean) * inv;
        if self.config.center {
            y = y + weights[usize::from(self.config.scale)].clone().reshape([1, c]);
        }
        DynTensor::new(y).reshape(&dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;
    use burn::tensor::Tensor;

    #[test]
    fn training_uses_biased_batch_variance_and_updates_moving_statistics() {
        let device = keras_rs_backends::default_device();
        let mut bn = BatchNormalization::new().epsilon(0.0);
        let specs = bn.build(&Shape::batched(&[1])).unwrap();
        assert_eq!(
            specs.iter().map(|s| (s.name.as_str(), s.trainable)).collect::<Vec<_>>(),
            [("gamma", true), ("beta", true), ("moving_mean", false), ("moving_variance", false)]
        );
        let w: Vec<Tensor<1>> =
            [1.0f32, 0.0, 0.0, 1.0].iter().map(|v| Tensor::<1>::from_floats([*v], &device)).collect();
        let x = DynTensor::from_data(vec![1.0, 3.0], &[2, 1], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(true, &mut rng, &device);
        let y = Layer::forward(&bn, x.clone(), Weights::from(&w), &mut ctx).unwrap().to_vec().unwrap();
        assert_eq!(y, vec![-1.0, 1.0]); // mean 2, biased variance 1
        let updates: Vec<f32> = ctx.updates.iter().map(|(_, t)| t.clone().into_scalar::<f32>()).collect();
        assert_eq!(ctx.updates.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![2, 3]);
        assert!((updates[0] - 0.02).abs() < 1e-6 && (updates[1] - 1.0).abs() < 1e-6, "{updates:?}");
        let mut ctx = CallContext::new(false, &mut rng, &device);
        assert_eq!(Layer::forward(&bn, x, Weights::from(&w), &mut ctx).unwrap().to_vec().unwrap(), vec![1.0, 3.0]);
        assert!(ctx.updates.is_empty());
    }

    #[test]
    fn config_round_trip() {
        let bn = BatchNormalization::new().momentum(0.9).center(false).name("bn");
        assert_eq!(BatchNormalization::from_config(&bn.get_config()).unwrap().get_config(), bn.get_config());
    }
}
