//! Channels-last 2-D convolution and max pooling as ops, in Keras' layouts.
//!
//! burn's convolution is channels-first with an `(out, in, kh, kw)` kernel, so a Keras layer
//! permuted its input, kernel and output on every call, and burn-flex computed the kernel
//! gradient as a convolution of swapped tensors (2.5 GFLOP/s on the MNIST convnet's first
//! layer) and max pooling with integer divisions per element. Here the input stays NHWC and
//! the Keras kernel `(kh, kw, in, out)` is the matmul's right-hand side as it is:
//! forward `im2col(x) @ W`, backward `dW = colsᵀ @ dY` and `dX = col2im(dY @ Wᵀ)`, each one
//! matmul plus a copy.

use burn::backend::Backend;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;

/// Strides, dilation and padding of a 2-D window over `(batch, height, width, channels)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window2d {
    /// Window size (kernel or pool size), rows and columns.
    pub size: [usize; 2],
    /// Step between windows.
    pub strides: [usize; 2],
    /// Step between a window's taps (1 for pooling).
    pub dilation: [usize; 2],
    /// Zero (or, for pooling, ignored) rows above and below, columns left and right.
    pub padding: [[usize; 2]; 2],
}

impl Window2d {
    /// Keras' `MaxPooling2D(2)`: 2×2 windows, stride 2, no padding.
    pub const POOL_2: Window2d =
        Window2d { size: [2, 2], strides: [2, 2], dilation: [1, 1], padding: [[0, 0], [0, 0]] };

    /// The output rows and columns for an input of `height` × `width` (at least one each: the
    /// layers check the sizes before they call an op).
    pub fn output_size(&self, height: usize, width: usize) -> [usize; 2] {
        let out = |n: usize, axis: usize| {
            let span = self.dilation[axis] * (self.size[axis] - 1) + 1;
            (n + self.padding[axis][0] + self.padding[axis][1] - span) / self.strides[axis] + 1
        };
        [out(height, 0), out(width, 1)]
    }

    /// The input position of tap `k` of output position `o` along `axis`, if inside the input.
    #[inline(always)]
    pub fn source(&self, axis: usize, o: usize, k: usize, n: usize) -> Option<usize> {
        (o * self.strides[axis] + k * self.dilation[axis]).checked_sub(self.padding[axis][0]).filter(|&i| i < n)
    }

    /// Calls `f(tap, position)` for each tap of output position `(row, col)` that lies inside a
    /// `height × width` input, in Keras' kernel order: `tap = i · kw + j` for kernel row `i` and
    /// column `j`, `position = y · width + x` in the input plane.
    #[inline(always)]
    pub fn for_each_tap(&self, [row, col]: [usize; 2], [height, width]: [usize; 2], mut f: impl FnMut(usize, usize)) {
        for i in 0..self.size[0] {
            let Some(y) = self.source(0, row, i, height) else { continue };
            for j in 0..self.size[1] {
                let Some(x) = self.source(1, col, j, width) else { continue };
                f(i * self.size[1] + j, y * width + x);
            }
        }
    }

    /// [`Window2d::for_each_tap`] by runs: calls `f(first_tap, first_position, taps)` for each
    /// run of taps that are neighbours in both the kernel row and the input row (with column
    /// dilation 1, a kernel row's taps inside the input form one run). Channels last, a run's
    /// `taps × channels` values are contiguous in the input and in a patch row: one copy.
    #[inline(always)]
    pub fn for_each_run(
        &self,
        [row, col]: [usize; 2],
        [height, width]: [usize; 2],
        mut f: impl FnMut(usize, usize, usize),
    ) {
        let kw = self.size[1];
        for i in 0..self.size[0] {
            let Some(y) = self.source(0, row, i, height) else { continue };
            if self.dilation[1] != 1 {
                for j in 0..kw {
                    if let Some(x) = self.source(1, col, j, width) {
                        f(i * kw + j, y * width + x, 1);
                    }
                }
                continue;
            }
            let (first, x, taps) = self.column_run(col, width);
            if taps > 0 {
                f(i * kw + first, y * width + x, taps);
            }
        }
    }

    /// With column dilation 1: the kernel columns of output column `col` that lie inside a
    /// `width`-wide input, as `(first kernel column, its input column, count)`.
    #[inline(always)]
    pub fn column_run(&self, col: usize, width: usize) -> (usize, usize, usize) {
        // Kernel column j reads input column `start + j - pad`, inside for j in first..end.
        let (start, pad) = (col * self.strides[1], self.padding[1][0]);
        let first = pad.saturating_sub(start);
        let end = self.size[1].min((width + pad).saturating_sub(start));
        if first < end { (first, start + first - pad, end - first) } else { (0, 0, 0) }
    }
}

