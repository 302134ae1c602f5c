//! `Concatenate`: joins tensors along one axis.

use serde_json::Value;

use super::base_merge::check_count;
use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::Weights;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase};
use crate::shape::Shape;

/// Keras' `Concatenate(axis=-1)`: joins its inputs along `axis`; every other axis must match.
///
/// ```
/// use keras_rs::prelude::*;
/// let (a, b) = (Input::new(&[16]), Input::new(&[8]));
/// let y = Concatenate::new().call(&[&a, &b]).unwrap();
/// assert_eq!(y.shape().to_string(), "(None, 24)");
/// ```
#[derive(Clone, Debug)]
pub struct Concatenate {
    base: LayerBase,
    config: ConcatenateConfig,
}

keras_config! {
    /// Keras' `Concatenate` arguments.
    pub struct ConcatenateConfig {
        args {
            /// The axis to join along (negative counts from the end; default -1).
            axis: i64 = -1,
        }
    }
    setters for [] Concatenate => config;
}

impl Validate for ConcatenateConfig {}

impl Default for Concatenate {
    fn default() -> Self {
        Self::new()
    }
}

impl Concatenate {
    /// Concatenates along the last axis.
    pub fn new() -> Self {
        Concatenate { base: LayerBase::default(), config: ConcatenateConfig::new() }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = ConcatenateConfig::from_config(config, "Concatenate")?;
        Ok(Concatenate { base: LayerBase::from_config(config), config: read })
    }

    fn resolved_axis(&self, rank: usize) -> Result<usize> {
        let axis = if self.config.axis < 0 { self.config.axis + rank as i64 } else { self.config.axis };
        if axis <= 0 || axis >= rank as i64 {
            return Err(Error::value(format!(
                "Invalid `axis` argument for `Concatenate`: axis={} for inputs of rank {rank} (the batch axis 0 \
                 cannot be joined).",
                self.config.axis
            )));
        }
        Ok(axis as usize)
    }
}

common_builders!(Concatenate);

impl Layer for Concatenate {
    // Keras uses masks in this layer; keras-rs does not yet.
    crate::layers::builders::refuses_masks!();

    layer_boilerplate!("Concatenate");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    crate::layers::builders::weightless_multi_input_glue!();
    fn compute_output_shapes(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        check_count("Concatenate", input_shapes, 1)?;
        let rank = input_shapes[0].rank();
        let axis = self.resolved_axis(rank)?;
        let mismatch = || {
            let list: Vec<String> = input_shapes.iter().map(Shape::to_string).collect();
            Error::shape(format!(
                "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. \
                 Received: input_shape=[{}]",
                list.join(", ")
            ))
        };
        let mut out = input_shapes[0].0.clone();
        for s in &input_shapes[1..] {
            if s.rank() != rank {
                return Err(mismatch());
            }
            for (i, (o, d)) in out.iter_mut().zip(&s.0).enumerate() {
                if i == axis {
                    *o = o.zip(*d).map(|(a, b)| a + b);
                } else if i > 0 && o.is_some() && d.is_some() && o != d {
                    return Err(mismatch());
                } else if o.is_none() {
                    *o = *d;
                }
            }
        }
        Ok(vec![Shape(out)])
    }
    fn forward_multi(
        &self,
        inputs: Vec<DynTensor>,
        _w: Weights<'_>,
        _ctx: &mut CallContext<'_>,
    ) -> Result<Vec<DynTensor>> {
        let axis = self.resolved_axis(inputs.first().map_or(0, DynTensor::rank))?;
        Ok(vec![DynTensor::cat(inputs, axis)?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Input;
    use crate::layers::merging::base_merge::run;

    #[test]
    fn joins_along_the_axis_and_checks_the_others() {
        let (y, dims) = run(&Concatenate::new(), &[(&[1.0, 2.0], &[2, 1]), (&[3.0, 4.0, 5.0, 6.0], &[2, 2])]).unwrap();
        assert_eq!((y, dims), (vec![1.0, 3.0, 4.0, 2.0, 5.0, 6.0], vec![2, 3]));
        let (y, _) = run(&Concatenate::new().axis(1), &[(&[1.0, 2.0], &[1, 1, 2]), (&[3.0, 4.0], &[1, 1, 2])]).unwrap();
        assert_eq!(y, vec![1.0, 2.0, 3.0, 4.0]);
        let t = Concatenate::new().axis(1).call(&[Input::new(&[2, 3]), Input::new(&[5, 3])]).unwrap();
        assert_eq!(t.shape().to_string(), "(None, 7, 3)");
        let err = Concatenate::new().call(&[Input::new(&[4, 4]), Input::new(&[5, 5])]).unwrap_err().to_string();
        assert!(err.contains("matching shapes except for the concatenation axis"), "{err}");
        assert!(err.contains("[(None, 4, 4), (None, 5, 5)]"), "{err}");
        assert!(Concatenate::new().axis(0).call(&[Input::new(&[2]), Input::new(&[2])]).is_err());
        let cfg = Concatenate::new().axis(1).get_config();
        assert_eq!(Concatenate::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
