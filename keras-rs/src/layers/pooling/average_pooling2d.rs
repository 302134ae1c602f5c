//! `AveragePooling2D`: average pooling over windows of (batch, height, width, channels) inputs.

use super::base_pooling::Pooling;

/// Keras' `AveragePooling2D(pool_size, strides=None, padding="valid")`: the average of each window;
/// strides default to the pool size. With `padding("same")` each window's mean is over its real (non-padded) cells, as in Keras.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[28, 28, 1])).add(AveragePooling2D::new(2));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 14, 14, 1)");
/// ```
pub type AveragePooling2D = Pooling<2, true>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::DynTensor;
    use crate::layers::Weights;
    use crate::layers::{CallContext, Layer};
    use crate::random::SeedGenerator;
    use crate::shape::Shape;

    #[test]
    fn same_padding_on_odd_input_matches_hand_computation() {
        let device = keras_rs_backends::default_device();
        let mut pool = AveragePooling2D::new(2).padding("same");
        let input = Shape::known(&[1, 3, 3, 1]);
        let out = pool.compute_output_shape(&input).unwrap();
        pool.build(&input).unwrap();
        let x = DynTensor::from_data((1..=9).map(|v| v as f32).collect::<Vec<_>>().to_vec(), &[1, 3, 3, 1], &device)
            .unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let y = Layer::forward(&pool, x, Weights::from(&[]), &mut ctx).unwrap();
        assert_eq!(Shape::known(&y.dims()), out);
        assert_eq!(y.to_vec().unwrap(), [3.0, 4.5, 7.5, 9.0].to_vec());
    }

    #[test]
    fn empty_output_is_an_error_and_config_round_trips() {
        let err = AveragePooling2D::new(2)
            .name("p")
            .compute_output_shape(&Shape::known(&[1, 1, 1, 3]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"p\"") && err.contains("(1, 1, 1, 3)"), "{err}");
        let cfg = AveragePooling2D::new(3).strides(1).padding("same").get_config();
        assert_eq!(AveragePooling2D::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
