//! Keras optimizers (`keras.optimizers`) with Keras 3's exact update formulas.

mod adam;
mod adamw;
mod lookup;
mod optimizer;
mod rmsprop;
pub mod schedules;
mod sgd;

pub use adam::{Adam, AdamConfig};
pub use adamw::AdamW;
pub use lookup::{OptimizerSpec, from_config, get};
pub(crate) use optimizer::take;
pub use optimizer::{GradientClipping, Optimizer, OptimizerState, StepInfo};
pub use rmsprop::{RMSprop, RMSpropConfig};
pub use sgd::{SGD, SgdConfig};
