//! Keras' loss `reduction`: how the per-sample losses of a batch become its loss.

use burn::tensor::Tensor;
use serde_json::Value;

use super::loss::Loss;
use crate::error::{Error, Result};

/// Keras' `reduction` argument of every loss (default `"sum_over_batch_size"`).
///
/// ```
/// use keras_rs::losses::{Loss, MeanSquaredError, Reduction, WithReduction};
/// let d = keras_rs::backends::default_device();
/// let (t, p) = (burn::tensor::Tensor::<2>::zeros([2, 1], &d), burn::tensor::Tensor::<2>::ones([2, 1], &d));
/// let sum = MeanSquaredError::new().with_reduction(Reduction::Sum);
/// assert_eq!(sum.call(t, p).into_scalar::<f32>(), 2.0);
/// assert_eq!(sum.get_config()["config"]["reduction"], "sum");
/// assert!(Reduction::from_config(&serde_json::json!("max")).is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reduction {
    /// The sum of the (weighted) per-sample losses over the number of samples.
    #[default]
    SumOverBatchSize,
    /// The sum of the (weighted) per-sample losses.
    Sum,
    /// The same as `SumOverBatchSize` (Keras divides by the number of values for both).
    Mean,
    /// The sum of the weighted per-sample losses over the sum of the sample weights (over the
    /// number of samples without weights).
    MeanWithSampleWeight,
}

impl Reduction {
    /// Keras' name (`"sum_over_batch_size"`, `"sum"`, `"mean"`, `"mean_with_sample_weight"`).
    pub fn name(self) -> &'static str {
        match self {
            Reduction::SumOverBatchSize => "sum_over_batch_size",
            Reduction::Sum => "sum",
            Reduction::Mean => "mean",
            Reduction::MeanWithSampleWeight => "mean_with_sample_weight",
        }
    }

    /// Reads a config's `reduction` (absent: the default). `"none"` (and `null`), which gives
    /// one loss per sample instead of a batch loss to train on, is refused.
    pub fn from_config(value: &Value) -> Result<Self> {
        let per_sample = || {
            Error::value(format!(
                "reduction={value} (one loss per sample) is not supported: keras-rs trains on one loss per batch; \
                 use \"sum_over_batch_size\", \"sum\", \"mean\" or \"mean_with_sample_weight\""
            ))
        };
        match value {
            Value::Null => Err(per_sample()),
            Value::String(name) => match name.as_str() {
                "sum_over_batch_size" => Ok(Reduction::SumOverBatchSize),
                "sum" => Ok(Reduction::Sum),
                "mean" => Ok(Reduction::Mean),
                "mean_with_sample_weight" => Ok(Reduction::MeanWithSampleWeight),
                "none" => Err(per_sample()),
                _ => Err(Self::invalid(value)),
            },
            _ => Err(Self::invalid(value)),
        }
    }

    /// Keras' `ValueError` for an unknown reduction.
    fn invalid(value: &Value) -> Error {
        Error::value(format!(
            "Invalid value for argument `reduction`. Expected one of {{'sum_over_batch_size', 'sum', 'mean', \
             'mean_with_sample_weight', 'none', None}}. Received: reduction={value}"
        ))
    }

    /// The batch's loss (shape `[1]`) from per-sample losses `values` that are already
    /// multiplied by their `weights`, if any (Keras' `reduce_values`).
    pub fn reduce(self, values: Tensor<1>, weights: Option<Tensor<1>>) -> Tensor<1> {
        match (self, weights) {
            (Reduction::Sum, _) => values.sum(),
            (Reduction::MeanWithSampleWeight, Some(w)) => {
                // Keras' `divide_no_nan`: 0 where the weights sum to 0 (a batch of padding).
                let total = w.sum();
                let none = total.clone().equal_elem(0.0).float();
                values.sum() * (none.clone().neg().add_scalar(1.0)) / (total + none)
            }
            _ => values.mean(),
        }
    }
}

/// A loss with another [`Reduction`] (Keras' `MeanSquaredError(reduction="sum")`), made by
/// [`WithReduction::with_reduction`].
#[derive(Clone, Debug)]
pub struct Reduced {
    loss: Box<dyn Loss>,
    reduction: Reduction,
}

/// `loss.with_reduction(Reduction::Sum)` on any loss.
pub trait WithReduction: Loss + Sized + 'static {
    /// The loss, reduced by `reduction` instead of its own.
    fn with_reduction(self, reduction: Reduction) -> Reduced {
        Reduced { loss: Box::new(self), reduction }
    }
}

impl<L: Loss + Sized + 'static> WithReduction for L {}

impl Reduced {
    /// `loss` (boxed) with `reduction`.
    pub fn new(loss: Box<dyn Loss>, reduction: Reduction) -> Self {
        Reduced { loss, reduction }
    }
}

impl Loss for Reduced {
    fn name(&self) -> &'static str {
        self.loss.name()
    }
    fn class_name(&self) -> &'static str {
        self.loss.class_name()
    }
    fn config(&self) -> Value {
        self.loss.config()
    }
    fn is_sparse(&self) -> bool {
        self.loss.is_sparse()
    }
    fn reduction(&self) -> Reduction {
        self.reduction
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        self.loss.per_row(y_true, y_pred)
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(self.clone())
    }
}
