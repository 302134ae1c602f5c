//! Keras losses (`keras.losses`), one file per class, and lookup by Keras name.

mod binary_crossentropy;
mod categorical_crossentropy;
mod huber;
mod lookup;
mod loss;
mod mean_absolute_error;
mod mean_squared_error;
mod reduction;
mod sparse_categorical_crossentropy;

pub use binary_crossentropy::{BinaryCrossentropy, CrossentropyConfig};
pub use categorical_crossentropy::CategoricalCrossentropy;
pub use huber::{Huber, HuberConfig};
pub use lookup::{LossSpec, from_config, get};
pub use loss::{EPSILON, Loss};
pub use mean_absolute_error::MeanAbsoluteError;
pub use mean_squared_error::MeanSquaredError;
pub use reduction::{Reduced, Reduction, WithReduction};
pub use sparse_categorical_crossentropy::{SparseCategoricalCrossentropy, SparseCategoricalCrossentropyConfig};
