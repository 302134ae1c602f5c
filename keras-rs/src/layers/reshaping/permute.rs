//! `Permute`: reorders the axes after the batch axis.

use serde_json::Value;

use crate::backend::DynTensor;
use crate::backend::dyn_tensor::map_tensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Permute(dims)`: `dims` is a permutation of the non-batch axes, numbered from 1 —
/// `Permute((2, 1))` swaps the two axes of `(batch, steps, features)` inputs.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Permute;
/// let model = Sequential::new().add(Input::new(&[10, 64])).add(Permute::new(&[2, 1]));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 64, 10)");
/// ```
#[derive(Clone, Debug)]
pub struct Permute {
    base: LayerBase,
    config: PermuteConfig,
}

keras_config! {
    /// Keras' `Permute` arguments.
    pub struct PermuteConfig {
        required {
            /// The new order of the non-batch axes, numbered from 1.
            dims: Vec<usize>,
        }
    }
}

impl Validate for PermuteConfig {
    fn validate(&self) -> Result<()> {
        let mut sorted = self.dims.clone();
        sorted.sort_unstable();
        if sorted != (1..=self.dims.len()).collect::<Vec<_>>() {
            return Err(Error::value(format!(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be \
                 consecutive and start from 1. Received dims={:?}",
                self.dims
            )));
        }
        Ok(())
    }
}

common_builders!(Permute);

impl Permute {
    /// Reorders the non-batch axes as `dims` (numbered from 1) says.
    pub fn new(dims: &[usize]) -> Self {
        Permute { base: LayerBase::default(), config: PermuteConfig::new(dims.to_vec()) }
    }
    /// Reads Keras' `Permute` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Permute { base: LayerBase::from_config(config), config: PermuteConfig::from_config(config, "Permute")? })
    }

    fn layer_name(&self) -> &str {
        self.base.name.as_deref().unwrap_or("permute")
    }
}

/// `[0, dims...]` as the `D` axes burn's `permute` takes.
fn axes<const D: usize>(dims: &[usize]) -> [usize; D] {
    let mut out = [0; D];
    for (slot, d) in out.iter_mut().skip(1).zip(dims) {
        *slot = *d;
    }
    out
}

impl Layer for Permute {
    layer_boilerplate!("Permute");

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        validated(&self.config, self.layer_name())?;
        input_shape.check_ndim(self.layer_name(), self.config.dims.len() + 1)?;
        let mut out = vec![input_shape.0[0]];
        out.extend(self.config.dims.iter().map(|&d| input_shape.0[d]));
        Ok(Shape(out))
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        if inputs.rank() != self.config.dims.len() + 1 {
            return Err(Error::shape(format!(
                "Layer \"{}\" expects inputs of rank {}, received rank {}",
                self.layer_name(),
                self.config.dims.len() + 1,
                inputs.rank()
            )));
        }
        let dims = &self.config.dims;
        Ok(map_tensor!(inputs, x => x.permute(axes(dims))))
    }
}
