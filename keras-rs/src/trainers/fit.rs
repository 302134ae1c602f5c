//! `compile`, `fit`, `evaluate`, `predict` and the `*_on_batch` methods, written once for any
//! model (`Sequential` and Functional `Model` implement [`Trainable`]).

use std::collections::BTreeMap;

use ndarray::{ArrayD, IxDyn};

use super::compile::CompileOptions;
use super::data::{Data, Rows, split_validation};
use super::distributed::{Share, take_share};
use super::engine::{Accumulators, Batch, Compiled, Head, evaluate_source, infer, to_device, train_step, upload};
use super::inputs::{HostArray, HostData, ModelInputs, OwnedData};
use super::options::{EvaluateOptions, FitOptions, PredictOptions};
use super::progbar::Progbar;
use super::source::{self, HostBatch, Source, Step};
use crate::callbacks::handle::FitHandle;
use crate::callbacks::{BatchLogs, Callback, FitParams, History, Logs, ModelHandle, ProgbarLogger};
use crate::distribution::collective::{Collective, agree, agree_on, together};
use crate::error::{Error, Result};
use crate::metrics;
use crate::models::Network;
use crate::optimizers::{OptimizerSpec, OptimizerState};
use crate::random::SeedGenerator;
use crate::saving::Saveable;
use crate::shape::{Shape, format_dims};
use crate::utils::{DatasetBatch, PyDataset};

/// No metrics, for `compile(optimizer, loss, NO_METRICS)`.
pub const NO_METRICS: &[&str] = &[];

/// What the training loop needs from a model.
pub(crate) trait Trainable {
    /// The model's name (messages).
    fn model_name(&self) -> &str;
    /// The built network.
    fn network(&self) -> &Network;
    /// The network, the random source and the compile state, mutably at once.
    fn parts(&mut self) -> (&mut Network, &mut SeedGenerator, &mut Option<Compiled>);
    /// The compile state.
    fn compiled_state(&self) -> Option<&Compiled>;
    /// An error recorded while the model was assembled (`Sequential::add`).
    fn check_deferred(&self) -> Result<()>;
    /// Builds the model from the data's shapes if it is not built yet (`Sequential`).
    fn build_from_data(&mut self, dims: &[&[usize]]) -> Result<()>;
    /// Input names and shapes (batch axis included), once built.
    fn input_specs(&self) -> Result<Vec<(String, Shape)>>;
    /// Output names and shapes, once built.
    fn output_specs(&self) -> Result<Vec<(String, Shape)>>;
    /// The layer Keras names in "Input i of layer ... is incompatible" errors.
    fn input_owner(&self) -> String;
    /// The model's `dtype("string")` inputs, each with the layer that takes it.
    fn string_inputs(&self) -> Vec<super::strings::StringInput<'_>>;
}

/// `x` with the arrays of the model's string inputs wrapped in the layers that take them (see
/// `trainers::strings`).
fn encode_strings<'a, M: Trainable>(m: &M, x: HostData<'a>) -> Result<HostData<'a>> {
    m.check_deferred()?;
    let names: Vec<String> = match m.input_specs() {
        Ok(specs) => specs.into_iter().map(|(n, _)| n).collect(),
        Err(_) => vec!["input".to_string()],
    };
    super::strings::encode(&m.string_inputs(), &names, x)
}

fn compiled<M: Trainable>(m: &M) -> Result<&Compiled> {
    m.compiled_state()
        .ok_or_else(|| Error::State("You must call `compile()` before using the model (fit/evaluate/train).".into()))
}

/// The names `compile` gives the model's outputs (per-output losses, metrics, compile configs).
pub(crate) fn output_names<M: Trainable>(m: &M) -> Vec<String> {
    match m.output_specs() {
        Ok(specs) => specs.into_iter().map(|(n, _)| n).collect(),
        Err(_) => vec!["output".to_string()], // a Sequential model not built yet: one output
    }
}

/// Keras' `compile`.
pub(crate) fn compile<M: Trainable>(m: &mut M, optimizer: OptimizerSpec, options: CompileOptions) -> Result<()> {
    m.check_deferred()?;
    let optimizer = optimizer.resolve()?;
    let (losses, loss_weights, metrics) = options.resolve(&output_names(m))?;
    *m.parts().2 = Some(Compiled { optimizer, state: OptimizerState::default(), losses, loss_weights, metrics });
    Ok(())
}

/// Host inputs as device tensors in the model's input order (checked like `predict`'s).
pub(crate) fn to_tensors<M: Trainable>(m: &M, x: HostData<'_>) -> Result<Vec<crate::backend::DynTensor>> {
    let x = encode_strings(m, x)?;
    let xs = resolve_inputs(m, &x)?;
    check_inputs(m, &xs)?;
    xs.iter().map(|a| a.gather(&(0..a.len()).collect::<Vec<_>>(), &m.network().device)).collect()
}

/// The inputs in the model's input order, without building anything.
fn resolve_inputs<'h, M: Trainable>(m: &M, x: &'h HostData<'_>) -> Result<Vec<Rows<'h>>> {
    m.check_deferred()?;
    match m.input_specs() {
        Ok(specs) => x.resolve(&specs.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(), "input"),
        Err(_) => x.resolve(&["input".to_string()], "input"), // a Sequential model not built yet
    }
}

