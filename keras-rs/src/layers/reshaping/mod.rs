//! Reshaping layers: `Flatten`, `Reshape`, `ZeroPadding2D`, `UpSampling2D`, `RepeatVector`.

mod flatten;
mod repeat_vector;
mod reshape;
mod up_sampling2d;
mod zero_padding2d;

pub use flatten::Flatten;
pub use repeat_vector::RepeatVector;
pub use reshape::Reshape;
pub use up_sampling2d::UpSampling2D;
pub use zero_padding2d::{Padding2, ZeroPadding2D};
