//! The Keras MNIST MLP tutorial, transliterated line by line.
//!
//! Python Keras:
//! ```python
//! (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
//! x_train = x_train.reshape(-1, 784).astype("float32") / 255
//! model = keras.Sequential([keras.Input((784,)), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")])
//! model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//! model.fit(x_train, y_train, batch_size=32, epochs=10, validation_split=0.1)
//! model.evaluate(x_test, y_test)
//! ```
//!
//! Run: `cargo run --release --example mnist_mlp`

use keras_rs::prelude::*;

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data()?;
    println!(
        "x_train: {:?}, x_test: {:?} (training on {})",
        x_train.shape(),
        x_test.shape(),
        keras_rs::backends::backend_name()
    );
    let x_train = x_train.into_shape_with_order((y_train.len(), 784)).expect("28x28 images").mapv(|v| v as f32 / 255.0);
    let x_test = x_test.into_shape_with_order((y_test.len(), 784)).expect("28x28 images").mapv(|v| v as f32 / 255.0);

    let mut model = Sequential::new()
        .add(Input::new(&[784]))
        .add(Dense::new(128).activation("relu"))
        .add(Dense::new(10).activation("softmax"));
    model.summary();

    model.compile(Adam::new().learning_rate(1e-3), "sparse_categorical_crossentropy", &["accuracy"])?;
    model.fit(&x_train, &y_train, FitOptions::new().batch_size(32).epochs(10).validation_split(0.1))?;

    let scores = model.evaluate(&x_test, &y_test, EvaluateOptions::new())?;
    println!("Test loss: {:.4}", scores["loss"]);
    println!("Test accuracy: {:.4}", scores["accuracy"]);

    // Keras' own file format: Python loads it with `keras.saving.load_model`, and so does keras-rs.
    let path = std::env::temp_dir().join("mnist_mlp.keras");
    model.save(&path)?;
    let again = keras_rs::models::load_model(&path)?;
    let reloaded = again.evaluate(&x_test, &y_test, EvaluateOptions::new().verbose(0))?;
    println!("Saved {} and loaded it back: test accuracy {:.4}", path.display(), reloaded["accuracy"]);
    Ok(())
}
