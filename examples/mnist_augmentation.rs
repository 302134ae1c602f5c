//! Image classification with data augmentation and rescaling inside the model, the way keras.io's
//! "Image classification from scratch" builds it, on MNIST digits.
//!
//! Python Keras:
//! ```python
//! data_augmentation = keras.Sequential([
//!     layers.RandomRotation(0.1),
//!     layers.RandomZoom(0.1),
//!     layers.RandomTranslation(0.1, 0.1),
//! ], name="data_augmentation")
//! model = keras.Sequential([
//!     keras.Input(shape=(28, 28, 1)),
//!     data_augmentation,
//!     layers.Rescaling(1.0 / 255),
//!     layers.Conv2D(32, 3, activation="relu"),
//!     layers.MaxPooling2D(2),
//!     layers.Conv2D(64, 3, activation="relu"),
//!     layers.MaxPooling2D(2),
//!     layers.Flatten(),
//!     layers.Dropout(0.5),
//!     layers.Dense(10, activation="softmax"),
//! ])
//! model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//! model.fit(x_train, y_train, batch_size=128, epochs=10, validation_split=0.1)
//! ```
//!
//! The model takes raw pixels (0–255): the augmentation runs in `fit` only, the rescaling always,
//! so the saved model serves raw images as they come. Run:
//! `cargo run --release --example mnist_augmentation` (`EPOCHS=2` for a quick look).

use keras_rs::layers::{RandomRotation, RandomTranslation, RandomZoom};
use keras_rs::prelude::*;
use ndarray::Axis;

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let epochs = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(10);
    let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data()?;
    // Raw pixel values: the model rescales them itself.
    let x_train = x_train.mapv(f32::from).insert_axis(Axis(3));
    let x_test = x_test.mapv(f32::from).insert_axis(Axis(3));
    let (y_train, y_test) = (y_train.mapv(f32::from), y_test.mapv(f32::from));

    let data_augmentation = Sequential::named("data_augmentation")
        .add(Input::new(&[28, 28, 1]))
        .add(RandomRotation::new(0.1))
        .add(RandomZoom::new(0.1))
        .add(RandomTranslation::new(0.1, 0.1));
    let mut model = Sequential::new()
        .add(Input::new(&[28, 28, 1]))
        .add(data_augmentation)
        .add(Rescaling::new().scale(1.0 / 255.0))
        .add(Conv2D::new(32, 3).activation("relu"))
        .add(MaxPooling2D::new(2))
        .add(Conv2D::new(64, 3).activation("relu"))
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
