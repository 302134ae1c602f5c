//! Keras layers, one per file, grouped by Keras' families.
//!
//! # A layer of your own
//!
//! Implement [`Layer`] (the file to copy: `examples/custom_layers/linear.rs`, the Keras guide's
//! `Linear`):
//!
//! 1. a struct with a [`LayerBase`] (name, trainable) and its Keras arguments;
//! 2. `config` returns those arguments under Keras' names; a `from_config` reads them back;
//! 3. `compute_output_shape` and `build` (the weights as [`VariableSpec`]s, created once the
//!    input shape is known, in the order Keras' `add_weight` calls would make them);
//! 4. `forward`: the forward pass in burn tensors, the weights by name
//!    (`weights.tensor::<2>("w")`, [`Weights`]);
//! 5. [`crate::saving::register_keras_serializable`] once, so files that contain it load — in
//!    keras-rs and, with the same class registered there, in Python Keras.
//!
//! A config key the rebuilt layer does not give back from `get_config` is refused at load
//! ([`from_config`]).
//!
//! # A built-in layer
//!
//! Each built-in layer is one file: its arguments declared once with `keras_config!`
//! (`layers/config.rs`: a struct with Keras' names, defaults and a doc line per argument, from
//! which the builder setters, `get_config` and `from_config` come, and a [`Validate`] impl with
//! Keras' error text), then `compute_output_shape`, `build` and `forward`. Adding one touches its
//! file, its family's `mod.rs` export and one line of `registry.rs` (plus its Keras fixture in
//! `tests/fixtures/generate.py`). `core/dense.rs` is the one to copy.
//!
//! # Calls in a Functional graph
//!
//! A call's tensors reach [`Layer::forward_multi`] as one list; how they sit in Keras'
//! `inbound_nodes` is the layer's to say, so files move both ways with Python:
//! - positional tensors: one alone, several as one list by default (`Add()([a, b])`), separate
//!   arguments where the layer writes them so ([`Layer::call_args`]: `mha(query, value)`);
//! - keyword tensors ([`Layer::tensor_kwargs`]: a recurrent layer's `initial_state`) follow the
//!   positional ones; one keyword tensor ([`Layer::keyword_input`]) is the call's last input: an
//!   explicit `mask=` ([`Layer::takes_mask_argument`]) replaces the implicit mask, another
//!   (MultiHeadAttention's `attention_mask=`) reaches the layer as [`CallContext::keyword_tensor`];
//! - non-tensor keyword arguments ([`Layer::check_call_kwarg`], read in `forward` from
//!   [`CallContext::call_kwargs`]: `use_causal_mask=True`), which may add outputs
//!   ([`Layer::call_output_shapes`]: `return_attention_scores=True`).
//!
//! Masks (`(batch, steps)`, 1.0 for real steps) travel beside the tensors: a layer makes or
//! passes one in [`Layer::compute_mask`] (by default the input's with
//! [`Layer::supports_masking`], none otherwise, as Keras drops masks at layers that do not
//! support them), and reads its inputs' from [`CallContext::input_masks`]. A layer whose Keras
//! version uses masks in a way keras-rs does not yet refuses one (`refuses_masks!()`). The
//! model's outputs' masks weigh the loss and mean metrics in `fit`/`evaluate`, as Keras'.
//!
//! Sizes after the batch axis may be unknown (`Input::new(&[None, Some(8)])`); a layer that
//! reads its sizes from each batch says so with [`Layer::takes_unknown_sizes`], every other one
//! refuses such shapes when called. Keras' ops on symbolic tensors (`x + y`, `ops.mean`) are
//! graph nodes too: [`crate::ops`].

pub mod activations;
pub mod attention;
pub(crate) mod builders;
pub(crate) mod config;
pub mod convolutional;
pub mod core;
mod kernel_args;
mod layer;
pub mod merging;
pub mod normalization;
pub mod pooling;
pub mod preprocessing;
pub mod recurrent;
pub(crate) mod registry;
pub mod regularization;
pub mod reshaping;

pub use self::core::{Activation, Dense, DenseConfig, EinsumDense, Embedding, Identity, Input, Masking, Rescaling};
pub use activations::{ELU, LeakyReLU, PReLU, ReLU, Softmax};
pub use attention::{AdditiveAttention, Attention, MultiHeadAttention};
pub use config::{ConfigValue, IntoArg, Sizes, Validate};
pub use convolutional::{
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, DepthwiseConv1D, DepthwiseConv2D,
    SeparableConv1D, SeparableConv2D,
};
pub use kernel_args::KernelArgs;
pub use layer::{
    CallContext, Layer, LayerBase, StateEntry, StateSource, StringEncoder, VariableSpec, Weights, to_snake_case,
    unique_name,
};
pub(crate) use layer::{MaxPoolHint, cfg_or, check_known_sizes, refuse_masks, single_input};
pub use merging::{Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract};
pub use normalization::{BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization};
pub use pooling::{
    AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D, GlobalAveragePooling2D,
    GlobalAveragePooling3D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D,
    MaxPooling3D,
};
pub use preprocessing::{
    CategoryEncoding, CenterCrop, Discretization, Hashing, IntegerLookup, Normalization, RandomContrast, RandomFlip,
    RandomRotation, RandomTranslation, RandomZoom, Resizing, StringLookup, TextVectorization,
};
pub use recurrent::{Bidirectional, ConvLSTM2D, GRU, LSTM, SimpleRNN, TimeDistributed};
pub use registry::{KNOWN_CLASSES, from_config};
pub use regularization::{
    ActivityRegularization, AlphaDropout, Dropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D,
    SpatialDropout3D,
};
pub use reshaping::{
    Cropping1D, Cropping2D, Cropping3D, Flatten, Permute, RepeatVector, Reshape, UpSampling1D, UpSampling2D,
    UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D,
};
