//! Host data: conversion of user arrays, validation split, shuffling, batching.

use ndarray::{ArrayBase, ArrayD, Axis, Dimension};

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
/// dimension, memory order and element type that converts to `f32` (pixels as `u8`, labels as
/// `u8`/`i64`/`f32`, ...). It is read where it is, batch by batch: never copied or converted
/// whole.
pub trait ArrayInput {
    /// The array's shape, samples first.
    fn dims(&self) -> &[usize];

    /// Appends samples `rows` (indices along the first axis), each in logical (row-major)
    /// order, as `f32`.
    fn extend_rows(&self, rows: &[usize], out: &mut Vec<f32>);

    /// Whether the elements are strings (the data of a model's `dtype="string"` input), not
    /// numbers.
    fn holds_strings(&self) -> bool {
        false
    }

    /// Appends samples `rows` as strings, each in logical order (arrays of strings only).
    fn extend_strings(&self, rows: &[usize], out: &mut Vec<String>) {
        let _ = (rows, out);
    }
}

/// An element of an array `fit`, `evaluate` and `predict` take: a number (anything [`ToF32`]),
/// or a string (`String`, `&str`) for a model's `dtype("string")` input.
pub trait ArrayElement {
    /// Whether the elements are strings.
    const IS_STRING: bool = false;
    /// The value as `f32` (NaN for a string: keras-rs refuses string arrays where numbers are
    /// needed before it reads them).
    fn to_f32_value(&self) -> f32;
    /// The values themselves when they already are `f32` (borrowed, not converted).
    fn as_f32_values(values: &[Self]) -> Option<&[f32]>
    where
        Self: Sized;
    /// The string, for string elements.
    fn as_text(&self) -> Option<&str> {
        None
    }
}

impl<T: ToF32> ArrayElement for T {
    fn to_f32_value(&self) -> f32 {
        self.to_f32()
    }

    fn as_f32_values(values: &[T]) -> Option<&[f32]> {
        T::as_f32_slice(values)
    }
}

macro_rules! string_elements {
    ($($t:ty),*) => {$(
        impl ArrayElement for $t {
            const IS_STRING: bool = true;

            fn to_f32_value(&self) -> f32 {
                f32::NAN
            }

            fn as_f32_values(_values: &[Self]) -> Option<&[f32]> {
                None
            }

            fn as_text(&self) -> Option<&str> {
                Some(self)
            }
        }
    )*};
}
string_elements!(String, &str);

impl<A, S, D> ArrayInput for ArrayBase<S, D>
where
    A: ArrayElement,
    S: ndarray::Data<Elem = A>,
    D: Dimension,
{
    fn dims(&self) -> &[usize] {
        self.shape()
    }

    fn extend_rows(&self, rows: &[usize], out: &mut Vec<f32>) {
        if self.ndim() == 0 {
            return;
        }
        let row: usize = self.shape()[1..].iter().product();
        match self.as_slice() {
            // Standard layout: each sample is a run of memory, copied (f32) or converted.
            Some(values) => match A::as_f32_values(values) {
                Some(values) if rows.windows(2).all(|w| w[1] == w[0] + 1) && !rows.is_empty() => {
                    out.extend_from_slice(&values[rows[0] * row..(rows[rows.len() - 1] + 1) * row])
                }
                Some(values) => rows.iter().for_each(|&r| out.extend_from_slice(&values[r * row..(r + 1) * row])),
                None => {
                    rows.iter().for_each(|&r| out.extend(values[r * row..(r + 1) * row].iter().map(A::to_f32_value)))
                }
            },
            // Fortran order (polars' `to_ndarray`), transposed, reversed and strided views.
            None => {
                let view = self.view().into_dyn();
                rows.iter().for_each(|&r| out.extend(view.index_axis(Axis(0), r).iter().map(A::to_f32_value)))
            }
        }
    }

    fn holds_strings(&self) -> bool {
        A::IS_STRING
    }

    fn extend_strings(&self, rows: &[usize], out: &mut Vec<String>) {
        if self.ndim() == 0 || !A::IS_STRING {
            return;
        }
        let view = self.view().into_dyn();
        for &r in rows {
            out.extend(view.index_axis(Axis(0), r).iter().map(|v| v.as_text().unwrap_or_default().to_string()));
        }
    }
}

