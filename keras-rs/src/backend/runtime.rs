//! Where keras-rs runs its steps: the allocator settings and the compute thread pool.
//!
//! Four measured costs of running burn's CPU kernels from an ordinary program, all fixed here
//! so that a user who only did `cargo add keras-rs` gets them (nothing to set):
//!
//! - **glibc gives large buffers back to the kernel after every step** (its mmap threshold and
//!   heap trimming), so each training step page-faults its whole working set in again: the
//!   MNIST convnet took ~22K page faults per step. The pool's first use raises both thresholds once
//!   (`mallopt`), as `MALLOC_MMAP_THRESHOLD_`/`MALLOC_TRIM_THRESHOLD_` would, and keeps every
//!   thread on the main heap (`MALLOC_ARENA_MAX=1`: a worker thread's own arena is at most
//!   64 MiB and maps larger blocks fresh each time); a value the user set in the environment
//!   wins.
//! - **Calling rayon from outside its pool** makes every parallel kernel inject a job and block
//!   the calling thread, thousands of context switches per LSTM step. [`install`] runs the step
//!   on a worker of one compute pool, so burn's kernels fork and join inside it.
//! - **Workers that fall asleep between kernels** are woken by a futex call for the next one:
//!   ~11% of an MLP training step went to sleeping and waking. During a step the pool's other
//!   workers stay awake and take new jobs at once (`with_workers_awake`), as OpenMP's and
//!   TensorFlow's pools do.
//! - **Denormal floats** (a gradient's square near 1e-40, say) take the CPU's slow path: an MLP
//!   on random labels lost a third of its speed after a few epochs. The pool's threads flush
//!   them to zero (x86 FTZ/DAZ, ARM FZ), as TensorFlow and JAX do on their compute threads.

use std::sync::OnceLock;

/// The compute pool: rayon's default size (`RAYON_NUM_THREADS`, else one thread per CPU).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        tune_allocator();
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("keras-rs-compute-{i}"))
            .start_handler(|_| flush_denormals())
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs `op` (a training step, an inference batch on `device`) on the compute pool and
/// returns its result; runs it in place when already on a rayon worker, and for devices other
/// than burn-flex (the CPU backend whose kernels use rayon). A GPU backend keeps the caller's
/// thread: cubecl gives each thread its own stream, and a step hopping between pool threads
/// raced its own earlier work (the wgpu streaming-metric test lost whole batches).
pub(crate) fn install<R: Send>(device: &burn::tensor::Device, op: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(pool) if uses_pool(device) && rayon::current_thread_index().is_none() => {
            pool.install(|| with_workers_awake(op))
        }
        _ => op(),
    }
}

/// How long a kept-awake worker waits without work before it lets rayon put it to sleep.
const MAX_IDLE: std::time::Duration = std::time::Duration::from_micros(1000);

/// Runs `op` on this pool worker while the pool's other workers stay awake, taking the jobs
/// `op`'s kernels fork as soon as they appear, instead of sleeping between kernels and being
/// woken (a futex call and a context switch each time; ~11% of an MLP training step). Each
/// gives up after [`MAX_IDLE`] without work, so a long stretch of serial work does not keep a
/// core spinning. OpenMP runtimes, TensorFlow's and JAX's thread pools spin the same way.
fn with_workers_awake<R>(op: impl FnOnce() -> R) -> R {
    use std::sync::atomic::{AtomicBool, Ordering};
    let threads = rayon::current_num_threads();
    if threads < 2 {
        return op();
    }
    let done = AtomicBool::new(false);
    /// Ends the spinning when `op` returns or unwinds.
    struct Done<'a>(&'a AtomicBool);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Release);
        }
    }
    let owner = rayon::current_thread_index();
    rayon::in_place_scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|_| {
                if rayon::current_thread_index() == owner {
                    // `op`'s own thread took this job while it waited for a kernel's other
                    // half: spinning here would hold up `op` itself.
                    return;
                }
                let mut idle_since = std::time::Instant::now();
                while !done.load(Ordering::Acquire) {
                    match rayon::yield_now() {
                        Some(rayon::Yield::Executed) => idle_since = std::time::Instant::now(),
                        _ if idle_since.elapsed() > MAX_IDLE => return,
                        _ => std::hint::spin_loop(),
                    }
                }
            });
        }
        let _done = Done(&done);
        op()
    })
}

/// Whether work on `device` runs rayon kernels: burn-flex, the CPU backend.
pub(crate) fn uses_pool(device: &burn::tensor::Device) -> bool {
    #[cfg(feature = "flex")]
    {
        device.clone().inner() == burn::tensor::Device::flex()
    }
    #[cfg(not(feature = "flex"))]
    {
        let _ = device;
        false
    }
}

/// Makes this thread's float operations treat denormal inputs and results as zero.
fn flush_denormals() {
    #[cfg(target_arch = "x86_64")]
    {
        let mut csr = 0u32;
        // SAFETY: reads and writes this thread's MXCSR; bits 15 (FTZ) and 6 (DAZ) only change
        // how denormal floats are treated.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack));
            csr |= 0x8040;
            std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, readonly));
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        // SAFETY: sets FPCR.FZ (bit 24) of this thread: denormals flushed to zero.
        unsafe {
            let mut fpcr: u64;
            std::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack));
            fpcr |= 1 << 24;
            std::arch::asm!("msr fpcr, {}", in(reg) fpcr, options(nomem, nostack));
        }
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

#[cfg(all(test, feature = "flex"))]
mod tests {
    fn cpu() -> burn::tensor::Device {
        burn::tensor::Device::flex()
    }

    #[test]
    fn pool_threads_flush_denormals_to_zero() {
        let tiny = std::hint::black_box(1e-30f32);
        assert_eq!(super::install(&cpu(), || std::hint::black_box(tiny) * std::hint::black_box(1e-10f32)), 0.0);
        assert!(tiny * std::hint::black_box(1e-10f32) > 0.0, "the caller's thread is left as it was");
    }

    #[test]
    fn install_runs_on_a_pool_worker_and_nests() {
        let (outer, inner) = super::install(&cpu(), || {
            (rayon::current_thread_index(), super::install(&cpu(), rayon::current_thread_index))
        });
        assert!(outer.is_some());
        assert_eq!(outer, inner);
    }

    #[test]
    fn kept_awake_workers_run_the_kernels_and_stop_with_the_step() {
        use rayon::prelude::*;
        let sum: u64 = super::install(&cpu(), || (0..100_000u64).into_par_iter().map(|v| v % 7).sum());
        assert_eq!(sum, (0..100_000u64).map(|v| v % 7).sum::<u64>());
        // A step that panics ends the spinning too: the panic reaches the caller, promptly.
        let started = std::time::Instant::now();
        let result = std::panic::catch_unwind(|| super::install(&cpu(), || panic!("step failed")));
        assert!(result.is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
