//! Convolution layers: `Conv1D`, `Conv2D` (channels-last, Keras' SAME rule).

mod base_conv;
mod conv1d;
mod conv2d;

pub use base_conv::{Conv, ConvConfig, Padding, Size1, Size2, output_length, padding_pair};
pub use conv1d::Conv1D;
pub use conv2d::Conv2D;
