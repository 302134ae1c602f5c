//! Everything a Keras-style program needs: `use keras_rs::prelude::*;`.

pub use crate::callbacks::History;
pub use crate::error::{Error, Result};
pub use crate::layers::{
    Activation, Add, Average, AveragePooling1D, AveragePooling2D, BatchNormalization, Bidirectional, Concatenate,
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Dense, DepthwiseConv1D, DepthwiseConv2D, Dot, Dropout, ELU,
    EinsumDense, Embedding, Flatten, GRU, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
    GlobalMaxPooling2D, Identity, Input, LSTM, Layer, LayerNormalization, LeakyReLU, MaxPooling1D, MaxPooling2D,
    Maximum, Minimum, MultiHeadAttention, Multiply, Permute, ReLU, RepeatVector, Rescaling, Reshape, SeparableConv1D,
    SeparableConv2D, SimpleRNN, Softmax, Subtract, TimeDistributed, UpSampling2D, ZeroPadding2D,
};
pub use crate::losses::{
    BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError, MeanSquaredError,
    SparseCategoricalCrossentropy,
};
pub use crate::models::{KerasModel, KerasTensor, Model, Sequential};
pub use crate::optimizers::{Adadelta, Adagrad, Adam, AdamW, Adamax, Ftrl, Lion, Nadam, RMSprop, SGD};
pub use crate::shape::Shape;
pub use crate::trainers::{CompileOptions, EvaluateOptions, FitOptions, NO_METRICS, PredictOptions, StepModel};
pub use crate::utils::{DatasetBatch, PyDataset};
