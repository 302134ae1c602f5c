//! `MeanSquaredLogarithmicError` (`"msle"`): `mean((log(max(p, eps) + 1) - log(max(t, eps) + 1))^2)`.

use super::loss::{EPSILON, mean_last, stateless_loss};

stateless_loss! {
    /// Keras' `MeanSquaredLogarithmicError` (`"mean_squared_logarithmic_error"`, `"msle"`):
    /// the mean squared difference of `log(max(x, 1e-7) + 1)` of predictions and targets.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::losses::{Loss, MeanSquaredLogarithmicError};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0]], &d);
    /// let p = Tensor::<2>::from_floats([[1.718281828]], &d);
    /// assert!((MeanSquaredLogarithmicError::new().call(t, p).into_scalar::<f32>() - 1.0).abs() < 1e-5);
    /// ```
    MeanSquaredLogarithmicError, "mean_squared_logarithmic_error", |y_true, y_pred| {
        let log1 = |x: burn::tensor::Tensor<2>| x.clamp_min(EPSILON as f32).add_scalar(1.0).log();
        mean_last((log1(y_pred) - log1(y_true)).square())
    }
}
