//! Core layers: `Input`, `Dense`, `Activation`, `Embedding`.

mod activation;
mod dense;
mod embedding;
mod input;

pub use activation::Activation;
pub use dense::Dense;
pub use embedding::Embedding;
pub use input::Input;
