//! Utilities (`keras.utils`): seeding, NumPy file reading and model plots.

mod npy;
mod plot_model;

pub use crate::random::set_random_seed;
pub use npy::{parse_npy, read_npy};
pub use plot_model::{Plottable, model_to_dot, plot_model};
