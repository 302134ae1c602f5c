//! Accuracy metrics (Keras' `accuracy_metrics.py`): binary, categorical, sparse categorical.

use burn::tensor::Tensor;

use super::Metric;

/// Keras' `BinaryAccuracy`: `y_pred > threshold` (0.5) equals `y_true`, averaged per row.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::metrics::{BinaryAccuracy, Metric};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[1.0], [0.0]], &d);
/// let p = Tensor::<2>::from_floats([[0.7], [0.6]], &d);
/// assert_eq!(BinaryAccuracy::new().per_row(t, p).into_data().try_to_vec::<f32>().unwrap(), vec![1.0, 0.0]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct BinaryAccuracy {
    threshold: f32,
}

impl Default for BinaryAccuracy {
    fn default() -> Self {
        BinaryAccuracy { threshold: 0.5 }
    }
}

impl BinaryAccuracy {
    /// Binary accuracy with threshold 0.5.
    pub fn new() -> Self {
        Self::default()
    }
    /// The decision threshold.
    pub fn threshold(mut self, threshold: f32) -> Self {
        self.threshold = threshold;
        self
    }
}

impl Metric for BinaryAccuracy {
    fn name(&self) -> String {
        "binary_accuracy".into()
    }
    fn class_name(&self) -> &'static str {
        "BinaryAccuracy"
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({"threshold": self.threshold})
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let [rows, _] = y_pred.dims();
        let pred = y_pred.greater_scalar(self.threshold).float();
        pred.equal(y_true).float().mean_dim(1).reshape([rows])
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(*self)
    }
}

/// Keras' `CategoricalAccuracy`: `argmax(y_true) == argmax(y_pred)` on one-hot targets.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::metrics::{CategoricalAccuracy, Metric};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0, 1.0], [1.0, 0.0]], &d);
/// let p = Tensor::<2>::from_floats([[0.2, 0.8], [0.3, 0.7]], &d);
/// assert_eq!(CategoricalAccuracy::new().per_row(t, p).into_data().try_to_vec::<f32>().unwrap(), vec![1.0, 0.0]);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct CategoricalAccuracy;

impl CategoricalAccuracy {
    /// Categorical accuracy.
    pub fn new() -> Self {
        CategoricalAccuracy
    }
}

impl Metric for CategoricalAccuracy {
    fn name(&self) -> String {
        "categorical_accuracy".into()
    }
    fn class_name(&self) -> &'static str {
        "CategoricalAccuracy"
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let [rows, _] = y_pred.dims();
        y_true.argmax(1).equal(y_pred.argmax(1)).float().reshape([rows])
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(*self)
    }
}

/// Keras' `SparseCategoricalAccuracy`: the class index `y_true` equals `argmax(y_pred)`.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::metrics::{Metric, SparseCategoricalAccuracy};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[1.0], [0.0]], &d);
/// let p = Tensor::<2>::from_floats([[0.2, 0.8], [0.3, 0.7]], &d);
/// assert_eq!(SparseCategoricalAccuracy::new().per_row(t, p).into_data().try_to_vec::<f32>().unwrap(), vec![1.0, 0.0]);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SparseCategoricalAccuracy;

impl SparseCategoricalAccuracy {
    /// Sparse categorical accuracy.
    pub fn new() -> Self {
        SparseCategoricalAccuracy
    }
}

impl Metric for SparseCategoricalAccuracy {
    fn name(&self) -> String {
        "sparse_categorical_accuracy".into()
    }
    fn class_name(&self) -> &'static str {
        "SparseCategoricalAccuracy"
    }
    fn is_sparse(&self) -> bool {
        true
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let [rows, _] = y_pred.dims();
        y_pred.argmax(1).float().equal(y_true).float().reshape([rows])
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(*self)
    }
}

/// Keras' `TopKCategoricalAccuracy(k=5)`: 1 when the true class (one-hot targets) scores at
/// least as high as the k-th best prediction (ties count, as in Keras' `in_top_k`).
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::metrics::{Metric, TopKCategoricalAccuracy};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], &d);
/// let p = Tensor::<2>::from_floats([[0.1, 0.9, 0.8], [0.05, 0.95, 0.0]], &d);
/// let v = TopKCategoricalAccuracy::new().k(1).per_row(t, p).into_data().try_to_vec::<f32>().unwrap();
/// assert_eq!(v, vec![0.0, 1.0]); // Keras' docstring example (mean 0.5)
/// ```
#[derive(Clone, Copy, Debug)]
pub struct TopKCategoricalAccuracy {
    k: usize,
    sparse: bool,
}

impl Default for TopKCategoricalAccuracy {
    fn default() -> Self {
        TopKCategoricalAccuracy { k: 5, sparse: false }
    }
}

impl TopKCategoricalAccuracy {
    /// Top-5 accuracy on one-hot targets.
    pub fn new() -> Self {
        Self::default()
    }
    /// Keras' `SparseTopKCategoricalAccuracy`: the same on class-index targets.
    pub fn sparse() -> Self {
        TopKCategoricalAccuracy { k: 5, sparse: true }
    }
    /// How many of the best predictions count (default 5).
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }
}

impl Metric for TopKCategoricalAccuracy {
    fn name(&self) -> String {
        if self.sparse { "sparse_top_k_categorical_accuracy" } else { "top_k_categorical_accuracy" }.into()
    }
    fn class_name(&self) -> &'static str {
        if self.sparse { "SparseTopKCategoricalAccuracy" } else { "TopKCategoricalAccuracy" }
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({"k": self.k})
    }
    fn is_sparse(&self) -> bool {
        self.sparse
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let [rows, classes] = y_pred.dims();
        // Labels outside 0..classes are clamped (the loss reports them; gathering must not fail).
        let target = if self.sparse { y_true.int().clamp(0, classes as i64 - 1) } else { y_true.argmax(1) };
        let score = y_pred.clone().gather(1, target.reshape([rows, 1])).repeat_dim(1, classes);
        let better = y_pred.greater(score).float().sum_dim(1).reshape([rows]);
        better.lower_elem(self.k as f32).float()
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(*self)
    }
}
