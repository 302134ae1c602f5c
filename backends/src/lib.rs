//! Backend selection for keras-rs.
//!
//! Cargo features choose which burn backends are compiled in: `flex` (burn's maintained CPU
//! backend, the default), `ndarray` (burn's older CPU backend) and `wgpu` (GPUs through
//! Vulkan/Metal/DX12, or Mesa's software Vulkan without a GPU). [`default_device`] picks one at
//! run time: the environment variable `BURN_DEVICE` (`flex`, `ndarray`, `wgpu`, `cpu`) wins,
//! then `wgpu` if compiled in, then `flex`, then `ndarray`.
//!
//! ```
//! let device = keras_rs_backends::default_device();
//! println!("training on {}", keras_rs_backends::backend_name());
//! assert!(!device.is_autodiff());
//! ```

#![warn(missing_docs)]

pub use burn::tensor::Device;

#[cfg(not(any(feature = "flex", feature = "ndarray", feature = "wgpu")))]
compile_error!("keras-rs needs at least one backend feature: `flex` (default), `ndarray` or `wgpu`.");

/// A backend compiled into this build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// burn-flex, burn's maintained pure-Rust CPU backend.
    Flex,
    /// burn-ndarray, burn's older CPU backend.
    NdArray,
    /// burn-wgpu (Vulkan, Metal, DX12, WebGPU; Mesa lavapipe on machines without a GPU).
    Wgpu,
}

impl BackendKind {
    /// The short name used by `BURN_DEVICE` and in messages (`"flex"`, `"ndarray"`, `"wgpu"`).
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Flex => "flex",
            BackendKind::NdArray => "ndarray",
            BackendKind::Wgpu => "wgpu",
        }
    }

    /// The backends compiled into this build, in order of preference.
    pub fn available() -> Vec<BackendKind> {
        let mut kinds = Vec::new();
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
            "wgpu" | "gpu" | "vulkan" => BackendKind::Wgpu,
            "cpu" => *available.iter().find(|k| **k != BackendKind::Wgpu)?,
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
            #[allow(unreachable_patterns)]
            other => panic!("backend `{}` is not compiled into this build", other.name()),
        }
    }
}

/// The backend [`default_device`] uses: `BURN_DEVICE` if it names a compiled backend,
/// otherwise the first of `wgpu`, `flex`, `ndarray` that is compiled in.
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
        BackendKind::Wgpu => debug.contains("Cube") || debug.contains("Wgpu"),
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
        None => debug,
    }
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
