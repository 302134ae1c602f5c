//! Models: `Sequential`, the Functional `Model`, their summary and weights.

mod functional;
mod functional_fit;
pub(crate) mod graph;
mod keras_model;
mod map_graph;
mod nested;
pub(crate) mod network;
mod sequential;
mod sequential_fit;
pub mod summary;

pub use crate::saving::{LoadedModel, load_model, load_model_from_bytes, model_from_json};
pub use functional::Model;
pub use graph::{IntoKerasTensor, KerasTensor, SymbolicInputs, call_layer};
pub use keras_model::KerasModel;
pub use network::Variable;
pub(crate) use network::{LayerEntry, Network};
pub use sequential::Sequential;
