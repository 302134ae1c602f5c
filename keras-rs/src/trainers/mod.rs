//! Training: `compile`/`fit`/`evaluate`/`predict`, data handling and the progress bar.

mod compile;
mod custom_step;
pub mod data;
pub(crate) mod distributed;
pub(crate) mod engine;
pub(crate) mod fit;
mod inputs;
pub(crate) mod methods;
pub mod options;
pub mod progbar;
pub(crate) mod source;
pub(crate) mod strings;

pub use compile::CompileOptions;
pub use custom_step::{Gradients, StepModel, Tape, TrainStep};
pub use data::{ArrayElement, ArrayInput, ToF32};
pub(crate) use distributed::Share;
pub(crate) use engine::Compiled;
pub use fit::NO_METRICS;
pub use inputs::{HostArray, HostData, ModelInputs, OwnedArray, OwnedData};
pub use options::{EvaluateOptions, FitOptions, PredictOptions};
