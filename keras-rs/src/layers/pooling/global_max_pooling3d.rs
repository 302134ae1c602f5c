//! `GlobalMaxPooling3D`: the max over every spatial axis of a volume, one value per channel.

use super::base_global_pooling::GlobalPooling;

/// Keras' `GlobalMaxPooling3D()`: `(batch, d, h, w, channels)` -> `(batch, channels)`
/// (`keepdims(true)` keeps the pooled axes with size 1).
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::GlobalMaxPooling3D;
/// let model = Sequential::new().add(Input::new(&[4, 4, 4, 8])).add(GlobalMaxPooling3D::new().keepdims(true));
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 1, 1, 1, 8)");
/// ```
pub type GlobalMaxPooling3D = GlobalPooling<3, false>;
