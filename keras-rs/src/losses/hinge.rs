//! `Hinge`: `mean(max(1 - t p, 0))` over the last axis, with 0/1 targets read as -1/1.

use burn::tensor::Tensor;

use super::loss::{mean_last, stateless_loss};

/// Keras' `convert_binary_labels_to_hinge`: when every target of the batch is 0 or 1, they
/// become -1 and 1; other targets are kept.
pub(crate) fn hinge_labels(y_true: Tensor<2>) -> Tensor<2> {
    let binary = y_true.clone().equal_elem(0.0).bool_or(y_true.clone().equal_elem(1.0)).all().float().reshape([1, 1]);
    // y + binary * (y - 1): 2y - 1 when the batch is binary, y otherwise.
    y_true.clone() + y_true.sub_scalar(1.0) * binary
}

stateless_loss! {
    /// Keras' `Hinge` (`"hinge"`): `mean(max(1 - y_true * y_pred, 0))`; targets are -1 or 1
    /// (a batch of 0/1 targets is converted).
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::losses::{Hinge, Loss};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.0, 1.0]], &d);
    /// let p = Tensor::<2>::from_floats([[0.5, 0.5]], &d);
    /// // targets -1, 1: (1.5 + 0.5) / 2
    /// assert!((Hinge::new().call(t, p).into_scalar::<f32>() - 1.0).abs() < 1e-6);
    /// ```
    Hinge, "hinge", |y_true, y_pred| {
        mean_last((hinge_labels(y_true) * y_pred).neg().add_scalar(1.0).clamp_min(0.0))
    }
}
