//! Callbacks (`keras.callbacks`): the `Callback` trait, `History`, the progress bar, and
//! Keras' training callbacks.

mod backup_and_restore;
mod callback;
mod csv_logger;
mod early_stopping;
mod event_file;
pub(crate) mod handle;
mod history;
mod lambda_callback;
mod learning_rate_scheduler;
mod model_checkpoint;
mod monitor;
mod progbar_logger;
mod reduce_lr_on_plateau;
mod tensorboard;
mod terminate_on_nan;

pub use backup_and_restore::BackupAndRestore;
pub use callback::{BatchLogs, Callback, CallbackRef, FitParams, Logs, ModelHandle, Shared};
pub use csv_logger::CSVLogger;
pub use early_stopping::EarlyStopping;
pub use history::History;
pub use lambda_callback::LambdaCallback;
pub use learning_rate_scheduler::LearningRateScheduler;
pub use model_checkpoint::ModelCheckpoint;
pub use progbar_logger::ProgbarLogger;
pub use reduce_lr_on_plateau::ReduceLROnPlateau;
pub use tensorboard::TensorBoard;
pub use terminate_on_nan::TerminateOnNaN;
