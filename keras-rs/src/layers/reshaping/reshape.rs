//! `Reshape`: changes the per-sample shape; one axis may be `-1` (inferred).

use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Reshape(target_shape)`, batch axis excluded; at most one `-1`.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[12])).add(Reshape::new(&[3, -1]));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 3, 4)");
/// ```
#[derive(Clone, Debug)]
pub struct Reshape {
    base: LayerBase,
    config: ReshapeConfig,
    resolved: Option<Vec<usize>>,
}

keras_config! {
    /// Keras' `Reshape` arguments.
    pub struct ReshapeConfig {
        required {
            /// The shape of each sample after the reshape; one entry may be `-1`.
            target_shape: Vec<i64>,
        }
    }
}

impl Validate for ReshapeConfig {
    fn validate(&self) -> Result<()> {
        let unknown = self.target_shape.iter().filter(|d| **d == -1).count();
        if unknown > 1 || self.target_shape.iter().any(|d| *d == 0 || *d < -1) {
            return Err(Error::value(format!(
                "Reshape: `target_shape` may contain one -1 and positive sizes only. Received: target_shape={:?}",
                self.target_shape
            )));
        }
        Ok(())
    }
}

common_builders!(Reshape);

impl Reshape {
    /// Reshapes each sample to `target_shape` (one entry may be `-1`).
    pub fn new(target_shape: &[i64]) -> Self {
        Reshape { base: LayerBase::default(), config: ReshapeConfig::new(target_shape.to_vec()), resolved: None }
    }
    /// Reads Keras' `Reshape` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = ReshapeConfig::from_config(config, "Reshape")?;
        Ok(Reshape { base: LayerBase::from_config(config), config: read, resolved: None })
    }

    fn resolve(&self, input_shape: &Shape) -> Result<Vec<usize>> {
        let err = || {
            Error::value(format!(
                "The total size of the tensor must be unchanged. Received: input_shape={}, target_shape={:?}",
                Shape(input_shape.0[1..].to_vec()),
                self.config.target_shape
            ))
        };
        let name = self.base.name.as_deref().unwrap_or("reshape");
        let total = crate::shape::checked_size(name, &input_shape.feature_dims().ok_or_else(err)?)?;
        self.config.validate()?;
        let unknown = self.config.target_shape.iter().filter(|d| **d == -1).count();
        let target: Vec<usize> = self.config.target_shape.iter().filter(|d| **d > 0).map(|d| *d as usize).collect();
        let known = crate::shape::checked_size(name, &target)?;
        if known == 0 || !total.is_multiple_of(known) || (unknown == 0 && known != total) {
            return Err(err());
        }
        Ok(self.config.target_shape.iter().map(|d| if *d == -1 { total / known } else { *d as usize }).collect())
    }
}

impl Layer for Reshape {
    layer_boilerplate!("Reshape");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        let mut out = vec![input_shape.0.first().copied().flatten()];
        out.extend(self.resolve(input_shape)?.into_iter().map(Some));
        Ok(Shape(out))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.resolved = Some(self.resolve(input_shape)?);
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let dims = inputs.dims();
        let target = match &self.resolved {
            Some(t) => t.clone(),
            None => self.resolve(&Shape::known(&dims))?,
        };
        let mut out = vec![dims[0]];
        out.extend(target);
        inputs.reshape(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_minus_one_and_rejects_bad_sizes() {
        let r = Reshape::new(&[2, -1, 2]);
        assert_eq!(r.compute_output_shape(&Shape::batched(&[12])).unwrap().to_string(), "(None, 2, 3, 2)");
        let err = Reshape::new(&[5, -1]).compute_output_shape(&Shape::batched(&[12])).unwrap_err().to_string();
        assert!(err.contains("total size") && err.contains("(12,)"), "{err}");
        assert!(Reshape::new(&[-1, -1]).compute_output_shape(&Shape::batched(&[4])).is_err());
        let cfg = r.get_config();
        assert_eq!(Reshape::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
