//! `compile`, `fit`, `evaluate` and `predict` of a `Sequential` model.

use std::collections::BTreeMap;

use ndarray::{ArrayD, IxDyn};

use super::data::{ArrayInput, Data, batches, check_cardinality, gather, split_validation};
use super::engine::{Accumulators, Compiled, evaluate_data, infer, target_batch, train_step};
use super::options::{EvaluateOptions, FitOptions, PredictOptions};
use super::progbar::Progbar;
use crate::callbacks::History;
use crate::error::{Error, Result};
use crate::losses::LossSpec;
use crate::metrics::{self, Metric, MetricSpec};
use crate::models::Sequential;
use crate::optimizers::{OptimizerSpec, OptimizerState};
use crate::shape::format_dims;

/// Metrics resolved for the data, with their log names.
type NamedMetrics = Vec<(String, Box<dyn Metric>)>;

/// No metrics, for `compile(optimizer, loss, NO_METRICS)`.
pub const NO_METRICS: &[&str] = &[];

impl Sequential {
    /// Configures training (Keras' `model.compile(optimizer, loss, metrics)`). Each argument
    /// is a Keras name (`"adam"`, `"mse"`, `"accuracy"`) or an object (`Adam::new()...`).
    pub fn compile<M: Into<MetricSpec> + Clone>(
        &mut self,
        optimizer: impl Into<OptimizerSpec>,
        loss: impl Into<LossSpec>,
        metrics: &[M],
    ) -> Result<()> {
        self.check_deferred()?;
        let optimizer = optimizer.into().resolve()?;
        let loss = loss.into().resolve()?;
        let metrics: Vec<MetricSpec> = metrics.iter().cloned().map(Into::into).collect();
        for m in &metrics {
            metrics::validate(m)?;
        }
        self.compiled = Some(Compiled { optimizer, state: OptimizerState::default(), loss, metrics });
        Ok(())
    }

    /// The compile state, or Keras' error when `compile` was not called.
    fn compiled(&self) -> Result<&Compiled> {
        self.compiled.as_ref().ok_or_else(|| {
            Error::State("You must call `compile()` before using the model (fit/evaluate/train).".into())
        })
    }

    /// The current learning rate of the compiled optimizer.
    pub fn learning_rate(&self) -> Result<f64> {
        Ok(self.compiled()?.optimizer.learning_rate())
    }

    /// The number of optimizer updates applied so far (Keras' `optimizer.iterations`).
    pub fn iterations(&self) -> u64 {
        self.compiled.as_ref().map_or(0, |c| c.state.iterations)
    }

    /// Builds from the data's shape if needed, then checks it against the model's input.
    fn prepare_input(&mut self, dims: &[usize]) -> Result<()> {
        self.check_deferred()?;
        if !self.built() {
            self.build(&dims[1..])?;
        }
        self.check_input(dims)
    }

    fn check_input(&self, dims: &[usize]) -> Result<()> {
        // The data's first axis counts samples: a fixed batch size (stateful RNNs) is checked per batch.
        let expected = self
            .input_shape()
            .ok_or_else(|| {
                Error::State("The model has not been built yet: add an `Input` first or call `build`/`fit`.".into())
            })?
            .with_batch(None);
        if !expected.matches(dims) {
            let first =
                self.layers().first().and_then(|l| l.name().map(str::to_string)).unwrap_or_else(|| self.name().into());
            return Err(Error::shape(format!(
                "Input 0 of layer \"{first}\" is incompatible with the layer: expected shape={expected}, found shape={} \
                 (model \"{}\")",
                format_dims(dims),
                self.name()
            )));
        }
        Ok(())
    }

