//! One training step, one evaluation pass, and the running means Keras reports.

use burn::tensor::Tensor;

use super::progbar::Progbar;
use super::source::{HostBatch, Source, Step};
use crate::backend::DynTensor;
use crate::distribution::collective::together;
use crate::error::{Error, Result};
use crate::layers::CallContext;
use crate::losses::Loss;
use crate::metrics::{Metric, MetricSpec};
use crate::models::Network;
use crate::optimizers::{Optimizer, OptimizerState};
use crate::random::SeedGenerator;
use crate::shape::format_dims;

/// What `compile` stores: optimizer (with its state), and per model output its loss, loss
/// weight and metric specs.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The optimizer.
    pub optimizer: Box<dyn Optimizer>,
    /// Its iterations and slots.
    pub state: OptimizerState,
    /// The loss of each output (`None`: the output is not trained).
    pub losses: Vec<Option<Box<dyn Loss>>>,
    /// The weight of each output's loss in the total (Keras' `loss_weights`; 1 by default).
    pub loss_weights: Vec<f64>,
    /// The metrics of each output as given to `compile`, resolved against the data later.
    pub metrics: Vec<Vec<MetricSpec>>,
}

/// Metrics resolved for the data, with their log names.
pub type NamedMetrics = Vec<(String, Box<dyn Metric>)>;

/// One model output as `fit`/`evaluate` use it: its loss, which target array trains it, and
/// its metrics (with their log names).
#[derive(Debug)]
pub struct Head {
    /// The output's name (`<name>_loss` in the logs of multi-output models).
    pub name: String,
    /// The loss and its weight; `None` for an output without loss.
    pub loss: Option<(Box<dyn Loss>, f64)>,
    /// The index of its target array in the data's targets.
    pub target: Option<usize>,
    /// Target columns per row.
    pub cols: usize,
    /// The resolved metrics.
    pub metrics: NamedMetrics,
}

/// A Keras `Mean` metric: `total += value`, `count += weight`; result `total / count` in float32.
/// New values are summed on the device, so no step waits for them; reading the result moves
/// that sum into the host total (a uniquely held tensor reads without a device copy).
#[derive(Default)]
pub struct MeanAcc {
    pending: Option<Tensor<1>>,
    /// Weights summed on the device (a masked output's valid rows).
    pending_count: Option<Tensor<1>>,
    total: f32,
    count: f64,
}

/// `sum + value`, or `value` for the first.
fn add_to(sum: &mut Option<Tensor<1>>, value: Tensor<1>) {
    *sum = Some(match sum.take() {
        Some(t) => t + value,
        None => value,
    });
}

impl MeanAcc {
    fn add(&mut self, value: Tensor<1>, weight: f64) {
        add_to(&mut self.pending, value);
        self.count += weight;
    }

    /// Adds a weighted sum whose total weight is a device value.
    fn add_weighted(&mut self, value: Tensor<1>, weight: Tensor<1>) {
        add_to(&mut self.pending, value);
        add_to(&mut self.pending_count, weight);
    }

    fn result(&mut self) -> f64 {
        if let Some(t) = self.pending.take() {
            self.total += t.into_scalar::<f32>();
        }
        if let Some(t) = self.pending_count.take() {
            self.count += t.into_scalar::<f32>() as f64;
        }
        if self.count == 0.0 { 0.0 } else { (self.total / self.count as f32) as f64 }
    }

    /// Hands `f` the total and the count, to be replaced (by their sums across ranks).
    fn with_sums(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        self.result();
        let mut sums = [self.total as f64, self.count];
        f(&mut sums);
        (self.total, self.count) = (sums[0] as f32, sums[1]);
    }
}

/// A metric's running value: the mean of its per-row values, or (streaming metrics) the sum of
/// its batch statistics, kept on the device until read.
#[derive(Default)]
pub struct MetricAcc {
    mean: MeanAcc,
    streaming: Option<Box<dyn Metric>>,
    pending: Option<Tensor<1>>,
    total: Vec<f32>,
}

