//! `Flatten`: `(batch, d1, d2, ...)` to `(batch, d1 * d2 * ...)`, row-major like Keras.

use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `Flatten`. Data are channels-last, so a flattened `(H, W, C)` feature map is indexed
/// `(h * W + w) * C + c`, exactly as in Keras, and Keras Dense weights after it stay valid.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[28, 28, 1])).add(Flatten::new());
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 784)");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Flatten {
    base: LayerBase,
    config: FlattenConfig,
}

keras_config! {
    /// Keras' `Flatten` arguments: none but `data_format`, which keras-rs writes as
    /// `"channels_last"` (a file that sets `"channels_first"` is refused at load).
    pub struct FlattenConfig {
    }
    constants { data_format: "channels_last" }
}

impl Validate for FlattenConfig {}

impl Default for FlattenConfig {
    fn default() -> Self {
        FlattenConfig::new()
    }
}

common_builders!(Flatten);

impl Flatten {
    /// A Flatten layer.
    pub fn new() -> Self {
        Flatten::default()
    }
    /// Reads Keras' `Flatten` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        Ok(Flatten { base: LayerBase::from_config(config), config: FlattenConfig::from_config(config, "Flatten")? })
    }
}

impl Layer for Flatten {
    layer_boilerplate!("Flatten");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        if input_shape.rank() == 0 {
            return Err(Error::shape("Flatten needs an input with a batch axis, received shape ()"));
        }
        let name = self.base.name.as_deref().unwrap_or("flatten");
        let rest = input_shape.feature_dims().map(|dims| crate::shape::checked_size(name, &dims)).transpose()?;
        Ok(Shape(vec![input_shape.0[0], if input_shape.rank() == 1 { Some(1) } else { rest }]))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let dims = inputs.dims();
        let batch = dims[0];
        let rest: usize = dims[1..].iter().product();
        inputs.reshape(&[batch, rest])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn flattens_row_major() {
        let device = keras_rs_backends::default_device();
        let f = Flatten::new();
        assert_eq!(f.compute_output_shape(&Shape::batched(&[2, 3, 4])).unwrap(), Shape::batched(&[24]));
        assert_eq!(f.compute_output_shape(&Shape::batched(&[])).unwrap(), Shape::batched(&[1]));
        let x = DynTensor::from_data((0..12).map(|v| v as f32).collect(), &[1, 2, 3, 2], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let y = Layer::forward(&f, x, Weights::from(&[]), &mut ctx).unwrap();
        assert_eq!(y.dims(), vec![1, 12]);
        // (h, w, c) = (1, 2, 1) -> (1 * 3 + 2) * 2 + 1 = 11
        assert_eq!(y.to_vec().unwrap()[11], 11.0);
    }
}
