//! Keras layers, one per file, grouped by Keras' families.

pub(crate) mod builders;
pub mod convolutional;
pub mod core;
mod layer;
pub mod merging;
pub mod normalization;
pub mod pooling;
pub mod recurrent;
mod registry;
pub mod regularization;
pub mod reshaping;

pub use self::core::{Activation, Dense, Embedding, Input};
pub use convolutional::{Conv1D, Conv2D};
pub use layer::{CallContext, Layer, LayerBase, VariableSpec, to_snake_case, unique_name};
pub(crate) use layer::{cfg_or, cfg_req, one_input, single_input};
pub use merging::{Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract};
pub use normalization::{BatchNormalization, LayerNormalization};
pub use pooling::{
    AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
    GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D,
};
pub use recurrent::{Bidirectional, GRU, LSTM, SimpleRNN, TimeDistributed};
pub use registry::{KNOWN_CLASSES, from_config};
pub use regularization::Dropout;
pub use reshaping::{Flatten, RepeatVector, Reshape, UpSampling2D, ZeroPadding2D};
