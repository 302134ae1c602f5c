//! Reshaping layers: `Flatten`, `Reshape`, `ZeroPadding1D/2D/3D`, `Cropping1D/2D/3D`,
//! `UpSampling1D/2D/3D`, `RepeatVector`, `Permute`.

mod cropping1d;
mod cropping2d;
mod cropping3d;
mod flatten;
mod permute;
mod repeat_vector;
mod reshape;
mod up_sampling1d;
mod up_sampling2d;
mod up_sampling3d;
mod zero_padding1d;
mod zero_padding2d;
mod zero_padding3d;

pub use cropping1d::{Cropping1D, Cropping1DConfig};
pub use cropping2d::{Cropping2D, Cropping2DConfig};
pub use cropping3d::{Cropping3D, Cropping3DConfig};
pub use flatten::{Flatten, FlattenConfig};
pub use permute::{Permute, PermuteConfig};
pub use repeat_vector::{RepeatVector, RepeatVectorConfig};
pub use reshape::{Reshape, ReshapeConfig};
pub use up_sampling1d::{UpSampling1D, UpSampling1DConfig};
pub use up_sampling2d::{UpSampling2D, UpSampling2DConfig};
pub use up_sampling3d::{UpSampling3D, UpSampling3DConfig};
pub use zero_padding1d::{Pair, ZeroPadding1D, ZeroPadding1DConfig};
pub use zero_padding2d::{Padding2, ZeroPadding2D, ZeroPadding2DConfig};
pub use zero_padding3d::{Padding3, ZeroPadding3D, ZeroPadding3DConfig};
