//! Models: `Sequential` (and, later, Functional `Model`), their summary and weights.

pub mod network;
mod sequential;
pub mod summary;

pub use network::{LayerEntry, Network, Variable};
pub use sequential::Sequential;
