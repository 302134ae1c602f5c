//! `SquaredHinge`: `mean(max(1 - t p, 0)^2)` over the last axis, with 0/1 targets read as -1/1.

use super::hinge::hinge_labels;
use super::loss::{mean_last, stateless_loss};

stateless_loss! {
    /// Keras' `SquaredHinge` (`"squared_hinge"`): `mean(max(1 - y_true * y_pred, 0)^2)`;
    /// targets are -1 or 1 (a batch of 0/1 targets is converted).
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::losses::{Loss, SquaredHinge};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0, 1.0]], &d);
    /// let p = Tensor::<2>::from_floats([[0.5, 0.5]], &d);
    /// // (1.5^2 + 0.5^2) / 2
    /// assert!((SquaredHinge::new().call(t, p).into_scalar::<f32>() - 1.25).abs() < 1e-6);
    /// ```
    SquaredHinge, "squared_hinge", |y_true, y_pred| {
        mean_last((hinge_labels(y_true) * y_pred).neg().add_scalar(1.0).clamp_min(0.0).square())
    }
}
