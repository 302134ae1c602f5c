//! `MeanIoU` (Keras' `iou_metrics.py`): mean intersection-over-union from a confusion matrix
//! accumulated over the epoch.

use burn::tensor::Tensor;

use super::metric::Metric;

/// Keras' `MeanIoU(num_classes, sparse_y_true=True, sparse_y_pred=True)`: per class
/// `tp / (tp + fp + fn)` from the epoch's confusion matrix, averaged over the classes that occur.
/// Targets are class ids (one column) unless `sparse_y_true(false)` (one-hot, argmax taken);
/// predictions are class ids unless `sparse_y_pred(false)` (scores, argmax taken).
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::metrics::{MeanIoU, Metric};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0], [0.0], [1.0], [1.0]], &d);
/// let p = Tensor::<2>::from_floats([[0.0], [1.0], [0.0], [1.0]], &d);
/// let m = MeanIoU::new(2);
/// let stats = m.batch_stats(t, p).unwrap().into_data().try_to_vec::<f32>().unwrap();
/// assert!((m.result(&stats) - 1.0 / 3.0).abs() < 1e-9); // Keras' docstring example
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MeanIoU {
    num_classes: usize,
    sparse_y_true: bool,
    sparse_y_pred: bool,
}

impl MeanIoU {
    /// Mean IoU over `num_classes` classes.
    pub fn new(num_classes: usize) -> Self {
        MeanIoU { num_classes: num_classes.max(1), sparse_y_true: true, sparse_y_pred: true }
    }
    /// `false`: targets are one-hot rows.
    pub fn sparse_y_true(mut self, sparse: bool) -> Self {
        self.sparse_y_true = sparse;
        self
    }
    /// `false`: predictions are per-class scores.
    pub fn sparse_y_pred(mut self, sparse: bool) -> Self {
        self.sparse_y_pred = sparse;
        self
    }
}

/// Class ids `[rows]` as a one-hot `[rows, k]` matrix (ids outside `0..k` give zero rows).
fn one_hot(ids: Tensor<1>, k: usize) -> Tensor<2> {
    let n = ids.dims()[0];
    let ids_of_classes: Vec<f32> = (0..k).map(|c| c as f32).collect();
    let classes = Tensor::<1>::from_floats(ids_of_classes.as_slice(), &ids.device()).reshape([1, k]).repeat_dim(0, n);
    ids.reshape([n, 1]).repeat_dim(1, k).equal(classes).float()
}

impl Metric for MeanIoU {
    fn name(&self) -> String {
        "mean_io_u".into()
    }
    fn class_name(&self) -> &'static str {
        "MeanIoU"
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({"num_classes": self.num_classes, "ignore_class": null, "sparse_y_true": self.sparse_y_true,
                           "sparse_y_pred": self.sparse_y_pred, "axis": -1})
    }
    fn is_sparse(&self) -> bool {
        self.sparse_y_true
    }
    fn batch_stats(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Option<Tensor<1>> {
        let ids = |t: Tensor<2>, sparse: bool| -> Tensor<1> {
            if sparse {
                let n = t.dims().iter().product::<usize>();
                t.reshape([n])
            } else {
                let rows = t.dims()[0];
                t.argmax(1).float().reshape([rows])
            }
        };
        let k = self.num_classes;
        let truth = one_hot(ids(y_true, self.sparse_y_true), k);
        let pred = one_hot(ids(y_pred, self.sparse_y_pred), k);
        Some(truth.transpose().matmul(pred).reshape([k * k]))
    }
    fn result(&self, stats: &[f32]) -> f64 {
        let k = self.num_classes;
        if stats.len() != k * k {
            return 0.0; // no batch seen
        }
        let cm = |r: usize, c: usize| stats[r * k + c] as f64;
        let (mut sum, mut valid) = (0.0, 0.0);
        for c in 0..k {
            let row: f64 = (0..k).map(|j| cm(c, j)).sum();
            let col: f64 = (0..k).map(|i| cm(i, c)).sum();
            let denominator = row + col - cm(c, c);
            if denominator != 0.0 {
                sum += cm(c, c) / denominator;
                valid += 1.0;
            }
        }
        if valid == 0.0 { 0.0 } else { sum / valid }
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(*self)
    }
}
