//! keras.io's guide "Making new layers and models via subclassing", the parts keras-rs has:
//! a `Linear` layer of your own (`linear.rs`: weights created in `build`, a forward pass in burn
//! tensors, a config), used in a model, trained, saved and loaded back after registering it, as
//! Keras' `@keras.saving.register_keras_serializable` does.
//!
//! ```sh
//! cargo run --release --example custom_layers
//! ```
//!
//! Not here yet (keras-rs has no API for them): layers that add losses (`self.add_loss`),
//! layers made of layers (the guide's `MLPBlock`), and calling a layer eagerly on a tensor.

mod linear;

use keras_rs::prelude::*;
use linear::Linear;
use ndarray::Array2;

fn main() -> keras_rs::Result<()> {
    // `@keras.saving.register_keras_serializable(package="my_package")`
    let registered = linear::register()?;
    println!("registered {registered}");

    // `keras.Sequential([keras.Input((4,)), Linear(32), keras.layers.Dense(1)])`
    let mut model = Sequential::new().seed(1337).add(Input::new(&[4])).add(Linear::new(32)).add(Dense::new(1));
    model.summary();

    // A linear target the model can learn.
    let x = Array2::from_shape_fn((256, 4), |(i, j)| ((i * 31 + j * 17) % 97) as f32 / 97.0 - 0.5);
    let y = Array2::from_shape_fn((256, 1), |(i, _)| 3.0 * x[[i, 0]] - 2.0 * x[[i, 1]] + 0.5 * x[[i, 3]]);
    model.compile(Adam::new().learning_rate(0.01), "mse", &["mae"])?;
    let history = model.fit(&x, &y, FitOptions::new().epochs(10).batch_size(32))?;
    let loss = &history.history["loss"];
    println!("loss {:.4} -> {:.4}", loss[0], loss[loss.len() - 1]);

    // The layer's config, as `Linear.get_config()` gives it.
    println!("{}", model.layers()[0].get_config());

    // `model.save("linear.keras")`, then `keras.saving.load_model("linear.keras")`.
    let path = std::env::temp_dir().join("custom_layers_linear.keras");
    model.save(&path)?;
    let loaded = keras_rs::models::load_model(&path)?;
    let (before, after) =
        (model.predict(&x, PredictOptions::new().verbose(0))?, loaded.predict(&x, PredictOptions::new())?);
    let largest = before.iter().zip(after[0].iter()).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    println!("saved to {}, loaded back: predictions differ by at most {largest}", path.display());
    std::fs::remove_file(&path).ok();
    Ok(())
}
