//! `LayerNormalization`: normalises each sample over its last axis.

use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::initializers::Initializer;
use crate::layers::Weights;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec};
use crate::shape::Shape;

/// Keras' `LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True)`:
/// `(x - mean) / sqrt(var + epsilon) * gamma + beta` with the biased variance of each sample's
/// last axis. Weights `gamma`, `beta`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[4])).add(LayerNormalization::new());
/// let y = model.predict(&ndarray::array![[1.0f32, 2.0, 3.0, 4.0]], PredictOptions::new().verbose(0)).unwrap();
/// assert!(y.sum().abs() < 1e-5);
/// ```
#[derive(Clone, Debug)]
pub struct LayerNormalization {
    base: LayerBase,
    config: LayerNormalizationConfig,
    channels: Option<usize>,
}

keras_config! {
    /// Keras' `LayerNormalization` arguments, with Keras' names and defaults. keras-rs
    /// normalizes the last axis; the other Keras arguments are written with their defaults,
    /// and a file that sets them otherwise is refused at load.
    pub struct LayerNormalizationConfig {
        args {
            /// Added to the variance (default 1e-3).
            epsilon: f32 = 1e-3,
            /// Whether to add `beta` (default true).
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
        rms_scaling: false,
        beta_initializer: Initializer::Zeros.to_config(),
        gamma_initializer: Initializer::Ones.to_config(),
        beta_regularizer: Value::Null,
        gamma_regularizer: Value::Null,
        beta_constraint: Value::Null,
        gamma_constraint: Value::Null,
    }
    setters for [] LayerNormalization => config;
}

impl Validate for LayerNormalizationConfig {
    fn validate(&self) -> Result<()> {
        super::check_last_axis(&self.axis, "LayerNormalization", "")
    }
}

common_builders!(LayerNormalization);

impl Default for LayerNormalization {
    fn default() -> Self {
        LayerNormalization { base: LayerBase::default(), config: LayerNormalizationConfig::new(), channels: None }
    }
}

impl LayerNormalization {
    /// Keras' defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Reads Keras' `LayerNormalization` config (axis must be -1).
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(LayerNormalization {
            base: LayerBase::from_config(config),
            config: LayerNormalizationConfig::from_config(config, "LayerNormalization")?,
            channels: None,
        })
    }
}

impl Layer for LayerNormalization {
    layer_boilerplate!("LayerNormalization");

    fn takes_unknown_sizes(&self) -> bool {
        true
    }

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        if input_shape.rank() < 2 || input_shape.last().is_none() {
            return Err(Error::shape(format!("LayerNormalization needs a known last axis, received {input_shape}")));
        }
        Ok(input_shape.clone())
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        let c = input_shape.last().expect("checked");
        self.channels = Some(c);
        let vars = super::affine_variables(c, self.config.scale, self.config.center);
        Ok(vars)
    }

    fn forward(&self, inputs: DynTensor, weights: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let c = self.channels.ok_or_else(|| Error::State("LayerNormalization called before build".into()))?;
        let dims = inputs.dims();
        let x = inputs.into_rows();
        let mean = x.clone().mean_dim(1);
        let centered = x - mean;
        let var = centered.clone().square().mean_dim(1);
        let mut y = centered / var.add_scalar(self.config.epsilon).sqrt();
        if self.config.scale {
            y = y * weights[0].clone().reshape([1, c]);
        }
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
    fn normalises_each_row_with_gamma_and_beta() {
        let device = keras_rs_backends::default_device();
        let mut ln = LayerNormalization::new().epsilon(0.0);
        ln.build(&Shape::batched(&[2])).unwrap();
        let w = [Tensor::<1>::from_floats([2.0, 2.0], &device), Tensor::<1>::from_floats([1.0, 0.0], &device)];
        let x = DynTensor::from_data(vec![1.0, 3.0, 5.0, 5.0 + 1e-3], &[2, 2], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(true, &mut rng, &device);
        let y = Layer::forward(&ln, x, Weights::from(&w), &mut ctx).unwrap().to_vec().unwrap();
        for (a, b) in y.iter().zip([-1.0, 2.0, -1.0, 2.0]) {
            assert!((a - b).abs() < 1e-2, "{y:?}");
        }
        let cfg = LayerNormalization::new().scale(false).get_config();
        assert_eq!(LayerNormalization::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
