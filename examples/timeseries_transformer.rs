//! keras.io's "Timeseries classification with a Transformer model", transliterated: Transformer
//! encoder blocks (multi-head self-attention, residual `+`, a Conv1D(kernel 1) feed-forward),
//! channels-first average pooling, an MLP head. keras.io classifies the FordA sensor series,
//! which are not bundled here; this runs the same code on the bundled MNIST digits read as
//! series of 28 steps (the rows) of 28 values.
//!
//! Python Keras (keras.io):
//! ```python
//! def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
//!     x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads, dropout=dropout)(inputs, inputs)
//!     x = layers.Dropout(dropout)(x)
//!     x = layers.LayerNormalization(epsilon=1e-6)(x)
//!     res = x + inputs
//!     x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
//!     x = layers.Dropout(dropout)(x)
//!     x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
//!     x = layers.LayerNormalization(epsilon=1e-6)(x)
//!     return x + res
//!
//! def build_model(input_shape, head_size, num_heads, ff_dim, num_transformer_blocks, mlp_units,
//!                 dropout=0, mlp_dropout=0):
//!     inputs = keras.Input(shape=input_shape)
//!     x = inputs
//!     for _ in range(num_transformer_blocks):
//!         x = transformer_encoder(x, head_size, num_heads, ff_dim, dropout)
//!     x = layers.GlobalAveragePooling1D(data_format="channels_first")(x)
//!     for dim in mlp_units:
//!         x = layers.Dense(dim, activation="relu")(x)
//!         x = layers.Dropout(mlp_dropout)(x)
//!     outputs = layers.Dense(n_classes, activation="softmax")(x)
//!     return keras.Model(inputs, outputs)
//!
//! model = build_model(input_shape, head_size=256, num_heads=4, ff_dim=4, num_transformer_blocks=4,
//!                     mlp_units=[128], mlp_dropout=0.4, dropout=0.25)
//! model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(learning_rate=1e-4),
//!               metrics=["sparse_categorical_accuracy"])
//! callbacks = [keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)]
//! model.fit(x_train, y_train, validation_split=0.2, epochs=150, batch_size=64, callbacks=callbacks)
//! model.evaluate(x_test, y_test, verbose=1)
//! ```
//!
//! keras.io trains up to 150 epochs; this runs 10 by default (`EPOCHS=n` for more) on 2 CPU cores.
//! `python3 scripts/keras_reference.py transformer` runs the Python on the same digits. Run:
//! `cargo run --release --example timeseries_transformer`.

use keras_rs::callbacks::EarlyStopping;
use keras_rs::prelude::*;

/// One encoder block (keras.io's `transformer_encoder`).
fn transformer_encoder(
    inputs: &KerasTensor,
    head_size: usize,
    num_heads: usize,
    ff_dim: usize,
    dropout: f32,
) -> keras_rs::Result<KerasTensor> {
    let x = MultiHeadAttention::new(num_heads, head_size).dropout(dropout).call(&[inputs, inputs])?;
    let x = Dropout::new(dropout).call(&x)?;
    let x = LayerNormalization::new().epsilon(1e-6).call(&x)?;
    let res = (&x + inputs)?;
    let x = Conv1D::new(ff_dim, 1).activation("relu").call(&res)?;
    let x = Dropout::new(dropout).call(&x)?;
    let features = inputs.shape().last().expect("a known feature axis");
    let x = Conv1D::new(features, 1).call(&x)?;
    let x = LayerNormalization::new().epsilon(1e-6).call(&x)?;
    &x + &res
}

/// keras.io's `build_model`.
#[allow(clippy::too_many_arguments)]
fn build_model(
    input_shape: &[usize],
    head_size: usize,
    num_heads: usize,
    ff_dim: usize,
    num_transformer_blocks: usize,
    mlp_units: &[usize],
    dropout: f32,
    mlp_dropout: f32,
) -> keras_rs::Result<Model> {
    let inputs = Input::new(input_shape);
    let mut x = inputs.tensor();
    for _ in 0..num_transformer_blocks {
        x = transformer_encoder(&x, head_size, num_heads, ff_dim, dropout)?;
    }
    x = GlobalAveragePooling1D::new().data_format("channels_first").call(&x)?;
    for &dim in mlp_units {
        x = Dense::new(dim).activation("relu").call(&x)?;
        x = Dropout::new(mlp_dropout).call(&x)?;
    }
    let outputs = Dense::new(10).activation("softmax").call(&x)?;
    Model::new(&[inputs], &[outputs])
}

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let epochs = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(10);
    let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data()?;
    // Each digit as a series of 28 steps (rows) of 28 values, scaled to [0, 1].
    let (x_train, x_test) = (x_train.mapv(|v| f32::from(v) / 255.0), x_test.mapv(|v| f32::from(v) / 255.0));
    let mut model = build_model(&[28, 28], 256, 4, 4, 4, &[128], 0.25, 0.4)?;
    model.summary();
    model.compile(
        Adam::new().learning_rate(1e-4),
        "sparse_categorical_crossentropy",
        &["sparse_categorical_accuracy"],
    )?;
    let callbacks = EarlyStopping::new().patience(10).restore_best_weights(true);
    let options = FitOptions::new().validation_split(0.2).epochs(epochs).batch_size(64).callback(callbacks);
    model.fit(&x_train, &y_train, options)?;
    let results = model.evaluate(&x_test, &y_test, EvaluateOptions::new().verbose(1))?;
    println!("Test accuracy: {:.4}", results["sparse_categorical_accuracy"]);
    Ok(())
}
