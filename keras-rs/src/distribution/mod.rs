//! Data-parallel training across processes and machines, in Keras 3's `keras.distribution`
//! names.
//!
//! keras-rs runs one process per device: `mpirun -n 2 ./train` starts two processes (ranks),
//! possibly on several machines; each calls [`initialize`] and [`set_distribution`], then
//! builds, compiles and fits the same model on the same data as a single process would.
//! Under a [`DataParallel`] distribution, `fit` gives each rank its share of every global
//! batch (`batch_size` samples in all, as Keras' `DataParallel`), sums the ranks' gradients
//! (each weighted by its share of the batch, so the update is the single-process one) before
//! the optimizer step, and reduces the epoch's losses and metrics across ranks, so every rank
//! keeps identical weights and reports the global numbers. `evaluate` and `predict` shard
//! their batches the same way; `predict` gathers every rank's rows, in order, on every rank.
//! Only rank 0 draws the progress bar and writes files (`save`, `ModelCheckpoint`,
//! `CSVLogger`, `TensorBoard`, `BackupAndRestore`).
//!
//! The engine is MPI (Open MPI through the `mpi` crate), behind the `mpi` Cargo feature;
//! without it, [`initialize`] gives a world of one process.
//!
//! ```
//! use keras_rs::distribution::{self, DataParallel};
//! use keras_rs::prelude::*;
//!
//! distribution::initialize()?;
//! keras_rs::utils::set_random_seed(7); // every rank must start from the same weights
//! distribution::set_distribution(Some(DataParallel::new(&distribution::list_devices(None)?)?));
//! let mut model = Sequential::new().add(Input::new(&[4])).add(Dense::new(1));
//! model.compile(SGD::new(), "mse", NO_METRICS)?;
//! let x = ndarray::Array2::<f32>::ones((8, 4));
//! let y = ndarray::Array1::<f32>::ones(8);
//! model.fit(&x, &y, FitOptions::new().epochs(1).batch_size(4).verbose(0))?;
//! println!("rank {} of {}", distribution::process_index(), distribution::num_processes());
//! # distribution::set_distribution(None);
//! # Ok::<(), keras_rs::Error>(())
//! ```
//!
//! What differs from Keras' `DataParallel` on JAX: `BatchNormalization` normalizes with the
//! statistics of each rank's share of the batch (as PyTorch's DDP without `SyncBatchNorm`),
//! not of the global batch; its moving statistics are averaged across ranks after every
//! step, so the weights stay identical on every rank.

pub(crate) mod collective;
#[cfg(feature = "mpi")]
mod mpi;

use std::sync::{Mutex, OnceLock};

use collective::{Collective, SingleProcess};

use crate::error::{Error, Result};

/// The world of processes, set once by [`initialize`].
static WORLD: OnceLock<Box<dyn Collective>> = OnceLock::new();

/// The distribution `fit`, `evaluate` and `predict` follow ([`set_distribution`]).
static DISTRIBUTION: Mutex<Option<DataParallel>> = Mutex::new(None);

/// Keras' `keras.distribution.initialize()`: joins the world of processes `mpirun` started
/// (with the `mpi` feature), or a world of one process. Idempotent; call it first, on every
/// process.
///
/// Without the `mpi` feature, a program launched by `mpirun` with several processes is an
/// error: each process would train alone.
pub fn initialize() -> Result<()> {
    if WORLD.get().is_some() {
        return Ok(());
    }
    let world = new_world()?;
    let _ = WORLD.set(world);
    Ok(())
}

#[cfg(feature = "mpi")]
fn new_world() -> Result<Box<dyn Collective>> {
    Ok(Box::new(mpi::MpiWorld::init()?))
}

#[cfg(not(feature = "mpi"))]
fn new_world() -> Result<Box<dyn Collective>> {
    for var in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"] {
        if let Some(n) = std::env::var(var).ok().and_then(|v| v.parse::<usize>().ok())
            && n > 1
        {
            return Err(Error::State(format!(
                "This process was started by mpirun with {n} processes ({var}={n}), but keras-rs was built without \
                 its `mpi` feature, so each process would train alone. Build with `--features mpi`."
            )));
        }
    }
    Ok(Box::new(SingleProcess))
}

/// The world: [`initialize`]'s, or one process if it was not called.
pub(crate) fn world() -> &'static dyn Collective {
    WORLD.get().map_or(&SingleProcess as &dyn Collective, |w| w.as_ref())
}

/// Keras' `keras.distribution.process_index()`: this process' rank (0 without MPI).
pub fn process_index() -> usize {
    world().rank()
}

/// Keras' `keras.distribution.num_processes()`: the number of processes (1 without MPI).
pub fn num_processes() -> usize {
    world().size()
}

/// Keras' `keras.distribution.list_devices(device_type=None)`: the devices of every process,
/// as `"cpu:0"`, `"cpu:1"`, … (one per process: each process trains on its own device).
/// `device_type` is `"cpu"` or `"gpu"` (`None`: GPUs if there are any, else CPUs); with the
/// `cuda` feature, `"gpu"` lists this machine's CUDA devices (`"gpu:0"`, …), otherwise none.
pub fn list_devices(device_type: Option<&str>) -> Result<Vec<String>> {
    let cpus = || (0..num_processes()).map(|i| format!("cpu:{i}")).collect();
    let wanted = device_type.map(str::to_ascii_lowercase);
    // Counting GPUs loads the CUDA driver (with the `cuda` feature): only when GPUs may be listed.
    let gpus = match wanted.as_deref() {
        Some("cpu") => return Ok(cpus()),
        None | Some("gpu") => gpu_count(),
        Some(other) => {
            return Err(Error::value(format!(
                "Invalid value for argument `device_type`: expected one of 'cpu', 'gpu' or None. Received: \
                 device_type='{other}'"
            )));
        }
    };
    if gpus == 0 && wanted.is_none() {
        return Ok(cpus());
    }
    Ok((0..gpus).map(|i| format!("gpu:{i}")).collect())
}

