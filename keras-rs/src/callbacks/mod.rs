//! Callbacks (`keras.callbacks`). `History` for now; the full callback API comes later.

mod history;

pub use history::History;
