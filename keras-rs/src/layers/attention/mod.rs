//! Attention layers: `MultiHeadAttention`, `Attention` (Luong), `AdditiveAttention` (Bahdanau).

mod additive_attention;
// Keras' file name for `Attention` (keras/src/layers/attention/attention.py).
#[allow(clippy::module_inception)]
mod attention;
mod multi_head_attention;

pub use additive_attention::{AdditiveAttention, AdditiveAttentionConfig};
pub use attention::{Attention, AttentionConfig};
pub use multi_head_attention::{MultiHeadAttention, MultiHeadAttentionConfig};