/// What the convolution's backward pass keeps (the patches are made again, tile by tile).
#[derive(Clone, Debug)]
pub struct ConvTape<B: Backend> {
    /// The input, `(batch, height, width, in)`.
    pub input: FloatTensor<B>,
    /// The kernel, `(kh, kw, in, out)`.
    pub kernel: FloatTensor<B>,
    /// The output (for the fused ReLU's gradient).
    pub output: FloatTensor<B>,
    /// The window.
    pub window: Window2d,
    /// Whether a ReLU was fused after the bias.
    pub relu: bool,
}

/// What max pooling's backward pass keeps: the input and output, from which it finds each
/// output's maximum again (cheaper than recording positions in the forward pass).
#[derive(Clone, Debug)]
pub struct PoolTape<B: Backend> {
    /// The input, `(batch, height, width, channels)`.
    pub input: FloatTensor<B>,
    /// The output.
    pub output: FloatTensor<B>,
    /// The window.
    pub window: Window2d,
}

/// Convolution and pooling on a concrete backend (burn-flex), called by the `Autodiff`
/// implementation.
pub trait WindowKernels: Backend {
    /// `x` `(batch, h, w, in)` convolved with `kernel` `(kh, kw, in, out)`, plus `bias`
    /// `(out,)`, then a ReLU when `relu` is set, then max pooling by `pool` when given.
    fn conv2d_forward(
        x: FloatTensor<Self>,
        kernel: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        window: Window2d,
        relu: bool,
        pool: Option<Window2d>,
    ) -> FloatTensor<Self>;
    /// The gradients of the input (when `input` is set), the kernel and the bias.
    fn conv2d_backward(tape: ConvTape<Self>, grad: FloatTensor<Self>, input: bool) -> [Option<FloatTensor<Self>>; 3];
    /// Max pooling of `x` `(batch, h, w, c)` (padding ignored, as Keras' `same` does).
    fn max_pool2d_forward(
        x: FloatTensor<Self>,
        window: Window2d,
        tape: bool,
    ) -> (FloatTensor<Self>, Option<PoolTape<Self>>);
    /// The input's gradient: each output's gradient added at its maximum.
    fn max_pool2d_backward(tape: PoolTape<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self>;
}

#[derive(Debug)]
struct ConvBackward;

impl<B: WindowKernels> Backward<B, 3> for ConvBackward {
    type State = ConvTape<B>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let gradients = B::conv2d_backward(ops.state, grad, ops.parents[0].is_some());
        for (parent, g) in ops.parents.into_iter().zip(gradients) {
            if let (Some(node), Some(g)) = (parent, g) {
                grads.register::<B>(node.id, g);
            }
        }
    }
}

/// The `Autodiff` body of `keras_conv2d`: with gradients to record, a pooled convolution is
/// the convolution's op then the pooling's (each with its backward); without, one fused op.
pub(super) fn conv2d_autodiff<B: WindowKernels, C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<B, C>>,
    kernel: FloatTensor<Autodiff<B, C>>,
    bias: FloatTensor<Autodiff<B, C>>,
    window: Window2d,
    relu: bool,
    pool: Option<Window2d>,
) -> FloatTensor<Autodiff<B, C>> {
    let nodes = [x.node(), kernel.node(), bias.node()];
    let (x, kernel, bias) = (x.into_primitive(), kernel.into_primitive(), bias.into_primitive());
    match ConvBackward.prepare::<C>(nodes).compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let output = B::conv2d_forward(x.clone(), kernel.clone(), bias, window, relu, None);
            let tape = ConvTape { input: x, kernel, output: output.clone(), window, relu };
            let y = prep.finish(tape, output);
            match pool {
                Some(pool) => max_pool2d_autodiff::<B, C>(y, pool),
                None => y,
            }
        }
        OpsKind::UnTracked(prep) => prep.finish(B::conv2d_forward(x, kernel, bias, window, relu, pool)),
    }
}

#[derive(Debug)]
struct MaxPoolBackward;

impl<B: WindowKernels> Backward<B, 1> for MaxPoolBackward {
    type State = PoolTape<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [input] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = input {
            grads.register::<B>(node.id, B::max_pool2d_backward(ops.state, grad));
        }
    }
}

