//! The MPI world (Open MPI through the `mpi` crate, rsmpi): one process per rank, launched by
//! `mpirun`.

use std::sync::Mutex;

use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use super::collective::Collective;
use crate::error::{Error, Result};

/// `MPI_COMM_WORLD`. Calls are serialized by the lock (MPI is initialized with
/// `MPI_THREAD_SERIALIZED`: training steps run on the compute pool's threads, not `main`'s).
pub(crate) struct MpiWorld {
    world: Mutex<SimpleCommunicator>,
    rank: usize,
    size: usize,
}

// SAFETY: the communicator is a handle that MPI lets any thread use when calls are serialized
// (MPI_THREAD_SERIALIZED), which the mutex guarantees.
unsafe impl Send for MpiWorld {}
unsafe impl Sync for MpiWorld {}

/// The universe, finalized at exit (see [`finalize_at_exit`]).
static UNIVERSE: Mutex<Option<Universe>> = Mutex::new(None);

/// Whether a rank failed without the others knowing (an error outside the points where ranks
/// agree): exit then aborts the job instead of waiting for them in `MPI_Finalize`.
static ABORT_AT_EXIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl MpiWorld {
    /// `MPI_Init_thread`, once per process.
    pub(crate) fn init() -> Result<MpiWorld> {
        let (universe, threading) = mpi::initialize_with_threading(mpi::Threading::Serialized)
            .ok_or_else(|| Error::State("MPI was initialized already, outside keras-rs.".into()))?;
        if threading < mpi::Threading::Serialized {
            return Err(Error::State(format!(
                "The MPI library offers thread support {threading:?}; keras-rs needs Serialized (training steps \
                 run on a pool of threads)."
            )));
        }
        let world = universe.world();
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        *UNIVERSE.lock().unwrap_or_else(|e| e.into_inner()) = Some(universe);
        // SAFETY: registers a plain `extern "C"` function with no captured state.
        unsafe { libc::atexit(finalize_at_exit) };
        Ok(MpiWorld { world: Mutex::new(world), rank, size })
    }

    fn comm(&self) -> std::sync::MutexGuard<'_, SimpleCommunicator> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// At process exit: `MPI_Finalize` (every rank reaches it after the same last collective), or
/// `MPI_Abort` when this rank failed alone, so that `mpirun` ends the job instead of hanging.
extern "C" fn finalize_at_exit() {
    if ABORT_AT_EXIT.load(std::sync::atomic::Ordering::SeqCst) {
        // SAFETY: MPI is initialized (this handler is registered after `MPI_Init_thread`).
        unsafe { mpi::ffi::MPI_Abort(mpi::ffi::RSMPI_COMM_WORLD, 1) };
        return;
    }
    // Dropping the universe calls `MPI_Finalize`.
    drop(UNIVERSE.lock().unwrap_or_else(|e| e.into_inner()).take());
}

/// Marks this rank as failed alone (see [`ABORT_AT_EXIT`]).
pub(crate) fn abort_at_exit() {
    ABORT_AT_EXIT.store(true, std::sync::atomic::Ordering::SeqCst);
}

impl Collective for MpiWorld {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn all_reduce_sum(&self, values: &mut [f64]) {
        let send = values.to_vec();
        self.comm().all_reduce_into(&send[..], values, SystemOperation::sum());
    }
    fn all_reduce_sum_f32(&self, values: &mut [f32]) {
        let send = values.to_vec();
        self.comm().all_reduce_into(&send[..], values, SystemOperation::sum());
    }
    fn all_reduce_max(&self, values: &mut [f64]) {
        let send = values.to_vec();
        self.comm().all_reduce_into(&send[..], values, SystemOperation::max());
    }
    fn all_gather(&self, local: &[f32]) -> Vec<Vec<f32>> {
        let comm = self.comm();
        let mut counts = vec![0i32; self.size];
        comm.all_gather_into(&(local.len() as i32), &mut counts[..]);
        let displs: Vec<i32> = counts.iter().scan(0, |acc, &c| Some(std::mem::replace(acc, *acc + c))).collect();
        let mut all = vec![0f32; counts.iter().map(|&c| c as usize).sum()];
        {
            let mut partition = mpi::datatype::PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
            comm.all_gather_varcount_into(local, &mut partition);
        }
        let mut out = Vec::with_capacity(self.size);
        let mut rest = &all[..];
        for &c in &counts {
            let (head, tail) = rest.split_at(c as usize);
            out.push(head.to_vec());
            rest = tail;
        }
        out
    }
    fn broadcast(&self, root: usize, mut bytes: Vec<u8>) -> Vec<u8> {
        let comm = self.comm();
        let root = comm.process_at_rank(root as i32);
        let mut len = bytes.len() as u64;
        root.broadcast_into(&mut len);
        bytes.resize(len as usize, 0);
        root.broadcast_into(&mut bytes[..]);
        bytes
    }
}
