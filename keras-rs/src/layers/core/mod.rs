//! Core layers: `Input`, `Dense`, `Activation`, `Embedding`, `Identity`, `Rescaling`.

mod activation;
mod dense;
mod embedding;
mod identity;
mod input;
mod rescaling;

pub use activation::{Activation, ActivationConfig};
pub use dense::{Dense, DenseConfig};
pub use embedding::{Embedding, EmbeddingConfig};
pub use identity::{Identity, IdentityConfig};
pub use input::Input;
pub use rescaling::{Rescaling, RescalingConfig};
