//! `GlobalMaxPooling2D`: the max over every spatial axis, one value per channel.

use super::base_global_pooling::GlobalPooling;

/// Keras' `GlobalMaxPooling2D()`: `(batch, *spatial, channels)` -> `(batch, channels)`
/// (`keepdims(true)` keeps the pooled axes with size 1).
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[7, 7, 16])).add(GlobalMaxPooling2D::new());
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 16)");
/// ```
pub type GlobalMaxPooling2D = GlobalPooling<2, false>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::DynTensor;
    use crate::layers::Weights;
    use crate::layers::{CallContext, Layer};
    use crate::random::SeedGenerator;
    use crate::shape::Shape;

    #[test]
    fn pools_every_spatial_axis() {
        let device = keras_rs_backends::default_device();
        let pool = GlobalMaxPooling2D::new();
        let x = DynTensor::from_data([1.0, 2.0, 3.0, -6.0].to_vec(), &[1, 2, 2, 1], &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        assert_eq!(Layer::forward(&pool, x, Weights::from(&[]), &mut ctx).unwrap().to_vec().unwrap(), [3.0].to_vec());
        let kept = GlobalMaxPooling2D::new().keepdims(true).compute_output_shape(&Shape::known(&[1, 2, 2, 1])).unwrap();
        assert_eq!(kept.rank(), [1, 2, 2, 1].len());
        assert!(GlobalMaxPooling2D::new().compute_output_shape(&Shape::batched(&[4])).is_err());
        let cfg = GlobalMaxPooling2D::new().keepdims(true).get_config();
        assert_eq!(GlobalMaxPooling2D::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