    /// Checks targets against the loss and the output; returns the target columns per row and
    /// the metrics resolved for these shapes.
    fn prepare_targets(&self, y: &ArrayD<f32>) -> Result<(usize, NamedMetrics)> {
        let compiled = self.compiled()?;
        let out = self.output_shape()?;
        let values = y.as_slice().unwrap_or(&[]);
        let cols = compiled.loss.check_targets(y.shape(), values, &out)?;
        let y_last = *y.shape().last().unwrap_or(&1);
        let p_last = out.last().unwrap_or(1);
        let resolved = compiled
            .metrics
            .iter()
            .map(|m| metrics::resolve(m, y.ndim(), y_last, out.rank(), p_last))
            .collect::<Result<Vec<_>>>()?;
        if let Some((n, m)) = resolved.iter().find(|(_, m)| m.is_sparse() && cols != 1) {
            return Err(Error::value(format!(
                "Metric `{n}` ({}) needs integer class targets, but the targets have {cols} columns.",
                m.class_name()
            )));
        }
        Ok((cols, resolved))
    }

    /// Trains the model (Keras' `model.fit(x, y, ...)`); returns the per-epoch [`History`].
    ///
    /// The epoch loss is the batch-size-weighted mean of the batch losses, each computed before
    /// its update; `val_*` values use the end-of-epoch weights.
    pub fn fit(&mut self, x: &impl ArrayInput, y: &impl ArrayInput, options: FitOptions) -> Result<History> {
        self.compiled()?;
        if options.batch_size == 0 {
            return Err(Error::value("`batch_size` must be a positive integer. Received: batch_size=0"));
        }
        let (x, y) = (x.to_f32_array(), y.to_f32_array());
        check_cardinality(&x, &y)?;
        self.prepare_input(x.shape())?;
        if options.shuffle
            && let Some(l) = self.network.layers.iter().find(|e| e.layer.stateful())
        {
            return Err(Error::value(format!(
                "Layer \"{}\" is stateful: its state follows the order of the batches, so `fit` needs \
                 `FitOptions::shuffle(false)` (and usually `model.reset_states()` between epochs).",
                l.layer.name().unwrap_or("?")
            )));
        }
        let (train, mut val) = split_validation(x, y, options.validation_split)?;
        if let Some((vx, vy)) = &options.validation_data {
            check_cardinality(vx, vy)?;
            self.check_input(vx.shape())?;
            val = Some(Data::new(vx.clone(), vy.clone()));
        }
        let (cols, metrics) = self.prepare_targets(&train.y)?;
        if let Some(v) = &val {
            self.prepare_targets(&v.y)?;
        }
        let mut history = History::default();
        let steps = train.len().div_ceil(options.batch_size);
        for epoch in options.initial_epoch..options.epochs {
            if options.verbose > 0 && options.epochs > 1 {
                println!("Epoch {}/{}", epoch + 1, options.epochs);
            }
            let order = if options.shuffle { self.rng.permutation(train.len()) } else { (0..train.len()).collect() };
            let mut bar = Progbar::new(steps, options.verbose);
            let mut acc = Accumulators::new(&metrics);
            for (step, idx) in batches(&order, options.batch_size).enumerate() {
                self.train_batch(&train, idx, cols, &metrics, &mut acc)?;
                bar.step(step + 1, || acc.results());
            }
            let mut logs: BTreeMap<String, f64> = acc.results().into_iter().collect();
            if let Some(v) = &val {
                let compiled = self.compiled()?;
                for (k, value) in evaluate_data(&self.network, compiled, &metrics, v, cols, options.batch_size, None)? {
                    logs.insert(format!("val_{k}"), value);
                }
            }
            bar.finish(&logs.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>());
            history.record(epoch, &logs);
        }
        Ok(history)
    }