/// The `Autodiff` body of `keras_max_pool2d`.
pub(super) fn max_pool2d_autodiff<B: WindowKernels, C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<B, C>>,
    window: Window2d,
) -> FloatTensor<Autodiff<B, C>> {
    let node = x.node();
    match MaxPoolBackward.prepare::<C>([node]).compute_bound().stateful() {
        OpsKind::Tracked(prep) => {
            let (y, tape) = B::max_pool2d_forward(x.into_primitive(), window, true);
            prep.finish(tape.expect("a tape was asked for"), y)
        }
        OpsKind::UnTracked(prep) => prep.finish(B::max_pool2d_forward(x.into_primitive(), window, false).0),
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::module::{conv2d, max_pool2d};
    use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
    use burn::tensor::{Tensor, TensorData};

    use super::Window2d;

    fn leaf(dims: [usize; 4], seed: usize) -> Tensor<4> {
        let device = keras_rs_backends::default_device().autodiff();
        let n: usize = dims.iter().product();
        let v: Vec<f32> = (0..n).map(|i| ((i + seed) * 7919 % 101) as f32 / 50.0 - 1.0).collect();
        Tensor::<4>::from_data(TensorData::new(v, dims), &device).require_grad()
    }

    fn assert_close(a: Tensor<4>, b: Tensor<4>, tol: f32) {
        assert_eq!(a.dims(), b.dims());
        let (a, b) = (a.into_data().try_to_vec::<f32>().unwrap(), b.into_data().try_to_vec::<f32>().unwrap());
        a.iter().zip(&b).for_each(|(x, y)| assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{x} vs {y}"));
    }

    /// Kernels 3×3 and 2×4, strides, dilation, same-style uneven padding, odd sizes.
    fn windows() -> Vec<Window2d> {
        vec![
            Window2d { size: [3, 3], strides: [1, 1], dilation: [1, 1], padding: [[0, 0], [0, 0]] },
            Window2d { size: [3, 3], strides: [2, 2], dilation: [1, 1], padding: [[0, 1], [1, 1]] },
            Window2d { size: [2, 4], strides: [1, 3], dilation: [2, 1], padding: [[1, 0], [2, 1]] },
        ]
    }

    #[test]
    fn runs_cover_the_same_taps_as_tap_by_tap() {
        let more = [
            Window2d { size: [3, 5], strides: [1, 1], dilation: [1, 1], padding: [[2, 2], [4, 4]] },
            Window2d { size: [1, 3], strides: [1, 2], dilation: [1, 2], padding: [[0, 0], [1, 1]] },
        ];
        for window in windows().into_iter().chain(more) {
            for (height, width) in [(7, 9), (3, 2), (1, 1)] {
                let fits = |n: usize, axis: usize| {
                    n + window.padding[axis][0] + window.padding[axis][1]
                        > window.dilation[axis] * (window.size[axis] - 1)
                };
                if !(fits(height, 0) && fits(width, 1)) {
                    continue; // no output position
                }
                let [oh, ow] = window.output_size(height, width);
                for p in 0..oh * ow {
                    let (mut taps, mut runs) = (vec![], vec![]);
                    window.for_each_tap([p / ow, p % ow], [height, width], |t, at| taps.push((t, at)));
                    window.for_each_run([p / ow, p % ow], [height, width], |t, at, n| {
                        runs.extend((0..n).map(|k| (t + k, at + k)))
                    });
                    assert_eq!(taps, runs, "{window:?} at {p} of {height}x{width}");
                }
            }
        }
    }

    #[test]
    fn conv2d_matches_burn_forward_and_gradients() {
        // Small odd shapes, and one whose batch spans several tiles (2 + 2 + 1 images).
        let cases = windows().into_iter().flat_map(|w| [(w, false, (2, 7, 9, 3, 5)), (w, true, (2, 7, 9, 3, 5))]);
        let tiled = (windows()[0], true, (5, 40, 40, 8, 4));
        // One input channel, stride 1, no padding: the direct kernel (16, 32, 64 filters; rows
        // of 9 and 7 positions: blocks of four and single ones).
        let valid = Window2d { size: [2, 4], strides: [1, 1], dilation: [1, 1], padding: [[0, 0], [0, 0]] };
        let direct = [
            (windows()[0], true, (3, 6, 11, 1, 32)),
            (valid, false, (2, 5, 10, 1, 16)),
            (valid, true, (2, 4, 9, 1, 64)),
        ];
        for (window, relu, (n, h, w, cin, cout)) in cases.chain([tiled]).chain(direct) {
            if !super::super::has_kernels(&leaf([1, 1, 1, 1], 0)) {
                return; // the op is burn-flex's; other backends keep burn's conv2d
            }
            let [kh, kw] = window.size;
            let (x, kernel) = (leaf([n, h, w, cin], 1), leaf([kh, kw, cin, cout], 2));
            let [oh, ow] = window.output_size(h, w);
            let upstream = leaf([n, oh, ow, cout], 3).detach();
            let bias = leaf([1, 1, 1, cout], 6);
            let bias_1d = bias.clone().reshape([cout]);
            let ours = super::super::conv2d(x.clone(), kernel.clone(), bias_1d, window, relu, None);
            let (x_nchw, k_burn) = (x.clone().permute([0, 3, 1, 2]), kernel.clone().permute([3, 2, 0, 1]));
            // burn pads symmetrically: the (uneven) zero padding written out.
            let [[top, bottom], [left, right]] = window.padding;
            let x_nchw = x_nchw.pad((left, right, top, bottom), 0.0);
            let options = ConvOptions::new(window.strides, [0, 0], window.dilation, 1);
            let theirs = conv2d(x_nchw, k_burn, None, options).permute([0, 2, 3, 1]) + bias.clone();
            let theirs = if relu { burn::tensor::activation::relu(theirs) } else { theirs };
            assert_close(ours.clone().inner(), theirs.clone().inner(), 1e-5);
            let g1 = (ours * upstream.clone()).sum().backward();
            let g2 = (theirs * upstream).sum().backward();
            assert_close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), 1e-4);
            assert_close(kernel.grad(&g1).unwrap(), kernel.grad(&g2).unwrap(), 1e-4);
            assert_close(bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap(), 1e-4);
        }
    }

    #[test]
    fn a_pooled_convolution_equals_the_convolution_then_the_pooling() {
        let pools = [
            Window2d { size: [2, 2], strides: [2, 2], dilation: [1, 1], padding: [[0, 0], [0, 0]] },
            Window2d { size: [3, 2], strides: [1, 2], dilation: [1, 1], padding: [[1, 1], [0, 1]] },
        ];
        // Small odd shapes, and a batch that spans several tiles.
        let shapes = [(2, 7, 9, 3, 5), (5, 40, 40, 8, 4), (3, 12, 11, 1, 32)];
        for (window, pool, relu, (n, h, w, cin, cout)) in windows()
            .into_iter()
            .flat_map(|w| pools.into_iter().flat_map(move |p| [(w, p, true), (w, p, false)]))
            .flat_map(|(w, p, r)| shapes.into_iter().map(move |s| (w, p, r, s)))
        {
            if !super::super::has_kernels(&leaf([1, 1, 1, 1], 0)) {
                return;
            }
            let [oh, ow] = window.output_size(h, w);
            if oh < pool.size[0] || ow < pool.size[1] {
                continue;
            }
            let [kh, kw] = window.size;
            let (x, kernel, bias) = (leaf([n, h, w, cin], 1), leaf([kh, kw, cin, cout], 2), leaf([1, 1, 1, cout], 6));
            let separate = |x: Tensor<4>, k: Tensor<4>, b: Tensor<4>| {
                super::super::max_pool2d(super::super::conv2d(x, k, b.reshape([cout]), window, relu, None), pool)
            };
            let fused = |x: Tensor<4>, k: Tensor<4>, b: Tensor<4>| {
                super::super::conv2d(x, k, b.reshape([cout]), window, relu, Some(pool))
            };
            // Inference (nothing to differentiate): the fused kernel.
            let (xd, kd, bd) = (x.clone().detach(), kernel.clone().detach(), bias.clone().detach());
            assert_close(fused(xd.clone(), kd.clone(), bd.clone()), separate(xd, kd, bd), 1e-5);
            // Training: the same gradients as the two ops.
            let g1 = fused(x.clone(), kernel.clone(), bias.clone()).sum().backward();
            let g2 = separate(x.clone(), kernel.clone(), bias.clone()).sum().backward();
            assert_close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), 1e-5);
            assert_close(bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap(), 1e-5);
            assert_close(kernel.grad(&g1).unwrap(), kernel.grad(&g2).unwrap(), 1e-5);
        }
    }

    #[test]
    fn max_pool2d_matches_burn_forward_and_gradients() {
        let (n, h, w, c) = (2, 7, 9, 3);
        for window in [
            Window2d { size: [2, 2], strides: [2, 2], dilation: [1, 1], padding: [[0, 0], [0, 0]] },
            Window2d { size: [3, 2], strides: [1, 2], dilation: [1, 1], padding: [[1, 1], [0, 1]] },
        ] {
            let x = leaf([n, h, w, c], 4);
            if !super::super::has_kernels(&x) {
                return;
            }
            let [oh, ow] = window.output_size(h, w);
            let upstream = leaf([n, oh, ow, c], 5).detach();
            let ours = super::super::max_pool2d(x.clone(), window);
            // burn's max pool with -inf padding written out, channels first.
            let extra = (window.padding[1][0], window.padding[1][1], window.padding[0][0], window.padding[0][1]);
            let padded = x.clone().permute([0, 3, 1, 2]).pad(extra, f32::NEG_INFINITY);
            let theirs =
                max_pool2d(padded, MaxPoolOptions::new(window.size).with_stride(window.strides)).permute([0, 2, 3, 1]);
            assert_close(ours.clone().inner(), theirs.clone().inner(), 0.0);
            let g1 = (ours * upstream.clone()).sum().backward();
            let g2 = (theirs * upstream).sum().backward();
            assert_close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), 1e-6);
        }
    }
}
