//! keras-rs' own tensor ops, where burn's CPU kernels are the bottleneck.
//!
//! Each op is a method of the [`KerasOps`] backend extension (burn 0.22's
//! `#[backend_extension]`): a vectorised body for burn-flex (the default CPU backend; `flex*.rs`)
//! and a handwritten backward for `Autodiff` (here, `lstm.rs`, `conv.rs`). Layers call the
//! functions at the bottom of this file ([`sigmoid`], [`tanh`], [`adam`], [`lstm`], [`conv2d`],
//! [`max_pool2d`]) for tensors with [`has_kernels`]; on every other backend (wgpu, ndarray) they
//! keep their composition of burn ops, which computes exactly what it did before. Design notes:
//! `backend/README.md`.

use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, backend_extension};
use burn::tensor::Tensor;

pub(crate) mod conv;
#[cfg(feature = "flex")]
mod flex;
#[cfg(feature = "flex")]
mod flex_conv;
#[cfg(feature = "flex")]
mod flex_direct_conv;
#[cfg(feature = "flex")]
mod flex_lstm;
mod lstm;

pub(crate) use conv::Window2d;

/// keras-rs' fused ops, per backend.
#[backend_extension(Flex: cfg(feature = "flex"), Autodiff)]
pub trait KerasOps: Backend {
    /// `1 / (1 + exp(-x))`.
    fn keras_sigmoid(x: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::sigmoid(x)
    }
    /// `tanh(x)`.
    fn keras_tanh(x: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::float_tanh(x)
    }
    /// The gradient of `tanh` from its output `y`: `grad * (1 - y²)`.
    fn keras_tanh_backward(y: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        tanh_backward_composed::<Self>(y, grad)
    }
    /// Keras' Adam update of one variable, returning the new `(variable, m, v)`:
    /// `m += (g - m)(1 - beta_1)`, `v += (g² - v)(1 - beta_2)` (the `1 - beta` passed in),
    /// `variable -= alpha m / (sqrt(v) + epsilon)`, where `alpha` is the learning rate times the
    /// bias correction `sqrt(1 - beta_2^t) / (1 - beta_1^t)`.
    #[allow(clippy::too_many_arguments)]
    fn keras_adam(
        variable: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        m: FloatTensor<Self>,
        v: FloatTensor<Self>,
        alpha: f32,
        one_minus_beta_1: f32,
        one_minus_beta_2: f32,
        epsilon: f32,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        adam_composed::<Self>(variable, grad, m, v, alpha, one_minus_beta_1, one_minus_beta_2, epsilon)
    }
    /// A whole LSTM sequence (see [`lstm`]). Returns `(batch·steps·u + batch·u,)`: the hidden
    /// states `h_1 .. h_T` as `(batch, steps, u)`, then the cell state `c_T` as `(batch, u)`.
    fn keras_lstm(
        x: FloatTensor<Self>,
        kernel: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        recurrent_kernel: FloatTensor<Self>,
        h0: FloatTensor<Self>,
        c0: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
    /// `x` `(batch, h, w, in)` convolved with a Keras kernel `(kh, kw, in, out)`, channels last,
    /// plus `bias` `(out,)`, then a ReLU when `relu` is set, then max pooling by `pool` when
    /// given (inference: a tile's convolution output is pooled while in cache, never stored).
    fn keras_conv2d(
        x: FloatTensor<Self>,
        kernel: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        window: Window2d,
        relu: bool,
        pool: Option<Window2d>,
    ) -> FloatTensor<Self>;
    /// Max pooling of `x` `(batch, h, w, channels)`, channels last.
    fn keras_max_pool2d(x: FloatTensor<Self>, window: Window2d) -> FloatTensor<Self>;
}

/// `grad * (1 - y²)` from burn primitives.
fn tanh_backward_composed<B: Backend>(y: FloatTensor<B>, grad: FloatTensor<B>) -> FloatTensor<B> {
    let one_minus_y2 = B::float_add_scalar(B::float_neg(B::float_mul(y.clone(), y)), 1.0.into());
    B::float_mul(grad, one_minus_y2)
}

/// [`KerasOps::keras_adam`] from burn primitives, in the order of Keras' formula.
#[allow(clippy::too_many_arguments)]
fn adam_composed<B: Backend>(
    variable: FloatTensor<B>,
    grad: FloatTensor<B>,
    m: FloatTensor<B>,
    v: FloatTensor<B>,
    alpha: f32,
    one_minus_beta_1: f32,
    one_minus_beta_2: f32,
    epsilon: f32,
) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
    let dm = B::float_mul_scalar(B::float_sub(grad.clone(), m.clone()), one_minus_beta_1.into());
    let m = B::float_add(m, dm);
    let g2 = B::float_mul(grad.clone(), grad);
    let dv = B::float_mul_scalar(B::float_sub(g2, v.clone()), one_minus_beta_2.into());
    let v = B::float_add(v, dv);
    let denominator = B::float_add_scalar(B::float_sqrt(v.clone()), epsilon.into());
    let step = B::float_div(B::float_mul_scalar(m.clone(), alpha.into()), denominator);
    (B::float_sub(variable, step), m, v)
}