impl MetricAcc {
    /// One batch. A mean metric weighs its rows by the output's `mask` (1.0 real, 0.0 padding),
    /// as Keras' `MeanMetricWrapper` does; streaming metrics do not read masks in Keras.
    fn add(&mut self, metric: &dyn Metric, y: Tensor<2>, pred: Tensor<2>, mask: Option<Tensor<1>>) {
        let rows = pred.dims()[0] as f64;
        match metric.batch_stats(y.clone(), pred.clone()) {
            Some(stats) => {
                self.streaming.get_or_insert_with(|| metric.clone_box());
                add_to(&mut self.pending, stats);
            }
            None => match mask {
                Some(mask) => self.mean.add_weighted((metric.per_row(y, pred) * mask.clone()).sum(), mask.sum()),
                None => self.mean.add(metric.per_row(y, pred).sum(), rows),
            },
        }
    }

    fn result(&mut self) -> f64 {
        self.fold();
        let Some(metric) = &self.streaming else { return self.mean.result() };
        metric.result(&self.total)
    }

    /// Moves the batch statistics summed on the device into the host total.
    fn fold(&mut self) {
        if let Some(t) = self.pending.take()
            && let Ok(values) = t.into_data().convert::<f32>().try_into_vec::<f32>()
        {
            self.total.resize(values.len(), 0.0);
            self.total.iter_mut().zip(values).for_each(|(a, b)| *a += b);
        }
    }

    /// How many batch statistics a streaming metric sums (0: none seen, or a mean).
    pub(crate) fn streaming_len(&mut self) -> usize {
        self.fold();
        self.total.len()
    }

    /// Hands `f` the mean's total and count, then (a streaming metric, `len` statistics) the
    /// statistics' totals, each to be replaced by their sums across ranks.
    fn with_sums(&mut self, metric: &dyn Metric, len: usize, f: &mut dyn FnMut(&mut [f64])) {
        self.mean.with_sums(f);
        if len > 0 {
            self.fold();
            self.streaming.get_or_insert_with(|| metric.clone_box());
            self.total.resize(len, 0.0);
            let mut sums: Vec<f64> = self.total.iter().map(|&v| v as f64).collect();
            f(&mut sums);
            self.total = sums.into_iter().map(|v| v as f32).collect();
        }
    }
}

/// The loss and metric means of one epoch (or one `evaluate`): the total loss, each output's
/// unweighted loss when several outputs have one (Keras' `<output>_loss`), and the metrics.
pub struct Accumulators {
    loss: MeanAcc,
    output_losses: Vec<Option<(String, MeanAcc)>>,
    metrics: Vec<Vec<(String, MetricAcc)>>,
}

impl Accumulators {
    /// Fresh means for the heads' losses and metrics.
    pub fn new(heads: &[Head]) -> Self {
        let several = heads.iter().filter(|h| h.loss.is_some()).count() > 1;
        Accumulators {
            loss: MeanAcc::default(),
            output_losses: heads
                .iter()
                .map(|h| (several && h.loss.is_some()).then(|| (format!("{}_loss", h.name), MeanAcc::default())))
                .collect(),
            metrics: heads
                .iter()
                .map(|h| h.metrics.iter().map(|(n, _)| (n.clone(), MetricAcc::default())).collect())
                .collect(),
        }
    }

    /// Every metric's running value, in order.
    pub(crate) fn metric_accs(&mut self) -> impl Iterator<Item = &mut MetricAcc> {
        self.metrics.iter_mut().flatten().map(|(_, m)| m)
    }

    /// Hands `f` every total and count (losses, then metrics with `lens` statistics each, see
    /// [`MetricAcc::with_sums`]), each to be replaced by its sum across ranks.
    pub(crate) fn for_each_sum(&mut self, heads: &[Head], lens: &[usize], mut f: impl FnMut(&mut [f64])) {
        self.loss.with_sums(&mut f);
        self.output_losses.iter_mut().flatten().for_each(|(_, m)| m.with_sums(&mut f));
        let metrics = heads.iter().flat_map(|h| h.metrics.iter().map(|(_, m)| m.as_ref()));
        for ((acc, metric), &len) in self.metrics.iter_mut().flatten().map(|(_, m)| m).zip(metrics).zip(lens) {
            acc.with_sums(metric, len, &mut f);
        }
    }

