//! A direct (no im2col, no matmul) convolution for one-channel inputs — the first layer of a
//! convnet on grey images — with AVX-512: each output position's 16, 32 or 64 filter sums stay
//! in registers while the `kh·kw` taps are added, four neighbouring positions at a time.
//!
//! Through im2col this layer is a matmul with rows of `kh·kw + 1` floats (10 for 3×3), which
//! runs far below the matmul's rate: on the MNIST convnet its first layer took ~40% of
//! `predict` for ~8% of the multiply-adds.

use std::mem::MaybeUninit;

/// Whether this CPU runs [`convolve`] (AVX-512F, checked at run time).
pub(super) fn available() -> bool {
    #[cfg(all(target_arch = "x86_64", not(fuzzing)))]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(all(target_arch = "x86_64", not(fuzzing))))]
    {
        false
    }
}

/// `out[image, r, c, f] = bias[f] + Σ_{i,j} x[image, r + i, c + j] · kernel[i, j, f]` for the
/// images of `x` (`(images, height, width)`, one channel), a valid stride-1 convolution with a
/// `[kh, kw]` kernel and `filters` ∈ {16, 32, 64}; `weights` is the kernel `(kh·kw, filters)`
/// then the bias row; a ReLU is applied when `relu` is set. Without `pooled`, `out` is
/// `(images, oh, ow, filters)`; with it, the convolution is followed by a 2×2 max pooling with
/// stride 2 (Keras' `MaxPooling2D(2)`) done in registers, and `out` is
/// `(images, oh / 2, ow / 2, filters)` (a last odd row or column of the convolution is left
/// out, as the pooling's "valid" padding does). Every element of `out` is written.
///
/// # Panics
/// When the sizes do not fit each other, or [`available`] is false.
#[allow(clippy::too_many_arguments)]
pub(super) fn convolve(
    x: &[f32],
    [height, width]: [usize; 2],
    [kh, kw]: [usize; 2],
    filters: usize,
    weights: &[f32],
    relu: bool,
    pooled: bool,
    out: &mut [MaybeUninit<f32>],
) {
    assert!(available(), "the direct convolution needs AVX-512");
    assert!(kh >= 1 && kw >= 1 && kh <= height && kw <= width, "kernel larger than the image");
    let (oh, ow) = (height - kh + 1, width - kw + 1);
    let images = x.len() / (height * width);
    assert!(x.len() == images * height * width, "x is not whole images");
    assert!(weights.len() == (kh * kw + 1) * filters, "weights are not (kh·kw + 1, filters)");
    let positions = if pooled { (oh / 2) * (ow / 2) } else { oh * ow };
    assert!(out.len() == images * positions * filters, "out does not hold (images, positions, filters)");
    #[cfg(all(target_arch = "x86_64", not(fuzzing)))]
    {
        let geometry = Geometry { height, width, kh, kw, oh, ow, relu };
        // SAFETY: AVX-512F is available (asserted above) and the slices have the sizes
        // `Geometry` describes (asserted above), which is all the kernels read and write.
        unsafe {
            match (filters, pooled) {
                (16, false) => avx512::convolve::<1>(x, &geometry, weights, out),
                (32, false) => avx512::convolve::<2>(x, &geometry, weights, out),
                (64, false) => avx512::convolve::<4>(x, &geometry, weights, out),
                (16, true) => avx512::convolve_pooled::<1>(x, &geometry, weights, out),
                (32, true) => avx512::convolve_pooled::<2>(x, &geometry, weights, out),
                (64, true) => avx512::convolve_pooled::<4>(x, &geometry, weights, out),
                (other, _) => panic!("the direct convolution takes 16, 32 or 64 filters, not {other}"),
            }
        }
    }
    #[cfg(not(all(target_arch = "x86_64", not(fuzzing))))]
    unreachable!("available() is false here")
}

/// Image and kernel sizes of one call.
#[cfg(all(target_arch = "x86_64", not(fuzzing)))]
struct Geometry {
    height: usize,
    width: usize,
    kh: usize,
    kw: usize,
    oh: usize,
    ow: usize,
    /// Whether outputs are clipped at 0.
    relu: bool,
}

#[cfg(all(target_arch = "x86_64", not(fuzzing)))]
mod avx512 {
    use std::arch::x86_64::*;
    use std::mem::MaybeUninit;

    use super::Geometry;

