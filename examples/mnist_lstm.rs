//! Two stacked LSTMs reading MNIST digits row by row (28 steps of 28 pixels).
//!
//! Python Keras:
//! ```python
//! model = keras.Sequential([
//!     keras.Input((28, 28)),
//!     layers.LSTM(128, return_sequences=True),
//!     layers.LSTM(128),
//!     layers.Dense(10, activation="softmax"),
//! ])
//! model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//! model.fit(x_train, y_train, batch_size=64, epochs=10, validation_split=0.1)
//! ```
//!
//! Run: `cargo run --release --example mnist_lstm` (`EPOCHS=2` for a quick look).

use keras_rs::prelude::*;

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let epochs = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(10);
    let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data()?;
    let (x_train, x_test) = (x_train.mapv(|v| v as f32 / 255.0), x_test.mapv(|v| v as f32 / 255.0));

    let mut model = Sequential::new()
        .add(Input::new(&[28, 28]))
        .add(LSTM::new(128).return_sequences(true))
        .add(LSTM::new(128))
        .add(Dense::new(10).activation("softmax"));
    model.summary();

    model.compile("adam", "sparse_categorical_crossentropy", &["accuracy"])?;
    model.fit(&x_train, &y_train, FitOptions::new().batch_size(64).epochs(epochs).validation_split(0.1))?;

    let score = model.evaluate(&x_test, &y_test, EvaluateOptions::new().verbose(0))?;
    println!("Test loss: {:.4}", score["loss"]);
    println!("Test accuracy: {:.4}", score["accuracy"]);
    Ok(())
}
