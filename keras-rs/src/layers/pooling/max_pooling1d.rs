//! `MaxPooling1D`: max pooling over windows of (batch, steps, channels) inputs.

use super::base_pooling::Pooling;

/// Keras' `MaxPooling1D(pool_size, strides=None, padding="valid")`: the max of each window;
/// strides default to the pool size. With `padding("same")` the odd extra pad goes at the end, as in Keras.
///
/// ```
/// use keras_rs::prelude::*;
/// let model = Sequential::new().add(Input::new(&[6, 2])).add(MaxPooling1D::new(2));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 3, 2)");
/// ```
pub type MaxPooling1D = Pooling<1, false>;

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
        let mut pool = MaxPooling1D::new(2).padding("same");
        let input = Shape::known(&[1, 5, 2]);
        let out = pool.compute_output_shape(&input).unwrap();
        pool.build(&input).unwrap();
        let x = DynTensor::from_data([1.0, 5.0, 2.0, 3.0, 0.0, 7.0, 4.0, 4.0, 9.0, 1.0].to_vec(), &[1, 5, 2], &device)
            .unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let y = Layer::forward(&pool, x, Weights::from(&[]), &mut ctx).unwrap();
        assert_eq!(Shape::known(&y.dims()), out);
        assert_eq!(y.to_vec().unwrap(), [2.0, 5.0, 4.0, 7.0, 9.0, 1.0].to_vec());
    }

    #[test]
    fn empty_output_is_an_error_and_config_round_trips() {
        let err =
            MaxPooling1D::new(2).name("p").compute_output_shape(&Shape::known(&[1, 1, 3])).unwrap_err().to_string();
        assert!(err.contains("\"p\"") && err.contains("(1, 1, 3)"), "{err}");
        let cfg = MaxPooling1D::new(3).strides(1).padding("same").get_config();
        assert_eq!(MaxPooling1D::from_config(&cfg).unwrap().get_config(), cfg);
    }
}
