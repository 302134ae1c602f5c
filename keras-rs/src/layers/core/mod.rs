//! Core layers: `Input`, `Dense`, `Activation`.

mod activation;
mod dense;
mod input;

pub use activation::Activation;
pub use dense::Dense;
pub use input::Input;
