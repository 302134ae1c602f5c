//! `GlobalAveragePooling3D`: the mean over every spatial axis of a volume, one value per channel.

use super::base_global_pooling::GlobalPooling;

/// Keras' `GlobalAveragePooling3D()`: `(batch, d, h, w, channels)` -> `(batch, channels)`
/// (`keepdims(true)` keeps the pooled axes with size 1).
///
/// ```
/// use keras_rs::prelude::*;
/// use keras_rs::layers::GlobalAveragePooling3D;
/// let model = Sequential::new().add(Input::new(&[4, 4, 4, 8])).add(GlobalAveragePooling3D::new());
/// assert_eq!(model.output_shape().unwrap().to_string(), "(None, 8)");
/// ```
pub type GlobalAveragePooling3D = GlobalPooling<3, true>;
