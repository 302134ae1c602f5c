//! `ProgbarLogger`: Keras' progress bar and epoch lines, as the callback `fit` adds when
//! `verbose > 0`.

use super::callback::{BatchLogs, Callback, FitParams, Logs, ModelHandle};
use crate::error::Result;
use crate::trainers::progbar::Progbar;

/// Keras' `ProgbarLogger`: `Epoch i/N`, then a bar per epoch (`verbose=1`) or one line
/// (`verbose=2`) with the running means and the epoch's final values. `fit` adds it first, so
/// its line is printed before other callbacks' messages.
#[derive(Default)]
pub struct ProgbarLogger {
    params: FitParams,
    bar: Option<Progbar>,
}

impl ProgbarLogger {
    /// A logger; `fit` gives it the epochs, steps and verbosity.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Callback for ProgbarLogger {
    fn set_params(&mut self, params: &FitParams) {
        self.params = params.clone();
    }
    fn on_epoch_begin(&mut self, epoch: usize, _model: &mut dyn ModelHandle) -> Result<()> {
        if self.params.verbose > 0 && self.params.epochs > 1 {
            outln!("Epoch {}/{}", epoch + 1, self.params.epochs);
        }
        self.bar = Some(Progbar::new(self.params.steps, self.params.verbose));
        Ok(())
    }
    fn on_train_batch_end(
        &mut self,
        batch: usize,
        logs: &mut BatchLogs<'_>,
        _model: &mut dyn ModelHandle,
    ) -> Result<()> {
        if let Some(bar) = &mut self.bar {
            bar.step(batch + 1, || logs.get().iter().map(|(k, v)| (k.clone(), *v)).collect());
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, _epoch: usize, logs: &mut Logs, _model: &mut dyn ModelHandle) -> Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish(&logs.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>());
        }
        Ok(())
    }
}
