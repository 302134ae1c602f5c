//! Where keras-rs runs its steps: the allocator settings and the compute thread pool.
//!
//! Two measured costs of running burn's CPU kernels from an ordinary program, both fixed here
//! so that a user who only did `cargo add keras-rs` gets them (nothing to set):
//!
//! - **glibc gives large buffers back to the kernel after every step** (its mmap threshold and
//!   heap trimming), so each training step page-faults its whole working set in again: the
//!   MNIST convnet took ~22K page faults per step. [`install`] raises both thresholds once
//!   (`mallopt`), as `MALLOC_MMAP_THRESHOLD_`/`MALLOC_TRIM_THRESHOLD_` would, and keeps every
//!   thread on the main heap (`MALLOC_ARENA_MAX=1`: a worker thread's own arena is at most
//!   64 MiB and maps larger blocks fresh each time); a value the user set in the environment
//!   wins.
//! - **Calling rayon from outside its pool** makes every parallel kernel inject a job and block
//!   the calling thread, thousands of context switches per LSTM step. [`install`] runs the step
//!   on a worker of one compute pool, so burn's kernels fork and join inside it.

use std::sync::OnceLock;

/// The compute pool: rayon's default size (`RAYON_NUM_THREADS`, else one thread per CPU).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        tune_allocator();
        rayon::ThreadPoolBuilder::new().thread_name(|i| format!("keras-rs-compute-{i}")).build().ok()
    })
    .as_ref()
}

/// Runs `op` (a training step, an inference batch, a whole `fit`) on the compute pool and
/// returns its result; runs it in place when already on a rayon worker.
pub(crate) fn install<R: Send>(op: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(pool) if rayon::current_thread_index().is_none() => pool.install(op),
        _ => op(),
    }
}

/// Keeps freed buffers of up to 256 MiB in the heap, the heap untrimmed below 1 GiB and every
/// thread on that heap (glibc only; other allocators do not return memory after each step).
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        const M_TRIM_THRESHOLD: std::ffi::c_int = -1;
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        const M_ARENA_MAX: std::ffi::c_int = -8;
        for (param, env, value) in [
            (M_MMAP_THRESHOLD, "MALLOC_MMAP_THRESHOLD_", 256 << 20),
            (M_TRIM_THRESHOLD, "MALLOC_TRIM_THRESHOLD_", 1 << 30),
            (M_ARENA_MAX, "MALLOC_ARENA_MAX", 1),
        ] {
            if std::env::var_os(env).is_none() {
                // SAFETY: mallopt only changes glibc's allocation thresholds; it is thread-safe.
                unsafe { mallopt(param, value) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn install_runs_on_a_pool_worker_and_nests() {
        let (outer, inner) =
            super::install(|| (rayon::current_thread_index(), super::install(rayon::current_thread_index)));
        assert!(outer.is_some());
        assert_eq!(outer, inner);
    }
}
