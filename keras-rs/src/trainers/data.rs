//! Host data: conversion of user arrays, validation split, shuffling, batching.

use ndarray::{ArrayBase, ArrayD, ArrayViewD, Axis, CowArray, Dimension, IxDyn};

use crate::backend::DynTensor;
use crate::error::{Error, Result};

/// A number that converts to `f32` (the element types users pass: floats, integers, bool).
pub trait ToF32: Copy {
    /// The value as `f32`.
    fn to_f32(self) -> f32;

    /// The values themselves when they already are `f32` (borrowed, not converted).
    fn as_f32_slice(values: &[Self]) -> Option<&[f32]> {
        let _ = values;
        None
    }
}

impl ToF32 for f32 {
    fn to_f32(self) -> f32 {
        self
    }

    fn as_f32_slice(values: &[f32]) -> Option<&[f32]> {
        Some(values)
    }
}

macro_rules! to_f32_as {
    ($($t:ty),*) => {$(
        impl ToF32 for $t {
            fn to_f32(self) -> f32 {
                self as f32
            }
        }
    )*};
}
to_f32_as!(f64, u8, u16, u32, u64, usize, i8, i16, i32, i64);

impl ToF32 for bool {
    fn to_f32(self) -> f32 {
        if self { 1.0 } else { 0.0 }
    }
}

/// Anything `fit`, `evaluate` and `predict` accept as data: an `ndarray` array of any
/// dimension whose elements convert to `f32` (pixels as `u8`, labels as `u8`/`i64`/`f32`, ...).
pub trait ArrayInput {
    /// The data as a standard-layout `f32` array: the array itself, borrowed, when it already
    /// is one (no copy); otherwise a converted copy.
    fn as_f32(&self) -> CowArray<'_, f32, IxDyn>;
}

impl<A, S, D> ArrayInput for ArrayBase<S, D>
where
    A: ToF32,
    S: ndarray::Data<Elem = A>,
    D: Dimension,
{
    fn as_f32(&self) -> CowArray<'_, f32, IxDyn> {
        if let Some(values) = self.as_slice().and_then(A::as_f32_slice)
            && let Ok(view) = ArrayViewD::from_shape(IxDyn(self.shape()), values)
        {
            return view.into();
        }
        // In logical (row-major) order whatever the memory order: Fortran-order arrays (polars'
        // `to_ndarray`), transposed, reversed and strided views all come out standard.
        let values: Vec<f32> = self.iter().map(|v| v.to_f32()).collect();
        ArrayD::from_shape_vec(IxDyn(self.shape()), values).expect("one value per element of the shape").into()
    }
}

/// Keras' `train_validation_split`: the first `floor(n * (1 - split))` samples train, the rest
/// validate; taken before any shuffling.
pub fn split_validation<'a>(data: Data<'a>, split: f64) -> Result<(Data<'a>, Option<Data<'a>>)> {
    if !(0.0..1.0).contains(&split) {
        return Err(Error::value(format!(
            "`validation_split` must be in the range [0, 1). Received: validation_split={split}"
        )));
    }
    if split == 0.0 {
        return Ok((data, None));
    }
    let n = data.len();
    let at = (n as f64 * (1.0 - split)).floor() as usize;
    if at == 0 || at == n {
        return Err(Error::value(format!(
            "Training data contains {n} samples, which is not sufficient to split it into a validation and training \
             set as specified by `validation_split={split}`. Either provide more data, or a different value for the \
             `validation_split` argument."
        )));
    }
    // Views of the caller's arrays: no copy.
    let split_all = |arrays: Vec<ArrayViewD<'a, f32>>| -> (Vec<ArrayViewD<'a, f32>>, Vec<ArrayViewD<'a, f32>>) {
        arrays.into_iter().map(|a| a.split_at(Axis(0), at)).unzip()
    };
    let (xt, xv) = split_all(data.x);
    let (yt, yv) = split_all(data.y);
    let (wt, wv) = match data.w {
        Some(w) => {
            let (t, v) = w.view().split_at(Axis(0), at);
            (Some(t.to_owned()), Some(v.to_owned()))
        }
        None => (None, None),
    };
    Ok((Data { x: xt, y: yt, w: wt }, Some(Data { x: xv, y: yv, w: wv })))
}

/// Inputs and targets of the same length, borrowed from the caller's arrays (or from their
/// `f32` conversions).
#[derive(Clone, Debug)]
pub struct Data<'a> {
    /// One array per model input, samples first.
    pub x: Vec<ArrayViewD<'a, f32>>,
    /// One array per target (outputs with a loss), samples first.
    pub y: Vec<ArrayViewD<'a, f32>>,
    /// Per-sample loss weights (`sample_weight`, or `class_weight` turned into them).
    pub w: Option<ArrayD<f32>>,
}

impl<'a> Data<'a> {
    /// Pairs inputs with targets, checking that every array has the same number of samples.
    pub fn new(x: Vec<ArrayViewD<'a, f32>>, y: Vec<ArrayViewD<'a, f32>>) -> Result<Self> {
        check_cardinality(&x, &y)?;
        Ok(Data { x, y, w: None })
    }

