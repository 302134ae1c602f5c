//! `Poisson`: `mean(p - t log(p + 1e-7))` over the last axis.

use super::loss::{EPSILON, mean_last, stateless_loss};

stateless_loss! {
    /// Keras' `Poisson` (`"poisson"`): the Poisson negative log-likelihood without its constant,
    /// `mean(y_pred - y_true log(y_pred + 1e-7))`.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::losses::{Loss, Poisson};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[1.0, 0.0]], &d);
    /// let p = Tensor::<2>::from_floats([[1.0, 2.0]], &d);
    /// assert!((Poisson::new().call(t, p).into_scalar::<f32>() - 1.5).abs() < 1e-6);
    /// ```
    Poisson, "poisson", |y_true, y_pred| {
        mean_last(y_pred.clone() - y_true * y_pred.add_scalar(EPSILON as f32).log())
    }
}
