//! Utilities (`keras.utils`): seeding and NumPy file reading.

mod npy;

pub use crate::random::set_random_seed;
pub use npy::{parse_npy, read_npy};
