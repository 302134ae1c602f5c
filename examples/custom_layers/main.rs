//! keras.io's guide "Making new layers and models via subclassing": a `Linear` layer of your
//! own (`linear.rs`: weights created in `build`, a forward pass in burn tensors reading them by
//! name, a config), used in a model, trained, saved and loaded back after registering it, as
//! Keras' `@keras.saving.register_keras_serializable` does; then the guide's other layers: a
//! non-trainable weight (`compute_sum.rs`), a layer that adds a loss
//! (`activity_regularization.rs`) and a layer made of layers (`mlp_block.rs`).
//!
//! ```sh
//! cargo run --release --example custom_layers
//! ```
//!
//! Differs from the guide: keras-rs layers run inside a model, not eagerly on a tensor, and a
//! layer's non-trainable updates (`ComputeSum`'s `assign_add`) are applied after training steps
//! only, as BatchNormalization's moving statistics are.

mod activity_regularization;
mod compute_sum;
mod linear;
mod mlp_block;

use activity_regularization::ActivityRegularizationLayer;
use compute_sum::ComputeSum;
use mlp_block::MlpBlock;

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

    // The guide's other layers in one model: `ComputeSum` adds up the training inputs in a
    // non-trainable weight, `ActivityRegularizationLayer` adds `0.01 * mean(x)` to the loss, and
    // `MLPBlock` is three `Linear`s.
    let mut model = Sequential::new()
        .seed(7)
        .add(Input::new(&[4]))
        .add(ComputeSum::new())
        .add(ActivityRegularizationLayer::new(1e-2))
        .add(MlpBlock::new());
    model.summary();
    model.compile(Adam::new().learning_rate(0.01), "mse", NO_METRICS)?;
    let history = model.fit(&x, &y, FitOptions::new().epochs(5).batch_size(32).verbose(0))?;
    let loss = &history.history["loss"];
    println!("MLPBlock loss {:.4} -> {:.4} (the added loss included)", loss[0], loss[loss.len() - 1]);
    let total = model.variables().iter().find(|v| v.path == "compute_sum/total").expect("ComputeSum's weight");
    let total: Vec<f32> = total.value.to_data().try_to_vec::<f32>().expect("float32 values");
    let expected = x.sum_axis(ndarray::Axis(0)) * 5.0;
    println!("ComputeSum total after 5 epochs: {total:.2?} (5 times the column sums of x: {expected:.2})");

    // Registered, the three save and load like any layer.
    keras_rs::saving::register_keras_serializable("my_package", "ComputeSum", |c| {
        Ok(Box::new(ComputeSum::from_config(c)?))
    })?;
    keras_rs::saving::register_keras_serializable("my_package", "ActivityRegularizationLayer", |c| {
        Ok(Box::new(ActivityRegularizationLayer::from_config(c)?))
    })?;
    keras_rs::saving::register_keras_serializable("my_package", "MLPBlock", |c| {
        Ok(Box::new(MlpBlock::from_config(c)?))
    })?;
    let path = std::env::temp_dir().join("custom_layers_block.keras");
    model.save(&path)?;
    let loaded = keras_rs::models::load_model(&path)?;
    let (before, after) =
        (model.predict(&x, PredictOptions::new().verbose(0))?, loaded.predict(&x, PredictOptions::new())?);
    let largest = before.iter().zip(after[0].iter()).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    println!("saved and loaded back: predictions differ by at most {largest}");
    std::fs::remove_file(&path).ok();
    Ok(())
}
