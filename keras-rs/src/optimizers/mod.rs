//! Keras optimizers (`keras.optimizers`) with Keras 3's exact update formulas.

mod adadelta;
mod adagrad;
mod adam;
mod adamax;
mod adamw;
mod ftrl;
mod lion;
mod lookup;
mod nadam;
mod optimizer;
mod rmsprop;
pub mod schedules;
mod sgd;

pub use adadelta::{Adadelta, AdadeltaConfig};
pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use adamax::{Adamax, AdamaxConfig};
pub use adamw::AdamW;
pub use ftrl::{Ftrl, FtrlConfig};
pub use lion::{Lion, LionConfig};
pub use lookup::{OptimizerSpec, from_config, get};
pub use nadam::{Nadam, NadamConfig};
pub(crate) use optimizer::take;
pub use optimizer::{GradientClipping, Optimizer, OptimizerState, StepInfo};
pub use rmsprop::{RMSprop, RMSpropConfig};
pub use sgd::{SGD, SgdConfig};
