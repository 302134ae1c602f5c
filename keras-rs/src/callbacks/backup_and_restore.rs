//! `BackupAndRestore`: resume a `fit` that was interrupted.

use std::path::PathBuf;

use super::callback::{Callback, Logs, ModelHandle};
use crate::error::{Error, Result};

/// Keras' `BackupAndRestore(backup_dir, save_freq="epoch", delete_checkpoint=True)`: after
/// each epoch it saves the weights and optimizer state (`latest.weights.h5`) and the next
/// epoch (`training_metadata.json`) in `backup_dir`; a `fit` that starts with a backup there
/// loads it and continues from that epoch. A `fit` that ends normally deletes the backup.
///
/// ```no_run
/// use keras_rs::prelude::*;
/// use keras_rs::callbacks::BackupAndRestore;
/// # let (mut model, x, y) = (Sequential::new(), ndarray::Array2::<f32>::zeros((1, 1)), ndarray::Array1::<f32>::zeros(1));
/// // Run this again after a crash: training picks up at the first unfinished epoch.
/// model.fit(&x, &y, FitOptions::new().epochs(20).callback(BackupAndRestore::new("/tmp/backup")))?;
/// # Ok::<(), keras_rs::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BackupAndRestore {
    backup_dir: PathBuf,
    delete_checkpoint: bool,
}

impl BackupAndRestore {
    /// Backs up into `backup_dir` (created when needed).
    pub fn new(backup_dir: impl Into<PathBuf>) -> Self {
        BackupAndRestore { backup_dir: backup_dir.into(), delete_checkpoint: true }
    }
    /// Whether a finished `fit` deletes the backup (default true).
    pub fn delete_checkpoint(mut self, delete: bool) -> Self {
        self.delete_checkpoint = delete;
        self
    }
    fn weights_path(&self) -> PathBuf {
        self.backup_dir.join("latest.weights.h5")
    }
    fn metadata_path(&self) -> PathBuf {
        self.backup_dir.join("training_metadata.json")
    }
}

impl Callback for BackupAndRestore {
    fn on_train_begin(&mut self, model: &mut dyn ModelHandle) -> Result<()> {
        if self.weights_path().exists() {
            model.load_weights(&self.weights_path())?;
        }
        if let Ok(text) = std::fs::read_to_string(self.metadata_path()) {
            let meta: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| Error::Format(format!("{}: {e}", self.metadata_path().display())))?;
            let epoch = meta["epoch"]
                .as_u64()
                .ok_or_else(|| Error::Format(format!("{} has no `epoch`", self.metadata_path().display())))?;
            model.set_initial_epoch(epoch as usize);
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, epoch: usize, _logs: &mut Logs, model: &mut dyn ModelHandle) -> Result<()> {
        if !crate::distribution::is_chief() {
            return Ok(()); // under a distribution, rank 0 writes the backup
        }
        crate::saving::create_dir(&self.backup_dir)?;
        model.save_weights(&self.weights_path())?;
        let meta = serde_json::json!({"epoch": epoch + 1, "batch": 0}).to_string();
        crate::saving::write_atomic(&self.metadata_path(), meta.as_bytes())
    }

    fn on_train_end(&mut self, _logs: &Logs, _model: &mut dyn ModelHandle) -> Result<()> {
        if self.delete_checkpoint && crate::distribution::is_chief() && self.backup_dir.exists() {
            std::fs::remove_dir_all(&self.backup_dir)
                .map_err(|e| Error::io(format!("could not delete {}", self.backup_dir.display()), e))?;
        }
        Ok(())
    }
}
