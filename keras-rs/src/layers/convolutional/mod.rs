//! Convolution layers: `Conv1D`, `Conv2D`, `Conv3D` (channels-last, Keras' SAME rule), their
//! transposes `Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose`, and the depthwise and separable forms
//! `DepthwiseConv1D/2D`, `SeparableConv1D/2D`.

mod base_conv;
mod base_conv_transpose;
mod base_depthwise_conv;
mod base_separable_conv;
mod conv1d;
mod conv1d_transpose;
mod conv2d;
mod conv2d_transpose;
mod conv3d;
mod conv3d_transpose;
mod depthwise_conv1d;
mod depthwise_conv2d;
mod separable_conv1d;
mod separable_conv2d;

pub use base_conv::{Conv, ConvConfig, Padding, Size1, Size2, output_length, padding_pair};
pub use base_conv_transpose::{ConvTranspose, ConvTransposeConfig, transpose_output_length};
pub use base_depthwise_conv::{DepthwiseArgs, DepthwiseConv, DepthwiseConvConfig};
pub use base_separable_conv::{SeparableArgs, SeparableConv, SeparableConvConfig};
pub use conv1d::Conv1D;
pub use conv1d_transpose::Conv1DTranspose;
pub use conv2d::Conv2D;
pub use conv2d_transpose::Conv2DTranspose;
pub use conv3d::Conv3D;
pub use conv3d_transpose::Conv3DTranspose;
pub use depthwise_conv1d::DepthwiseConv1D;
pub use depthwise_conv2d::DepthwiseConv2D;
pub use separable_conv1d::SeparableConv1D;
pub use separable_conv2d::SeparableConv2D;