    /// Reads the current values (a device sync), sorted by name as Keras logs are.
    pub fn results(&mut self) -> Vec<(String, f64)> {
        let mut out = vec![("loss".to_string(), self.loss.result())];
        out.extend(self.output_losses.iter_mut().flatten().map(|(n, m)| (n.clone(), m.result())));
        out.extend(self.metrics.iter_mut().flatten().map(|(n, m)| (n.clone(), m.result())));
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

fn check_rows(pred: &Tensor<2>, y: &Tensor<2>, loss: &str) -> Result<()> {
    if pred.dims()[0] != y.dims()[0] {
        return Err(Error::shape(format!(
            "The targets do not match the model output for `{loss}`: {} target rows for {} output rows {}.",
            y.dims()[0],
            pred.dims()[0],
            format_dims(&pred.dims())
        )));
    }
    Ok(())
}

/// The batch's samples on the device: inputs, and targets as `[rows, cols]` per head.
pub struct Batch {
    /// One tensor per model input.
    pub x: Vec<DynTensor>,
    /// One target matrix per target array.
    pub y: Vec<Tensor<2>>,
    /// Per-sample loss weights `[rows]`, if any.
    pub w: Option<Tensor<1>>,
}

/// Uploads a host batch on `device`.
pub fn upload(host: HostBatch, heads: &[Head], device: &burn::tensor::Device) -> Result<Batch> {
    let w = match host.w {
        Some(w) => {
            let n = w.len();
            Some(DynTensor::from_data(w, &[n], device)?.into_rank::<1>("sample_weight")?)
        }
        None => None,
    };
    Ok(Batch { w, ..batch(to_device(host.x, device)?, to_device(host.y, device)?, heads)? })
}

/// Host arrays, `(values, shape)` each, as tensors on `device`.
pub(crate) fn to_device(arrays: Vec<(Vec<f32>, Vec<usize>)>, device: &burn::tensor::Device) -> Result<Vec<DynTensor>> {
    arrays.into_iter().map(|(v, shape)| DynTensor::from_data(v, &shape, device)).collect()
}

/// A batch from uploaded inputs and targets, each target as `[rows, cols]` for its head.
fn batch(x: Vec<DynTensor>, y: Vec<DynTensor>, heads: &[Head]) -> Result<Batch> {
    let y = y
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let cols = heads.iter().find(|h| h.target == Some(i)).map_or(1, |h| h.cols);
            let n: usize = t.dims().iter().product();
            t.reshape(&[n / cols, cols])?.into_rank::<2>("targets")
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Batch { x, y, w: None })
}

/// The weighted total loss of a batch and, per head, its unweighted loss and rows. `masks`
/// are the outputs' masks (Keras' `_keras_mask` on `y_pred`), which weigh their rows.
pub(crate) fn losses(
    heads: &[Head],
    preds: Vec<DynTensor>,
    masks: Vec<Option<Tensor<2>>>,
    y: &[Tensor<2>],
    w: Option<&Tensor<1>>,
) -> Result<(Tensor<1>, Vec<Option<Scored>>)> {
    let mut total: Option<Tensor<1>> = None;
    let mut scored = Vec::with_capacity(heads.len());
    let mut masks = masks.into_iter();
    for (head, pred) in heads.iter().zip(preds) {
        let mask = masks.next().flatten();
        let Some(target) = head.target else {
            scored.push(None);
            continue;
        };
        let dims = pred.dims();
        let pred = pred.into_rows();
        let mask = mask.map(|m| row_mask(m, &dims, &head.name)).transpose()?;
        let y = y[target].clone();
        let value = match &head.loss {
            Some((loss, weight)) => {
                check_rows(&pred, &y, loss.name())?;
                // Keras: sample weights scale each sample's loss; `sum_over_batch_size` still
                // divides by the number of samples.
                let sample_weight = match (&mask, w) {
                    (Some(mask), None) => Some(mask_weights(mask.clone(), loss.reduction())),
                    (Some(_), Some(_)) => return Err(masked_sample_weight(&head.name, &dims)),
                    (None, w) => w.cloned(),
                };
                let value = loss.call_weighted(y.clone(), pred.clone(), sample_weight);
                let weighted = if *weight == 1.0 { value.clone() } else { value.clone().mul_scalar(*weight as f32) };
                total = Some(match total.take() {
                    Some(t) => t + weighted,
                    None => weighted,
                });
                Some(value)
            }
            None => None,
        };
        scored.push(Some(Scored { loss: value, y, pred, mask }));
    }
    let total = total.ok_or_else(|| Error::value("No loss to compute: every output's loss is None."))?;
    Ok((total, scored))
}

/// An output's mask `(batch, steps)` as one weight per loss row, for an output `(batch, steps,
/// features)`.
fn row_mask(mask: Tensor<2>, output: &[usize], name: &str) -> Result<Tensor<1>> {
    let rows = output[..output.len().saturating_sub(1)].iter().product::<usize>();
    let [batch, steps] = mask.dims();
    if output.len() != 3 || batch * steps != rows {
        return Err(Error::shape(format!(
            "The output \"{name}\" of shape {} carries a mask of shape {}: keras-rs weighs the loss by a mask of \
             an output (batch, steps, features) only.",
            format_dims(output),
            format_dims(&[batch, steps])
        )));
    }
    Ok(mask.reshape([rows]))
}

/// Keras' `apply_mask`: a masked output's rows weighted 0 (padding) or, for the
/// `sum_over_batch_size`/`mean` reductions, `total / valid` (so the mean is over the real rows;
/// 0 when none is real, as `divide_no_nan`).
fn mask_weights(mask: Tensor<1>, reduction: crate::losses::Reduction) -> Tensor<1> {
    use crate::losses::Reduction;
    if !matches!(reduction, Reduction::SumOverBatchSize | Reduction::Mean) {
        return mask;
    }
    let total = mask.dims()[0] as f32;
    // Padding rows weigh 0 whatever the scale, so no real row means no division by 0.
    let valid = mask.clone().sum().clamp_min(1.0);
    let scale = valid.zeros_like().add_scalar(total) / valid;
    mask * scale
}

/// Keras cannot combine per-sample weights `(batch,)` with an output's mask `(batch, steps)`
/// (their shapes do not broadcast); neither does keras-rs.
fn masked_sample_weight(name: &str, output: &[usize]) -> Error {
    Error::value(format!(
        "The output \"{name}\" of shape {} carries a mask (from `Embedding(mask_zero=True)` or `Masking`), \
         which weighs its loss per step; `sample_weight`/`class_weight` of one weight per sample cannot be \
         combined with it (Keras fails to broadcast them too). Drop the weights, or the mask.",
        format_dims(output)
    ))
}

/// One head's batch values for the accumulators.
pub(crate) struct Scored {
    loss: Option<Tensor<1>>,
    y: Tensor<2>,
    pred: Tensor<2>,
    /// The output's mask, one weight per row.
    mask: Option<Tensor<1>>,
}

/// A training pass' scores without their autodiff graph.
pub(crate) fn scored_inner(scored: Vec<Option<Scored>>) -> Vec<Option<Scored>> {
    scored
        .into_iter()
        .map(|s| s.map(|s| Scored { loss: s.loss.map(|l| l.inner()), y: s.y, pred: s.pred.inner(), mask: s.mask }))
        .collect()
}

impl Accumulators {
    pub(crate) fn update(&mut self, heads: &[Head], total: Tensor<1>, samples: usize, scored: Vec<Option<Scored>>) {
        self.loss.add(total.mul_scalar(samples as f32), samples as f64);
        for (i, s) in scored.into_iter().enumerate() {
            let Some(s) = s else { continue };
            if let (Some((_, acc)), Some(loss)) = (&mut self.output_losses[i], s.loss) {
                acc.add(loss.mul_scalar(samples as f32), samples as f64);
            }
            for ((_, acc), (_, m)) in self.metrics[i].iter_mut().zip(&heads[i].metrics) {
                acc.add(m.as_ref(), s.y.clone(), s.pred.clone(), s.mask.clone());
            }
        }
    }
}

/// The indices of the trainable variables, and every variable as a forward-pass parameter:
/// the trainable ones as autodiff leaves that record gradients.
pub(crate) fn gradient_leaves(network: &Network) -> (Vec<usize>, Vec<Tensor<1>>) {
    let trainable = (0..network.variables.len()).filter(|&i| network.variables[i].trainable).collect();
    let params = network
        .variables
        .iter()
        .map(|v| if v.trainable { v.value.clone().autodiff().require_grad() } else { v.value.clone() })
        .collect();
    (trainable, params)
}

/// One optimizer update of the variables `trainable` (indices into the network's variables)
/// with their `gradients` (Keras' `optimizer.apply_gradients`), then their constraints.
pub(crate) fn apply_gradients(
    network: &mut Network,
    optimizer: &dyn Optimizer,
    state: &mut OptimizerState,
    trainable: &[usize],
    gradients: Vec<Option<Tensor<1>>>,
) -> Result<()> {
    let take = |i: &usize| crate::optimizers::take(&mut network.variables[*i].value);
    let mut values: Vec<Tensor<1>> = trainable.iter().map(take).collect();
    state.apply(optimizer, &mut values, gradients);
    for (value, &i) in values.into_iter().zip(trainable) {
        network.variables[i].value = value;
    }
    // Keras' `optimizer.apply`: "Apply variable constraints after applying gradients."
    for (i, constraint) in network.constraints() {
        if trainable.contains(&i) {
            let variable = &mut network.variables[i];
            variable.value = constraint.apply(crate::optimizers::take(&mut variable.value), &variable.shape)?;
        }
    }
    Ok(())
}

/// What one forward and backward pass in training mode gives (Keras' `train_step` before the
/// optimizer update).
pub(crate) struct Pass {
    /// The indices of the trainable variables.
    pub trainable: Vec<usize>,
    /// Their gradients, in that order; `None` when nothing was differentiated (no trainable
    /// variable, or a loss that does not depend on them): no optimizer step then.
    pub gradients: Option<Vec<Option<Tensor<1>>>>,
    /// New values of non-trainable variables (BatchNormalization's moving statistics).
    pub updates: Vec<(usize, Tensor<1>)>,
    /// The batch's total loss, without its graph.
    pub total: Tensor<1>,
    /// Each head's scores, without their graph.
    pub scored: Vec<Option<Scored>>,
}

/// Forward with autodiff leaves for the trainable variables, the weighted sum of the output
/// losses, backward. `share` says which rows of a global batch this rank computes (random masks
/// are drawn for the global batch, see [`CallContext::dropout_mask`]).
pub(crate) fn forward_backward(
    network: &Network,
    rng: &mut SeedGenerator,
    heads: &[Head],
    batch: Batch,
    share: Option<super::Share>,
) -> Result<Pass> {
    let device = network.device.clone();
    let (trainable, params) = gradient_leaves(network);
    let mut ctx = CallContext::new(true, rng, &device);
    ctx.share = share;
    let preds = network.forward_all(batch.x, &params, &mut ctx)?;
    let masks = output_masks(&mut ctx, share.is_some())?;
    let updates = std::mem::take(&mut ctx.updates);
    let activity = std::mem::take(&mut ctx.activity_losses);
    let (total, scored) = losses(heads, preds, masks, &batch.y, batch.w.as_ref())?;
    let total = network.add_model_losses(total, |i| params[i].clone(), activity);
    let gradients = (!trainable.is_empty() && total.is_tracked()).then(|| {
        let mut grads = total.backward();
        trainable.iter().map(|&i| params[i].grad_remove(&mut grads)).collect()
    });
    // `params` (the autodiff leaves, which share the variables' buffers) are dropped on return,
    // before the optimizer updates the variables.
    Ok(Pass { trainable, gradients, updates, total: total.inner(), scored: scored_inner(scored) })
}

/// One training step (Keras' `train_step`): [`forward_backward`], then the optimizer update;
/// the batch's losses and metrics go to `acc`. Runs on the compute pool.
pub fn train_step(
    network: &mut Network,
    rng: &mut SeedGenerator,
    optimizer: &dyn Optimizer,
    state: &mut OptimizerState,
    heads: &[Head],
    batch: Batch,
    acc: &mut Accumulators,
) -> Result<()> {
    crate::backend::runtime::install(&network.device.clone(), || {
        let samples = batch.x[0].dims()[0];
        let pass = forward_backward(network, rng, heads, batch, None)?;
        if let Some(gradients) = pass.gradients {
            apply_gradients(network, optimizer, state, &pass.trainable, gradients)?;
        }
        network.apply_updates(pass.updates);
        acc.update(heads, pass.total, samples, pass.scored);
        Ok(())
    })
}

/// The model's outputs for one batch of inputs, in inference mode, on the compute pool.
pub fn infer(network: &Network, x: Vec<DynTensor>) -> Result<Vec<DynTensor>> {
    Ok(infer_with_losses(network, x, false)?.0)
}

/// The outputs' masks after a pass. Keras weighs a masked output's loss by the batch's real
/// steps; under a distribution each rank holds a different share of them, and keras-rs does not
/// yet sum them across ranks before the division, so it refuses rather than train on another loss.
fn output_masks(ctx: &mut CallContext<'_>, distributed: bool) -> Result<Vec<Option<Tensor<2>>>> {
    let masks = std::mem::take(&mut ctx.output_masks);
    if distributed && masks.iter().any(Option::is_some) {
        return Err(crate::Error::value(
            "An output of this model carries a mask (from `Embedding(mask_zero=True)` or `Masking` through layers \
             that keep it), which weighs its loss by the batch's real steps; keras-rs does not count them across \
             ranks yet, so it cannot train or evaluate such a model under a distribution. End the model with a \
             layer that drops the mask (an RNN without `return_sequences`, `GlobalAveragePooling1D`), or run one \
             process.",
        ));
    }
    Ok(masks)
}

/// The pass's outputs, their masks and its activity-regularization penalties.
type Inferred = (Vec<DynTensor>, Vec<Option<Tensor<2>>>, Vec<Tensor<1>>);

/// [`infer`], with the outputs' masks and the pass's activity-regularization penalties (for
/// `evaluate`'s loss).
fn infer_with_losses(network: &Network, x: Vec<DynTensor>, distributed: bool) -> Result<Inferred> {
    crate::backend::runtime::install(&network.device, || {
        let mut rng = SeedGenerator::new(0);
        let device = network.device.clone();
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let outputs = network.forward_all(x, &network.values(), &mut ctx)?;
        let masks = output_masks(&mut ctx, distributed)?;
        Ok((outputs, masks, ctx.activity_losses))
    })
}

/// Losses and metrics over `source` in inference mode (Keras' `evaluate`), batch-size-weighted;
/// `prepare` checks and converts each step's batch.
pub(crate) fn evaluate_source(
    network: &Network,
    heads: &[Head],
    source: &Source<'_>,
    prepare: impl Fn(Step) -> Result<HostBatch>,
    mut progbar: Option<&mut Progbar>,
    callbacks: &mut [Box<dyn crate::callbacks::Callback>],
) -> Result<Vec<(String, f64)>> {
    let world = crate::distribution::active();
    together(world, callbacks.iter_mut().try_for_each(|c| c.on_test_begin()))?;
    let mut acc = Accumulators::new(heads);
    let order: Vec<usize> = (0..source.items()).collect();
    let pass = source.for_each(&order, |step, batch| {
        callbacks.iter_mut().try_for_each(|c| c.on_test_batch_begin(step))?;
        let mut host = prepare(batch)?;
        // Under a distribution, this rank's share of the batch (a rank without rows skips it).
        if let Some(world) = world {
            let (mine, share) = super::distributed::take_share(world, host);
            if share.weight == 0.0 {
                return Ok(true);
            }
            host = mine;
        }
        let samples = host.len();
        let batch = upload(host, heads, &network.device)?;
        let (preds, masks, activity) = infer_with_losses(network, batch.x, world.is_some())?;
        let (total, scored) = losses(heads, preds, masks, &batch.y, batch.w.as_ref())?;
        let total = network.add_model_losses(total, |i| network.variables[i].value.clone(), activity);
        acc.update(heads, total, samples, scored);
        if let Some(bar) = progbar.as_deref_mut() {
            bar.step(step + 1, || acc.results());
        }
        callbacks.iter_mut().try_for_each(|c| c.on_test_batch_end(step))?;
        Ok(true)
    });
    match world {
        // Every rank's totals summed (or every rank returns the error one met).
        Some(world) => acc.reduce(world, heads, pass)?,
        None => pass?,
    }
    let results = acc.results();
    let logs: crate::callbacks::Logs = results.iter().cloned().collect();
    together(world, callbacks.iter_mut().try_for_each(|c| c.on_test_end(&logs)))?;
    Ok(results)
}
