//! `AveragePooling3D`: average pooling over windows of `(batch, depth, height, width, channels)`
//! inputs.

use super::base_pooling::Pooling;

/// Keras' `AveragePooling3D(pool_size=(2, 2, 2), strides=None, padding="valid")`: the average
/// of each window (with `"same"`, over its real cells); strides default to the pool size.
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::AveragePooling3D;
/// let model = Sequential::new().add(Input::new(&[8, 9, 10, 2])).add(AveragePooling3D::new(3).strides(2));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 3, 4, 4, 2)");
/// ```
pub type AveragePooling3D = Pooling<3, true>;
