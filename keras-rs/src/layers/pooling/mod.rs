//! Pooling layers: windowed max/average (1D, 2D, 3D) and global max/average (1D, 2D, 3D).

mod average_pooling1d;
mod average_pooling2d;
mod average_pooling3d;
mod base_global_pooling;
mod base_pooling;
mod global_average_pooling1d;
mod global_average_pooling2d;
mod global_average_pooling3d;
mod global_max_pooling1d;
mod global_max_pooling2d;
mod global_max_pooling3d;
mod max_pooling1d;
mod max_pooling2d;
mod max_pooling3d;

pub use average_pooling1d::AveragePooling1D;
pub use average_pooling2d::AveragePooling2D;
pub use average_pooling3d::AveragePooling3D;
pub use base_global_pooling::{GlobalPooling, GlobalPoolingConfig};
pub use base_pooling::{Pooling, PoolingConfig};
pub use global_average_pooling1d::GlobalAveragePooling1D;
pub use global_average_pooling2d::GlobalAveragePooling2D;
pub use global_average_pooling3d::GlobalAveragePooling3D;
pub use global_max_pooling1d::GlobalMaxPooling1D;
pub use global_max_pooling2d::GlobalMaxPooling2D;
pub use global_max_pooling3d::GlobalMaxPooling3D;
pub use max_pooling1d::MaxPooling1D;
pub use max_pooling2d::MaxPooling2D;
pub use max_pooling3d::MaxPooling3D;