impl<T: ArrayInput + ?Sized> ArrayInput for &T {
    fn dims(&self) -> &[usize] {
        (**self).dims()
    }

    fn extend_rows(&self, rows: &[usize], out: &mut Vec<f32>) {
        (**self).extend_rows(rows, out)
    }

    fn holds_strings(&self) -> bool {
        (**self).holds_strings()
    }

    fn extend_strings(&self, rows: &[usize], out: &mut Vec<String>) {
        (**self).extend_strings(rows, out)
    }
}

/// A range of samples of a user array (all of it, or one side of `validation_split`), read
/// batch by batch.
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    array: &'a dyn ArrayInput,
    start: usize,
    len: usize,
}

impl std::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rows({:?}, {}..{})", self.array.dims(), self.start, self.start + self.len)
    }
}

impl<'a> Rows<'a> {
    /// All samples of `array`.
    pub fn new(array: &'a dyn ArrayInput) -> Self {
        Rows { array, start: 0, len: array.dims().first().copied().unwrap_or(0) }
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The shape: these samples, then the array's other axes.
    pub fn shape(&self) -> Vec<usize> {
        let dims = self.array.dims();
        let mut shape = vec![self.len];
        shape.extend_from_slice(dims.get(1..).unwrap_or(&[]));
        shape
    }

    /// The first `at` samples and the rest.
    pub fn split_at(self, at: usize) -> (Self, Self) {
        let at = at.min(self.len);
        (Rows { len: at, ..self }, Rows { start: self.start + at, len: self.len - at, ..self })
    }

    /// Samples `idx` (of these rows) as `f32`, in order.
    pub fn values(&self, idx: &[usize]) -> Vec<f32> {
        let rows: Vec<usize> = idx.iter().map(|i| self.start + i).collect();
        let row: usize = self.shape()[1..].iter().product();
        let mut out = Vec::with_capacity(rows.len() * row);
        self.array.extend_rows(&rows, &mut out);
        out
    }

    /// All samples as `f32` (labels for their checks; not for inputs).
    pub fn to_vec(&self) -> Vec<f32> {
        self.values(&(0..self.len).collect::<Vec<_>>())
    }

    /// Whether these are strings (see [`ArrayInput::holds_strings`]).
    pub fn holds_strings(&self) -> bool {
        self.array.holds_strings()
    }

    /// Samples `idx` (of these rows) as strings, in order (arrays of strings only).
    pub fn strings(&self, idx: &[usize]) -> Vec<String> {
        let rows: Vec<usize> = idx.iter().map(|i| self.start + i).collect();
        let mut out = Vec::new();
        self.array.extend_strings(&rows, &mut out);
        out
    }

    /// All samples as an owned `f32` array.
    pub fn to_array(&self) -> ArrayD<f32> {
        ArrayD::from_shape_vec(self.shape(), self.to_vec()).expect("one value per element of the shape")
    }

    /// Samples `idx` as a device tensor with the batch first: the one host copy of a batch.
    pub fn gather(&self, idx: &[usize], device: &burn::tensor::Device) -> Result<DynTensor> {
        let mut dims = self.shape();
        dims[0] = idx.len();
        DynTensor::from_data(self.values(idx), &dims, device)
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
    // Ranges of the caller's arrays: no copy.
    let split_all = |arrays: Vec<Rows<'a>>| -> (Vec<Rows<'a>>, Vec<Rows<'a>>) {
        arrays.into_iter().map(|a| a.split_at(at)).unzip()
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

/// Inputs and targets of the same length, read from the caller's arrays.
#[derive(Clone, Debug)]
pub struct Data<'a> {
    /// One array per model input, samples first.
    pub x: Vec<Rows<'a>>,
    /// One array per target (outputs with a loss), samples first.
    pub y: Vec<Rows<'a>>,
    /// Per-sample loss weights (`sample_weight`, or `class_weight` turned into them).
    pub w: Option<ArrayD<f32>>,
}

impl<'a> Data<'a> {
    /// Pairs inputs with targets, checking that every array has the same number of samples.
    pub fn new(x: Vec<Rows<'a>>, y: Vec<Rows<'a>>) -> Result<Self> {
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
        self.x.first().map_or(0, Rows::len)
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Keras' check that inputs and targets have the same number of samples.
pub fn check_cardinality(x: &[Rows<'_>], y: &[Rows<'_>]) -> Result<()> {
    let sizes = |arrays: &[Rows<'_>]| -> Vec<usize> { arrays.iter().map(Rows::len).collect() };
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2, ShapeBuilder, s};

    #[test]
    fn split_takes_the_last_fraction() {
        let x = Array2::from_shape_fn((10, 2), |(i, j)| (i * 2 + j) as f32);
        let y = Array1::from_shape_fn(10, |i| i as f32);
        let data = Data::new(vec![Rows::new(&x)], vec![Rows::new(&y)]).unwrap();
        let (train, val) = split_validation(data.clone(), 0.2).unwrap();
        assert_eq!(train.len(), 8);
        let val = val.unwrap();
        assert_eq!(val.y[0].to_vec(), vec![8.0, 9.0]);
        assert_eq!(val.x[0].shape(), vec![2, 2]);
        assert_eq!(val.x[0].values(&[1]), vec![18.0, 19.0]);
        assert!(split_validation(data.clone(), 1.0).unwrap_err().to_string().contains("validation_split=1"));
        assert!(split_validation(data, -0.1).is_err());
    }

    #[test]
    fn batches_end_with_a_smaller_one_and_gather_picks_rows() {
        let order: Vec<usize> = (0..10).collect();
        let sizes: Vec<usize> = batches(&order, 4).map(|b| b.len()).collect();
        assert_eq!(sizes, vec![4, 4, 2]);
        let device = keras_rs_backends::default_device();
        let a = Array2::from_shape_fn((3, 2), |(i, j)| (i * 10 + j) as f32);
        let t = Rows::new(&a).gather(&[2, 0], &device).unwrap();
        assert_eq!(t.dims(), vec![2, 2]);
        assert_eq!(t.to_vec().unwrap(), vec![20.0, 21.0, 0.0, 1.0]);
    }

    #[test]
    fn any_element_type_and_memory_order_reads_the_same_rows() {
        let f = Array2::from_shape_fn((3, 2), |(i, j)| (i * 10 + j) as f32);
        let want = vec![20.0, 21.0, 0.0, 1.0];
        let bytes = f.mapv(|v| v as u8);
        let fortran = ndarray::Array2::from_shape_vec((3, 2).f(), vec![0.0f32, 10.0, 20.0, 1.0, 11.0, 21.0]).unwrap();
        let reversed = f.slice(s![..;-1, ..]).to_owned();
        for a in [&f as &dyn ArrayInput, &bytes, &fortran, &reversed.slice(s![..;-1, ..])] {
            assert_eq!(Rows::new(a).values(&[2, 0]), want);
        }
        let doubles = f.mapv(f64::from).into_dyn();
        assert_eq!(Rows::new(&doubles).split_at(2).1.to_vec(), vec![20.0, 21.0]);
    }

    #[test]
    fn cardinality_mismatch_is_reported() {
        let (a, b) = (Array2::<f32>::zeros((3, 2)), Array1::<f32>::zeros(4));
        let err = check_cardinality(&[Rows::new(&a)], &[Rows::new(&b)]);
        assert!(err.unwrap_err().to_string().contains("'x' sizes: 3, 'y' sizes: 4"));
        let b = Array1::<f32>::zeros(2);
        let err = check_cardinality(&[Rows::new(&a), Rows::new(&b)], &[Rows::new(&a)]).unwrap_err().to_string();
        assert!(err.contains("'x' sizes: 3, 2, 'y' sizes: 3"), "{err}");
    }
}