    /// [`super::convolve`] with `V` vectors of 16 filters.
    ///
    /// # Safety
    /// AVX-512F is available; `x` holds whole `height × width` images, `weights`
    /// `(kh·kw + 1) · 16V` floats and `out` `images · oh · ow · 16V`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn convolve<const V: usize>(
        x: &[f32],
        g: &Geometry,
        weights: &[f32],
        out: &mut [MaybeUninit<f32>],
    ) {
        let f = 16 * V;
        let plane = g.height * g.width;
        let (w, o) = (weights.as_ptr(), out.as_mut_ptr().cast::<f32>());
        // SAFETY (all pointer offsets below): image `m`'s rows `r + i < height` and columns
        // `c + n + j < width` (as `c + n < ow` and `j < kw`); weights rows `tap < kh·kw` and the
        // bias row `kh·kw`; outputs `(m, r, c + n) < (images, oh, ow)`, each `f` wide.
        unsafe {
            let bias: [__m512; V] = std::array::from_fn(|v| _mm512_loadu_ps(w.add(g.kh * g.kw * f + 16 * v)));
            for m in 0..x.len() / plane {
                let image = x.as_ptr().add(m * plane);
                let image_out = o.add(m * g.oh * g.ow * f);
                for r in 0..g.oh {
                    let mut c = 0;
                    while c + 4 <= g.ow {
                        block::<V, 4>(image, g, [r, c], w, bias, image_out.add((r * g.ow + c) * f));
                        c += 4;
                    }
                    while c < g.ow {
                        block::<V, 1>(image, g, [r, c], w, bias, image_out.add((r * g.ow + c) * f));
                        c += 1;
                    }
                }
            }
        }
    }

    /// [`super::convolve`] with `pooled`, with `V` vectors of 16 filters.
    ///
    /// # Safety
    /// As [`convolve`], with `out` holding `images · (oh / 2) · (ow / 2) · 16V` floats.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn convolve_pooled<const V: usize>(
        x: &[f32],
        g: &Geometry,
        weights: &[f32],
        out: &mut [MaybeUninit<f32>],
    ) {
        let f = 16 * V;
        let plane = g.height * g.width;
        let (ph, pw) = (g.oh / 2, g.ow / 2);
        let (w, o) = (weights.as_ptr(), out.as_mut_ptr().cast::<f32>());
        // SAFETY: as in `convolve`; pooled output `(m, pr, pc) < (images, ph, pw)` reads the
        // convolution at rows `2pr, 2pr + 1 < oh` and columns `2pc, 2pc + 1 < ow`.
        unsafe {
            let bias: [__m512; V] = std::array::from_fn(|v| _mm512_loadu_ps(w.add(g.kh * g.kw * f + 16 * v)));
            for m in 0..x.len() / plane {
                let image = x.as_ptr().add(m * plane);
                let image_out = o.add(m * ph * pw * f);
                for pr in 0..ph {
                    let mut pc = 0;
                    while pc + 2 <= pw {
                        let top = sums::<V, 4>(image, g, [2 * pr, 2 * pc], w, bias);
                        let bottom = sums::<V, 4>(image, g, [2 * pr + 1, 2 * pc], w, bias);
                        for k in 0..2 {
                            let pooled: [__m512; V] = std::array::from_fn(|v| {
                                let top = _mm512_max_ps(top[2 * k][v], top[2 * k + 1][v]);
                                _mm512_max_ps(top, _mm512_max_ps(bottom[2 * k][v], bottom[2 * k + 1][v]))
                            });
                            store(g, pooled, image_out.add((pr * pw + pc + k) * f));
                        }
                        pc += 2;
                    }
                    if pc < pw {
                        let top = sums::<V, 2>(image, g, [2 * pr, 2 * pc], w, bias);
                        let bottom = sums::<V, 2>(image, g, [2 * pr + 1, 2 * pc], w, bias);
                        let pooled: [__m512; V] = std::array::from_fn(|v| {
                            _mm512_max_ps(
                                _mm512_max_ps(top[0][v], top[1][v]),
                                _mm512_max_ps(bottom[0][v], bottom[1][v]),
                            )
                        });
                        store(g, pooled, image_out.add((pr * pw + pc) * f));
                    }
                }
            }
        }
    }

    /// `N` neighbouring output positions `(r, c..c + N)`, stored.
    ///
    /// # Safety
    /// As [`convolve`], for positions `(r, c..c + N)` inside the output.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn block<const V: usize, const N: usize>(
        image: *const f32,
        g: &Geometry,
        at: [usize; 2],
        w: *const f32,
        bias: [__m512; V],
        out: *mut f32,
    ) {
        // SAFETY: the caller's contract.
        unsafe {
            let sums = sums::<V, N>(image, g, at, w, bias);
            for (n, sum) in sums.into_iter().enumerate() {
                store(g, sum, out.add(n * 16 * V));
            }
        }
    }

    /// The sums of `N` neighbouring output positions `(r, c..c + N)`: `N × V` vectors kept in
    /// registers while the taps are added.
    ///
    /// # Safety
    /// As [`convolve`], for positions `(r, c..c + N)` inside the convolution's output.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn sums<const V: usize, const N: usize>(
        image: *const f32,
        g: &Geometry,
        [r, c]: [usize; 2],
        w: *const f32,
        bias: [__m512; V],
    ) -> [[__m512; V]; N] {
        let f = 16 * V;
        let mut sums: [[__m512; V]; N] = [bias; N];
        // SAFETY: the caller's contract (see `convolve`).
        unsafe {
            for i in 0..g.kh {
                let line = image.add((r + i) * g.width + c);
                for j in 0..g.kw {
                    let tap = w.add((i * g.kw + j) * f);
                    let taps: [__m512; V] = std::array::from_fn(|v| _mm512_loadu_ps(tap.add(16 * v)));
                    for (n, sum) in sums.iter_mut().enumerate() {
                        let value = _mm512_set1_ps(*line.add(n + j));
                        for v in 0..V {
                            sum[v] = _mm512_fmadd_ps(value, taps[v], sum[v]);
                        }
                    }
                }
            }
        }
        sums
    }

    /// One position's `16V` values, clipped at 0 with `g.relu` (max pooling commutes with it).
    ///
    /// # Safety
    /// `out` has room for `16V` floats.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store<const V: usize>(g: &Geometry, values: [__m512; V], out: *mut f32) {
        for (v, value) in values.into_iter().enumerate() {
            let value = if g.relu { _mm512_max_ps(value, _mm512_setzero_ps()) } else { value };
            // SAFETY: the caller's contract.
            unsafe { _mm512_storeu_ps(out.add(16 * v), value) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_definition_on_odd_sizes() {
        if !available() {
            return;
        }
        for (height, width, kh, kw, filters) in
            [(6, 11, 3, 3, 32), (5, 9, 2, 4, 16), (4, 4, 1, 1, 64), (3, 7, 3, 7, 16)]
        {
            let images = 3;
            let x: Vec<f32> = (0..images * height * width).map(|i| ((i * 37) % 29) as f32 / 7.0 - 2.0).collect();
            let weights: Vec<f32> = (0..(kh * kw + 1) * filters).map(|i| ((i * 11) % 17) as f32 / 9.0 - 1.0).collect();
            let (oh, ow) = (height - kh + 1, width - kw + 1);
            let mut out = vec![MaybeUninit::new(f32::NAN); images * oh * ow * filters];
            let relu = filters == 32;
            convolve(&x, [height, width], [kh, kw], filters, &weights, relu, false, &mut out);
            for (e, got) in out.iter().enumerate() {
                let (m, r, c, f) = (e / (oh * ow * filters), e / (ow * filters) % oh, e / filters % ow, e % filters);
                let mut want = weights[kh * kw * filters + f];
                for i in 0..kh {
                    for j in 0..kw {
                        want += x[(m * height + r + i) * width + c + j] * weights[(i * kw + j) * filters + f];
                    }
                }
                let want = if relu { want.max(0.0) } else { want };
                // SAFETY: every element was written (a NaN left over would fail below anyway).
                let got = unsafe { got.assume_init() };
                assert!(
                    (got - want).abs() <= 1e-5 * (1.0 + want.abs()),
                    "{height}x{width} k{kh}x{kw}: {got} vs {want}"
                );
            }
            // Pooled 2×2: the maximum of each window of the output just checked.
            let conv: Vec<f32> = out.iter().map(|v| unsafe { v.assume_init() }).collect();
            let (ph, pw) = (oh / 2, ow / 2);
            let mut pooled = vec![MaybeUninit::new(f32::NAN); images * ph * pw * filters];
            convolve(&x, [height, width], [kh, kw], filters, &weights, relu, true, &mut pooled);
            for (e, got) in pooled.iter().enumerate() {
                let (m, r, c, f) = (e / (ph * pw * filters), e / (pw * filters) % ph, e / filters % pw, e % filters);
                let at = |dr: usize, dc: usize| conv[((m * oh + 2 * r + dr) * ow + 2 * c + dc) * filters + f];
                let want = at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1));
                // SAFETY: as above.
                let got = unsafe { got.assume_init() };
                assert!(
                    (got - want).abs() <= 1e-6 * (1.0 + want.abs()),
                    "pooled {height}x{width} k{kh}x{kw}: {got} vs {want}"
                );
            }
        }
    }
}
