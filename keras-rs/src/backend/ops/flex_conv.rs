//! burn-flex kernels for channels-last convolution and max pooling (see `conv.rs`).

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::conv::{ConvTape, PoolTape, Window2d, WindowKernels};
use super::flex::{tensor, values};
use super::flex_direct_conv as direct;
use crate::backend::gemm::{self, Mat};
use crate::backend::simd::vectorized;

fn dims4(x: &FlexTensor) -> [usize; 4] {
    x.layout().shape().dims::<4>()
}

/// Floats per tile: about 1 MiB of patches and outputs, so a tile's im2col, matmul and epilogue
/// stay in cache.
const TILE_FLOATS: usize = 1 << 18;

/// The geometry of one convolution call.
#[derive(Clone, Copy)]
struct Conv {
    /// Input `(batch, height, width, in)`.
    input: [usize; 4],
    /// Kernel rows, columns and filters.
    kernel: [usize; 3],
    /// Output rows and columns.
    output: [usize; 2],
    window: Window2d,
}

impl Conv {
    fn new(input: [usize; 4], kernel: [usize; 4], window: Window2d) -> Self {
        let output = window.output_size(input[1], input[2]);
        Conv { input, kernel: [kernel[0], kernel[1], kernel[3]], output, window }
    }
    fn taps(&self) -> usize {
        self.kernel[0] * self.kernel[1] * self.input[3]
    }
    fn rows_per_image(&self) -> usize {
        self.output[0] * self.output[1]
    }
    fn image_len(&self) -> usize {
        self.input[1] * self.input[2] * self.input[3]
    }
    /// Images per tile: their patches and outputs together about [`TILE_FLOATS`].
    fn images_per_tile(&self) -> usize {
        (TILE_FLOATS / (self.rows_per_image() * (self.taps() + self.kernel[2])).max(1)).max(1)
    }

    /// The patches of `images` images starting at image `first`: one row per output position,
    /// the taps in Keras' kernel order (kh, kw, in), zeros where the window leaves the input,
    /// then a 1 that multiplies the bias row of [`Conv::kernel_and_bias`] (the product adds the
    /// bias, and the kernel gradient's last row is the bias gradient).
    fn im2col(&self, x: &[f32], first: usize, images: usize, cols: &mut Vec<f32>) {
        let ([_, height, width, channels], [_, ow]) = (self.input, self.output);
        let (taps, rows) = (self.taps(), self.rows_per_image());
        let len = images * rows * (taps + 1);
        // Every element is written below except where the window leaves the input: only a
        // padded convolution needs the buffer zeroed first.
        cols.resize(len, 0.0);
        cols.truncate(len);
        if self.window.padding != [[0, 0], [0, 0]] {
            cols.fill(0.0);
        }
        let window = self.window;
        vectorized(
            #[inline(always)]
            || {
                for (i, image) in cols.chunks_mut(rows * (taps + 1)).enumerate() {
                    let plane = &x[(first + i) * self.image_len()..][..self.image_len()];
                    // One output row at a time, kernel row by kernel row: each patch row gets
                    // the run of input values under that kernel row in one copy.
                    for (r, patches) in image.chunks_mut(ow * (taps + 1)).enumerate() {
                        patches.chunks_mut(taps + 1).for_each(|row| row[taps] = 1.0);
                        if window.dilation[1] != 1 {
                            for (c, row) in patches.chunks_mut(taps + 1).enumerate() {
                                window.for_each_run([r, c], [height, width], |tap, at, taps| {
                                    let len = taps * channels;
                                    copy(&mut row[tap * channels..][..len], &plane[at * channels..][..len]);
                                });
                            }
                            continue;
                        }
                        let kw = window.size[1];
                        // No column padding: every patch row takes a whole kernel row of inputs.
                        let whole_rows = window.padding[1] == [0, 0];
                        for ki in 0..window.size[0] {
                            let Some(y) = window.source(0, r, ki, height) else { continue };
                            let line = &plane[y * width * channels..][..width * channels];
                            if whole_rows {
                                let run = Runs {
                                    len: kw * channels,
                                    dst_stride: taps + 1,
                                    src_stride: window.strides[1] * channels,
                                };
                                run.copy(&mut patches[ki * kw * channels..], line, ow);
                                continue;
                            }
                            for (c, row) in patches.chunks_mut(taps + 1).enumerate() {
                                let (kj, at, n) = window.column_run(c, width);
                                let len = n * channels;
                                copy(&mut row[(ki * kw + kj) * channels..][..len], &line[at * channels..][..len]);
                            }
                        }
                    }
                }
            },
        )
    }

