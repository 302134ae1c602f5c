//! `Masking`: marks the time steps whose features all equal `mask_value` as padding.

use burn::tensor::Tensor;
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Masking(mask_value=0.0)` on `(batch, steps, features)`: a step whose features all
/// equal `mask_value` is padding. Its output is the input with padding steps zeroed, and a mask
/// (1.0 for real steps) that recurrent layers and `GlobalAveragePooling1D` honour downstream.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::Masking;
/// let model = Sequential::new().add(Input::new(&[None, Some(2)])).add(Masking::new()).add(LSTM::new(3));
/// // The padded third step does not change the last output.
/// let x = ndarray::array![[[1.0f32, 2.0], [0.5, -1.0], [0.0, 0.0]]].into_dyn();
/// let short = ndarray::array![[[1.0f32, 2.0], [0.5, -1.0]]].into_dyn();
/// let (a, b) = (model.predict(&x, PredictOptions::new().verbose(0)).unwrap(), model.predict(&short, PredictOptions::new().verbose(0)).unwrap());
/// assert!((a[[0, 0]] - b[[0, 0]]).abs() < 1e-6);
/// ```
#[derive(Clone, Debug)]
pub struct Masking {
    base: LayerBase,
    config: MaskingConfig,
}

keras_config! {
    /// Keras' `Masking` arguments.
    pub struct MaskingConfig {
        args {
            /// The feature value that marks padding (every feature of a step equal to it).
            mask_value: f32 = 0.0,
        }
    }
    setters for [] Masking => config;
}

impl Validate for MaskingConfig {}

common_builders!(Masking);

impl Default for Masking {
    fn default() -> Self {
        Masking::new()
    }
}

impl Masking {
    /// Masks steps whose features are all 0.
    pub fn new() -> Self {
        Masking { base: LayerBase::default(), config: MaskingConfig::new() }
    }
    /// Reads Keras' `Masking` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Masking { base: LayerBase::from_config(config), config: MaskingConfig::from_config(config, "Masking")? })
    }

    fn steps(&self, inputs: &DynTensor) -> Result<Tensor<3>> {
        inputs.clone().into_rank::<3>(self.base.name.as_deref().unwrap_or("masking"))
    }

    /// 1.0 for steps with a feature other than `mask_value`: `(batch, steps, 1)`.
    fn keep(&self, x: Tensor<3>) -> Tensor<3> {
        x.not_equal_elem(self.config.mask_value).float().max_dim(2)
    }
}

impl Layer for Masking {
    layer_boilerplate!("Masking");

    fn takes_unknown_sizes(&self) -> bool {
        true
    }

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_mask(&self, inputs: &[DynTensor], _masks: &[Option<Tensor<2>>]) -> Result<Option<Tensor<2>>> {
        let x = self.steps(inputs.first().ok_or_else(|| Error::value("Masking called without input"))?)?;
        let [b, t, _] = x.dims();
        Ok(Some(self.keep(x).reshape([b, t])))
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        input_shape.check_ndim(self.base.name.as_deref().unwrap_or("masking"), 3)?;
        Ok(input_shape.clone())
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = self.steps(&inputs)?;
        Ok(DynTensor::new(x.clone() * self.keep(x)))
    }
}
