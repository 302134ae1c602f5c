//! Float32 matrix products on host slices, through the `gemm` crate burn-flex uses (AVX-512
//! or AVX2+FMA kernels picked at run time).
//!
//! The fused CPU ops call it on tiles of their own buffers (a convolution's patches per group
//! of images), where going through burn tensors would mean a tensor per tile.

use std::mem::MaybeUninit;

/// A read-only matrix view: element `(i, j)` is `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mat<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> Mat<'a> {
    /// A row-major `rows × cols` matrix.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Mat { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// The transpose (a view: strides swapped).
    pub fn t(self) -> Self {
        Mat {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// Whether every element the strides reach lies inside `data`.
    fn in_bounds(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride < self.data.len()
    }
}

/// `dst = a @ b` (or `dst += a @ b` with `accumulate`), `dst` row-major `a.rows × b.cols`, on
/// the calling thread (callers parallelise over tiles).
pub(crate) fn matmul(dst: &mut [f32], a: Mat<'_>, b: Mat<'_>, accumulate: bool) {
    assert!(dst.len() == a.rows * b.cols, "matmul: shapes do not fit");
    // SAFETY: `dst` is initialised, so reading it (accumulate) is fine.
    unsafe { product(dst.as_mut_ptr(), a, b, accumulate) }
}

/// `dst = a @ b` into memory that need not be initialised (an output buffer nothing has
/// zeroed: the product writes every element), returned as the initialised values.
pub(crate) fn matmul_into<'d>(dst: &'d mut [MaybeUninit<f32>], a: Mat<'_>, b: Mat<'_>) -> &'d mut [f32] {
    assert!(dst.len() == a.rows * b.cols, "matmul: shapes do not fit");
    // SAFETY: without `accumulate`, `dst` is only written, every element of it (k == 0 fills
    // zeros), so afterwards it is initialised and `MaybeUninit<f32>` has `f32`'s layout.
    unsafe {
        product(dst.as_mut_ptr().cast(), a, b, false);
        &mut *(dst as *mut [MaybeUninit<f32>] as *mut [f32])
    }
}

/// `dst (+)= a @ b` through the `gemm` crate.
///
/// # Safety
/// `dst` points to `a.rows × b.cols` writable floats that do not overlap `a` or `b`, and are
/// initialised when `accumulate` is set.
unsafe fn product(dst: *mut f32, a: Mat<'_>, b: Mat<'_>, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(b.rows == k && a.in_bounds() && b.in_bounds(), "matmul: shapes do not fit");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            // SAFETY: `dst` holds m × n writable floats (the caller's contract).
            unsafe { std::ptr::write_bytes(dst, 0, m * n) };
        }
        return;
    }
    // SAFETY: every index the strides reach is inside the slices (checked above); `dst` holds
    // m × n floats, does not overlap the inputs and is read only when `accumulate` is set.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_with_transposes_and_accumulation_match_the_definition() {
        let a: Vec<f32> = (0..6).map(|v| v as f32).collect(); // 2×3
        let b: Vec<f32> = (0..12).map(|v| v as f32 - 3.0).collect(); // 3×4
        let mut c = vec![1.0; 8];
        matmul(&mut c, Mat::new(&a, 2, 3), Mat::new(&b, 3, 4), false);
        let expected: Vec<f32> = (0..8).map(|e| (0..3).map(|k| a[(e / 4) * 3 + k] * b[k * 4 + e % 4]).sum()).collect();
        assert_eq!(c, expected);
        // (aᵀ)ᵀ b, accumulated onto the previous result.
        let at: Vec<f32> = (0..6).map(|e| a[(e % 2) * 3 + e / 2]).collect(); // 3×2
        matmul(&mut c, Mat::new(&at, 3, 2).t(), Mat::new(&b, 3, 4), true);
        assert_eq!(c, expected.iter().map(|v| 2.0 * v).collect::<Vec<_>>());
    }

    #[test]
    #[should_panic(expected = "shapes do not fit")]
    fn views_past_the_end_are_refused() {
        let a = vec![0.0; 5];
        matmul(&mut [0.0; 4], Mat::new(&a, 2, 3), Mat::new(&[0.0; 6], 3, 2), false);
    }
}
