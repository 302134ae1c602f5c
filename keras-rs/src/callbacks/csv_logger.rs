//! `CSVLogger`: one CSV row of logs per epoch.

use std::io::Write;

use super::callback::{Callback, Logs, ModelHandle};
use crate::error::{Error, Result};

/// Keras' `CSVLogger(filename, separator=",", append=False)`: a header `epoch,<keys>` (keys
/// sorted; `val_*` columns added as `NA` when there is no validation), then one row per epoch,
/// flushed as it is written, with Python's `csv` line ends (`\r\n`).
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::callbacks::CSVLogger;
/// let path = std::env::temp_dir().join("keras_rs_csv_doc.csv");
/// let mut model = Sequential::new().add(Input::new(&[2])).add(Dense::new(1));
/// model.compile("sgd", "mse", &["mae"]).unwrap();
/// let (x, y) = (ndarray::Array2::<f32>::ones((4, 2)), ndarray::Array2::<f32>::zeros((4, 1)));
/// model.fit(&x, &y, FitOptions::new().epochs(2).verbose(0).callback(CSVLogger::new(&path))).unwrap();
/// let text = std::fs::read_to_string(&path).unwrap();
/// assert!(text.starts_with("epoch,loss,mae,val_loss,val_mae\r\n0,"));
/// assert_eq!(text.lines().count(), 3);
/// ```
pub struct CSVLogger {
    filename: std::path::PathBuf,
    separator: String,
    append: bool,
    file: Option<std::fs::File>,
    keys: Option<Vec<String>>,
    write_header: bool,
}

impl CSVLogger {
    /// Writes to `filename` (replacing it unless [`append`](Self::append)).
    pub fn new(filename: impl AsRef<std::path::Path>) -> Self {
        CSVLogger {
            filename: filename.as_ref().to_path_buf(),
            separator: ",".into(),
            append: false,
            file: None,
            keys: None,
            write_header: true,
        }
    }
    /// The column separator (default `,`).
    pub fn separator(mut self, separator: &str) -> Self {
        self.separator = separator.to_string();
        self
    }
    /// Appends to an existing file (a header only if it is empty).
    pub fn append(mut self, append: bool) -> Self {
        self.append = append;
        self
    }

    fn write_line(&mut self, cells: &[String]) -> Result<()> {
        let line = cells.join(&self.separator) + "\r\n";
        let file = self.file.as_mut().ok_or_else(|| Error::State("CSVLogger: the file is not open".into()))?;
        file.write_all(line.as_bytes())
            .and_then(|_| file.flush())
            .map_err(|e| Error::io(format!("could not write {}", self.filename.display()), e))
    }
}

impl Callback for CSVLogger {
    fn on_train_begin(&mut self, _model: &mut dyn ModelHandle) -> Result<()> {
        if !crate::distribution::is_chief() {
            return Ok(()); // under a distribution, rank 0 writes the log
        }
        crate::saving::create_parent(&self.filename)?;
        let mut options = std::fs::OpenOptions::new();
        if self.append {
            self.write_header = std::fs::metadata(&self.filename).map_or(true, |m| m.len() == 0);
            options.append(true).create(true);
        } else {
            self.write_header = true;
            options.write(true).create(true).truncate(true);
        }
        let file = options
            .open(&self.filename)
            .map_err(|e| Error::io(format!("could not open {}", self.filename.display()), e))?;
        (self.file, self.keys) = (Some(file), None);
        Ok(())
    }

    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, _model: &mut dyn ModelHandle) -> Result<()> {
        if !crate::distribution::is_chief() {
            return Ok(()); // under a distribution, rank 0 writes the log
        }
        if self.keys.is_none() {
            let mut keys: Vec<String> = logs.keys().cloned().collect();
            if !keys.iter().any(|k| k.starts_with("val_")) && !keys.is_empty() {
                let val: Vec<String> = keys.iter().map(|k| format!("val_{k}")).collect();
                keys.extend(val);
            }
            if self.write_header {
                let header: Vec<String> = std::iter::once("epoch".to_string()).chain(keys.iter().cloned()).collect();
                self.keys = Some(keys);
                self.write_line(&header)?;
            } else {
                self.keys = Some(keys);
            }
        }
        let keys = self.keys.clone().unwrap_or_default();
        let row: Vec<String> = std::iter::once(epoch.to_string())
            .chain(keys.iter().map(|k| logs.get(k).map_or("NA".to_string(), |v| format!("{v}"))))
            .collect();
        self.write_line(&row)
    }

    fn on_train_end(&mut self, _logs: &Logs, _model: &mut dyn ModelHandle) -> Result<()> {
        self.file = None;
        Ok(())
    }
}
