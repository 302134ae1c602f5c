//! `ModelCheckpoint`: saves the model (or its weights) during training, with file names from
//! Python-style templates (`ckpt-{epoch:02d}-{val_loss:.2f}.keras`).

use std::path::Path;

use super::callback::{BatchLogs, Callback, Logs, ModelHandle};
use super::monitor::Monitor;
use crate::error::{Error, Result};

/// Keras' `ModelCheckpoint(filepath, monitor="val_loss", verbose=0, save_best_only=False,
/// save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None)`.
///
/// `filepath` may hold Python format fields filled from the epoch (1-based), the batch and the
/// logs: `{epoch:02d}`, `{val_loss:.2f}`, `{accuracy}`. Saves are atomic (temp file + rename).
/// Unlike Keras, a checkpoint is never written while the loss (or the monitored value) is NaN
/// or infinite: a diverged model does not overwrite a good file.
///
/// ```
/// use keras_rs::callbacks::ModelCheckpoint;
/// let ckpt = ModelCheckpoint::new("ckpt-{epoch:02d}-{val_loss:.2f}.keras").save_best_only(true);
/// let logs = [("val_loss".to_string(), 0.4567)].into_iter().collect();
/// assert_eq!(ckpt.file_path(3, None, &logs).unwrap(), "ckpt-03-0.46.keras");
/// assert!(ModelCheckpoint::new("model.h5").check().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct ModelCheckpoint {
    filepath: String,
    m: Monitor,
    verbose: u8,
    save_best_only: bool,
    save_weights_only: bool,
    save_freq: Option<usize>,
    best: Option<f64>,
    epoch: usize,
    batches_since_save: usize,
}

impl ModelCheckpoint {
    /// Saves to `filepath` (`.keras`, or `.weights.h5` with `save_weights_only`) every epoch.
    pub fn new(filepath: &str) -> Self {
        ModelCheckpoint {
            filepath: filepath.to_string(),
            m: Monitor::new("val_loss"),
            verbose: 0,
            save_best_only: false,
            save_weights_only: false,
            save_freq: None,
            best: None,
            epoch: 0,
            batches_since_save: 0,
        }
    }
    crate::callbacks::monitor::monitor_builders!();
    /// 1 prints a line per save decision.
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }
    /// Saves only when the monitored quantity improves on the best so far.
    pub fn save_best_only(mut self, yes: bool) -> Self {
        self.save_best_only = yes;
        self
    }
    /// Saves the weights only (`filepath` must end in `.weights.h5`).
    pub fn save_weights_only(mut self, yes: bool) -> Self {
        self.save_weights_only = yes;
        self
    }
    /// Saves every `batches` training batches instead of every epoch (Keras' integer `save_freq`).
    pub fn save_freq(mut self, batches: usize) -> Self {
        self.save_freq = Some(batches.max(1));
        self
    }
    /// The value the first save must beat (`save_best_only`).
    pub fn initial_value_threshold(mut self, threshold: f64) -> Self {
        self.best = Some(threshold);
        self
    }

    /// Checks the file extension as Keras does.
    pub fn check(&self) -> Result<()> {
        if self.save_weights_only && !self.filepath.ends_with(".weights.h5") {
            return Err(Error::value(format!(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in \
                 `.weights.h5` (Keras weights format). Received: filepath={}",
                self.filepath
            )));
        }
        if !self.save_weights_only && !self.filepath.ends_with(".keras") {
            return Err(Error::value(format!(
                "The filepath provided must end in `.keras` (Keras model format). Received: filepath={}",
                self.filepath
            )));
        }
        Ok(())
    }

    /// The file name for `epoch` (1-based) and `batch` (1-based) with `logs`.
    pub fn file_path(&self, epoch: usize, batch: Option<usize>, logs: &Logs) -> Result<String> {
        let mut values: Logs = logs.clone();
        values.insert("epoch".into(), epoch as f64);
        if let Some(b) = batch {
            values.insert("batch".into(), b as f64);
        }
        format_template(&self.filepath, &values)
    }

    fn save(&mut self, epoch: usize, batch: Option<usize>, logs: &Logs, model: &mut dyn ModelHandle) -> Result<()> {
        let path = self.file_path(epoch + 1, batch.map(|b| b + 1), logs)?;
        let bad = |k: &str| logs.get(k).is_some_and(|v| !v.is_finite());
        if bad("loss") || bad(&self.m.monitor) {
            errln!("Epoch {}: not saving to {path}: the loss is NaN or infinite.", epoch + 1);
            return Ok(());
        }
        if self.save_best_only {
            let Some(current) = logs.get(&self.m.monitor).copied() else {
                errln!("WARNING: Can save best model only with {} available.", self.m.monitor);
                return self.write(&path, model);
            };
            let best = self.best.map_or("None".to_string(), |b| format!("{b:.5}"));
            if !self.m.is_improvement("ModelCheckpoint", current, self.best)? {
                if self.verbose > 0 {
                    outln!("\nEpoch {}: {} did not improve from {best}", epoch + 1, self.m.monitor);
                }
                return Ok(());
            }
            if self.verbose > 0 {
                outln!(
                    "\nEpoch {}: {} improved from {best} to {current:.5}, saving model to {path}",
                    epoch + 1,
                    self.m.monitor
                );
            }
            self.best = Some(current);
        } else if self.verbose > 0 {
            outln!("\nEpoch {}: saving model to {path}", epoch + 1);
        }
        self.write(&path, model)
    }

    fn write(&self, path: &str, model: &mut dyn ModelHandle) -> Result<()> {
        let path = Path::new(path);
        crate::saving::create_parent(path)?;
        if path.is_dir() {
            return Err(Error::value(format!(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing directory: {}",
                path.display()
            )));
        }
        if self.save_weights_only { model.save_weights(path) } else { model.save(path) }
    }
}

