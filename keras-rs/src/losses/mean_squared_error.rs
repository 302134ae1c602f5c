//! `MeanSquaredError` (`"mse"`): `mean((y_true - y_pred)^2)` over the last axis.

use burn::tensor::Tensor;

use super::loss::{Loss, mean_last};

/// Keras' `MeanSquaredError`.
///
/// ```
/// use burn::tensor::Tensor;
/// use keras_rs::losses::{Loss, MeanSquaredError};
/// let d = keras_rs::backends::default_device();
/// let t = Tensor::<2>::from_floats([[0.0, 1.0]], &d);
/// let p = Tensor::<2>::from_floats([[1.0, 1.0]], &d);
/// assert_eq!(MeanSquaredError::new().call(t, p).into_scalar::<f32>(), 0.5);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct MeanSquaredError;

impl MeanSquaredError {
    /// The loss.
    pub fn new() -> Self {
        MeanSquaredError
    }
}

impl Loss for MeanSquaredError {
    fn name(&self) -> &'static str {
        "mean_squared_error"
    }
    fn class_name(&self) -> &'static str {
        "MeanSquaredError"
    }
    fn per_row(&self, y_true: Tensor<2>, y_pred: Tensor<2>) -> Tensor<1> {
        mean_last((y_pred - y_true).square())
    }
    fn clone_box(&self) -> Box<dyn Loss> {
        Box::new(*self)
    }
}
