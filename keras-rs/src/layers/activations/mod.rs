//! Activation layers (Keras' `keras.layers.activations`): `ReLU`, `LeakyReLU`, `PReLU`, `ELU`,
//! `Softmax`.

mod elu;
mod leaky_relu;
mod prelu;
mod relu;
mod softmax;

pub use elu::{ELU, EluConfig};
pub use leaky_relu::{LeakyReLU, LeakyReluConfig};
pub use prelu::{PReLU, PReluConfig};
pub use relu::{ReLU, ReluConfig};
pub use softmax::{Softmax, SoftmaxConfig};
