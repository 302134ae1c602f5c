//! `LogCosh`: `mean(log(cosh(p - t)))` over the last axis.

use super::loss::{mean_last, softplus, stateless_loss};

stateless_loss! {
    /// Keras' `LogCosh` (`"log_cosh"`): `mean(log(cosh(y_pred - y_true)))`, computed as
    /// `x + softplus(-2x) - log 2`; about `x^2 / 2` for small errors and `|x| - log 2` for
    /// large ones.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::losses::{Loss, LogCosh};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0, 0.0]], &d);
    /// let p = Tensor::<2>::from_floats([[1.0, -1.0]], &d);
    /// assert!((LogCosh::new().call(t, p).into_scalar::<f32>() - 1f32.cosh().ln()).abs() < 1e-6);
    /// ```
    LogCosh, "log_cosh", |y_true, y_pred| {
        let x = y_pred - y_true;
        mean_last(x.clone() + softplus(x.mul_scalar(-2.0)) - std::f32::consts::LN_2)
    }
}
