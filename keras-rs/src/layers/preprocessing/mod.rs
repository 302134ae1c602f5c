//! Preprocessing layers that live inside models and are saved with them: `Normalization`
//! (statistics given or learned by `adapt`) and the image augmentation layers `RandomFlip`,
//! `RandomRotation`, `RandomZoom`, `RandomTranslation`, `RandomContrast` (random in training,
//! the identity in inference).

mod image_transform;
mod normalization;
mod random_contrast;
mod random_flip;
mod random_rotation;
mod random_translation;
mod random_zoom;

pub use image_transform::{Factor, FillArgs};
pub use normalization::{Normalization, NormalizationConfig, Stat};
pub use random_contrast::{RandomContrast, RandomContrastConfig};
pub use random_flip::{RandomFlip, RandomFlipConfig};
pub use random_rotation::{RandomRotation, RandomRotationConfig};
pub use random_translation::{RandomTranslation, RandomTranslationConfig};
pub use random_zoom::{RandomZoom, RandomZoomConfig};
