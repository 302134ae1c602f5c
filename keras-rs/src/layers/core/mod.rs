//! Core layers: `Input`, `Dense`, `EinsumDense`, `Activation`, `Embedding`, `Identity`, `Rescaling`.

mod activation;
mod dense;
pub(crate) mod einsum_dense;
mod embedding;
mod identity;
mod input;
mod masking;
mod rescaling;

pub use activation::{Activation, ActivationConfig};
pub use dense::{Dense, DenseConfig};
pub use einsum_dense::{EinsumDense, EinsumDenseConfig, OutputShape};
pub use embedding::{Embedding, EmbeddingConfig};
pub use identity::{Identity, IdentityConfig};
pub use input::Input;
pub use masking::{Masking, MaskingConfig};
pub use rescaling::{Rescaling, RescalingConfig};
