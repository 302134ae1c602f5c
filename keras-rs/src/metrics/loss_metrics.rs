//! Keras' metrics that report the running mean of a loss function's per-sample values
//! (`MeanMetricWrapper` around `kl_divergence`, `hinge`, `binary_crossentropy`, ...).

use burn::tensor::Tensor;

use super::Metric;
use crate::losses::{self, Loss};

/// A Keras metric that is the mean of a loss' per-sample values over the epoch: `KLDivergence`,
/// `Poisson`, `MeanAbsolutePercentageError`, `MeanSquaredLogarithmicError`, `CosineSimilarity`
/// (the similarity itself, where the loss is its negative), `LogCoshError`, `Hinge`,
/// `SquaredHinge`, `CategoricalHinge`, and the cross-entropies. `compile` makes them from
/// their Keras names (`"kl_divergence"`, `"mape"`, `"log_cosh_error"`, ...).
///
/// ```
/// use keras_rs::metrics::{LossMetric, Metric};
/// let m = LossMetric::cosine_similarity();
/// assert_eq!((m.class_name(), m.name().as_str()), ("CosineSimilarity", "cosine_similarity"));
/// assert_eq!(keras_rs::metrics::get("kld").unwrap().class_name(), "KLDivergence");
/// ```
#[derive(Clone, Debug)]
pub struct LossMetric {
    class: &'static str,
    name: &'static str,
    loss: Box<dyn Loss>,
    negate: bool,
}

impl LossMetric {
    /// The metric `class` (Keras' class name, default log name `name`) of `loss`' per-sample values.
    pub fn new(class: &'static str, name: &'static str, loss: impl Loss + 'static) -> Self {
        LossMetric { class, name, loss: Box::new(loss), negate: false }
    }

    /// Keras' `CosineSimilarity` metric: the mean cosine similarity (1 for the same direction).
    pub fn cosine_similarity() -> Self {
        LossMetric { negate: true, ..Self::new("CosineSimilarity", "cosine_similarity", losses::CosineSimilarity) }
    }
}

impl Metric for LossMetric {
    fn name(&self) -> String {
        self.name.into()
    }
    fn class_name(&self) -> &'static str {
        self.class
    }
    fn is_sparse(&self) -> bool {
        self.loss.is_sparse()
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        let values = self.loss.per_row(y_true, y_pred);
        if self.negate { values.neg() } else { values }
    }
    fn config(&self) -> serde_json::Value {
        self.loss.config()
    }
    fn clone_box(&self) -> Box<dyn Metric> {
        Box::new(self.clone())
    }
}
