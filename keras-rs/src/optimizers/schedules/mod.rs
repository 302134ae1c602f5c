//! Learning-rate schedules (`keras.optimizers.schedules`), given to an optimizer's
//! `learning_rate`.

mod cosine_decay;
mod exponential_decay;
mod inverse_time_decay;
mod piecewise_constant_decay;
mod schedule;

pub use cosine_decay::CosineDecay;
pub use exponential_decay::ExponentialDecay;
pub use inverse_time_decay::InverseTimeDecay;
pub use piecewise_constant_decay::PiecewiseConstantDecay;
pub use schedule::{LearningRate, LearningRateSchedule};
