//! Preprocessing layers that live inside models and are saved with them: `Normalization`
//! (statistics given or learned by `adapt`), `CategoryEncoding`, `Discretization`, `IntegerLookup`,
//! `Resizing`,
//! `CenterCrop`, and the image augmentation layers `RandomFlip`,
//! `RandomRotation`, `RandomZoom`, `RandomTranslation`, `RandomContrast` (random in training,
//! the identity in inference).

mod category_encoding;
mod center_crop;
mod discretization;
mod hashing;
mod image_transform;
mod index_lookup;
mod integer_lookup;
mod normalization;
mod random_contrast;
mod random_flip;
mod random_rotation;
mod random_translation;
mod random_zoom;
mod resizing;
mod string_lookup;
mod text_vectorization;

pub use category_encoding::{CategoryEncoding, CategoryEncodingConfig};
pub use center_crop::{CenterCrop, CenterCropConfig};
pub use discretization::{Discretization, DiscretizationConfig};
pub use hashing::{Hashing, HashingConfig};
pub use image_transform::{Factor, FillArgs};
pub use integer_lookup::{IntegerLookup, IntegerLookupConfig};
pub use normalization::{Normalization, NormalizationConfig, Stat};
pub use random_contrast::{RandomContrast, RandomContrastConfig};
pub use random_flip::{RandomFlip, RandomFlipConfig};
pub use random_rotation::{RandomRotation, RandomRotationConfig};
pub use random_translation::{RandomTranslation, RandomTranslationConfig};
pub use random_zoom::{RandomZoom, RandomZoomConfig};
pub use resizing::{Resizing, ResizingConfig};
pub use string_lookup::{StringLookup, StringLookupConfig};
pub use text_vectorization::{TextVectorization, TextVectorizationConfig};
