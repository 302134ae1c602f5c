//! `TensorBoard`: scalar logs TensorBoard reads.

use std::path::PathBuf;

use super::callback::{BatchLogs, Callback, Logs, ModelHandle};
use super::event_file::EventFileWriter;
use crate::error::Result;

/// Keras' `TensorBoard(log_dir="logs", update_freq="epoch")`: writes real TensorBoard event
/// files to `log_dir/train` and `log_dir/validation`, as Keras 3 does: per epoch
/// `epoch_<metric>` (validation values under `validation/` without the `val_` prefix) and
/// `epoch_learning_rate`, with the epoch as step; with `update_freq("batch")` or
/// `update_freq_batches(n)` also `batch_<metric>` every n training batches, with the global
/// batch number as step. Open with `tensorboard --logdir logs`. (Histograms, images, graphs and
/// profiling are not written.)
///
/// ```
/// use keras_rs::callbacks::TensorBoard;
/// let tb = TensorBoard::new("logs/fit").update_freq("batch");
/// # drop(tb);
/// ```
pub struct TensorBoard {
    log_dir: PathBuf,
    update_freq: Option<usize>,
    train: Option<EventFileWriter>,
    val: Option<EventFileWriter>,
    global_batch: i64,
}

impl TensorBoard {
    /// Logs to `log_dir`.
    pub fn new(log_dir: impl Into<PathBuf>) -> Self {
        TensorBoard { log_dir: log_dir.into(), update_freq: None, train: None, val: None, global_batch: 0 }
    }
    /// `"epoch"` (default) or `"batch"` (every batch).
    pub fn update_freq(mut self, freq: &str) -> Self {
        self.update_freq = (freq == "batch").then_some(1);
        self
    }
    /// Batch-level scalars every `n` batches (Keras' integer `update_freq`).
    pub fn update_freq_batches(mut self, n: usize) -> Self {
        self.update_freq = Some(n.max(1));
        self
    }
}

impl Callback for TensorBoard {
    fn on_train_begin(&mut self, _model: &mut dyn ModelHandle) -> Result<()> {
        self.val = None;
        self.global_batch = 0;
        if !crate::distribution::is_chief() {
            self.train = None; // under a distribution, rank 0 writes the logs
            return Ok(());
        }
        self.train = Some(EventFileWriter::create(&self.log_dir.join("train"))?);
        Ok(())
    }

    fn on_train_batch_end(
        &mut self,
        _batch: usize,
        logs: &mut BatchLogs<'_>,
        _model: &mut dyn ModelHandle,
    ) -> Result<()> {
        self.global_batch += 1;
        let (Some(freq), Some(w)) = (self.update_freq, self.train.as_mut()) else { return Ok(()) };
        if self.global_batch % freq as i64 == 0 {
            for (name, value) in logs.get() {
                w.scalar(&format!("batch_{name}"), *value, self.global_batch)?;
            }
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, model: &mut dyn ModelHandle) -> Result<()> {
        let step = epoch as i64;
        if let Some(w) = self.train.as_mut() {
            for (name, value) in logs.iter().filter(|(k, _)| !k.starts_with("val_")) {
                w.scalar(&format!("epoch_{name}"), *value, step)?;
            }
            if !logs.contains_key("learning_rate")
                && let Ok(lr) = model.learning_rate()
            {
                w.scalar("epoch_learning_rate", lr, step)?;
            }
            w.flush()?;
        }
        if self.train.is_some() && logs.keys().any(|k| k.starts_with("val_")) {
            if self.val.is_none() {
                self.val = Some(EventFileWriter::create(&self.log_dir.join("validation"))?);
            }
            let w = self.val.as_mut().expect("created above");
            for (name, value) in logs.iter().filter_map(|(k, v)| k.strip_prefix("val_").map(|n| (n, v))) {
                w.scalar(&format!("epoch_{name}"), *value, step)?;
            }
            w.flush()?;
        }
        Ok(())
    }

    fn on_train_end(&mut self, _logs: &Logs, _model: &mut dyn ModelHandle) -> Result<()> {
        for w in [&mut self.train, &mut self.val].into_iter().flatten() {
            w.flush()?;
        }
        (self.train, self.val) = (None, None);
        Ok(())
    }
}