    /// The output of `images` images from image `first` (bias and, with `relu`, ReLU
    /// included) into `out`, one row of filters per output position, every element written:
    /// the direct kernel where it applies, else im2col and a matmul.
    fn tile<'o>(
        &self,
        x: &[f32],
        first: usize,
        images: usize,
        weights: &[f32],
        relu: bool,
        out: &'o mut [MaybeUninit<f32>],
    ) -> &'o mut [f32] {
        if self.is_direct() {
            let out = &mut out[..images * self.rows_per_image() * self.kernel[2]];
            self.direct(x, first, images, weights, relu, false, out);
            // SAFETY: `direct` wrote every element of `out`; `MaybeUninit<f32>` has `f32`'s layout.
            return unsafe { &mut *(out as *mut [MaybeUninit<f32>] as *mut [f32]) };
        }
        let (rows, taps, filters) = (images * self.rows_per_image(), self.taps(), self.kernel[2]);
        let out = SCRATCH.with_borrow_mut(|cols| {
            self.im2col(x, first, images, cols);
            gemm::matmul_into(out, Mat::new(cols, rows, taps + 1), Mat::new(weights, taps + 1, filters))
        });
        if relu {
            // While the tile is in cache.
            vectorized(
                #[inline(always)]
                || out.iter_mut().for_each(|v| *v = v.max(0.0)),
            )
        }
        out
    }

    /// This convolution restricted to the output rows and columns `pool` reads: without
    /// padding, a pooling with `n` windows of `size` every `stride` reads the first
    /// `(n - 1)·stride + size` (a "valid" pooling drops a last odd row or column).
    fn cropped_for(self, pool: Window2d) -> Self {
        if pool.padding != [[0, 0], [0, 0]] {
            return self;
        }
        let [ph, pw] = pool.output_size(self.output[0], self.output[1]);
        let read =
            |n: usize, axis: usize| (n - 1) * pool.strides[axis] + (pool.size[axis] - 1) * pool.dilation[axis] + 1;
        Conv { output: [read(ph, 0).min(self.output[0]), read(pw, 1).min(self.output[1])], ..self }
    }

    /// Whether [`Conv::direct`] computes this convolution: one input channel (a first layer on
    /// grey images), stride 1, no dilation or padding, 16, 32 or 64 filters, on a CPU with
    /// AVX-512. Its im2col would have rows of `kh·kw + 1` floats (10 for 3×3), a shape the
    /// matmul runs far below its rate.
    fn is_direct(&self) -> bool {
        let w = &self.window;
        self.input[3] == 1
            && w.strides == [1, 1]
            && w.dilation == [1, 1]
            && w.padding == [[0, 0], [0, 0]]
            && matches!(self.kernel[2], 16 | 32 | 64)
            && direct::available()
    }

    /// The convolution of `images` images from image `first`, plus the bias, then a ReLU when
    /// `relu` is set, into `out`: one row of `filters` per output position, as the matmul path
    /// writes it, or with `pooled` the rows of the `MaxPooling2D(2)` that follows (see
    /// [`Conv::is_direct`]).
    #[allow(clippy::too_many_arguments)]
    fn direct(
        &self,
        x: &[f32],
        first: usize,
        images: usize,
        weights: &[f32],
        relu: bool,
        pooled: bool,
        out: &mut [MaybeUninit<f32>],
    ) {
        let ([_, height, width, _], [kh, kw, filters]) = (self.input, self.kernel);
        let plane = height * width;
        let x = &x[first * plane..][..images * plane];
        direct::convolve(x, [height, width], [kh, kw], filters, weights, relu, pooled, out);
    }

    /// The kernel `(taps, filters)` with the bias as one more row.
    fn kernel_and_bias(kernel: &[f32], bias: &[f32]) -> Vec<f32> {
        kernel.iter().chain(bias).copied().collect()
    }

    /// Adds each patch row's gradient (`taps` wide, no bias column) back at the input positions it was copied from.
    fn col2im(&self, dcols: &[f32], dx: &mut [f32]) {
        let ([_, height, width, channels], [_, ow]) = (self.input, self.output);
        let (taps, rows) = (self.taps(), self.rows_per_image());
        let window = self.window;
        vectorized(
            #[inline(always)]
            || {
                for (image, plane) in dcols.chunks(rows * taps).zip(dx.chunks_mut(self.image_len())) {
                    for (p, row) in image.chunks(taps).enumerate() {
                        window.for_each_run([p / ow, p % ow], [height, width], |tap, at, taps| {
                            let len = taps * channels;
                            let dst = &mut plane[at * channels..][..len];
                            dst.iter_mut().zip(&row[tap * channels..][..len]).for_each(|(d, s)| *d += s);
                        });
                    }
                }
            },
        )
    }
}

