//! Everything a Keras-style program needs: `use keras_rs::prelude::*;`.

pub use crate::callbacks::History;
pub use crate::error::{Error, Result};
pub use crate::layers::{Activation, Dense, Dropout, Flatten, Input, Layer, Reshape};
pub use crate::losses::{
    BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError, MeanSquaredError,
    SparseCategoricalCrossentropy,
};
pub use crate::models::Sequential;
pub use crate::optimizers::{Adam, AdamW, RMSprop, SGD};
pub use crate::shape::Shape;
pub use crate::trainers::{EvaluateOptions, FitOptions, NO_METRICS, PredictOptions};