/// The inputs in the model's order; builds the model from them if needed and checks every
/// input's shape.
fn inputs<'h, M: Trainable>(m: &mut M, x: &'h HostData<'_>) -> Result<Vec<Rows<'h>>> {
    let xs = resolve_inputs(m, x)?;
    let shapes: Vec<Vec<usize>> = xs.iter().map(Rows::shape).collect();
    m.build_from_data(&shapes.iter().map(Vec::as_slice).collect::<Vec<_>>())?;
    check_inputs(m, &xs)?;
    Ok(xs)
}

fn check_inputs<M: Trainable>(m: &M, xs: &[Rows<'_>]) -> Result<()> {
    let strings: Vec<usize> = m.string_inputs().iter().map(|s| s.index).collect();
    for (i, ((_, shape), x)) in m.input_specs()?.iter().zip(xs).enumerate() {
        if strings.contains(&i) {
            continue; // checked as strings when wrapped (`encode_strings`)
        }
        // The data's first axis counts samples: a fixed batch size (stateful RNNs) is checked per batch.
        let expected = shape.with_batch(None);
        if !expected.matches(&x.shape()) {
            return Err(Error::shape(format!(
                "Input {i} of layer \"{}\" is incompatible with the layer: expected shape={expected}, found shape={} \
                 (model \"{}\")",
                m.input_owner(),
                format_dims(&x.shape()),
                m.model_name()
            )));
        }
    }
    Ok(())
}

/// Resolves the targets (one per output, only those of outputs with a loss, or by name) and
/// builds the heads: losses, target columns and metrics resolved for these shapes.
fn heads<'h, M: Trainable>(m: &M, y: &'h HostData<'_>) -> Result<(Vec<Rows<'h>>, Vec<Head>)> {
    let c = compiled(m)?;
    let outputs = m.output_specs()?;
    let names: Vec<String> = outputs.iter().map(|(n, _)| n.clone()).collect();
    y.check_numeric_targets(&names)?;
    let trained: Vec<usize> = (0..outputs.len()).filter(|&i| c.losses[i].is_some()).collect();
    let ys: Vec<Option<Rows<'h>>> = match y {
        HostData::List(list) if list.len() == outputs.len() => list.iter().map(|a| Some(Rows::new(&**a))).collect(),
        HostData::List(list) if list.len() == trained.len() => {
            let mut ys = vec![None; outputs.len()];
            for (i, a) in trained.iter().zip(list) {
                ys[*i] = Some(Rows::new(&**a));
            }
            ys
        }
        HostData::List(list) => {
            return Err(Error::value(format!(
                "The model has {} outputs ({}) of which {} have a loss, but {} target array(s) were passed.",
                outputs.len(),
                names.join(", "),
                trained.len(),
                list.len()
            )));
        }
        HostData::Named(pairs) => {
            if let Some((unknown, _)) = pairs.iter().find(|(n, _)| !names.contains(n)) {
                return Err(Error::value(format!(
                    "Unknown output name: '{unknown}'. The model's outputs are: {names:?}."
                )));
            }
            names.iter().map(|n| pairs.iter().find(|(k, _)| k == n).map(|(_, a)| Rows::new(&**a))).collect()
        }
    };
    let several = outputs.len() > 1;
    let mut targets = Vec::new();
    let mut heads = Vec::new();
    for (i, ((name, out), y)) in outputs.iter().zip(ys).enumerate() {
        let loss = c.losses[i].clone().map(|l| (l, c.loss_weights[i]));
        let (target, cols, resolved) = match (&loss, y) {
            (Some((l, _)), Some(y)) => {
                // Only class labels are checked value by value (a copy of one number per sample).
                let labels = if l.is_sparse() { y.to_vec() } else { Vec::new() };
                let y_shape = y.shape();
                let cols = l.check_targets(&y_shape, &labels, out)?;
                let y_last = *y_shape.last().unwrap_or(&1);
                let p_last = out.last().unwrap_or(1);
                let mut resolved = Vec::new();
                for spec in &c.metrics[i] {
                    let (n, metric) = metrics::resolve(spec, y_shape.len(), y_last, out.rank(), p_last)?;
                    if metric.is_sparse() && cols != 1 {
                        return Err(Error::value(format!(
                            "Metric `{n}` ({}) needs integer class targets, but the targets have {cols} columns.",
                            metric.class_name()
                        )));
                    }
                    resolved.push((if several { format!("{name}_{n}") } else { n }, metric));
                }
                targets.push(y);
                (Some(targets.len() - 1), cols, resolved)
            }
            (Some(_), None) => {
                return Err(Error::value(format!(
                    "Missing target for output '{name}', which has a loss. The model's outputs are: {names:?}."
                )));
            }
            (None, _) => (None, 1, Vec::new()),
        };
        heads.push(Head { name: name.clone(), loss, target, cols, metrics: resolved });
    }
    Ok((targets, heads))
}

