//! Reshaping layers: `Flatten`, `Reshape`, `ZeroPadding2D`, `UpSampling2D`, `RepeatVector`, `Permute`.

mod flatten;
mod permute;
mod repeat_vector;
mod reshape;
mod up_sampling2d;
mod zero_padding2d;

pub use flatten::{Flatten, FlattenConfig};
pub use permute::{Permute, PermuteConfig};
pub use repeat_vector::{RepeatVector, RepeatVectorConfig};
pub use reshape::{Reshape, ReshapeConfig};
pub use up_sampling2d::{UpSampling2D, UpSampling2DConfig};
pub use zero_padding2d::{Padding2, ZeroPadding2D, ZeroPadding2DConfig};