/// An elementwise op whose backward needs only its output: `d = backward(y, grad)`.
#[derive(Debug)]
struct FromOutput<B: Backend>(fn(FloatTensor<B>, FloatTensor<B>) -> FloatTensor<B>);

impl<B: Backend> Backward<B, 1> for FromOutput<B> {
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [parent] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = parent {
            grads.register::<B>(node.id, (self.0)(ops.state, grad));
        }
    }
}

/// Records `forward(x)` with a backward from its output.
fn unary_from_output<B: Backend, C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<B, C>>,
    forward: fn(FloatTensor<B>) -> FloatTensor<B>,
    backward: fn(FloatTensor<B>, FloatTensor<B>) -> FloatTensor<B>,
) -> FloatTensor<Autodiff<B, C>> {
    match FromOutput(backward).prepare::<C>([x.node()]).compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let y = forward(x.into_primitive());
            prep.finish(y.clone(), y)
        }
        OpsKind::UnTracked(prep) => prep.finish(forward(x.into_primitive())),
    }
}

impl<B: KerasOps + lstm::LstmKernels + conv::WindowKernels, C: CheckpointStrategy> KerasOps for Autodiff<B, C> {
    fn keras_sigmoid(x: FloatTensor<Self>) -> FloatTensor<Self> {
        unary_from_output::<B, C>(x, B::keras_sigmoid, B::sigmoid_backward)
    }
    fn keras_tanh(x: FloatTensor<Self>) -> FloatTensor<Self> {
        unary_from_output::<B, C>(x, B::keras_tanh, B::keras_tanh_backward)
    }
    // keras_adam keeps its default body: optimizers update plain (non-autodiff) tensors.
    fn keras_lstm(
        x: FloatTensor<Self>,
        kernel: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        recurrent_kernel: FloatTensor<Self>,
        h0: FloatTensor<Self>,
        c0: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        lstm::lstm_autodiff::<B, C>([x, kernel, bias, recurrent_kernel, h0, c0])
    }
    fn keras_conv2d(
        x: FloatTensor<Self>,
        kernel: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        window: Window2d,
        relu: bool,
        pool: Option<Window2d>,
    ) -> FloatTensor<Self> {
        conv::conv2d_autodiff::<B, C>(x, kernel, bias, window, relu, pool)
    }
    fn keras_max_pool2d(x: FloatTensor<Self>, window: Window2d) -> FloatTensor<Self> {
        conv::max_pool2d_autodiff::<B, C>(x, window)
    }
}

/// Whether `x` is a float32 tensor on burn-flex (with or without autodiff): the backend with
/// keras-rs kernels. Layers with a whole-op path (LSTM, Conv2D, MaxPooling2D) ask before they
/// take it; elementwise ops and Adam ask themselves.
pub(crate) fn has_kernels<const D: usize>(x: &Tensor<D>) -> bool {
    #[cfg(feature = "flex")]
    {
        x.dtype() == burn::tensor::DType::F32 && x.device().inner() == burn::tensor::Device::flex()
    }
    #[cfg(not(feature = "flex"))]
    {
        let _ = x;
        false
    }
}

