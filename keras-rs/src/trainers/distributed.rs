//! `fit`, `evaluate` and `predict` under a [`distribution`](crate::distribution): this rank's
//! share of every global batch, gradients and moving statistics summed across ranks (each
//! rank's weighted by its share), epoch results reduced, predictions gathered, and errors
//! agreed on so that no rank waits for another that has stopped.

use burn::tensor::{Tensor, TensorData};

use super::engine::{Accumulators, Batch, Head, apply_gradients, forward_backward};
use super::source::HostBatch;
use crate::distribution::collective::{Collective, agree, agree_on};
use crate::error::{Error, Result};
use crate::models::Network;
use crate::optimizers::{Optimizer, OptimizerState};
use crate::random::SeedGenerator;

/// Which rows of a global batch a rank computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Share {
    /// The first row of the global batch this rank takes.
    pub(crate) offset: usize,
    /// How many rows it computes.
    pub(crate) rows: usize,
    /// The rows of the global batch.
    pub(crate) global: usize,
    /// This rank's weight in the sums across ranks: its rows over the global batch's (0 for a
    /// rank with no rows of a short last batch, which computes one row for the others' sake).
    pub(crate) weight: f32,
}

/// This rank's rows of a global host batch (see [`crate::distribution::shard`]), and its share.
pub(crate) fn take_share(world: &dyn Collective, host: HostBatch) -> (HostBatch, Share) {
    let global = host.len();
    let (lo, hi) = crate::distribution::shard(global, world.rank(), world.size());
    if lo == hi {
        // No row for this rank: it computes the first one with weight 0, so that its step
        // makes the same collective calls as the others'.
        return (host.rows(0, 1.min(global)), Share { offset: 0, rows: 1.min(global), global, weight: 0.0 });
    }
    let weight = (hi - lo) as f32 / global as f32;
    (host.rows(lo, hi), Share { offset: lo, rows: hi - lo, global, weight })
}

impl HostBatch {
    /// Rows `lo..hi`.
    pub(crate) fn rows(&self, lo: usize, hi: usize) -> HostBatch {
        let take = |arrays: &[(Vec<f32>, Vec<usize>)]| {
            arrays
                .iter()
                .map(|(values, shape)| {
                    let per = values.len() / shape.first().copied().unwrap_or(1).max(1);
                    let mut shape = shape.clone();
                    if let Some(first) = shape.first_mut() {
                        *first = hi - lo;
                    }
                    (values[lo * per..hi * per].to_vec(), shape)
                })
                .collect()
        };
        HostBatch { x: take(&self.x), y: take(&self.y), w: self.w.as_ref().map(|w| w[lo..hi].to_vec()) }
    }
}

/// What one rank's forward and backward pass produced, on the host.
struct Computed {
    gradients: Option<Vec<Option<Vec<f32>>>>,
    updates: Vec<(usize, Vec<f32>)>,
    total: Tensor<1>,
    scored: Vec<Option<super::engine::Scored>>,
}

