//! The MNIST convnet with BatchNormalization after each convolution (conv -> BN -> relu),
//! the usual Keras pattern, trained with sparse labels.
//!
//! Python Keras:
//! ```python
//! model = keras.Sequential([
//!     keras.Input(shape=(28, 28, 1)),
//!     layers.Conv2D(32, 3, use_bias=False), layers.BatchNormalization(), layers.Activation("relu"),
//!     layers.MaxPooling2D(2),
//!     layers.Conv2D(64, 3, use_bias=False), layers.BatchNormalization(), layers.Activation("relu"),
//!     layers.MaxPooling2D(2),
//!     layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
//! ])
//! model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//! model.fit(x_train, y_train, batch_size=128, epochs=8, validation_split=0.1)
//! ```
//!
//! Run: `cargo run --release --example mnist_convnet_bn` (`EPOCHS=2` for a quick look).

use keras_rs::prelude::*;
use ndarray::Axis;

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let epochs = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(8);
    let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data()?;
    let x_train = x_train.mapv(|v| v as f32 / 255.0).insert_axis(Axis(3));
    let x_test = x_test.mapv(|v| v as f32 / 255.0).insert_axis(Axis(3));

    let mut model = Sequential::new()
        .add(Input::new(&[28, 28, 1]))
        .add(Conv2D::new(32, 3).use_bias(false))
        .add(BatchNormalization::new())
        .add(Activation::new("relu"))
        .add(MaxPooling2D::new(2))
        .add(Conv2D::new(64, 3).use_bias(false))
        .add(BatchNormalization::new())
        .add(Activation::new("relu"))
        .add(MaxPooling2D::new(2))
        .add(Flatten::new())
        .add(Dropout::new(0.5))
        .add(Dense::new(10).activation("softmax"));
    model.summary();

    model.compile("adam", "sparse_categorical_crossentropy", &["accuracy"])?;
    model.fit(&x_train, &y_train, FitOptions::new().batch_size(128).epochs(epochs).validation_split(0.1))?;

    let score = model.evaluate(&x_test, &y_test, EvaluateOptions::new().verbose(0))?;
    println!("Test loss: {:.4}", score["loss"]);
    println!("Test accuracy: {:.4}", score["accuracy"]);
    Ok(())
}
