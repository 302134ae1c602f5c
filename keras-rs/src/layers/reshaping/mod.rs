//! Reshaping layers: `Flatten`, `Reshape`, `ZeroPadding2D`, `UpSampling2D`.

mod flatten;
mod reshape;
mod up_sampling2d;
mod zero_padding2d;

pub use flatten::Flatten;
pub use reshape::Reshape;
pub use up_sampling2d::UpSampling2D;
pub use zero_padding2d::{Padding2, ZeroPadding2D};
