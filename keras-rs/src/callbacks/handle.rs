//! The [`ModelHandle`] `fit` gives callbacks: the model being trained, and the stop flag.

use std::path::Path;

use ndarray::ArrayD;

use super::callback::ModelHandle;
use crate::error::{Error, Result};
use crate::saving::{Saveable, load_weights_file, save_model, save_weights_file};

/// A model in training, as callbacks see it.
pub(crate) struct FitHandle<'a, M> {
    pub(crate) model: &'a mut M,
    pub(crate) stop: bool,
    pub(crate) initial_epoch: Option<usize>,
}

impl<'a, M: Saveable> FitHandle<'a, M> {
    pub(crate) fn new(model: &'a mut M) -> Self {
        FitHandle { model, stop: false, initial_epoch: None }
    }
}

fn not_compiled() -> Error {
    Error::State("You must call `compile()` first.".into())
}

impl<M: Saveable> ModelHandle for FitHandle<'_, M> {
    fn name(&self) -> &str {
        self.model.model_name()
    }
    fn get_weights(&self) -> Result<Vec<ArrayD<f32>>> {
        self.model.network().get_weights()
    }
    fn set_weights(&mut self, weights: &[ArrayD<f32>]) -> Result<()> {
        self.model.parts().0.set_weights(weights)
    }
    fn learning_rate(&self) -> Result<f64> {
        let c = self.model.compiled_state().ok_or_else(not_compiled)?;
        Ok(c.optimizer.learning_rate_at(c.state.iterations))
    }
    fn set_learning_rate(&mut self, learning_rate: f64) -> Result<()> {
        let c = self.model.parts().2.as_mut().ok_or_else(not_compiled)?;
        c.optimizer.set_learning_rate(learning_rate)
    }
    fn iterations(&self) -> u64 {
        self.model.compiled_state().map_or(0, |c| c.state.iterations)
    }
    fn save(&self, path: &Path) -> Result<()> {
        save_model(self.model, path)
    }
    fn save_weights(&self, path: &Path) -> Result<()> {
        save_weights_file(self.model, path)
    }
    fn load_weights(&mut self, path: &Path) -> Result<()> {
        load_weights_file(self.model, path)
    }
    fn stop_training(&mut self) {
        self.stop = true;
    }
    fn stop_requested(&self) -> bool {
        self.stop
    }
    fn set_initial_epoch(&mut self, epoch: usize) {
        self.initial_epoch = Some(epoch);
    }
}
