//! `MaxPooling3D`: max pooling over windows of `(batch, depth, height, width, channels)` inputs.

use super::base_pooling::Pooling;

/// Keras' `MaxPooling3D(pool_size=(2, 2, 2), strides=None, padding="valid")`: the max of each
/// window; strides default to the pool size.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::MaxPooling3D;
/// let model = Sequential::new().add(Input::new(&[8, 9, 10, 2])).add(MaxPooling3D::new((2, 3, 2)).padding("same"));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 4, 3, 5, 2)");
/// ```
pub type MaxPooling3D = Pooling<3, false>;
