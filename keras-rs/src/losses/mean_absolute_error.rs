//! `MeanAbsoluteError` (`"mae"`): `mean(|y_true - y_pred|)` over the last axis.

use burn::tensor::Tensor;

use super::loss::{Loss, mean_last};

/// Keras' `MeanAbsoluteError`.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::losses::{Loss, MeanAbsoluteError};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0, 1.0]], &d);
/// let p = Tensor::<2>::from_floats([[2.0, 1.0]], &d);
/// assert_eq!(MeanAbsoluteError::new().call(t, p).into_scalar::<f32>(), 1.0);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MeanAbsoluteError;

impl MeanAbsoluteError {
    /// The loss.
    pub fn new() -> Self {
        MeanAbsoluteError
    }
}

impl Loss for MeanAbsoluteError {
    fn name(&self) -> &'static str {
        "mean_absolute_error"
    }
    fn class_name(&self) -> &'static str {
        "MeanAbsoluteError"
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        mean_last((y_pred - y_true).abs())
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(*self)
    }
}