/// `count` runs of `len` floats: run `i` from `src[i * src_stride..]` to `dst[i * dst_stride..]`
/// (one kernel row's inputs into each patch row of an output row).
struct Runs {
    len: usize,
    dst_stride: usize,
    src_stride: usize,
}

impl Runs {
    #[inline(always)]
    fn copy(&self, dst: &mut [f32], src: &[f32], count: usize) {
        // The narrow runs of one- and few-channel inputs (3 floats for a 3×3 kernel over one
        // channel) with their length known at compile time, so each is a few moves.
        match self.len {
            3 => self.copy_fixed::<3>(dst, src, count),
            5 => self.copy_fixed::<5>(dst, src, count),
            6 => self.copy_fixed::<6>(dst, src, count),
            9 => self.copy_fixed::<9>(dst, src, count),
            _ => (0..count).for_each(|i| {
                copy(&mut dst[i * self.dst_stride..][..self.len], &src[i * self.src_stride..][..self.len])
            }),
        }
    }

    #[inline(always)]
    fn copy_fixed<const N: usize>(&self, dst: &mut [f32], src: &[f32], count: usize) {
        for i in 0..count {
            let from: &[f32; N] = src[i * self.src_stride..][..N].try_into().expect("N floats");
            dst[i * self.dst_stride..][..N].copy_from_slice(from);
        }
    }
}

/// `dst.copy_from_slice(src)`, without a `memcpy` call for the few floats of a narrow input's
/// kernel row (three, for a 3×3 kernel over one channel).
#[inline(always)]
fn copy(dst: &mut [f32], src: &[f32]) {
    if dst.len() <= 8 {
        dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s);
    } else {
        dst.copy_from_slice(src);
    }
}

/// Initialised floats viewed as possibly uninitialised ones (to be overwritten): always sound.
fn as_uninit(values: &mut [f32]) -> &mut [MaybeUninit<f32>] {
    // SAFETY: `MaybeUninit<f32>` has `f32`'s layout, and every value written through it is a
    // valid `f32`, so the slice stays initialised.
    unsafe { &mut *(values as *mut [f32] as *mut [MaybeUninit<f32>]) }
}

