//! Convolution layers: `Conv1D`, `Conv2D` (channels-last, Keras' SAME rule).

mod base_conv;
mod conv1d;
mod conv2d;

pub use base_conv::{Padding, Size2, check_sizes, output_length, padding_pair};
pub use conv1d::{Conv1D, Size1};
pub use conv2d::Conv2D;