/// How many GPUs this process sees: CUDA devices with the `cuda` feature (a `wgpu` device may
/// be a GPU or Mesa's software renderer: keras-rs counts it as its process' one device).
fn gpu_count() -> usize {
    crate::backends::cuda_device_count()
}

/// Keras' `keras.distribution.DataParallel`: the same model on every device, each device
/// training on its share of every batch.
#[derive(Clone, Debug, PartialEq)]
pub struct DataParallel {
    devices: Vec<String>,
}

impl DataParallel {
    /// `DataParallel(devices=...)`: one device per process (see [`list_devices`]).
    pub fn new(devices: &[impl AsRef<str>]) -> Result<Self> {
        let devices: Vec<String> = devices.iter().map(|d| d.as_ref().to_string()).collect();
        if devices.len() != num_processes() {
            return Err(Error::value(format!(
                "keras-rs trains on one device per process: DataParallel got {} devices ({}) for {} process(es). \
                 Start one process per device (`mpirun -n {}`), or pass `list_devices(None)`.",
                devices.len(),
                devices.join(", "),
                num_processes(),
                devices.len()
            )));
        }
        Ok(DataParallel { devices })
    }

    /// `DataParallel()` without devices: every process of the world, one device each.
    pub fn from_world() -> Self {
        DataParallel { devices: (0..num_processes()).map(|i| format!("cpu:{i}")).collect() }
    }

    /// The devices, one per process.
    pub fn devices(&self) -> &[String] {
        &self.devices
    }
}

/// Keras' `keras.distribution.set_distribution(value)`: the distribution `fit`, `evaluate`
/// and `predict` follow from now on (`None`: each process alone).
pub fn set_distribution(value: Option<DataParallel>) {
    *DISTRIBUTION.lock().unwrap_or_else(|e| e.into_inner()) = value;
}

/// Keras' `keras.distribution.distribution()`: the distribution set, if any.
pub fn distribution() -> Option<DataParallel> {
    DISTRIBUTION.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The world `fit`/`evaluate`/`predict` shard over: `Some` under a distribution.
pub(crate) fn active() -> Option<&'static dyn Collective> {
    DISTRIBUTION.lock().unwrap_or_else(|e| e.into_inner()).is_some().then(world)
}

/// Whether this process writes files (`save`, checkpoints, logs) and draws progress bars:
/// rank 0 of a distribution, or any process without one.
pub(crate) fn is_chief() -> bool {
    active().is_none_or(|w| w.rank() == 0)
}

/// Where a rank's error escaped the points where ranks agree (so the others may wait for it in
/// a collective): the process then aborts the job at exit instead of finalizing.
pub(crate) fn failed_alone() {
    #[cfg(feature = "mpi")]
    mpi::abort_at_exit();
}

/// The mean time of one sum of `len` float32 values across the ranks, over `repeats` sums:
/// what a training step spends communicating its gradients (`len` = the model's trainable
/// parameters). Every rank calls it; in a world of one process, a copy at most.
///
/// ```
/// let t = keras_rs::distribution::measure_all_reduce(1000, 3);
/// assert!(t.as_secs_f64() < 1.0);
/// ```
pub fn measure_all_reduce(len: usize, repeats: usize) -> std::time::Duration {
    let world = world();
    let mut values = vec![1.0f32; len];
    world.all_reduce_sum_f32(&mut values); // once to warm the connections up
    let start = std::time::Instant::now();
    for _ in 0..repeats {
        world.all_reduce_sum_f32(&mut values);
    }
    start.elapsed() / repeats.max(1) as u32
}

/// The rows `lo..hi` of a global batch of `rows` that `rank` of `size` takes: contiguous
/// shares, the first `rows % size` ranks one row more.
pub(crate) fn shard(rows: usize, rank: usize, size: usize) -> (usize, usize) {
    let (base, extra) = (rows / size, rows % size);
    let lo = rank * base + rank.min(extra);
    (lo, lo + base + usize::from(rank < extra))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_batch_in_order() {
        for (rows, size) in [(32, 2), (10, 4), (3, 4), (0, 2)] {
            let shards: Vec<_> = (0..size).map(|r| shard(rows, r, size)).collect();
            assert_eq!(shards[0].0, 0);
            assert_eq!(shards[size - 1].1, rows);
            assert!(shards.windows(2).all(|w| w[0].1 == w[1].0));
        }
        assert_eq!(shard(10, 1, 4), (3, 6));
    }

    #[test]
    fn data_parallel_takes_one_device_per_process() {
        assert!(DataParallel::new(&["cpu:0"]).is_ok());
        let err = DataParallel::new(&["cpu:0", "cpu:1"]).unwrap_err().to_string();
        assert!(err.contains("2 devices (cpu:0, cpu:1) for 1 process"), "{err}");
        assert_eq!(list_devices(Some("cpu")).unwrap(), ["cpu:0"]);
        assert!(list_devices(Some("tpu")).unwrap_err().to_string().contains("device_type='tpu'"));
    }
}