/// Keras' `fit` on arrays: resolves the data, then [`run_fit`].
pub(crate) fn fit<M: Trainable + Saveable + super::StepModel>(
    m: &mut M,
    x: HostData<'_>,
    y: HostData<'_>,
    mut options: FitOptions,
) -> Result<History> {
    compiled(m)?;
    super::options::check_batch_size(options.batch_size)?;
    let x = encode_strings(m, x)?;
    let xs = inputs(m, &x)?;
    let (ys, heads) = heads(m, &y)?;
    let data = Data::new(xs, ys)?;
    let weights = sample_weights(&data, options.sample_weight.take(), options.class_weight.take())?;
    let data = data.with_weights(weights)?;
    check_shuffle(m, &options)?;
    let (train, mut val) = split_validation(data, options.validation_split)?;
    let validation_data = options.validation_data.take();
    let validation_host = match validation_data.as_ref() {
        Some((vx, vy)) => Some((encode_strings(m, vx.into_host())?, vy.into_host())),
        None => None,
    };
    if let Some((vx, vy)) = &validation_host {
        let vx = inputs(m, vx)?;
        let (vy, _) = self::heads(m, vy)?;
        val = Some(Data::new(vx, vy)?);
    }
    let batch_size = options.batch_size;
    // A validation dataset is locked for the whole of `fit`.
    let shared = options.validation_dataset.take();
    let mut guard = shared.as_ref().map(|d| d.lock().unwrap_or_else(|e| e.into_inner()));
    let val = match guard.as_mut() {
        Some(dataset) => Some(Source::Dataset(&mut ***dataset)),
        None => val.map(|data| Source::Arrays { data, batch_size }),
    };
    run_fit(m, Source::Arrays { data: train, batch_size }, &heads, val, options)
}

/// Keras' `fit` on a [`PyDataset`]: its first batch builds the model and resolves the targets,
/// then [`run_fit`].
pub(crate) fn fit_dataset<M: Trainable + Saveable + super::StepModel>(
    m: &mut M,
    dataset: &mut dyn PyDataset,
    mut options: FitOptions,
) -> Result<History> {
    compiled(m)?;
    if options.validation_split != 0.0 {
        return Err(Error::value(format!(
            "Argument `validation_split` is only supported for tensors or NumPy arrays. Found incompatible type \
             in the input: PyDataset (validation_split={})",
            options.validation_split
        )));
    }
    if options.sample_weight.is_some() {
        return Err(dataset_sample_weight());
    }
    if options.class_weight.is_some() {
        // Keras turns class weights into sample weights for a PyDataset; keras-rs does not yet.
        return Err(Error::value(
            "keras-rs: `class_weight` is not supported with a PyDataset; return per-sample weights from \
             `get_batch` (`DatasetBatch::with_sample_weight`).",
        ));
    }
    check_shuffle(m, &options)?;
    let heads = dataset_heads(m, dataset)?;
    let shared = options.validation_dataset.take();
    let mut guard = shared.as_ref().map(|d| d.lock().unwrap_or_else(|e| e.into_inner()));
    let val = match (guard.as_mut(), options.validation_data.take()) {
        (Some(dataset), _) => Some(Source::Dataset(&mut ***dataset)),
        (None, Some(data)) => return fit_dataset_with_arrays(m, dataset, &heads, data, options),
        (None, None) => None,
    };
    run_fit(m, Source::Dataset(dataset), &heads, val, options)
}

/// `fit_dataset` validating on arrays (`FitOptions::validation_data`).
fn fit_dataset_with_arrays<M: Trainable + Saveable + super::StepModel>(
    m: &mut M,
    dataset: &mut dyn PyDataset,
    heads: &[Head],
    (vx, vy): (OwnedData, OwnedData),
    options: FitOptions,
) -> Result<History> {
    let (vx, vy) = (encode_strings(m, vx.into_host())?, vy.into_host());
    let xs = inputs(m, &vx)?;
    let (ys, _) = self::heads(m, &vy)?;
    let val = Source::Arrays { data: Data::new(xs, ys)?, batch_size: options.batch_size.max(1) };
    run_fit(m, Source::Dataset(dataset), heads, Some(val), options)
}

/// A dataset's first batch, with the model built from (and checked against) its inputs.
fn build_from_first<M: Trainable>(m: &mut M, dataset: &dyn PyDataset) -> Result<DatasetBatch> {
    let first = source::first_batch(dataset)?;
    let x = batch_inputs(&first).and_then(|x| encode_strings(m, x));
    x.and_then(|x| inputs(m, &x).map(drop)).map_err(|e| e.context("PyDataset batch 0: "))?;
    Ok(first)
}

/// Builds the model from a dataset's first batch and resolves the targets against it.
fn dataset_heads<M: Trainable>(m: &mut M, dataset: &dyn PyDataset) -> Result<Vec<Head>> {
    let first = build_from_first(m, dataset)?;
    let y = batch_arrays(&first.y, &first.target_names);
    let (_, heads) = heads(m, &y).map_err(|e| e.context("PyDataset batch 0: "))?;
    Ok(heads)
}

