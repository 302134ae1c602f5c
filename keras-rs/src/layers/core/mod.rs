//! Core layers: `Input`, `Dense`, `Activation`, `Embedding`.

mod activation;
mod dense;
mod embedding;
mod input;

pub use activation::{Activation, ActivationConfig};
pub use dense::{Dense, DenseConfig};
pub use embedding::{Embedding, EmbeddingConfig};
pub use input::Input;
