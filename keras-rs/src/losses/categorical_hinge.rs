//! `CategoricalHinge`: `max(max((1 - t) p) - sum(t p) + 1, 0)` per row.

use super::loss::{stateless_loss, sum_last};

stateless_loss! {
    /// Keras' `CategoricalHinge` (`"categorical_hinge"`) on one-hot targets: the largest
    /// prediction of a wrong class minus the prediction of the right one, plus 1, at least 0.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::losses::{CategoricalHinge, Loss};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0, 1.0, 0.0]], &d);
    /// let p = Tensor::<2>::from_floats([[0.6, 0.3, 0.1]], &d);
    /// assert!((CategoricalHinge::new().call(t, p).into_scalar::<f32>() - 1.3).abs() < 1e-6);
    /// ```
    CategoricalHinge, "categorical_hinge", |y_true, y_pred| {
        let rows = y_true.dims()[0];
        let positive = sum_last(y_true.clone() * y_pred.clone());
        let negative = (y_true.neg().add_scalar(1.0) * y_pred).max_dim(1).reshape([rows]);
        (negative - positive).add_scalar(1.0).clamp_min(0.0)
    }
}
