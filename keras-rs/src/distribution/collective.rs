//! The collective operations data-parallel training needs, and how ranks agree on an error.

use crate::error::{Error, Result};

/// One process' view of the world of processes that train together: its rank, their number,
/// and the collective operations (every rank calls each one, in the same order).
pub(crate) trait Collective: Send + Sync {
    /// This process' rank, `0..size()`.
    fn rank(&self) -> usize;
    /// The number of processes.
    fn size(&self) -> usize;
    /// Element-wise sum over the ranks, in place (every rank gets the sum).
    fn all_reduce_sum(&self, values: &mut [f64]);
    /// Element-wise sum over the ranks of float32 values, in place.
    fn all_reduce_sum_f32(&self, values: &mut [f32]);
    /// Element-wise maximum over the ranks, in place.
    fn all_reduce_max(&self, values: &mut [f64]);
    /// Every rank's `local` values (of any length), in rank order.
    fn all_gather(&self, local: &[f32]) -> Vec<Vec<f32>>;
    /// `bytes` of rank `root` on every rank.
    fn broadcast(&self, root: usize, bytes: Vec<u8>) -> Vec<u8>;
}

/// The world of a program that is not launched by `mpirun`: one process.
pub(crate) struct SingleProcess;

impl Collective for SingleProcess {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_reduce_sum(&self, _values: &mut [f64]) {}
    fn all_reduce_sum_f32(&self, _values: &mut [f32]) {}
    fn all_reduce_max(&self, _values: &mut [f64]) {}
    fn all_gather(&self, local: &[f32]) -> Vec<Vec<f32>> {
        vec![local.to_vec()]
    }
    fn broadcast(&self, _root: usize, bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }
}

/// Makes every rank return the same result: `Ok` where no rank failed, else the error of the
/// lowest failing rank (as [`Error::Distributed`]) on every rank, so that no rank goes on to a
/// collective the others never reach. Every rank calls it at the same point.
pub(crate) fn agree<T>(world: &dyn Collective, local: Result<T>) -> Result<T> {
    let mut failed = vec![0.0; world.size()];
    if local.is_err() {
        failed[world.rank()] = 1.0;
    }
    world.all_reduce_sum(&mut failed);
    agree_on(world, local, &failed)
}

/// Under a distribution (`world`), [`agree`]; without one, `local` itself.
pub(crate) fn together<T>(world: Option<&dyn Collective>, local: Result<T>) -> Result<T> {
    match world {
        Some(world) => agree(world, local),
        None => local,
    }
}

/// [`agree`], where `failed` (one entry per rank, non-zero for a failed rank) has already been
/// reduced, e.g. in the same buffer as a step's gradients.
pub(crate) fn agree_on<T>(world: &dyn Collective, local: Result<T>, failed: &[f64]) -> Result<T> {
    let Some(root) = failed.iter().position(|f| *f != 0.0) else { return local };
    let message = match &local {
        Err(Error::Distributed { message, .. }) if world.rank() == root => message.clone(),
        Err(e) if world.rank() == root => e.to_string(),
        _ => String::new(),
    };
    let message = String::from_utf8_lossy(&world.broadcast(root, message.into_bytes())).into_owned();
    Err(Error::Distributed { rank: root, message })
}
