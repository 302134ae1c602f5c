//! Convolution layers: `Conv1D`, `Conv2D` (channels-last, Keras' SAME rule) and their
//! transposes `Conv1DTranspose`, `Conv2DTranspose`.

mod base_conv;
mod base_conv_transpose;
mod conv1d;
mod conv1d_transpose;
mod conv2d;
mod conv2d_transpose;

pub use base_conv::{Conv, ConvConfig, Padding, Size1, Size2, output_length, padding_pair};
pub use base_conv_transpose::{ConvTranspose, ConvTransposeConfig, transpose_output_length};
pub use conv1d::Conv1D;
pub use conv1d_transpose::Conv1DTranspose;
pub use conv2d::Conv2D;
pub use conv2d_transpose::Conv2DTranspose;
