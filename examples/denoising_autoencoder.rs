//! Keras' "Convolutional autoencoder for image denoising" (keras.io/examples/vision/autoencoder),
//! transliterated: MNIST digits with Gaussian noise in, the clean digits out, through a
//! Conv2D/MaxPooling2D encoder and a Conv2DTranspose decoder.
//!
//! Python Keras:
//! ```python
//! def noise(array):
//!     noisy_array = array + 0.4 * np.random.normal(loc=0.0, scale=1.0, size=array.shape)
//!     return np.clip(noisy_array, 0.0, 1.0)
//!
//! input = layers.Input(shape=(28, 28, 1))
//! x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(input)
//! x = layers.MaxPooling2D((2, 2), padding="same")(x)
//! x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
//! x = layers.MaxPooling2D((2, 2), padding="same")(x)
//! x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
//! x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
//! x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
//! autoencoder = Model(input, x)
//! autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
//! autoencoder.fit(noisy_train_data, train_data, epochs=100, batch_size=128, shuffle=True,
//!                 validation_data=(noisy_test_data, test_data))
//! ```
//!
//! keras.io trains 100 epochs on 60,000 digits; this runs `EPOCHS` (default 3) on the bundled
//! 8,000 and reports the test loss, and how much closer to the clean digits the denoised ones
//! are than the noisy ones. Run: `cargo run --release --example denoising_autoencoder`

use keras_rs::prelude::*;
use ndarray::{Array4, Axis};

/// The digits as `[n, 28, 28, 1]` floats in `[0, 1]` (keras.io's `preprocess`).
fn preprocess(images: ndarray::Array3<u8>) -> Array4<f32> {
    let n = images.len_of(Axis(0));
    images.mapv(|v| v as f32 / 255.0).into_shape_with_order((n, 28, 28, 1)).expect("28x28 images")
}

/// keras.io's `noise`: `clip(x + 0.4 N(0, 1), 0, 1)`, from a seeded generator.
fn noise(images: &Array4<f32>, seed: u64) -> Array4<f32> {
    let mut rng = keras_rs::random::SeedGenerator::new(seed);
    images.mapv(|v| (v + 0.4 * rng.normal()).clamp(0.0, 1.0))
}

/// The mean squared difference between two image sets.
fn mse(a: &Array4<f32>, b: &ndarray::ArrayD<f32>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| ((x - y) as f64).powi(2)).sum::<f64>() / a.len() as f64
}

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let epochs = std::env::var("EPOCHS").ok().and_then(|e| e.parse().ok()).unwrap_or(3);
    let ((train, _), (test, _)) = keras_rs::datasets::mnist::load_data()?;
    let (train_data, test_data) = (preprocess(train), preprocess(test));
    let (noisy_train_data, noisy_test_data) = (noise(&train_data, 1), noise(&test_data, 2));

    let input = Input::new(&[28, 28, 1]);
    let x = Conv2D::new(32, (3, 3)).activation("relu").padding("same").call(&input)?;
    let x = MaxPooling2D::new((2, 2)).padding("same").call(&x)?;
    let x = Conv2D::new(32, (3, 3)).activation("relu").padding("same").call(&x)?;
    let x = MaxPooling2D::new((2, 2)).padding("same").call(&x)?;
    let x = Conv2DTranspose::new(32, (3, 3)).strides(2).activation("relu").padding("same").call(&x)?;
    let x = Conv2DTranspose::new(32, (3, 3)).strides(2).activation("relu").padding("same").call(&x)?;
    let x = Conv2D::new(1, (3, 3)).activation("sigmoid").padding("same").call(&x)?;
    let mut autoencoder = Model::new(&input, &x)?;
    autoencoder.compile("adam", "binary_crossentropy", NO_METRICS)?;
    autoencoder.summary();

    let options =
        FitOptions::new().epochs(epochs).batch_size(128).shuffle(true).validation_data(&noisy_test_data, &test_data);
    autoencoder.fit(&noisy_train_data, &train_data, options)?;

    let scores = autoencoder.evaluate(&noisy_test_data, &test_data, EvaluateOptions::new().verbose(0))?;
    let denoised = autoencoder.predict(&noisy_test_data, PredictOptions::new().verbose(0))?.remove(0);
    println!("Test loss (binary cross-entropy): {:.4}", scores["loss"]);
    println!(
        "Mean squared error to the clean test digits: noisy {:.4}, denoised {:.4}",
        mse(&test_data, &noisy_test_data.clone().into_dyn()),
        mse(&test_data, &denoised)
    );
    Ok(())
}
