//! `Sequential`'s training API: the shared `compile`/`fit`/`evaluate`/`predict` on a chain.

use ndarray::ArrayD;

use crate::error::{Error, Result};
use crate::models::Sequential;
use crate::shape::Shape;
use crate::trainers::ModelInputs;
use crate::trainers::PredictOptions;
use crate::trainers::fit::{self, Trainable};
use crate::trainers::methods::trainable_parts;
use crate::trainers::strings::StringInput;

impl Trainable for Sequential {
    fn model_name(&self) -> &str {
        self.name()
    }
    trainable_parts!();
    fn check_deferred(&self) -> Result<()> {
        Sequential::check_deferred(self)
    }
    fn build_from_data(&mut self, dims: &[&[usize]]) -> Result<()> {
        if !self.built() {
            let first = dims.first().ok_or_else(|| Error::value("no input data"))?;
            self.build(&first[1.min(first.len())..])?;
        }
        Ok(())
    }
    fn string_inputs(&self) -> Vec<StringInput<'_>> {
        match (self.input_shape(), self.network.layers.first()) {
            (Some(shape), Some(entry)) if self.input_dtype() == "string" => {
                vec![StringInput { index: 0, shape, layer: entry.layer.as_ref() }]
            }
            _ => Vec::new(),
        }
    }
    fn input_specs(&self) -> Result<Vec<(String, Shape)>> {
        let shape = self.input_shape().ok_or_else(|| {
            Error::State("The model has not been built yet: add an `Input` first or call `build`/`fit`.".into())
        })?;
        Ok(vec![(self.input_name().unwrap_or("input_layer").to_string(), shape)])
    }
    fn output_specs(&self) -> Result<Vec<(String, Shape)>> {
        let shape = self.output_shape()?;
        let name = self.layers().last().and_then(|l| l.name()).unwrap_or("output").to_string();
        Ok(vec![(name, shape)])
    }
    fn input_owner(&self) -> String {
        self.layers().first().and_then(|l| l.name()).unwrap_or(self.name()).to_string()
    }
}

impl Sequential {
    /// The model's outputs for `x` in inference mode (Keras' `model.predict`), batch by batch.
    pub fn predict(&self, x: impl ModelInputs, options: PredictOptions) -> Result<ArrayD<f32>> {
        Ok(fit::predict(self, x.into_host(), options)?.remove(0))
    }

    /// The outputs for the inputs of every batch of a [`PyDataset`](crate::utils::PyDataset),
    /// in order (Keras' `model.predict(dataset)`).
    pub fn predict_dataset(
        &mut self,
        dataset: &mut dyn crate::utils::PyDataset,
        options: PredictOptions,
    ) -> Result<ArrayD<f32>> {
        Ok(fit::predict_dataset(self, dataset, options)?.remove(0))
    }

    /// The outputs for one batch (Keras' `predict_on_batch`).
    pub fn predict_on_batch(&self, x: impl ModelInputs) -> Result<ArrayD<f32>> {
        Ok(fit::predict_on_batch(self, x.into_host())?.remove(0))
    }
}
