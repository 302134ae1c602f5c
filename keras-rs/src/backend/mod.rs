//! Tensors between layers: the rank-erased [`DynTensor`].

pub mod dyn_tensor;
pub(crate) mod einsum;
#[cfg(feature = "flex")]
pub(crate) mod gemm;
pub(crate) mod ops;
pub(crate) mod runtime;
pub(crate) mod simd;

pub use dyn_tensor::DynTensor;
