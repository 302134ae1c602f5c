//! Vectorised float32 kernels over slices: `sigmoid` and `tanh`.
//!
//! burn-flex computes both with one scalar libm call per element (5–10 ns each), which made
//! them about a third of an LSTM training step. These are branch-free polynomial forms that
//! the compiler vectorises; [`vectorized`] runs a loop compiled for AVX-512 or AVX2+FMA,
//! picked at run time (no compile-time CPU flags: the binary still runs on any x86-64), and
//! [`map_inplace`] also splits long slices over the compute pool.
//!
//! Accuracy over [-12, 12] against float64 (checked in the tests): `exp` ≤ 1.2e-7 relative,
//! `sigmoid` ≤ 2e-7 absolute, `tanh` ≤ 4e-7 absolute.

/// Slices shorter than this run on the calling thread.
pub(crate) const PARALLEL_CHUNK: usize = 1 << 15;

/// `exp(x)` (Cephes' `expf`: range reduction by ln 2, a degree-5 polynomial, 2^n by bits). The
/// nearest integer `n` comes from adding 1.5 · 2^23 (not from `floor`, a libm call on baseline
/// x86-64), and 2^n is built from that sum's bits, whose low mantissa bits are then `n` plus
/// the constant's: no float-to-int conversion, whose saturating Rust semantics (`as i32`)
/// compile to a scalar per lane and made this a third of an LSTM step's cell.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23
    let x = x.clamp(-87.3, 88.3);
    let shifted = x * std::f32::consts::LOG2_E + ROUND; // exactly ROUND + n, n in [-126, 127]
    let n = shifted - ROUND;
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let mut p = 1.987_569_1e-4_f32;
    for c in [1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 0.166_666_65, 0.5] {
        p = p * r + c;
    }
    let y = p * r * r + r + 1.0;
    let biased = shifted.to_bits().wrapping_sub(ROUND.to_bits()).wrapping_add(127); // n + 127 in [1, 254]
    y * f32::from_bits(biased << 23)
}

/// `1 / (1 + exp(-x))`.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `tanh(x)`: a rational [13/6] approximation on [-7.9, 7.9] (Eigen's `ptanh_float`), ±1 beyond.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    let x = x.clamp(-7.905_311, 7.905_311);
    let x2 = x * x;
    let mut p = -2.760_768_5e-16_f32;
    for c in [2.000_188e-13, -8.604_672e-11, 5.122_297e-8, 1.485_722_4e-5, 6.372_619_3e-4, 4.893_524_6e-3] {
        p = p * x2 + c;
    }
    let mut q = 1.198_258_4e-6_f32;
    for c in [1.185_347_1e-4, 2.268_434_6e-3, 4.893_525e-3] {
        q = q * x2 + c;
    }
    p * x / q
}

/// Applies `f` to every element in place, vectorised for the widest instruction set the CPU
/// has, on the compute pool's threads for long slices. `f` is one of the `#[inline(always)]`
/// kernels above: each instantiation inlines it into loops compiled per instruction set.
pub(crate) fn map_inplace<F: Fn(f32) -> f32 + Copy + Send + Sync>(values: &mut [f32], f: F) {
    if values.len() <= PARALLEL_CHUNK {
        vectorized(
            #[inline(always)]
            || values.iter_mut().for_each(|v| *v = f(*v)),
        );
    } else {
        use rayon::prelude::*;
        values.par_chunks_mut(PARALLEL_CHUNK).for_each(|chunk| {
            vectorized(
                #[inline(always)]
                || chunk.iter_mut().for_each(|v| *v = f(*v)),
            )
        });
    }
}

/// Runs `op` (a loop over slices) compiled for AVX-512 or AVX2+FMA when the CPU has them:
/// `op` is inlined into a function with those target features, so its loops vectorise with
/// the wider registers; the features are checked at run time.
#[inline(always)]
pub(crate) fn vectorized<R>(op: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        // Not in fuzzing builds: nightly LLVM with sanitizer coverage fails to select an AVX-512
        // mask operation in max pooling ("Cannot select: v16i1 = insert_subvector"); the AVX2
        // path fuzzes the same code.
        #[cfg(not(fuzzing))]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked just above).
            return unsafe { with_avx512(op) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            return unsafe { with_avx2(op) };
        }
    }
    op()
}

#[cfg(all(target_arch = "x86_64", not(fuzzing)))]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn with_avx512<R>(op: impl FnOnce() -> R) -> R {
    op()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn with_avx2<R>(op: impl FnOnce() -> R) -> R {
    op()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> impl Iterator<Item = f32> {
        (-120_000..=120_000).map(|i| i as f32 * 1e-4)
    }

    #[test]
    fn exp_sigmoid_and_tanh_match_float64() {
        for x in grid() {
            let e = f64::from(x).exp();
            assert!((f64::from(exp(x)) - e).abs() <= 1.2e-7 * e, "exp({x})");
            let s = 1.0 / (1.0 + (-f64::from(x)).exp());
            assert!((f64::from(sigmoid(x)) - s).abs() <= 2e-7, "sigmoid({x})");
            assert!((f64::from(tanh(x)) - f64::from(x).tanh()).abs() <= 4e-7, "tanh({x})");
        }
        assert!(sigmoid(-1000.0) < 1e-38);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(tanh(100.0), tanh(7.905_311));
        assert!(tanh(1e-6) > 0.0 && (tanh(1e-6) - 1e-6).abs() < 1e-12);
    }

    #[test]
    fn map_inplace_equals_the_scalar_kernel_on_every_path() {
        for len in [0, 1, 7, 16, 33, PARALLEL_CHUNK + 5] {
            let input: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin() * 9.0).collect();
            for f in [sigmoid as fn(f32) -> f32, tanh] {
                let mut v = input.clone();
                map_inplace(&mut v, f);
                let expected: Vec<f32> = input.iter().map(|&x| f(x)).collect();
                let close = v.iter().zip(&expected).all(|(a, b)| (a - b).abs() <= 1e-6);
                assert!(close, "len {len}");
            }
        }
    }
}
