//! Regularization layers: `Dropout`, `SpatialDropout1D/2D/3D`, `GaussianNoise`,
//! `GaussianDropout`, `AlphaDropout`, `ActivityRegularization`.

mod activity_regularization;
mod alpha_dropout;
mod dropout;
mod gaussian_dropout;
mod gaussian_noise;
mod spatial_dropout;

pub use activity_regularization::{ActivityRegularization, ActivityRegularizationConfig};
pub use alpha_dropout::{AlphaDropout, AlphaDropoutConfig};
pub use dropout::{Dropout, DropoutConfig};
pub use gaussian_dropout::{GaussianDropout, GaussianDropoutConfig};
pub use gaussian_noise::{GaussianNoise, GaussianNoiseConfig};
pub use spatial_dropout::{SpatialDropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, SpatialDropoutConfig};

/// Keras' check of a fraction argument (`rate`, `stddev`) of the noise layers: in `[0, 1]`.
pub(crate) fn check_fraction(key: &str, value: f32) -> crate::error::Result<()> {
    if !(0.0..=1.0).contains(&value) {
        return Err(crate::error::Error::value(format!(
            "Invalid value received for argument `{key}`. Expected a float value between 0 and 1. Received: \
             {key}={value:?}"
        )));
    }
    Ok(())
}

/// `combine(x, noise)` element-wise, with `noise` drawn per element from `N(mean, stddev)` by the
/// model's generator (GaussianNoise adds it, GaussianDropout multiplies by it).
pub(crate) fn with_normal_noise(
    inputs: crate::backend::DynTensor,
    ctx: &mut crate::layers::CallContext<'_>,
    (mean, stddev): (f32, f32),
    combine: impl FnOnce(burn::tensor::Tensor<1>, burn::tensor::Tensor<1>) -> burn::tensor::Tensor<1>,
) -> crate::error::Result<crate::backend::DynTensor> {
    let dims = inputs.dims();
    let n: usize = dims.iter().product();
    let noise = ctx.normal(dims[0], n / dims[0].max(1), mean, stddev);
    let noise = burn::tensor::Tensor::<1>::from_data(burn::tensor::TensorData::new(noise, [n]), ctx.device);
    let x = inputs.reshape(&[n])?.into_rank::<1>("noise")?;
    crate::backend::DynTensor::new(combine(x, noise)).reshape(&dims)
}
