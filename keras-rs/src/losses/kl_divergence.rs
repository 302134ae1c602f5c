//! `KLDivergence`: `sum(t log(t / p))` over the last axis, both clipped to `[1e-7, 1]`.

use super::loss::{EPSILON, stateless_loss, sum_last};

stateless_loss! {
    /// Keras' `KLDivergence` (`"kl_divergence"`, `"kld"`): the Kullback-Leibler divergence of
    /// the predictions from the targets, both clipped to `[1e-7, 1]`.
    ///
    /// ```
    /// use burn::tensor::Tensor;
    /// use keras_rs::losses::{KLDivergence, Loss};
    /// let d = keras_rs::backends::default_device();
    /// let t = Tensor::<2>::from_floats([[0.5, 0.5]], &d);
    /// let p = Tensor::<2>::from_floats([[0.25, 0.75]], &d);
    /// // 0.5 ln 2 + 0.5 ln(2/3)
    /// assert!((KLDivergence::new().call(t, p).into_scalar::<f32>() - 0.143841).abs() < 1e-5);
    /// ```
    KLDivergence, "kl_divergence", |y_true, y_pred| {
        let t = y_true.clamp(EPSILON as f32, 1.0);
        let p = y_pred.clamp(EPSILON as f32, 1.0);
        sum_last(t.clone() * (t / p).log())
    }
}
