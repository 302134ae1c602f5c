//! `UpSampling3D`: repeats each plane, row and column of a channels-last volume.

use burn::tensor::Tensor;
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Sizes, Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `UpSampling3D(size=(2, 2, 2))` on `(batch, d, h, w, channels)` inputs.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::UpSampling3D;
/// let model = Sequential::new().add(Input::new(&[2, 3, 4, 1])).add(UpSampling3D::new((1, 2, 3)));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 2, 6, 12, 1)");
/// ```
#[derive(Clone, Debug)]
pub struct UpSampling3D {
    base: LayerBase,
    config: UpSampling3DConfig,
}

keras_config! {
    /// Keras' `UpSampling3D` arguments; channels last.
    pub struct UpSampling3DConfig {
        other {
            /// How many times each plane, row and column is repeated (default 2).
            size: Sizes<3> = Sizes([2; 3]),
        }
    }
    constants { data_format: "channels_last" }
}

impl Validate for UpSampling3DConfig {
    fn validate(&self) -> Result<()> {
        self.size.check("size")
    }
}

common_builders!(UpSampling3D);

impl UpSampling3D {
    /// Repeats along depth, rows and columns `size` times (`2` or `(2, 2, 2)`).
    pub fn new(size: impl Into<Sizes<3>>) -> Self {
        UpSampling3D { base: LayerBase::default(), config: UpSampling3DConfig { size: size.into() } }
    }
    /// Reads Keras' `UpSampling3D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = UpSampling3DConfig::from_config(config, "UpSampling3D")?;
        Ok(UpSampling3D { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for UpSampling3D {
    layer_boilerplate!("UpSampling3D");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        let name = self.base.name.as_deref().unwrap_or("up_sampling3d");
        input.check_ndim(name, 5)?;
        validated(&self.config, name)?;
        let mut out = input.0.clone();
        for (axis, by) in self.config.size.0.into_iter().enumerate() {
            if let Some(n) = input.0[axis + 1] {
                out[axis + 1] = Some(n.checked_mul(by).ok_or_else(|| {
                    Error::value(format!("Layer \"{name}\": an axis of {n} upsampled by {by} is too large"))
                })?);
            }
        }
        Ok(Shape(out))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = inputs.into_rank::<5>(self.base.name.as_deref().unwrap_or("up_sampling3d"))?;
        let [n, d, h, w, c] = x.dims();
        let [sd, sh, sw] = self.config.size.0;
        // (n, d, 1, h, 1, w, 1, c) broadcast to (n, d, sd, h, sh, w, sw, c), then merged.
        let y: Tensor<8> = x.reshape([n, d, 1, h, 1, w, 1, c]).expand([n, d, sd, h, sh, w, sw, c]);
        Ok(DynTensor::new(y.reshape([n, d * sd, h * sh, w * sw, c])))
    }
}
