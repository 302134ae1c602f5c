//! Attention layers: `MultiHeadAttention`.

mod multi_head_attention;

pub use multi_head_attention::{MultiHeadAttention, MultiHeadAttentionConfig};
