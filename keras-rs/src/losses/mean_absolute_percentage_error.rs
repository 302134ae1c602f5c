//! `MeanAbsolutePercentageError` (`"mape"`): `100 mean(|t - p| / max(|t|, 1e-7))`.

use super::loss::{EPSILON, mean_last, stateless_loss};

stateless_loss! {
    /// Keras' `MeanAbsolutePercentageError` (`"mean_absolute_percentage_error"`, `"mape"`):
    /// `100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))` over the last axis.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::losses::{Loss, MeanAbsolutePercentageError};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[2.0, 4.0]], &d);
    /// let p = Tensor::<2>::from_floats([[1.0, 5.0]], &d);
    /// assert!((MeanAbsolutePercentageError::new().call(t, p).into_scalar::<f32>() - 37.5).abs() < 1e-4);
    /// ```
    MeanAbsolutePercentageError, "mean_absolute_percentage_error", |y_true, y_pred| {
        let scale = y_true.clone().abs().clamp_min(EPSILON as f32);
        mean_last(((y_true - y_pred) / scale).abs()).mul_scalar(100.0)
    }
}
