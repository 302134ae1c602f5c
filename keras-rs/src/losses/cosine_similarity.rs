//! `CosineSimilarity`: minus the cosine of the angle between targets and predictions.

use burn::tensor::Tensor;

use super::loss::{EPSILON, stateless_loss, sum_last};

/// `x * min(1 / sqrt(sum(x^2)), 1 / 1e-7)` along the last axis (Keras' `normalize`, order 2).
pub(crate) fn l2_normalize(x: Tensor<2>) -> Tensor<2> {
    let inverse = x.clone().square().sum_dim(1).sqrt().recip().clamp_max((1.0 / EPSILON) as f32);
    x * inverse
}

stateless_loss! {
    /// Keras' `CosineSimilarity` loss (`"cosine_similarity"`): `-sum(l2_normalize(y_true) *
    /// l2_normalize(y_pred))` over the last axis, so that minimizing it aligns the vectors
    /// (-1 for the same direction, 0 for orthogonal ones). Keras' `axis` other than -1 is refused.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::losses::{CosineSimilarity, Loss};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[1.0, 0.0], [1.0, 1.0]], &d);
    /// let p = Tensor::<2>::from_floats([[2.0, 0.0], [1.0, -1.0]], &d);
    /// assert!((CosineSimilarity::new().call(t, p).into_scalar::<f32>() + 0.5).abs() < 1e-6);
    /// ```
    CosineSimilarity, "cosine_similarity", |y_true, y_pred| {
        sum_last(l2_normalize(y_true) * l2_normalize(y_pred)).neg()
    }
}