    /// Loss and metrics on `(x, y)` in inference mode (Keras' `model.evaluate(..., return_dict=True)`).
    pub fn evaluate(
        &self,
        x: &impl ArrayInput,
        y: &impl ArrayInput,
        options: EvaluateOptions,
    ) -> Result<BTreeMap<String, f64>> {
        let compiled = self.compiled()?;
        let (x, y) = (x.to_f32_array(), y.to_f32_array());
        check_cardinality(&x, &y)?;
        self.check_deferred()?;
        self.check_input(x.shape())?;
        let (cols, metrics) = self.prepare_targets(&y)?;
        let data = Data::new(x, y);
        let batch_size = options.batch_size.max(1);
        let mut bar = Progbar::new(data.len().div_ceil(batch_size), options.verbose);
        let results = evaluate_data(&self.network, compiled, &metrics, &data, cols, batch_size, Some(&mut bar))?;
        bar.finish(&results);
        Ok(results.into_iter().collect())
    }

    /// Uploads samples `idx` of `data` and runs one training step on them.
    fn train_batch(
        &mut self,
        data: &Data,
        idx: &[usize],
        cols: usize,
        metrics: &[(String, Box<dyn Metric>)],
        acc: &mut Accumulators,
    ) -> Result<()> {
        let device = self.network.device.clone();
        let (xb, yb) = (gather(&data.x, idx, &device)?, target_batch(&data.y, idx, cols, &device)?);
        let compiled = self.compiled.as_mut().ok_or_else(|| Error::State("You must call `compile()` first.".into()))?;
        train_step(&mut self.network, &mut self.rng, compiled, metrics, xb, yb, acc)
    }

    /// One gradient update on one batch (Keras' `train_on_batch`); returns the batch's loss and
    /// metrics.
    pub fn train_on_batch(&mut self, x: &impl ArrayInput, y: &impl ArrayInput) -> Result<BTreeMap<String, f64>> {
        self.compiled()?;
        let (x, y) = (x.to_f32_array(), y.to_f32_array());
        check_cardinality(&x, &y)?;
        self.prepare_input(x.shape())?;
        let (cols, metrics) = self.prepare_targets(&y)?;
        let data = Data::new(x, y);
        let idx: Vec<usize> = (0..data.len()).collect();
        let mut acc = Accumulators::new(&metrics);
        self.train_batch(&data, &idx, cols, &metrics, &mut acc)?;
        Ok(acc.results().into_iter().collect())
    }

    /// Loss and metrics on one batch in inference mode (Keras' `test_on_batch`).
    pub fn test_on_batch(&self, x: &impl ArrayInput, y: &impl ArrayInput) -> Result<BTreeMap<String, f64>> {
        let n = x.samples();
        self.evaluate(x, y, EvaluateOptions::new().batch_size(n.max(1)).verbose(0))
    }

    /// The outputs for one batch (Keras' `predict_on_batch`).
    pub fn predict_on_batch(&self, x: &impl ArrayInput) -> Result<ArrayD<f32>> {
        let n = x.samples();
        self.predict(x, PredictOptions::new().batch_size(n.max(1)).verbose(0))
    }

    /// The model's outputs for `x` in inference mode (Keras' `model.predict`), batch by batch.
    pub fn predict(&self, x: &impl ArrayInput, options: PredictOptions) -> Result<ArrayD<f32>> {
        let x = x.to_f32_array();
        self.check_deferred()?;
        self.check_input(x.shape())?;
        let n = x.shape()[0];
        let batch_size = options.batch_size.max(1);
        let order: Vec<usize> = (0..n).collect();
        let mut bar = Progbar::new(n.div_ceil(batch_size), options.verbose);
        let mut values = Vec::new();
        let mut sample_dims = Vec::new();
        for (step, idx) in batches(&order, batch_size).enumerate() {
            let out = infer(&self.network, gather(&x, idx, &self.network.device)?)?;
            sample_dims = out.dims()[1..].to_vec();
            values.extend(out.to_vec()?);
            bar.step(step + 1, Vec::new);
        }
        bar.finish(&[]);
        let mut dims = vec![n];
        dims.extend(sample_dims);
        ArrayD::from_shape_vec(IxDyn(&dims), values).map_err(|e| Error::Backend(e.to_string()))
    }
}
