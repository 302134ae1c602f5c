//! Training: `compile`/`fit`/`evaluate`/`predict`, data handling and the progress bar.

pub mod data;
mod engine;
mod fit;
pub mod options;
pub mod progbar;

pub use data::{ArrayInput, ToF32};
pub use engine::Compiled;
pub use fit::NO_METRICS;
pub use options::{EvaluateOptions, FitOptions, PredictOptions};
