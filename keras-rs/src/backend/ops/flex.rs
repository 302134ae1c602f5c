//! keras-rs' kernels for burn-flex: float32 loops over the tensors' buffers, vectorised and
//! split over the compute pool (`backend::simd`). Tensors of other dtypes take the trait's
//! default body (burn's own ops).

use burn::backend::Flex;
use burn::backend::flex::{FlexTensor, Layout};
use burn::backend::ops::FloatTensorOps;
use burn::tensor::{Bytes, DType, Shape};
use rayon::prelude::*;

use super::KerasOps;
use super::conv::{Window2d, WindowKernels};
use super::lstm::LstmKernels;
use crate::backend::simd::{self, PARALLEL_CHUNK, vectorized};

/// `x` as a contiguous float32 tensor that owns its whole buffer, so it can be written in
/// place: `x` itself when it already is, else a copy (the inputs of an op are never changed).
fn owned(x: FlexTensor) -> FlexTensor {
    let n = x.layout().num_elements();
    if x.is_unique() && x.layout().contiguous_offsets() == Some((0, n)) {
        return x;
    }
    let values = match x.layout().contiguous_offsets() {
        Some((start, end)) => x.storage::<f32>()[start..end].to_vec(),
        None => return x.to_contiguous(),
    };
    FlexTensor::new(Bytes::from_elems(values), Layout::contiguous(x.layout().shape().clone()), DType::F32)
}

/// The values of a float32 tensor in row-major order (borrowed when contiguous).
pub(super) fn values(x: &FlexTensor) -> std::borrow::Cow<'_, [f32]> {
    match x.layout().contiguous_offsets() {
        Some((start, end)) => std::borrow::Cow::Borrowed(&x.storage::<f32>()[start..end]),
        None => std::borrow::Cow::Owned(x.to_contiguous().storage::<f32>()[..x.layout().num_elements()].to_vec()),
    }
}

/// The first `n` values of an owned tensor's buffer, writable.
fn values_mut(x: &mut FlexTensor) -> &mut [f32] {
    let n = x.layout().num_elements();
    &mut x.try_storage_mut::<f32>().expect("an owned tensor")[..n]
}

fn all_f32(tensors: &[&FlexTensor]) -> bool {
    tensors.iter().all(|t| t.dtype() == DType::F32)
}

impl KerasOps for Flex {
    fn keras_sigmoid(x: FlexTensor) -> FlexTensor {
        if !all_f32(&[&x]) {
            return <Flex as burn::backend::ops::ActivationOps<Flex>>::sigmoid(x);
        }
        let mut y = owned(x);
        simd::map_inplace(values_mut(&mut y), simd::sigmoid);
        y
    }

    fn keras_lstm(
        x: FlexTensor,
        kernel: FlexTensor,
        bias: FlexTensor,
        recurrent_kernel: FlexTensor,
        h0: FlexTensor,
        c0: FlexTensor,
    ) -> FlexTensor {
        Self::lstm_forward(x, kernel, bias, recurrent_kernel, h0, c0, false).0
    }

    fn keras_conv2d(
        x: FlexTensor,
        kernel: FlexTensor,
        bias: FlexTensor,
        window: Window2d,
        relu: bool,
        pool: Option<Window2d>,
    ) -> FlexTensor {
        Self::conv2d_forward(x, kernel, bias, window, relu, pool)
    }

    fn keras_max_pool2d(x: FlexTensor, window: Window2d) -> FlexTensor {
        Self::max_pool2d_forward(x, window, false).0
    }

    fn keras_tanh(x: FlexTensor) -> FlexTensor {
        if !all_f32(&[&x]) {
            return Flex::float_tanh(x);
        }
        let mut y = owned(x);
        simd::map_inplace(values_mut(&mut y), simd::tanh);
        y
    }

    fn keras_tanh_backward(y: FlexTensor, grad: FlexTensor) -> FlexTensor {
        if !all_f32(&[&y, &grad]) || y.layout().shape() != grad.layout().shape() {
            return super::tanh_backward_composed::<Flex>(y, grad);
        }
        let y_values = values(&y);
        let mut out = owned(grad);
        let body = |offset: usize, chunk: &mut [f32]| {
            let y = &y_values[offset..offset + chunk.len()];
            vectorized(
                #[inline(always)]
                || chunk.iter_mut().zip(y).for_each(|(g, y)| *g *= 1.0 - y * y),
            );
        };
        let grads = values_mut(&mut out);
        grads.par_chunks_mut(PARALLEL_CHUNK).enumerate().for_each(|(i, c)| body(i * PARALLEL_CHUNK, c));
        drop(y_values);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn keras_adam(
        variable: FlexTensor,
        grad: FlexTensor,
        m: FlexTensor,
        v: FlexTensor,
        alpha: f32,
        one_minus_beta_1: f32,
        one_minus_beta_2: f32,
        epsilon: f32,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let n = variable.layout().num_elements();
        let same = [&grad, &m, &v].iter().all(|t| t.layout().shape() == variable.layout().shape());
        if !all_f32(&[&variable, &grad, &m, &v]) || !same {
            return super::adam_composed::<Flex>(
                variable,
                grad,
                m,
                v,
                alpha,
                one_minus_beta_1,
                one_minus_beta_2,
                epsilon,
            );
        }
        let g = values(&grad);
        let (mut variable, mut m, mut v) = (owned(variable), owned(m), owned(v));
        let (w, ms, vs) = (values_mut(&mut variable), values_mut(&mut m), values_mut(&mut v));
        let step = |offset: usize, (w, (m, v)): (&mut [f32], (&mut [f32], &mut [f32]))| {
            let g = &g[offset..offset + w.len()];
            vectorized(
                #[inline(always)]
                || {
                    for i in 0..w.len() {
                        // Keras' formula, operation by operation (no fused multiply-add).
                        m[i] += (g[i] - m[i]) * one_minus_beta_1;
                        v[i] += (g[i] * g[i] - v[i]) * one_minus_beta_2;
                        w[i] -= m[i] * alpha / (v[i].sqrt() + epsilon);
                    }
                },
            )
        };
        debug_assert_eq!(w.len(), n);
        w.par_chunks_mut(PARALLEL_CHUNK)
            .zip(ms.par_chunks_mut(PARALLEL_CHUNK).zip(vs.par_chunks_mut(PARALLEL_CHUNK)))
            .enumerate()
            .for_each(|(i, chunks)| step(i * PARALLEL_CHUNK, chunks));
        drop(g);
        (variable, m, v)
    }
}

/// A new contiguous float32 tensor.
pub(super) fn tensor(values: Vec<f32>, dims: &[usize]) -> FlexTensor {
    FlexTensor::new(Bytes::from_elems(values), Layout::contiguous(Shape::from(dims.to_vec())), DType::F32)
}
