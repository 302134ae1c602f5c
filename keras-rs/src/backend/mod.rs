//! Tensors between layers: the rank-erased [`DynTensor`].

pub mod dyn_tensor;

pub use dyn_tensor::DynTensor;