thread_local! {
    /// Each compute thread's patch buffer, reused from tile to tile.
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Each compute thread's convolution output of a tile, when it is pooled at once.
    static TILE_OUTPUT: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Max pooling of one image `plane` `(height, width, channels)` into `out` `(oh, ow, channels)`.
fn max_pool_image(plane: &[f32], out: &mut [f32], window: Window2d, [height, width]: [usize; 2], channels: usize) {
    let [oh, ow] = window.output_size(height, width);
    if window.padding == [[0, 0], [0, 0]] && window.dilation == [1, 1] {
        // Every tap inside the image (Keras' "valid", the usual case): each output starts as its
        // first tap and takes the others' maxima, with no per-tap bounds logic.
        let ([kh, kw], [sh, sw]) = (window.size, window.strides);
        vectorized(
            #[inline(always)]
            || {
                for (p, out) in out.chunks_mut(channels).enumerate().take(oh * ow) {
                    let (top, left) = (p / ow * sh, p % ow * sw);
                    let at = |i: usize, j: usize| &plane[((top + i) * width + left + j) * channels..][..channels];
                    out.copy_from_slice(at(0, 0));
                    for (i, j) in (0..kh).flat_map(|i| (0..kw).map(move |j| (i, j))).skip(1) {
                        out.iter_mut().zip(at(i, j)).for_each(|(o, &s)| *o = o.max(s));
                    }
                }
            },
        );
        return;
    }
    out.fill(f32::NEG_INFINITY);
    vectorized(
        #[inline(always)]
        || {
            for (p, out) in out.chunks_mut(channels).enumerate() {
                window.for_each_tap([p / ow, p % ow], [height, width], |_, at| {
                    let src = &plane[at * channels..][..channels];
                    out.iter_mut().zip(src).for_each(|(o, &s)| *o = o.max(s));
                });
            }
        },
    )
}

impl WindowKernels for Flex {
    fn conv2d_forward(
        x: FlexTensor,
        kernel: FlexTensor,
        bias: FlexTensor,
        window: Window2d,
        relu: bool,
        pool: Option<Window2d>,
    ) -> FlexTensor {
        let conv = Conv::new(dims4(&x), dims4(&kernel), window);
        let (batch, filters, rows) = (conv.input[0], conv.kernel[2], conv.rows_per_image());
        let (x, weights) = (values(&x), Conv::kernel_and_bias(&values(&kernel), &values(&bias)));
        let tile = conv.images_per_tile();
        if let Some(pool) = pool {
            // Each tile's output pooled while in cache: the convolution's output is never stored.
            let [ph, pw] = pool.output_size(conv.output[0], conv.output[1]);
            let pooled = ph * pw * filters;
            let mut y = vec![0.0f32; batch * pooled];
            let in_registers = conv.is_direct() && pool == Window2d::POOL_2;
            // Only the rows and columns the pooling reads are computed: after an 11×11
            // convolution a 2×2 pooling reads 10×10 (the MNIST convnet's second layer: 17% less).
            let conv = if conv.is_direct() { conv } else { conv.cropped_for(pool) };
            let (rows, tile) = (conv.rows_per_image(), conv.images_per_tile());
            y.par_chunks_mut(tile * pooled).enumerate().for_each(|(t, out)| {
                let images = out.len() / pooled;
                if in_registers {
                    // Keras' MaxPooling2D(2) after a one-channel convolution: pooled in registers.
                    conv.direct(&x, t * tile, images, &weights, relu, true, as_uninit(out));
                    return;
                }
                TILE_OUTPUT.with_borrow_mut(|tile_out| {
                    tile_out.resize(images * rows * filters, 0.0);
                    conv.tile(&x, t * tile, images, &weights, relu, as_uninit(tile_out));
                    for (plane, out) in tile_out.chunks(rows * filters).zip(out.chunks_mut(pooled)) {
                        max_pool_image(plane, out, pool, conv.output, filters);
                    }
                });
            });
            return tensor(y, &[batch, ph, pw, filters]);
        }
        // Not zeroed first: each tile's product writes all of its part.
        let mut y = Box::<[f32]>::new_uninit_slice(batch * rows * filters);
        y.par_chunks_mut(tile * rows * filters).enumerate().for_each(|(t, out)| {
            let images = out.len() / (rows * filters);
            conv.tile(&x, t * tile, images, &weights, relu, out);
        });
        // SAFETY: the chunks cover `y` and `tile` wrote every element of each.
        let y = unsafe { y.assume_init() }.into_vec();
        tensor(y, &[batch, conv.output[0], conv.output[1], filters])
    }

    fn conv2d_backward(tape: ConvTape<Flex>, grad: FlexTensor, input: bool) -> [Option<FlexTensor>; 3] {
        let conv = Conv::new(dims4(&tape.input), dims4(&tape.kernel), tape.window);
        let (batch, filters, rows, taps) = (conv.input[0], conv.kernel[2], conv.rows_per_image(), conv.taps());
        let (x, kernel, grad) = (values(&tape.input), values(&tape.kernel), values(&grad));
        let output = tape.relu.then(|| values(&tape.output));
        let tile = conv.images_per_tile();
        // One tile: its share of the kernel and bias gradients (the bias's as the last row), and
        // its images' input gradient.
        let run = |t: usize, dx: Option<&mut [f32]>| -> Vec<f32> {
            let (first, images) = (t * tile, tile.min(batch - t * tile));
            let span = first * rows * filters..(first + images) * rows * filters;
            let mut dy = grad[span.clone()].to_vec();
            if let Some(y) = &output {
                // Through the fused ReLU: no gradient where the output was clipped to 0.
                vectorized(
                    #[inline(always)]
                    || dy.iter_mut().zip(&y[span]).for_each(|(g, &y)| *g = if y > 0.0 { *g } else { 0.0 }),
                );
            }
            let dy_mat = Mat::new(&dy, images * rows, filters);
            let mut dweights = vec![0.0f32; (taps + 1) * filters];
            SCRATCH.with_borrow_mut(|cols| {
                conv.im2col(&x, first, images, cols);
                gemm::matmul(&mut dweights, Mat::new(cols, images * rows, taps + 1).t(), dy_mat, false);
                if let Some(dx) = dx {
                    let dcols = &mut cols[..images * rows * taps];
                    gemm::matmul(dcols, dy_mat, Mat::new(&kernel, taps, filters).t(), false);
                    conv.col2im(dcols, dx);
                }
            });
            dweights
        };
        let mut dx = vec![0.0f32; if input { batch * conv.image_len() } else { 0 }];
        let partials: Vec<Vec<f32>> = if input {
            dx.par_chunks_mut(tile * conv.image_len()).enumerate().map(|(t, dx)| run(t, Some(dx))).collect()
        } else {
            (0..batch.div_ceil(tile)).into_par_iter().map(|t| run(t, None)).collect()
        };
        // Tiles summed in order: the same gradients whatever the thread count.
        let mut dkernel = vec![0.0f32; (taps + 1) * filters];
        for part in partials {
            dkernel.iter_mut().zip(part).for_each(|(a, b)| *a += b);
        }
        let dbias = dkernel.split_off(taps * filters);
        let [kh, kw, filters] = conv.kernel;
        [
            input.then(|| tensor(dx, &conv.input)),
            Some(tensor(dkernel, &[kh, kw, conv.input[3], filters])),
            Some(tensor(dbias, &[filters])),
        ]
    }

    fn max_pool2d_forward(x: FlexTensor, window: Window2d, keep_tape: bool) -> (FlexTensor, Option<PoolTape<Flex>>) {
        let input_shape = dims4(&x);
        let [batch, height, width, channels] = input_shape;
        let [oh, ow] = window.output_size(height, width);
        let xs = values(&x);
        let mut y = vec![0.0f32; batch * oh * ow * channels];
        y.par_chunks_mut(oh * ow * channels).enumerate().for_each(|(n, out)| {
            let plane = &xs[n * height * width * channels..][..height * width * channels];
            max_pool_image(plane, out, window, [height, width], channels);
        });
        let y = tensor(y, &[batch, oh, ow, channels]);
        let tape = keep_tape.then(|| PoolTape { input: x.clone(), output: y.clone(), window });
        (y, tape)
    }

    fn max_pool2d_backward(tape: PoolTape<Flex>, grad: FlexTensor) -> FlexTensor {
        let input_shape = dims4(&tape.input);
        let [batch, height, width, channels] = input_shape;
        let [_, oh, ow, _] = dims4(&tape.output);
        let window = tape.window;
        let (xs, ys, grad) = (values(&tape.input), values(&tape.output), values(&grad));
        let per_image = oh * ow * channels;
        let mut dx = vec![0.0f32; batch * height * width * channels];
        dx.par_chunks_mut(height * width * channels).enumerate().for_each(|(n, plane_dx)| {
            let plane = &xs[n * height * width * channels..][..height * width * channels];
            let (ys, gs) = (&ys[n * per_image..][..per_image], &grad[n * per_image..][..per_image]);
            // For each output, the gradient goes to the window's first maximum (as burn's pooling
            // does): `pending` is 1 for the channels whose maximum is not found yet.
            let mut pending = vec![0.0f32; channels];
            vectorized(
                #[inline(always)]
                || {
                    for p in 0..oh * ow {
                        let (target, g) = (&ys[p * channels..][..channels], &gs[p * channels..][..channels]);
                        pending.iter_mut().for_each(|v| *v = 1.0);
                        window.for_each_tap([p / ow, p % ow], [height, width], |_, at| {
                            let at = at * channels;
                            let (x, dx) = (&plane[at..at + channels], &mut plane_dx[at..at + channels]);
                            for k in 0..channels {
                                let hit = if x[k] == target[k] { pending[k] } else { 0.0 };
                                dx[k] += hit * g[k];
                                pending[k] -= hit;
                            }
                        });
                    }
                },
            );
        });
        tensor(dx, &input_shape)
    }
}
