//! Merging layers: combine several tensors into one (Functional models).

mod add;
mod average;
mod base_merge;
mod concatenate;
mod dot;
mod maximum;
mod minimum;
mod multiply;
mod subtract;

pub use add::Add;
pub use average::Average;
pub use base_merge::Merge;
pub use concatenate::{Concatenate, ConcatenateConfig};
pub use dot::{Dot, DotAxes, DotConfig};
pub use maximum::Maximum;
pub use minimum::Minimum;
pub use multiply::Multiply;
pub use subtract::Subtract;
