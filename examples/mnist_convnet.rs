//! keras.io's "Simple MNIST convnet", transliterated line by line.
//!
//! Python Keras:
//! ```python
//! x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
//! y_train = keras.utils.to_categorical(y_train, 10)
//! model = keras.Sequential([
//!     keras.Input(shape=(28, 28, 1)),
//!     layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
//!     layers.MaxPooling2D(pool_size=(2, 2)),
//!     layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
//!     layers.MaxPooling2D(pool_size=(2, 2)),
//!     layers.Flatten(),
//!     layers.Dropout(0.5),
//!     layers.Dense(10, activation="softmax"),
//! ])
//! model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
//! model.fit(x_train, y_train, batch_size=128, epochs=15, validation_split=0.1)
//! ```
//!
//! Run: `cargo run --release --example mnist_convnet` (`EPOCHS=2` for a quick look).

use keras_rs::prelude::*;
use ndarray::{Array2, Axis};

/// Keras' `to_categorical`: one-hot rows.
fn to_categorical(labels: &ndarray::Array1<u8>, classes: usize) -> Array2<f32> {
    let mut out = Array2::zeros((labels.len(), classes));
    for (row, &label) in out.axis_iter_mut(Axis(0)).zip(labels) {
        let mut row = row;
        row[label as usize] = 1.0;
    }
    out
}

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let epochs = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(15);
    let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data()?;
    let x_train = x_train.mapv(|v| v as f32 / 255.0).insert_axis(Axis(3));
    let x_test = x_test.mapv(|v| v as f32 / 255.0).insert_axis(Axis(3));
    println!(
        "x_train shape: {:?} ({} train / {} test samples, on {})",
        x_train.shape(),
        y_train.len(),
        y_test.len(),
        keras_rs::backends::backend_name()
    );
    let (y_train, y_test) = (to_categorical(&y_train, 10), to_categorical(&y_test, 10));

    let mut model = Sequential::new()
        .add(Input::new(&[28, 28, 1]))
        .add(Conv2D::new(32, (3, 3)).activation("relu"))
        .add(MaxPooling2D::new((2, 2)))
        .add(Conv2D::new(64, (3, 3)).activation("relu"))
        .add(MaxPooling2D::new((2, 2)))
        .add(Flatten::new())
        .add(Dropout::new(0.5))
        .add(Dense::new(10).activation("softmax"));
    model.summary();

    model.compile("adam", "categorical_crossentropy", &["accuracy"])?;
    model.fit(&x_train, &y_train, FitOptions::new().batch_size(128).epochs(epochs).validation_split(0.1))?;

    let score = model.evaluate(&x_test, &y_test, EvaluateOptions::new().verbose(0))?;
    println!("Test loss: {:.4}", score["loss"]);
    println!("Test accuracy: {:.4}", score["accuracy"]);
    Ok(())
}