/// Keras' `sigmoid`, vectorised on burn-flex.
pub(crate) fn sigmoid<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if !has_kernels(&x) {
        return burn::tensor::activation::sigmoid(x);
    }
    Tensor::from_dispatch(<Dispatch as KerasOps>::keras_sigmoid(x.into_dispatch()))
}

/// Keras' `tanh`, vectorised on burn-flex.
pub(crate) fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if !has_kernels(&x) {
        return burn::tensor::activation::tanh(x);
    }
    Tensor::from_dispatch(<Dispatch as KerasOps>::keras_tanh(x.into_dispatch()))
}

/// Keras' Adam update of one variable (see [`KerasOps::keras_adam`]), on plain tensors:
/// one pass over the four tensors on burn-flex. Returns the new `(variable, m, v)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn adam(
    variable: Tensor<1>,
    grad: Tensor<1>,
    m: Tensor<1>,
    v: Tensor<1>,
    alpha: f32,
    one_minus_beta_1: f32,
    one_minus_beta_2: f32,
    epsilon: f32,
) -> (Tensor<1>, Tensor<1>, Tensor<1>) {
    if !has_kernels(&variable) {
        let m = m.clone() + (grad.clone() - m).mul_scalar(one_minus_beta_1);
        let v = v.clone() + (grad.square() - v).mul_scalar(one_minus_beta_2);
        return (variable - m.clone().mul_scalar(alpha) / v.clone().sqrt().add_scalar(epsilon), m, v);
    }
    let (variable, m, v) = <Dispatch as KerasOps>::keras_adam(
        variable.into_dispatch(),
        grad.into_dispatch(),
        m.into_dispatch(),
        v.into_dispatch(),
        alpha,
        one_minus_beta_1,
        one_minus_beta_2,
        epsilon,
    );
    (Tensor::from_dispatch(variable), Tensor::from_dispatch(m), Tensor::from_dispatch(v))
}

/// A whole LSTM sequence in one op, for tensors with [`has_kernels`] (other backends keep the
/// layer's per-step composition): `x` `(batch, steps, features)`, `kernel` `W` `(features, 4u)`,
/// `bias` `b` `(4u,)`, `recurrent_kernel` `U` `(u, 4u)`, gates i, f, c, o from
/// `x_t W + h U + b` with `sigmoid` gates and `tanh` activations, `h0`/`c0` `(batch, u)`.
/// Returns the hidden states `(batch, steps, u)` and the final cell state `(batch, u)`.
pub(crate) fn lstm(
    x: Tensor<3>,
    kernel: Tensor<2>,
    bias: Tensor<1>,
    recurrent_kernel: Tensor<2>,
    h0: Tensor<2>,
    c0: Tensor<2>,
) -> (Tensor<3>, Tensor<2>) {
    let [batch, steps, _] = x.dims();
    let units = recurrent_kernel.dims()[0];
    let out = <Dispatch as KerasOps>::keras_lstm(
        x.into_dispatch(),
        kernel.into_dispatch(),
        bias.into_dispatch(),
        recurrent_kernel.into_dispatch(),
        h0.into_dispatch(),
        c0.into_dispatch(),
    );
    let out = Tensor::<1>::from_dispatch(out);
    // Both parts are contiguous ranges of the output: views, no copies.
    let hidden = batch * steps * units;
    let cell = out.clone().narrow(0, hidden, batch * units).reshape([batch, units]);
    (out.narrow(0, 0, hidden).reshape([batch, steps, units]), cell)
}

/// A channels-last convolution with a Keras kernel `(kh, kw, in, out)`, plus `bias`, then a
/// ReLU when `relu` is set; for tensors with [`has_kernels`] (other backends keep the layer's
/// burn `conv2d`).
pub(crate) fn conv2d(
    x: Tensor<4>,
    kernel: Tensor<4>,
    bias: Tensor<1>,
    window: Window2d,
    relu: bool,
    pool: Option<Window2d>,
) -> Tensor<4> {
    let (x, kernel, bias) = (x.into_dispatch(), kernel.into_dispatch(), bias.into_dispatch());
    Tensor::from_dispatch(<Dispatch as KerasOps>::keras_conv2d(x, kernel, bias, window, relu, pool))
}

