//! Backend selection for keras-rs.
//!
//! Cargo features choose which burn backends are compiled in: `flex` (burn's maintained CPU
//! backend, the default), `ndarray` (burn's older CPU backend), `wgpu` (GPUs through
//! Vulkan/Metal/DX12, or Mesa's software Vulkan without a GPU) and `cuda` (NVIDIA GPUs).
//! [`default_device`] picks one at run time: the environment variable `BURN_DEVICE` (`flex`,
//! `ndarray`, `wgpu`, `cuda`, `gpu`, `cpu`) wins, then `cuda` if compiled in, then `wgpu`,
//! then `flex`, then `ndarray`.
//!
//! ```
//! let device = keras_rs_backends::default_device();
//! println!("training on {}", keras_rs_backends::backend_name());
//! assert!(!device.is_autodiff());
//! ```

#![warn(missing_docs)]

pub use burn::tensor::Device;

#[cfg(not(any(feature = "flex", feature = "ndarray", feature = "wgpu", feature = "cuda")))]
compile_error!("keras-rs needs at least one backend feature: `flex` (default), `ndarray`, `wgpu` or `cuda`.");

/// A backend compiled into this build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// burn-flex, burn's maintained pure-Rust CPU backend.
    Flex,
    /// burn-ndarray, burn's older CPU backend.
    NdArray,
    /// burn-wgpu (Vulkan, Metal, DX12, WebGPU; Mesa lavapipe on machines without a GPU).
    Wgpu,
    /// burn-cuda (NVIDIA GPUs: the first, or under `mpirun` the process' local rank's).
    Cuda,
}

impl BackendKind {
    /// The short name used by `BURN_DEVICE` and in messages (`"flex"`, `"ndarray"`, `"wgpu"`, `"cuda"`).
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Flex => "flex",
            BackendKind::NdArray => "ndarray",
            BackendKind::Wgpu => "wgpu",
            BackendKind::Cuda => "cuda",
        }
    }

    /// The backends compiled into this build, in order of preference.
    pub fn available() -> Vec<BackendKind> {
        let mut kinds = Vec::new();
        if cfg!(feature = "cuda") {
            kinds.push(BackendKind::Cuda);
        }
        if cfg!(feature = "wgpu") {
            kinds.push(BackendKind::Wgpu);
        }
        if cfg!(feature = "flex") {
            kinds.push(BackendKind::Flex);
        }
        if cfg!(feature = "ndarray") {
            kinds.push(BackendKind::NdArray);
        }
        kinds
    }

    /// Parses a `BURN_DEVICE` value (`cpu` means the first compiled CPU backend).
    pub fn parse(value: &str) -> Option<BackendKind> {
        let available = Self::available();
        let wanted = value.trim().to_ascii_lowercase();
        let kind = match wanted.as_str() {
            "flex" => BackendKind::Flex,
            "ndarray" => BackendKind::NdArray,
            "wgpu" | "vulkan" => BackendKind::Wgpu,
            "cuda" => BackendKind::Cuda,
            "gpu" => *available.iter().find(|k| matches!(k, BackendKind::Cuda | BackendKind::Wgpu))?,
            "cpu" => *available.iter().find(|k| matches!(k, BackendKind::Flex | BackendKind::NdArray))?,
            _ => return None,
        };
        available.contains(&kind).then_some(kind)
    }

    /// A device of this backend (without autodiff).
    pub fn device(self) -> Device {
        match self {
            #[cfg(feature = "flex")]
            BackendKind::Flex => Device::flex(),
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            BackendKind::NdArray => Device::ndarray(),
            #[cfg(feature = "wgpu")]
            BackendKind::Wgpu => Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
            #[cfg(feature = "cuda")]
            BackendKind::Cuda => Device::cuda(local_rank() % cuda_device_count().max(1)),
            #[allow(unreachable_patterns)]
            other => panic!("backend `{}` is not compiled into this build", other.name()),
        }
    }
}

/// The backend [`default_device`] uses: `BURN_DEVICE` if it names a compiled backend,
/// otherwise the first of `cuda`, `wgpu`, `flex`, `ndarray` that is compiled in.
pub fn default_backend() -> BackendKind {
    if let Ok(value) = std::env::var("BURN_DEVICE")
        && let Some(kind) = BackendKind::parse(&value)
    {
        return kind;
    }
    BackendKind::available()[0]
}

/// The device models are built and trained on (plain, without autodiff).
pub fn default_device() -> Device {
    default_backend().device()
}

/// The backend a device belongs to, when it is one of the compiled-in backends.
pub fn backend_of(device: &Device) -> Option<BackendKind> {
    let debug = format!("{device:?}");
    BackendKind::available().into_iter().find(|kind| match kind {
        BackendKind::Flex => debug.contains("Flex"),
        BackendKind::NdArray => debug.contains("NdArray"),
        BackendKind::Wgpu => debug.contains("Wgpu"),
        BackendKind::Cuda => debug.contains("Cuda"),
    })
}

/// A one-line description of a device for messages, such as `flex (CPU)` or
/// `wgpu (DefaultDevice)`: the backend's short name and which device of it.
///
/// ```
/// let device = keras_rs_backends::default_device();
/// let text = keras_rs_backends::describe_device(&device);
/// assert!(text.starts_with(keras_rs_backends::backend_name()));
/// ```
pub fn describe_device(device: &Device) -> String {
    let debug = format!("{device:?}");
    match backend_of(device) {
        Some(BackendKind::Flex) => "flex (CPU)".to_string(),
        Some(BackendKind::NdArray) => "ndarray (CPU)".to_string(),
        Some(BackendKind::Wgpu) => {
            // `Device<Cube(WgpuDevice(DefaultDevice))>` -> `DefaultDevice`
            let inner = debug.rsplit('(').next().unwrap_or(&debug).trim_end_matches(['>', ')']);
            format!("wgpu ({inner})")
        }
        Some(BackendKind::Cuda) => {
            format!("cuda ({})", debug.rsplit('(').next().unwrap_or(&debug).trim_end_matches(['>', ')']))
        }
        None => debug,
    }
}

/// This process' index among the processes `mpirun` (or Slurm) started on this machine, 0 when
/// it was not started that way: each process of a data-parallel job takes its own GPU.
pub fn local_rank() -> usize {
    ["OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "MV2_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID"]
        .iter()
        .find_map(|var| std::env::var(var).ok()?.parse().ok())
        .unwrap_or(0)
}

/// How many CUDA GPUs this machine has (0 without the `cuda` feature, or without a CUDA driver).
pub fn cuda_device_count() -> usize {
    #[cfg(feature = "cuda")]
    {
        // Enumerating loads the CUDA driver, which panics where there is none.
        let count = std::panic::catch_unwind(|| Device::enumerate(burn::tensor::DeviceType::Cuda).len());
        count.unwrap_or(0)
    }
    #[cfg(not(feature = "cuda"))]
    0
}

/// The name of the backend [`default_device`] uses, for messages: `"flex"`, `"ndarray"` or `"wgpu"`.
pub fn backend_name() -> &'static str {
    default_backend().name()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_compiled_backends_only() {
        assert_eq!(BackendKind::parse("FLEX"), cfg!(feature = "flex").then_some(BackendKind::Flex));
        assert_eq!(BackendKind::parse("tpu"), None);
        assert!(!BackendKind::available().is_empty());
    }

    #[test]
    fn describes_the_default_device() {
        let device = default_device();
        assert_eq!(backend_of(&device), Some(default_backend()));
        let text = describe_device(&device);
        assert!(text.starts_with(backend_name()), "{text}");
        println!("{text} / {device:?}");
    }
}