/// One data-parallel training step: this rank's share of the batch forward and backward, the
/// gradients (and any moving statistics) summed across ranks weighted by each rank's share —
/// the single-process update up to the order of summation — then the same optimizer step on
/// every rank. `local` is this rank's batch, or the error it met preparing it: every rank then
/// returns that error.
#[allow(clippy::too_many_arguments)]
pub(crate) fn train_step(
    world: &dyn Collective,
    network: &mut Network,
    rng: &mut SeedGenerator,
    optimizer: &dyn Optimizer,
    state: &mut OptimizerState,
    heads: &[Head],
    local: Result<(Batch, Share)>,
    acc: &mut Accumulators,
) -> Result<()> {
    crate::backend::runtime::install(&network.device.clone(), || {
        let device = network.device.clone();
        let trainable: Vec<usize> = (0..network.variables.len()).filter(|&i| network.variables[i].trainable).collect();
        let share = local.as_ref().ok().map(|(_, s)| *s);
        let computed = local.and_then(|(batch, share)| {
            let pass = forward_backward(network, rng, heads, batch, Some(share))?;
            let on_host = |gradients: Vec<Option<Tensor<1>>>| -> Result<Vec<Option<Vec<f32>>>> {
                gradients.into_iter().map(|g| g.map(host).transpose()).collect()
            };
            let gradients = pass.gradients.map(on_host).transpose()?;
            let updates = pass.updates.into_iter().map(|(i, v)| Ok((i, host(v)?))).collect::<Result<Vec<_>>>()?;
            Ok(Computed { gradients, updates, total: pass.total, scored: pass.scored })
        });
        // One sum across ranks: a failure flag per rank, then every gradient.
        let (rank, size) = (world.rank(), world.size());
        let lens: Vec<usize> = trainable.iter().map(|&i| network.variables[i].value.dims()[0]).collect();
        let mut buffer = vec![0f32; size + lens.iter().sum::<usize>()];
        match (&computed, share) {
            (Ok(c), Some(share)) => {
                let mut at = size;
                for (g, len) in c.gradients.iter().flatten().zip(&lens) {
                    if let Some(g) = g {
                        buffer[at..at + len].iter_mut().zip(g).for_each(|(b, v)| *b = v * share.weight);
                    }
                    at += len;
                }
            }
            _ => buffer[rank] = 1.0,
        }
        world.all_reduce_sum_f32(&mut buffer);
        let failed: Vec<f64> = buffer[..size].iter().map(|&f| f as f64).collect();
        let computed = agree_on(world, computed, &failed)?;
        let share = share.ok_or_else(|| Error::State("a step without a batch went on".into()))?;
        // Every rank made the same model's pass: all differentiated, or none did.
        if let Some(local) = &computed.gradients {
            let mut at = size;
            let gradients = local
                .iter()
                .zip(&lens)
                .map(|(g, &len)| {
                    let values = &buffer[at..at + len];
                    at += len;
                    g.as_ref().map(|_| Tensor::<1>::from_data(TensorData::new(values.to_vec(), [len]), &device))
                })
                .collect();
            apply_gradients(network, optimizer, state, &trainable, gradients)?;
        }
        // Moving statistics (BatchNormalization): the ranks' values averaged by share.
        if !computed.updates.is_empty() {
            let mut values: Vec<f32> =
                computed.updates.iter().flat_map(|(_, v)| v.iter().map(|x| x * share.weight)).collect();
            world.all_reduce_sum_f32(&mut values);
            let mut at = 0;
            let updates = computed
                .updates
                .iter()
                .map(|(i, v)| {
                    let t =
                        Tensor::<1>::from_data(TensorData::new(values[at..at + v.len()].to_vec(), [v.len()]), &device);
                    at += v.len();
                    (*i, t)
                })
                .collect();
            network.apply_updates(updates);
        }
        if share.weight > 0.0 {
            acc.update(heads, computed.total, share.rows, computed.scored);
        }
        Ok(())
    })
}

/// A tensor's values on the host.
fn host(t: Tensor<1>) -> Result<Vec<f32>> {
    t.into_data().convert::<f32>().try_into_vec::<f32>().map_err(|e| Error::Backend(format!("{e:?}")))
}

impl Accumulators {
    /// Sums every rank's losses and metrics (totals and counts), so that every rank's results
    /// are those of the whole pass; `local` is this rank's error, if it stopped early (every
    /// rank then returns the lowest failing rank's error).
    pub(crate) fn reduce(&mut self, world: &dyn Collective, heads: &[Head], local: Result<()>) -> Result<()> {
        let size = world.size();
        // First the failure flags and each streaming metric's length (ranks that saw no batch
        // have none), as a maximum.
        let mut first = vec![0.0; size];
        if local.is_err() {
            first[world.rank()] = 1.0;
        }
        first.extend(self.metric_accs().map(|m| m.streaming_len() as f64));
        world.all_reduce_max(&mut first);
        agree_on(world, local, &first[..size])?;
        let lens: Vec<usize> = first[size..].iter().map(|&l| l as usize).collect();
        let mut sums = Vec::new();
        self.for_each_sum(heads, &lens, |values| sums.extend_from_slice(values));
        world.all_reduce_sum(&mut sums);
        let mut at = 0;
        self.for_each_sum(heads, &lens, |values| {
            values.copy_from_slice(&sums[at..at + values.len()]);
            at += values.len();
        });
        Ok(())
    }
}

/// The rows `predict` computed on this rank for one batch, gathered from every rank in rank
/// order (the global batch's order): one `(values, rows)` per output.
pub(crate) fn gather_outputs(
    world: &dyn Collective,
    local: Result<Vec<(Vec<f32>, Vec<usize>)>>,
    weight: f32,
) -> Result<Vec<(Vec<f32>, Vec<usize>)>> {
    let outputs = agree(world, local)?;
    outputs
        .into_iter()
        .map(|(values, mut dims)| {
            // A rank without rows computed one with weight 0: it sends nothing.
            let mine = if weight > 0.0 { values } else { Vec::new() };
            let all: Vec<f32> = world.all_gather(&mine).concat();
            let per: usize = dims[1..].iter().product();
            dims[0] = all.len() / per.max(1);
            Ok((all, dims))
        })
        .collect()
}