/// Channels-last max pooling, for tensors with [`has_kernels`].
pub(crate) fn max_pool2d(x: Tensor<4>, window: Window2d) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as KerasOps>::keras_max_pool2d(x.into_dispatch(), window))
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Tensor, activation};

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    fn close(a: Tensor<2>, b: Tensor<2>, tol: f32) {
        let (a, b) = (values(a), values(b));
        assert_eq!(a.len(), b.len());
        a.iter().zip(&b).for_each(|(x, y)| assert!((x - y).abs() <= tol, "{x} vs {y}"));
    }

    /// A fused op against burn's own: forward and gradient on a transposed (non-contiguous)
    /// input, and forward on a plain input whose buffer is shared (which must stay unchanged).
    fn check(fused: fn(Tensor<2>) -> Tensor<2>, reference: fn(Tensor<2>) -> Tensor<2>) {
        let device = keras_rs_backends::default_device();
        let data: Vec<f32> = (0..7 * 13).map(|i| ((i * 37 % 91) as f32 - 45.0) / 7.0).collect();
        let plain = Tensor::<1>::from_floats(data.as_slice(), &device).reshape([13, 7]).transpose();
        let upstream = Tensor::<1>::from_floats(data.as_slice(), &device).reshape([7, 13]).sin();

        let x = Tensor::<2>::from_data(plain.clone().into_data(), &device.clone().autodiff()).require_grad();
        let upstream = Tensor::<2>::from_data(upstream.into_data(), &device.clone().autodiff());
        let (y1, y2) = (fused(x.clone()), reference(x.clone()));
        close(y1.clone().inner(), y2.clone().inner(), 1e-6);
        let d1 = x.grad(&(y1 * upstream.clone()).sum().backward()).unwrap();
        let d2 = x.grad(&(y2 * upstream).sum().backward()).unwrap();
        close(d1, d2, 1e-6);

        let kept = plain.clone();
        close(fused(plain.clone()), reference(plain), 1e-6);
        assert_eq!(values(kept.transpose()), data);
    }

    #[test]
    fn sigmoid_and_tanh_match_burn_forward_and_backward() {
        check(super::sigmoid, activation::sigmoid);
        check(super::tanh, activation::tanh);
    }

    /// The LSTM recurrence written with burn's tensor ops, step by step.
    fn lstm_reference(
        x: Tensor<3>,
        w: Tensor<2>,
        b: Tensor<1>,
        kernel: Tensor<2>,
        h0: Tensor<2>,
        c0: Tensor<2>,
    ) -> (Tensor<3>, Tensor<2>) {
        let [batch, steps, features] = x.dims();
        let width = kernel.dims()[1];
        let u = width / 4;
        let x_proj =
            (x.reshape([batch * steps, features]).matmul(w) + b.reshape([1, width])).reshape([batch, steps, width]);
        let (mut h, mut c, mut hs) = (h0, c0, Vec::new());
        for t in 0..steps {
            let z = x_proj.clone().narrow(1, t, 1).reshape([batch, width]) + h.matmul(kernel.clone());
            let gate = |k: usize| z.clone().narrow(1, k * u, u);
            let (i, f) = (activation::sigmoid(gate(0)), activation::sigmoid(gate(1)));
            let (g, o) = (activation::tanh(gate(2)), activation::sigmoid(gate(3)));
            c = f * c + i * g;
            h = o * activation::tanh(c.clone());
            hs.push(h.clone().reshape([batch, 1, u]));
        }
        (Tensor::cat(hs, 1), c)
    }

    #[test]
    fn lstm_sequence_matches_the_step_by_step_composition_forward_and_backward() {
        // One group of samples, and three (32 + 32 + 6) whose shares of the gradients add up;
        // more input features than gates, and fewer.
        for (batch, features) in [(3, 30), (70, 3)] {
            check_lstm(batch, features);
        }
    }

    fn check_lstm(batch: usize, features: usize) {
        let device = keras_rs_backends::default_device();
        let ad = device.clone().autodiff();
        let (steps, units) = (5, 6);
        let leaf = |dims: [usize; 3], seed: usize| {
            let n: usize = dims.iter().product();
            let v: Vec<f32> = (0..n).map(|i| (((i + seed) * 7919 % 97) as f32 / 48.5 - 1.0) * 0.8).collect();
            Tensor::<1>::from_floats(v.as_slice(), &ad).reshape(dims).require_grad()
        };
        let x = leaf([batch, steps, features], 1);
        let w = leaf([1, features, 4 * units], 7);
        let b = leaf([1, 1, 4 * units], 8);
        let kernel = leaf([1, units, 4 * units], 2);
        let h0 = leaf([1, batch, units], 3);
        let c0 = leaf([1, batch, units], 4);
        let squeeze = |t: &Tensor<3>| {
            let [_, a, b] = t.dims();
            t.clone().reshape([a, b])
        };
        let flat = |t: &Tensor<3>| t.clone().reshape([4 * units]);
        let upstream = leaf([batch, steps, units], 5).detach();
        let upstream_c = leaf([1, batch, units], 6).detach();
        let loss = |(hs, c): (Tensor<3>, Tensor<2>)| (hs * upstream.clone()).sum() + (c * squeeze(&upstream_c)).sum();

        if !super::has_kernels(&x) {
            return; // the op is burn-flex's; other backends keep the composition
        }
        let args = || (x.clone(), squeeze(&w), flat(&b), squeeze(&kernel), squeeze(&h0), squeeze(&c0));
        let (a0, a1, a2, a3, a4, a5) = args();
        let fused = super::lstm(a0, a1, a2, a3, a4, a5);
        let (a0, a1, a2, a3, a4, a5) = args();
        let reference = lstm_reference(a0, a1, a2, a3, a4, a5);
        close3(fused.0.clone().inner(), reference.0.clone().inner(), 1e-6);
        close(fused.1.clone().inner(), reference.1.clone().inner(), 1e-6);
        let expected = reference.0.clone().inner();
        let (g1, g2) = (loss(fused).backward(), loss(reference).backward());
        for t in [&x, &w, &b, &kernel, &h0, &c0] {
            close3(t.grad(&g1).unwrap(), t.grad(&g2).unwrap(), 1e-5);
        }
        // Inference tensors take the same op without a tape.
        let plain = super::lstm(
            x.inner(),
            squeeze(&w.inner()),
            flat(&b.inner()),
            squeeze(&kernel.inner()),
            squeeze(&h0.inner()),
            squeeze(&c0.inner()),
        );
        close3(plain.0, expected, 1e-6);
    }

    fn close3(a: Tensor<3>, b: Tensor<3>, tol: f32) {
        let [x, y, z] = a.dims();
        close(a.reshape([x, y * z]), b.reshape([x, y * z]), tol);
    }

    #[test]
    fn adam_matches_the_tensor_formula_and_leaves_shared_inputs_alone() {
        let device = keras_rs_backends::default_device();
        let n = 3 * crate::backend::simd::PARALLEL_CHUNK + 7; // several parallel chunks and a tail
        let make = |seed: usize, scale: f32| {
            let v: Vec<f32> = (0..n).map(|i| ((i * 7919 + seed) % 1009) as f32 / 1009.0 * scale).collect();
            Tensor::<1>::from_floats(v.as_slice(), &device)
        };
        let (var, grad, m, v) = (make(1, 2.0), make(2, 0.1).sub_scalar(0.05), make(3, 0.01), make(4, 1e-4));
        let (alpha, r1, r2, eps) = (1e-3, 0.1, 0.001, 1e-7);
        let m2 = m.clone() + (grad.clone() - m.clone()).mul_scalar(r1);
        let v2 = v.clone() + (grad.clone().square() - v.clone()).mul_scalar(r2);
        let var2 = var.clone() - m2.clone().mul_scalar(alpha) / v2.clone().sqrt().add_scalar(eps);
        let kept = var.clone();
        let (got_var, got_m, got_v) = super::adam(var, grad, m, v, alpha, r1, r2, eps);
        let as_2d = |t: Tensor<1>| t.reshape([1, n]);
        close(as_2d(got_var), as_2d(var2), 1e-7);
        close(as_2d(got_m), as_2d(m2), 1e-9);
        close(as_2d(got_v), as_2d(v2), 1e-9);
        close(as_2d(kept), as_2d(make(1, 2.0)), 0.0);
    }
}
