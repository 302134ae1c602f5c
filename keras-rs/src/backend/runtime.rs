//! Where keras-rs runs its steps: the allocator settings and the compute thread pool.
//!
//! Three measured costs of running burn's CPU kernels from an ordinary program, all fixed here
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
        Some(pool) if uses_pool(device) && rayon::current_thread_index().is_none() => pool.install(op),
        _ => op(),
    }
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
}