impl Callback for ModelCheckpoint {
    fn on_train_begin(&mut self, _model: &mut dyn ModelHandle) -> Result<()> {
        self.check()
    }
    fn on_epoch_begin(&mut self, epoch: usize, _model: &mut dyn ModelHandle) -> Result<()> {
        self.epoch = epoch;
        Ok(())
    }
    fn on_train_batch_end(
        &mut self,
        batch: usize,
        logs: &mut BatchLogs<'_>,
        model: &mut dyn ModelHandle,
    ) -> Result<()> {
        let Some(freq) = self.save_freq else { return Ok(()) };
        self.batches_since_save += 1;
        if self.batches_since_save >= freq {
            self.batches_since_save = 0;
            let logs = logs.get().clone();
            self.save(self.epoch, Some(batch), &logs, model)?;
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, model: &mut dyn ModelHandle) -> Result<()> {
        if self.save_freq.is_none() {
            self.save(epoch, None, logs, model)?;
        }
        Ok(())
    }
}

/// Python's `str.format` for the fields a checkpoint name uses: `{name}`, `{name:02d}`,
/// `{name:.2f}`, `{name:.3e}`, `{{`/`}}`.
fn format_template(template: &str, values: &Logs) -> Result<String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let field: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let (name, spec) = field.split_once(':').unwrap_or((&field, ""));
                let value = *values.get(name).ok_or_else(|| {
                    let keys: Vec<&str> = values.keys().map(String::as_str).collect();
                    Error::value(format!(
                        "Failed to format this callback filepath: \"{template}\". Reason: '{name}' is not one of the \
                         available values: {keys:?}"
                    ))
                })?;
                out += &format_value(value, spec)
                    .ok_or_else(|| Error::value(format!("Unsupported format spec `{spec}` in \"{template}\"")))?;
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

fn format_value(v: f64, spec: &str) -> Option<String> {
    if spec.is_empty() {
        return Some(if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") });
    }
    let (at, kind) = spec.char_indices().last()?;
    let body = &spec[..at];
    let (width, precision) = match body.split_once('.') {
        Some((w, p)) => (w, p.parse::<usize>().ok()?),
        None => (body, 6),
    };
    let zero = width.starts_with('0');
    let width: usize = if width.is_empty() { 0 } else { width.parse().ok()? };
    let s = match kind {
        'd' => format!("{}", v.round() as i64),
        'f' => format!("{v:.precision$}"),
        'e' => {
            let s = format!("{v:.precision$e}");
            // Python writes the exponent with a sign and two digits: 1.50e-03.
            let (mantissa, exp) = s.split_once('e')?;
            let exp: i32 = exp.parse().ok()?;
            format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
        }
        _ => return None,
    };
    Some(if zero { format!("{s:0>width$}") } else { format!("{s:>width$}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_format_like_python() {
        let logs: Logs = [("val_loss".to_string(), 0.012345), ("accuracy".to_string(), 0.5)].into_iter().collect();
        let f = |t: &str| {
            format_template(t, &{
                let mut l = logs.clone();
                l.insert("epoch".into(), 7.0);
                l
            })
        };
        assert_eq!(f("w-{epoch:02d}-{val_loss:.3f}.keras").unwrap(), "w-07-0.012.keras");
        assert_eq!(f("{epoch}-{accuracy}-{val_loss:.2e}").unwrap(), "7-0.5-1.23e-02");
        assert_eq!(f("{{literal}}-{epoch:3d}").unwrap(), "{literal}-  7");
        assert!(f("{val_acc:.2f}").unwrap_err().to_string().contains("'val_acc' is not one of"));
        assert!(f("{epoch:é}").unwrap_err().to_string().contains("Unsupported format spec"));
    }
}
