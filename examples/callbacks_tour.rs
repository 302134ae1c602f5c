//! Keras' callbacks on the MNIST MLP: early stopping with the best weights restored, the best
//! model checkpointed, a CSV log, TensorBoard logs, the learning rate halved on plateaus, and
//! the training curves as a PNG.
//!
//! Run: `cargo run --release --example callbacks_tour` (then `tensorboard --logdir <printed dir>/logs`)

use keras_rs::callbacks::{CSVLogger, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, Shared, TensorBoard};
use keras_rs::prelude::*;

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data()?;
    let x_train = x_train.into_shape_with_order((y_train.len(), 784)).expect("28x28 images").mapv(|v| v as f32 / 255.0);
    let x_test = x_test.into_shape_with_order((y_test.len(), 784)).expect("28x28 images").mapv(|v| v as f32 / 255.0);
    let out = std::env::temp_dir().join("keras_rs_callbacks_tour");
    let _ = std::fs::remove_dir_all(&out);

    let mut model = Sequential::new()
        .add(Input::new(&[784]))
        .add(Dense::new(256).activation("relu"))
        .add(Dropout::new(0.3))
        .add(Dense::new(10).activation("softmax"));
    model.compile(Adam::new().learning_rate(2e-3), "sparse_categorical_crossentropy", &["accuracy"])?;

    let early = Shared::new(EarlyStopping::new().monitor("val_loss").patience(3).restore_best_weights(true).verbose(1));
    let checkpoint =
        ModelCheckpoint::new(&out.join("mnist-{epoch:02d}-{val_accuracy:.4f}.keras").display().to_string())
            .monitor("val_accuracy")
            .save_best_only(true)
            .verbose(1);
    let options = FitOptions::new()
        .epochs(30)
        .batch_size(64)
        .validation_split(0.1)
        .callback(early.clone())
        .callback(checkpoint)
        .callback(ReduceLROnPlateau::new().monitor("val_loss").factor(0.5).patience(1).min_lr(1e-4).verbose(1))
        .callback(CSVLogger::new(out.join("training.csv")))
        .callback(TensorBoard::new(out.join("logs")));
    let history = model.fit(&x_train, &y_train, options)?;

    let best = early.lock().best_epoch() + 1;
    println!("Trained {} epochs; the weights of epoch {best} (lowest val_loss) were restored.", history.epoch.len());
    let scores = model.evaluate(&x_test, &y_test, EvaluateOptions::new().verbose(0))?;
    println!("Test accuracy: {:.4}", scores["accuracy"]);
    history.plot(out.join("history.png"))?;
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .map_err(|e| keras_rs::Error::io("listing the outputs", e))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    files.sort();
    println!("Outputs in {}: {}", out.display(), files.join(", "));
    Ok(())
}