/// A dataset batch's arrays as `fit` takes arrays: by position, or by name when `names` are given.
fn batch_arrays<'a>(arrays: &'a [ArrayD<f32>], names: &[String]) -> HostData<'a> {
    if names.is_empty() {
        return HostData::List(arrays.iter().map(|a| Box::new(a) as HostArray<'_>).collect());
    }
    HostData::Named(names.iter().cloned().zip(arrays.iter().map(|a| Box::new(a) as HostArray<'_>)).collect())
}

/// A dataset batch's inputs as `fit` takes arrays: its numbers by position or by name, and its
/// strings by input name (a batch of [`DatasetBatch::texts`]: the only input).
fn batch_inputs(batch: &DatasetBatch) -> Result<HostData<'_>> {
    match batch.strings.as_slice() {
        [] => Ok(batch_arrays(&batch.x, &batch.input_names)),
        [(name, texts)] if name.is_empty() && batch.x.is_empty() => Ok(HostData::List(vec![Box::new(texts)])),
        strings if strings.iter().all(|(n, _)| !n.is_empty()) && batch.input_names.len() == batch.x.len() => {
            let numbers = batch.input_names.iter().cloned().zip(batch.x.iter().map(|a| Box::new(a) as HostArray<'_>));
            let texts = strings.iter().map(|(n, a)| (n.clone(), Box::new(a) as HostArray<'_>));
            Ok(HostData::Named(numbers.chain(texts).collect()))
        }
        _ => Err(Error::value(
            "A PyDataset batch with strings names every input: `DatasetBatch::named` for the numbers and \
             `with_strings(name, ..)` for the strings (or `DatasetBatch::texts` for a model whose only input \
             takes strings)",
        )),
    }
}

/// A step's batch ready for the device: a dataset's batch is checked against the model as
/// arrays passed to `fit` are (inputs, and with `targets` the targets and sample weights).
fn prepare<M: Trainable>(m: &M, step: Step<'_>, targets: bool) -> Result<HostBatch> {
    let (index, mut batch) = match step {
        Step::Rows(data, idx) => return Ok(HostBatch::from_rows(data, idx)),
        Step::Dataset(index, batch) => (index, batch),
    };
    let weights = batch.sample_weight.take().map(|w| w.into_dyn());
    // Checked as `fit` checks arrays, then taken in the model's order (named arrays included).
    let host = || -> Result<HostBatch> {
        let x = encode_strings(m, batch_inputs(&batch)?)?;
        let xs = resolve_inputs(m, &x)?;
        check_inputs(m, &xs)?;
        if !targets {
            super::data::check_cardinality(&xs, &[])?;
            return Ok(HostBatch::from_rows(&Data { x: xs, y: Vec::new(), w: None }, &all_rows(&batch)));
        }
        let y = batch_arrays(&batch.y, &batch.target_names);
        let (ys, _) = heads(m, &y)?;
        let data = Data::new(xs, ys)?.with_weights(weights)?;
        Ok(HostBatch::from_rows(&data, &all_rows(&batch)))
    };
    host().map_err(|e| e.context(&format!("PyDataset batch {index}: ")))
}

/// Every sample of a dataset batch, in order.
fn all_rows(batch: &DatasetBatch) -> Vec<usize> {
    (0..batch.len()).collect()
}

/// A stateful layer's state follows the order of the batches: no shuffling.
fn check_shuffle<M: Trainable>(m: &M, options: &FitOptions) -> Result<()> {
    if options.shuffle
        && let Some(l) = m.network().layers.iter().find(|e| e.layer.stateful())
    {
        return Err(Error::value(format!(
            "Layer \"{}\" is stateful: its state follows the order of the batches, so `fit` needs \
             `FitOptions::shuffle(false)` (and usually `model.reset_states()` between epochs).",
            l.layer.name().unwrap_or("?")
        )));
    }
    Ok(())
}

/// The epoch loop of `fit` with its callbacks (the progress bar first, the user's, then
/// `History`), over the training batches of `train` and, after each epoch, `val`'s.
///
/// Under a distribution every rank runs this loop in step: its share of each batch, one sum of
/// the gradients per step, the epoch's results reduced, and after each phase where one rank
/// alone may fail or ask to stop (callbacks, a dataset's batch) the ranks agree on it.
fn run_fit<M: Trainable + Saveable + super::StepModel>(
    m: &mut M,
    mut train: Source<'_>,
    heads: &[Head],
    mut val: Option<Source<'_>>,
    mut options: FitOptions,
) -> Result<History> {
    let world = crate::distribution::active();
    if let Some(world) = world {
        if options.train_step.is_some() {
            return Err(Error::value(
                "keras-rs: `FitOptions::train_step` (a custom training step) is not supported under a distribution.",
            ));
        }
        options.verbose = chief_verbose(options.verbose); // rank 0 draws the progress bar
        let (network, rng, _) = m.parts();
        check_same_start(world, network, rng, train.items())?;
    }
    let steps = train.steps();
    if options.verbose > 0 {
        // Not in Keras: one line up front saying which backend and device train.
        outln!("Training on {}", crate::backends::describe_device(&m.network().device));
    }
    let mut callbacks: Vec<Box<dyn Callback>> = Vec::new();
    if options.verbose > 0 {
        callbacks.push(Box::new(ProgbarLogger::new()));
    }
    callbacks.extend(options.callbacks.drain(..).map(|c| Box::new(c) as Box<dyn Callback>));
    let params = FitParams { epochs: options.epochs, steps, verbose: options.verbose };
    callbacks.iter_mut().for_each(|c| c.set_params(&params));
    let mut history = History::default();
    let mut model = FitHandle::new(m);
    let begin = callbacks.iter_mut().try_for_each(|c| c.on_train_begin(&mut model));
    together(world, begin)?;
    let mut last_logs = Logs::new();
    let first_epoch = model.initial_epoch.unwrap_or(options.initial_epoch);
    for epoch in first_epoch..options.epochs {
        let begin = callbacks.iter_mut().try_for_each(|c| c.on_epoch_begin(epoch, &mut model));
        together(world, begin)?;
        // Samples of arrays, or the batches of a dataset, in a new order each epoch.
        let order = {
            let (_, rng, _) = model.model.parts();
            if options.shuffle { rng.permutation(train.items()) } else { (0..train.items()).collect() }
        };
        let mut acc = Accumulators::new(heads);
        let mut custom = options.train_step.clone().map(CustomStep::new);
        train.for_each(&order, |step, batch| {
            let begin = callbacks.iter_mut().try_for_each(|c| c.on_train_batch_begin(step, &mut model));
            let host = begin.and_then(|()| prepare(&*model.model, batch, true));
            match (custom.as_mut(), world) {
                (_, Some(world)) => {
                    let local = host.map(|host| take_share(world, host));
                    train_batch_sharded(model.model, world, heads, &mut acc, local)?
                }
                (Some(custom), None) => {
                    let batch = upload(host?, heads, &model.model.network().device)?;
                    custom.run(model.model, batch)?
                }
                (None, None) => {
                    let host = host?;
                    train_batch(model.model, heads, &mut acc, |device| upload(host, heads, device))?
                }
            }
            let mut source = || step_logs(&mut custom, &mut acc);
            let mut logs = BatchLogs::new(&mut source);
            let end = callbacks.iter_mut().try_for_each(|c| c.on_train_batch_end(step, &mut logs, &mut model));
            Ok(!any_rank(world, end, model.stop_requested())?)
        })?;
        train.end_epoch();
        if let Some(world) = world {
            acc.reduce(world, heads, Ok(()))?;
        }
        let mut logs: Logs = step_logs(&mut custom, &mut acc).into_iter().collect();
        if let Some(v) = val.as_mut() {
            let m = &*model.model;
            let results =
                evaluate_source(m.network(), heads, v, |s: Step<'_>| prepare(m, s, true), None, &mut callbacks)?;
            v.end_epoch();
            for (k, value) in results {
                logs.insert(format!("val_{k}"), value);
            }
        }
        let end = callbacks.iter_mut().try_for_each(|c| c.on_epoch_end(epoch, &mut logs, &mut model));
        let end = end.and_then(|()| history.on_epoch_end(epoch, &mut logs, &mut model));
        let stop = any_rank(world, end, model.stop_requested())?;
        last_logs = logs;
        if stop {
            break;
        }
    }
    let end = callbacks.iter_mut().try_for_each(|c| c.on_train_end(&last_logs, &mut model));
    together(world, end)?;
    Ok(history)
}

/// Whether any rank raised `flag` (a callback asked to stop training), once every rank's
/// `local` outcome is agreed (see `collective::together`).
fn any_rank(world: Option<&dyn Collective>, local: Result<()>, flag: bool) -> Result<bool> {
    let Some(world) = world else { return local.map(|()| flag) };
    let size = world.size();
    let mut flags = vec![0.0; size + 1];
    if local.is_err() {
        flags[world.rank()] = 1.0;
    }
    flags[size] = f64::from(u8::from(flag));
    world.all_reduce_max(&mut flags);
    agree_on(world, local, &flags[..size])?;
    Ok(flags[size] > 0.0)
}

/// Before training under a distribution: every rank holds the same weights, draws from the
/// same random generator (shuffling, dropout) and trains on as many samples as rank 0, or
/// every rank returns an error naming the first that differs.
fn check_same_start(world: &dyn Collective, network: &Network, rng: &SeedGenerator, items: usize) -> Result<()> {
    let mut weights = 0xcbf2_9ce4_8422_2325u64; // FNV-1a over every variable's bits
    let values = network.variables.iter().map(|v| (v.value.clone().into_data().convert::<f32>(), &v.path));
    for (data, path) in values {
        let bits = data.as_slice::<f32>().map_err(|e| Error::Backend(format!("{e:?}")))?.iter().map(|v| v.to_bits());
        for b in path.bytes().map(u32::from).chain(bits) {
            weights = (weights ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    let mine = [items as u64, weights, rng.clone().next_u64()];
    let bytes: Vec<u8> = mine.iter().flat_map(|v| v.to_le_bytes()).collect();
    let root: Vec<u64> =
        world.broadcast(0, bytes).chunks(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect();
    let rank = world.rank();
    let local = if root.len() != 3 {
        Err(Error::State("rank 0 sent no start state".into()))
    } else if root[0] != mine[0] {
        Err(Error::value(format!(
            "rank {rank} has {items} training samples (or batches of a dataset) and rank 0 has {}: every rank passes \
             the same data to `fit`, and takes its share of every batch.",
            root[0]
        )))
    } else if root[1] != mine[1] {
        Err(Error::value(format!(
            "rank {rank}'s model has other weights than rank 0's: every rank builds the same model from the same seed \
             (`keras_rs::utils::set_random_seed(seed)` before building it)."
        )))
    } else if root[2] != mine[2] {
        Err(Error::value(format!(
            "rank {rank}'s model draws other random numbers than rank 0's (shuffling, dropout): every rank seeds the \
             model the same way (`keras_rs::utils::set_random_seed(seed)` before building it)."
        )))
    } else {
        Ok(())
    };
    agree(world, local)
}

/// Keras' `sample_weight`/`class_weight`: at most one of them; class weights looked up by the
/// (single) target's class index or one-hot argmax.
fn sample_weights(
    data: &Data<'_>,
    sample_weight: Option<ArrayD<f32>>,
    class_weight: Option<BTreeMap<usize, f64>>,
) -> Result<Option<ArrayD<f32>>> {
    match (sample_weight, class_weight) {
        (Some(_), Some(_)) => Err(Error::value("You cannot `class_weight` and `sample_weight` at the same time.")),
        (w, None) => Ok(w),
        (None, Some(cw)) => {
            let [y] = data.y.as_slice() else {
                return Err(Error::value("`class_weight` is only supported for Models with a single output."));
            };
            let n = y.len();
            let values = y.to_vec();
            let rows = ndarray::ArrayView2::from_shape((n, values.len() / n.max(1)), &values)
                .map_err(|e| Error::Backend(e.to_string()))?;
            let class = |row: ndarray::ArrayView1<f32>| -> usize {
                if row.len() == 1 {
                    row[0].round().max(0.0) as usize
                } else {
                    row.iter().enumerate().fold((0, f32::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b }).0
                }
            };
            let w: Vec<f32> = rows.rows().into_iter().map(|r| *cw.get(&class(r)).unwrap_or(&1.0) as f32).collect();
            Ok(Some(ArrayD::from_shape_vec(IxDyn(&[n]), w).map_err(|e| Error::Backend(e.to_string()))?))
        }
    }
}

/// A custom training step (`FitOptions::train_step`) and the values it returned last, read
/// from the device once, when shown.
struct CustomStep {
    step: std::sync::Arc<std::sync::Mutex<super::TrainStep>>,
    pending: Vec<(String, burn::tensor::Tensor<1>)>,
    read: Vec<(String, f64)>,
}

/// The running logs of an epoch: the compiled losses and metrics, or a custom step's last values.
fn step_logs(custom: &mut Option<CustomStep>, acc: &mut Accumulators) -> Vec<(String, f64)> {
    match custom {
        Some(c) => c.read(),
        None => acc.results(),
    }
}

impl CustomStep {
    fn new(step: std::sync::Arc<std::sync::Mutex<super::TrainStep>>) -> Self {
        CustomStep { step, pending: Vec::new(), read: Vec::new() }
    }
    fn run(&mut self, model: &mut dyn super::StepModel, batch: Batch) -> Result<()> {
        let mut step = self.step.lock().unwrap_or_else(|e| e.into_inner());
        self.pending = (*step)(model, batch.x, batch.y)?;
        Ok(())
    }
    fn read(&mut self) -> Vec<(String, f64)> {
        if !self.pending.is_empty() {
            self.read = std::mem::take(&mut self.pending)
                .into_iter()
                .map(|(k, t)| (k, t.into_scalar::<f32>() as f64))
                .collect();
            self.read.sort_by(|a, b| a.0.cmp(&b.0));
        }
        self.read.clone()
    }
}

/// One data-parallel training step on this rank's share of a batch (or the error it met
/// preparing it, which every rank then returns).
fn train_batch_sharded<M: Trainable>(
    m: &mut M,
    world: &dyn Collective,
    heads: &[Head],
    acc: &mut Accumulators,
    local: Result<(HostBatch, Share)>,
) -> Result<()> {
    let (network, rng, compiled) = m.parts();
    let c = compiled.as_mut().ok_or_else(|| Error::State("You must call `compile()` first.".into()))?;
    let local = local.and_then(|(host, share)| Ok((upload(host, heads, &network.device)?, share)));
    super::distributed::train_step(world, network, rng, c.optimizer.as_ref(), &mut c.state, heads, local, acc)
}

/// Uploads a batch on the model's device (`upload`) and runs one training step on it.
fn train_batch<M: Trainable>(
    m: &mut M,
    heads: &[Head],
    acc: &mut Accumulators,
    upload: impl FnOnce(&burn::tensor::Device) -> Result<Batch>,
) -> Result<()> {
    let (network, rng, compiled) = m.parts();
    let batch = upload(&network.device)?;
    let c = compiled.as_mut().ok_or_else(|| Error::State("You must call `compile()` first.".into()))?;
    train_step(network, rng, c.optimizer.as_ref(), &mut c.state, heads, batch, acc)
}

/// Keras' `evaluate(..., return_dict=True)`.
pub(crate) fn evaluate<M: Trainable>(
    m: &M,
    x: HostData<'_>,
    y: HostData<'_>,
    mut options: EvaluateOptions,
) -> Result<BTreeMap<String, f64>> {
    compiled(m)?;
    let x = encode_strings(m, x)?;
    let xs = resolve_inputs(m, &x)?;
    check_inputs(m, &xs)?;
    let (ys, heads) = heads(m, &y)?;
    let data = Data::new(xs, ys)?.with_weights(options.sample_weight.take())?;
    let batch_size = options.batch_size.max(1);
    run_evaluate(m, Source::Arrays { data, batch_size }, &heads, options)
}

/// Keras' `evaluate` on a [`PyDataset`].
pub(crate) fn evaluate_dataset<M: Trainable>(
    m: &mut M,
    dataset: &mut dyn PyDataset,
    options: EvaluateOptions,
) -> Result<BTreeMap<String, f64>> {
    compiled(m)?;
    if options.sample_weight.is_some() {
        return Err(dataset_sample_weight());
    }
    let heads = dataset_heads(m, dataset)?;
    run_evaluate(m, Source::Dataset(dataset), &heads, options)
}

/// Keras' error for `sample_weight` beside a dataset (`raise_unsupported_arg`).
fn dataset_sample_weight() -> Error {
    Error::value(
        "When providing `x` as a PyDataset, `sample_weight` should not be passed. Instead, the sample weights \
         should be included as part of the PyDataset (`DatasetBatch::with_sample_weight`).",
    )
}

fn run_evaluate<M: Trainable>(
    m: &M,
    mut source: Source<'_>,
    heads: &[Head],
    options: EvaluateOptions,
) -> Result<BTreeMap<String, f64>> {
    let mut bar = Progbar::new(source.steps(), chief_verbose(options.verbose));
    let mut callbacks: Vec<Box<dyn Callback>> =
        options.callbacks.into_iter().map(|c| Box::new(c) as Box<dyn Callback>).collect();
    let prepare = |s: Step<'_>| prepare(m, s, true);
    let results = evaluate_source(m.network(), heads, &source, prepare, Some(&mut bar), &mut callbacks)?;
    source.end_epoch();
    bar.finish(&results);
    Ok(results.into_iter().collect())
}

/// `verbose`, or 0 on the ranks of a distribution other than rank 0 (which draws the bars).
fn chief_verbose(verbose: u8) -> u8 {
    if crate::distribution::is_chief() { verbose } else { 0 }
}

/// Under a distribution, an error this rank met alone (before the ranks agreed on it) ends the
/// whole job when the process exits (`MPI_Abort`), since the other ranks may be waiting for
/// this one in a collective operation.
pub(crate) fn alone<T>(result: Result<T>) -> Result<T> {
    if let Err(e) = &result
        && !matches!(e, Error::Distributed { .. })
        && crate::distribution::active().is_some()
    {
        crate::distribution::failed_alone();
    }
    result
}

/// Keras' `train_on_batch`: one gradient update; the batch's loss and metrics.
pub(crate) fn train_on_batch<M: Trainable>(
    m: &mut M,
    x: HostData<'_>,
    y: HostData<'_>,
) -> Result<BTreeMap<String, f64>> {
    compiled(m)?;
    let x = encode_strings(m, x)?;
    let xs = inputs(m, &x)?;
    let (ys, heads) = heads(m, &y)?;
    let data = Data::new(xs, ys)?;
    let all: Vec<usize> = (0..data.len()).collect();
    let mut acc = Accumulators::new(&heads);
    let host = HostBatch::from_rows(&data, &all);
    match crate::distribution::active() {
        Some(world) => {
            train_batch_sharded(m, world, &heads, &mut acc, Ok(take_share(world, host)))?;
            acc.reduce(world, &heads, Ok(()))?;
        }
        None => train_batch(m, &heads, &mut acc, |device| upload(host, &heads, device))?,
    }
    Ok(acc.results().into_iter().collect())
}

/// Keras' `predict_on_batch`: `predict` with the whole input as one batch.
pub(crate) fn predict_on_batch<M: Trainable>(m: &M, x: HostData<'_>) -> Result<Vec<ArrayD<f32>>> {
    let n = x.samples();
    predict(m, x, PredictOptions::new().batch_size(n.max(1)).verbose(0))
}

/// Keras' `test_on_batch`: `evaluate` with the whole input as one batch.
pub(crate) fn test_on_batch<M: Trainable>(m: &M, x: HostData<'_>, y: HostData<'_>) -> Result<BTreeMap<String, f64>> {
    let n = x.samples();
    evaluate(m, x, y, EvaluateOptions::new().batch_size(n.max(1)).verbose(0))
}

/// About how many floats of one layer's output a forward pass of `predict` makes on the CPU.
const PREDICT_CHUNK_FLOATS: usize = 1 << 19;

/// The most samples one forward pass of `predict` takes: on the CPU, a batch whose largest layer
/// output would exceed [`PREDICT_CHUNK_FLOATS`] (2 MiB) runs as several passes (the same
/// numbers — inference treats samples independently — and the same callbacks), so each layer's
/// output is still in cache when the next layer reads it. Passes are at least 128 samples and a
/// multiple of 64 (whole sample groups for the LSTM kernel: 128 rather than 146 was ~7% faster). Measured at batch 1024
/// (`benches/peers`): the convnet (21,632 floats per sample after its first convolution) ~17%
/// faster in passes of 128, the LSTM (3,584) ~10%; the MLP (512) is left whole: passes of 256
/// rows made its matmuls slower. A GPU takes the whole batch.
fn predict_chunk(network: &crate::models::network::Network, batch_size: usize) -> usize {
    if !crate::backend::runtime::uses_pool(&network.device) {
        return batch_size;
    }
    let largest = network
        .layers
        .iter()
        .flat_map(|layer| &layer.output_shapes)
        .map(|shape| shape.0.iter().skip(1).fold(1usize, |n, d| n.saturating_mul(d.unwrap_or(1))))
        .max()
        .unwrap_or(1);
    ((PREDICT_CHUNK_FLOATS / largest.max(1)).max(128) / 64 * 64).min(batch_size)
}

/// Keras' `predict`: one array per output, batch by batch, in inference mode.
pub(crate) fn predict<M: Trainable>(m: &M, x: HostData<'_>, options: PredictOptions) -> Result<Vec<ArrayD<f32>>> {
    alone((|| {
        let x = encode_strings(m, x)?;
        let xs = resolve_inputs(m, &x)?;
        check_inputs(m, &xs)?;
        super::data::check_cardinality(&xs, &[])?;
        let batch_size = options.batch_size.max(1);
        run_predict(m, Source::Arrays { data: Data { x: xs, y: Vec::new(), w: None }, batch_size }, options)
    })())
}

/// Keras' `predict` on a [`PyDataset`] (its batches' inputs; targets are not read).
pub(crate) fn predict_dataset<M: Trainable>(
    m: &mut M,
    dataset: &mut dyn PyDataset,
    options: PredictOptions,
) -> Result<Vec<ArrayD<f32>>> {
    alone(build_from_first(m, dataset).and_then(|_| run_predict(m, Source::Dataset(dataset), options)))
}

fn run_predict<M: Trainable>(m: &M, mut source: Source<'_>, options: PredictOptions) -> Result<Vec<ArrayD<f32>>> {
    // Arrays say how many samples there are: the outputs' memory is reserved at once, fallibly.
    let known = match &source {
        Source::Arrays { data, .. } => Some(data.len()),
        Source::Dataset(_) => None,
    };
    let mut bar = Progbar::new(source.steps(), chief_verbose(options.verbose));
    let network = m.network();
    let mut values: Vec<Vec<f32>> = Vec::new();
    let mut sample_dims: Vec<Vec<usize>> = Vec::new();
    let mut rows = 0usize;
    let mut keep = |outs: Vec<(Vec<f32>, Vec<usize>)>| -> Result<()> {
        if values.is_empty() {
            sample_dims = outs.iter().map(|(_, dims)| dims[1..].to_vec()).collect();
            for dims in &sample_dims {
                let mut v = Vec::new();
                if let Some(n) = known {
                    // Too large is an error, not an abort.
                    let total = dims.iter().try_fold(n, |t, &d| t.checked_mul(d));
                    total.and_then(|t| v.try_reserve_exact(t).ok()).ok_or_else(|| {
                        Error::value(format!(
                            "predict's output of shape {} does not fit in memory; predict fewer samples at a time",
                            format_dims(&[&[n][..], dims].concat())
                        ))
                    })?;
                }
                values.push(v);
            }
        }
        rows += outs.first().map_or(0, |(_, dims)| dims[0]);
        for (v, (o, _)) in values.iter_mut().zip(outs) {
            v.extend(o);
        }
        Ok(())
    };
    let on_host = |outs: Vec<crate::backend::DynTensor>| -> Result<Vec<(Vec<f32>, Vec<usize>)>> {
        outs.into_iter()
            .map(|o| {
                let dims = o.dims();
                Ok((o.into_vec()?, dims))
            })
            .collect()
    };
    let world = crate::distribution::active();
    let mut callbacks = options.callbacks;
    callbacks.iter_mut().try_for_each(|c| c.on_predict_begin())?;
    let chunk = predict_chunk(network, options.batch_size.max(1));
    let order: Vec<usize> = (0..source.items()).collect();
    source.for_each(&order, |step, batch| {
        let begin = callbacks.iter_mut().try_for_each(|c| c.on_predict_batch_begin(step));
        match (batch, world) {
            // Under a distribution: this rank's share of the batch, then every rank's rows.
            (batch, Some(world)) => {
                let mut weight = 0.0;
                let local = begin.and_then(|()| {
                    let (host, share) = take_share(world, prepare(m, batch, false)?);
                    weight = share.weight;
                    on_host(infer(network, to_device(host.x, &network.device)?)?)
                });
                keep(super::distributed::gather_outputs(world, local, weight)?)?;
            }
            // Passes of `chunk` samples (see `predict_chunk`), each gathered from the arrays.
            (Step::Rows(data, idx), None) => {
                begin?;
                for idx in idx.chunks(chunk) {
                    let x = data.x.iter().map(|a| a.gather(idx, &network.device)).collect::<Result<Vec<_>>>()?;
                    keep(on_host(infer(network, x)?)?)?;
                }
            }
            (dataset, None) => {
                begin?;
                let host = prepare(m, dataset, false)?;
                keep(on_host(infer(network, to_device(host.x, &network.device)?)?)?)?;
            }
        }
        bar.step(step + 1, Vec::new);
        callbacks.iter_mut().try_for_each(|c| c.on_predict_batch_end(step))?;
        Ok(true)
    })?;
    source.end_epoch();
    callbacks.iter_mut().try_for_each(|c| c.on_predict_end())?;
    bar.finish(&[]);
    values
        .into_iter()
        .zip(sample_dims)
        .map(|(v, d)| {
            let mut dims = vec![rows];
            dims.extend(d);
            ArrayD::from_shape_vec(IxDyn(&dims), v).map_err(|e| Error::Backend(e.to_string()))
        })
        .collect()
}
