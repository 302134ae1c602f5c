//! `SpatialDropout1D/2D/3D`: dropout of whole feature maps (channels) in training.

use burn::tensor::{Tensor, TensorData};
use serde_json::Value;

use crate::backend::DynTensor;
use crate::error::Result;
use crate::layers::builders::{common_builders, layer_boilerplate};
use crate::layers::config::{Validate, keras_config, validated};
use crate::layers::{CallContext, Layer, LayerBase, VariableSpec, Weights};
use crate::shape::Shape;

/// Keras' `SpatialDropout1D/2D/3D(rate)` on channels-last inputs with `N` spatial axes: in
/// training each sample's channel is dropped everywhere at once (kept ones scaled by
/// `1 / (1 - rate)`), as `Dropout` with `noise_shape=(batch, 1, ..., channels)`; in inference,
/// the identity.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::SpatialDropout2D;
/// let model = Sequential::new().add(Input::new(&[4, 4, 3])).add(SpatialDropout2D::new(0.2));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 4, 4, 3)");
/// ```
#[derive(Clone, Debug)]
pub struct SpatialDropout<const N: usize> {
    base: LayerBase,
    config: SpatialDropoutConfig,
}

/// Keras' `SpatialDropout1D`: inputs `(batch, steps, channels)`.
pub type SpatialDropout1D = SpatialDropout<1>;
/// Keras' `SpatialDropout2D`: inputs `(batch, rows, cols, channels)`.
pub type SpatialDropout2D = SpatialDropout<2>;
/// Keras' `SpatialDropout3D`: inputs `(batch, d1, d2, d3, channels)`.
pub type SpatialDropout3D = SpatialDropout<3>;

keras_config! {
    /// Keras' `SpatialDropout1D/2D/3D` arguments.
    pub struct SpatialDropoutConfig {
        required {
            /// The fraction of channels to drop, in `[0, 1]`.
            rate: f32,
        }
        args {
            /// Keras' `seed=` argument (kept in the config; masks come from the model's generator).
            seed: Option<u64> = None,
        }
    }
    setters for [const N: usize] SpatialDropout<N> => config;
}

impl Validate for SpatialDropoutConfig {
    fn validate(&self) -> Result<()> {
        super::check_fraction("rate", self.rate)
    }
}

common_builders!([const N: usize] SpatialDropout<N>);

impl<const N: usize> SpatialDropout<N> {
    /// Drops channels with probability `rate`.
    pub fn new(rate: f32) -> Self {
        SpatialDropout { base: LayerBase::default(), config: SpatialDropoutConfig::new(rate) }
    }
    /// Reads Keras' config.
    pub fn from_config(config: &Value) -> Result<Self> {
        let read = SpatialDropoutConfig::from_config(config, Self::CLASS)?;
        Ok(SpatialDropout { base: LayerBase::from_config(config), config: read })
    }
    const CLASS: &'static str = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"][N - 1];
}

impl<const N: usize> Layer for SpatialDropout<N> {
    fn supports_masking(&self) -> bool {
        true
    }

    layer_boilerplate!(class = Self::CLASS, base);

    fn config(&self) -> Value {
        self.config.to_config()
    }
    fn get_config(&self) -> Value {
        // Keras' SpatialDropout takes only rate, seed, name and dtype (no `trainable`); the 2-D
        // and 3-D ones write their (channels-last) data format.
        let mut config = self.base.config();
        if let (Some(dst), Value::Object(src)) = (config.as_object_mut(), self.config()) {
            dst.remove("trainable");
            dst.extend(src);
            if N >= 2 {
                dst.insert("data_format".into(), "channels_last".into());
            }
        }
        config
    }
    fn compute_output_shape(&self, input_shape: &Shape) -> Result<Shape> {
        input_shape
            .check_ndim(self.base.name.as_deref().unwrap_or(&crate::layers::to_snake_case(Self::CLASS)), N + 2)?;
        Ok(input_shape.clone())
    }
    fn build(&mut self, input_shape: &Shape) -> Result<Vec<VariableSpec>> {
        validated(&self.config, self.base.name.as_deref().unwrap_or(&crate::layers::to_snake_case(Self::CLASS)))?;
        self.compute_output_shape(input_shape)?;
        Ok(Vec::new())
    }
    fn forward(&self, inputs: DynTensor, _w: Weights<'_>, ctx: &mut CallContext<'_>) -> Result<DynTensor> {
        if !ctx.training || self.config.rate == 0.0 {
            return Ok(inputs);
        }
        let dims = inputs.dims();
        let (batch, channels) = (dims[0], dims[dims.len() - 1]);
        let steps: usize = dims[1..dims.len() - 1].iter().product();
        let mask = ctx.dropout_mask(batch, channels, self.config.rate);
        let mask = Tensor::<3>::from_data(TensorData::new(mask, [batch, 1, channels]), ctx.device);
        let x = inputs.reshape(&[batch, steps, channels])?.into_rank::<3>("spatial_dropout")?;
        DynTensor::new(x * mask).reshape(&dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeedGenerator;

    #[test]
    fn training_drops_whole_channels_and_scales_the_rest() {
        let device = keras_rs_backends::default_device();
        let layer = SpatialDropout2D::new(0.5);
        let x = DynTensor::from_data(vec![1.0; 2 * 3 * 3 * 64], &[2, 3, 3, 64], &device).unwrap();
        let mut rng = SeedGenerator::new(4);
        let mut ctx = CallContext::new(true, &mut rng, &device);
        let y = Layer::forward(&layer, x.clone(), Weights::from(&[]), &mut ctx).unwrap().to_vec().unwrap();
        // One value per (sample, channel) at all 9 positions: 0 or 1 / (1 - 0.5).
        let mut kept = 0;
        for sample in 0..2 {
            for channel in 0..64 {
                let values: Vec<f32> = (0..9).map(|p| y[(sample * 9 + p) * 64 + channel]).collect();
                assert!(values.iter().all(|v| *v == values[0]) && (values[0] == 0.0 || values[0] == 2.0));
                kept += usize::from(values[0] == 2.0);
            }
        }
        assert!((40..=88).contains(&kept), "{kept} of 128 channels kept");
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let same = Layer::forward(&layer, x.clone(), Weights::from(&[]), &mut ctx).unwrap();
        assert_eq!(same.to_vec().unwrap(), x.to_vec().unwrap());
        let config = layer.get_config();
        assert!(config.get("trainable").is_none(), "{config}");
        assert_eq!(SpatialDropout2D::from_config(&config).unwrap().get_config(), config);
    }
}