    /// Adds per-sample loss weights (one per sample).
    pub fn with_weights(mut self, w: Option<ArrayD<f32>>) -> Result<Self> {
        // A column `(n, 1)` is taken as the vector `(n,)`, as Keras squeezes it.
        let w = w.map(|w| match w.shape() {
            [n, 1] => ArrayD::from_shape_vec(ndarray::IxDyn(&[*n]), w.iter().copied().collect()).unwrap_or(w),
            _ => w,
        });
        if let Some(w) = &w
            && (w.len() != self.len() || w.ndim() != 1)
        {
            return Err(Error::value(format!(
                "`sample_weight` needs one weight per sample: {} samples, received an array of shape {:?}.",
                self.len(),
                w.shape()
            )));
        }
        self.w = w;
        Ok(self)
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.x.first().map_or(0, |a| a.len_of(Axis(0)))
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Keras' check that inputs and targets have the same number of samples.
pub fn check_cardinality(x: &[ArrayViewD<'_, f32>], y: &[ArrayViewD<'_, f32>]) -> Result<()> {
    let sizes = |arrays: &[ArrayViewD<'_, f32>]| -> Vec<usize> {
        arrays.iter().map(|a| a.shape().first().copied().unwrap_or(0)).collect()
    };
    let (nx, ny) = (sizes(x), sizes(y));
    let first = nx.first().copied().unwrap_or(0);
    if nx.iter().chain(&ny).any(|&n| n != first) {
        let list = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
        return Err(Error::value(format!(
            "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. \
             'x' sizes: {}, 'y' sizes: {}",
            list(&nx),
            list(&ny)
        )));
    }
    if first == 0 {
        return Err(Error::value("Expected input data to have at least one sample, received 0 samples."));
    }
    Ok(())
}

/// The sample indices of each batch: `batch_size` at a time, the last batch smaller.
pub fn batches(order: &[usize], batch_size: usize) -> impl Iterator<Item = &[usize]> {
    order.chunks(batch_size.max(1))
}

/// Gathers samples `idx` of `a` (standard layout) into a device tensor with the batch first:
/// the one host copy of a batch.
pub fn gather(a: &ArrayViewD<'_, f32>, idx: &[usize], device: &burn::tensor::Device) -> Result<DynTensor> {
    let shape = a.shape();
    let row: usize = shape[1..].iter().product();
    let src = a.as_slice().ok_or_else(|| Error::Backend("array is not in standard layout".into()))?;
    let contiguous = idx.windows(2).all(|w| w[1] == w[0] + 1);
    let values = if contiguous && !idx.is_empty() {
        src[idx[0] * row..(idx[idx.len() - 1] + 1) * row].to_vec()
    } else {
        let mut v = Vec::with_capacity(idx.len() * row);
        for &i in idx {
            v.extend_from_slice(&src[i * row..(i + 1) * row]);
        }
        v
    };
    let mut dims = vec![idx.len()];
    dims.extend_from_slice(&shape[1..]);
    DynTensor::from_data(values, &dims, device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2};

    #[test]
    fn split_takes_the_last_fraction() {
        let x = Array2::from_shape_fn((10, 2), |(i, j)| (i * 2 + j) as f32).into_dyn();
        let y = Array1::from_shape_fn(10, |i| i as f32).into_dyn();
        let (train, val) = split_validation(Data::new(vec![x.view()], vec![y.view()]).unwrap(), 0.2).unwrap();
        assert_eq!(train.len(), 8);
        assert_eq!(val.unwrap().y[0].as_slice().unwrap(), &[8.0, 9.0]);
        let data = Data::new(vec![x.view()], vec![y.view()]).unwrap();
        assert!(split_validation(data.clone(), 1.0).unwrap_err().to_string().contains("validation_split=1"));
        assert!(split_validation(data, -0.1).is_err());
    }

    #[test]
    fn batches_end_with_a_smaller_one_and_gather_picks_rows() {
        let order: Vec<usize> = (0..10).collect();
        let sizes: Vec<usize> = batches(&order, 4).map(|b| b.len()).collect();
        assert_eq!(sizes, vec![4, 4, 2]);
        let device = keras_rs_backends::default_device();
        let a = Array2::from_shape_fn((3, 2), |(i, j)| (i * 10 + j) as f32).into_dyn();
        let t = gather(&a.view(), &[2, 0], &device).unwrap();
        assert_eq!(t.to_vec().unwrap(), vec![20.0, 21.0, 0.0, 1.0]);
    }

    #[test]
    fn cardinality_mismatch_is_reported() {
        let (a, b) = (Array2::<f32>::zeros((3, 2)).into_dyn(), Array1::<f32>::zeros(4).into_dyn());
        let err = check_cardinality(&[a.view()], &[b.view()]);
        assert!(err.unwrap_err().to_string().contains("'x' sizes: 3, 'y' sizes: 4"));
        let b = Array1::<f32>::zeros(2).into_dyn();
        let err = check_cardinality(&[a.view(), b.view()], &[a.view()]).unwrap_err().to_string();
        assert!(err.contains("'x' sizes: 3, 2, 'y' sizes: 3"), "{err}");
    }
}
