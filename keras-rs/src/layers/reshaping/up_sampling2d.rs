//! `UpSampling2D`: repeats rows and columns (nearest-neighbour upsampling).

use burn::tensor::Tensor;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::{Error, Result};
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Sizes, Validate, keras_config, validated};
use crate::layers::convolutional::Size2;
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `UpSampling2D(size=(2, 2), interpolation="nearest")` on channels-last inputs:
/// `"nearest"` repeats rows and columns, `"bilinear"` interpolates (half-pixel centres, as
/// Keras' `ops.image.resize`).
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new()
///     .add(Input::new(&[3, 4, 2]))
///     .add(UpSampling2D::new((2, 3)))
///     .add(UpSampling2D::new(2).interpolation("bilinear"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 12, 24, 2)");
/// ```
#[derive(Clone, Debug)]
pub struct UpSampling2D {
    base: LayerBase,
    config: UpSampling2DConfig,
}

keras_config! {
    /// Keras' `UpSampling2D` arguments, channels last; of Keras' interpolations keras-rs has
    /// `"nearest"` and `"bilinear"` (others are refused, also at load).
    pub struct UpSampling2DConfig {
        args {
            /// `"nearest"` (default: repetition) or `"bilinear"`.
            interpolation: String = "nearest".to_string(),
        }
        other {
            /// The upsampling factor for rows and columns (default 2).
            size: Sizes<2> = Sizes([2, 2]),
        }
    }
    constants { data_format: "channels_last" }
    setters for [] UpSampling2D => config;
}

impl Validate for UpSampling2DConfig {
    fn validate(&self) -> Result<()> {
        self.size.check("size")?;
        match self.interpolation.as_str() {
            "nearest" | "bilinear" => Ok(()),
            other => Err(Error::value(format!(
                "Invalid value for argument `interpolation` of UpSampling2D: keras-rs supports \"nearest\" and \
                 \"bilinear\". Received: interpolation={other}"
            ))),
        }
    }
}

common_builders!(UpSampling2D);

impl UpSampling2D {
    /// Repeats each row `size.0` times and each column `size.1` times.
    pub fn new(size: impl Into<Size2>) -> Self {
        UpSampling2D {
            base: LayerBase::default(),
            config: UpSampling2DConfig { size: size.into(), ..UpSampling2DConfig::new() },
        }
    }
    /// Reads Keras' `UpSampling2D` config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = UpSampling2DConfig::from_config(config, "UpSampling2D")?;
        Ok(UpSampling2D { base: LayerBase::from_config(config), config: read })
    }
}

impl Layer for UpSampling2D {
    layer_boilerplate!("UpSampling2D");

    fn config(&self) -> Value {
        self.config.to_config()
    }

    fn compute_output_shape(&self, input: &Shape) -> Result<Shape> {
        let name = self.base.name.as_deref().unwrap_or("up_sampling2d");
        input.check_ndim(name, 4)?;
        validated(&self.config, name)?;
        let [sh, sw] = self.config.size.0;
        let scaled = |n: Option<usize>, by: usize| match n {
            Some(n) => n.checked_mul(by).map(Some).ok_or_else(|| {
                Error::value(format!("Layer \"{name}\": an axis of {n} upsampled by {by} is too large"))
            }),
            None => Ok(None),
        };
        Ok(Shape(vec![input.0[0], scaled(input.0[1], sh)?, scaled(input.0[2], sw)?, input.0[3]]))
    }

    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }

    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, _ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        let x = inputs.into_rank::<4>(self.base.name.as_deref().unwrap_or("up_sampling2d"))?;
        let [n, h, w, c] = x.dims();
        let [sh, sw] = self.config.size.0;
        if self.config.interpolation == "bilinear" {
            let options = InterpolateOptions::new(InterpolateMode::Bilinear)
                .with_align_corners(false)
                .with_output_size([h * sh, w * sw]);
            return Ok(DynTensor::new(interpolate(x.permute([0, 3, 1, 2]), options).permute([0, 2, 3, 1])));
        }
        // (n, h, 1, w, 1, c) broadcast to (n, h, sh, w, sw, c), then merged.
        let y: Tensor<6> = x.reshape([n, h, 1, w, 1, c]).expand([n, h, sh, w, sw, c]);
        Ok(DynTensor::new(y.reshape([n, h * sh, w * sw, c])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn repeats_rows_and_columns() {
        let device = keras_rs_backends::default_device();
        let u = UpSampling2D::new((2, 1));
        let x = DynTensor::from_data(vec![1.0, 2.0, 3.0, 4.0], &[1, 2, 2, 1], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let y = Layer::forward(&u, x, Weights::from(&[]), &mut ctx).unwrap();
        assert_eq!(y.dims(), vec![1, 4, 2, 1]);
        assert_eq!(y.to_vec().unwrap(), vec![1.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 4.0]);
        let cfg = u.get_config();
        assert_eq!(UpSampling2D::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
