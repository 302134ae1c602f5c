//! A training loop written by hand, as in Keras' "Writing a training loop from scratch": a
//! forward pass that records gradients, the loss, `tape.gradient`, `apply_gradients`, and the
//! metrics kept by hand — on the bundled MNIST digits.
//!
//! Run: `cargo run --release --example custom_training_loop`

use keras_rs::burn::tensor::Tensor;
use keras_rs::losses::Loss;
use keras_rs::metrics::{Metric, SparseCategoricalAccuracy};
use keras_rs::prelude::*;

fn main() -> keras_rs::Result<()> {
    keras_rs::utils::set_random_seed(1337);
    let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data()?;
    let x_train = x_train.into_shape_with_order((y_train.len(), 784)).expect("28x28 images").mapv(|v| v as f32 / 255.0);
    let x_test = x_test.into_shape_with_order((y_test.len(), 784)).expect("28x28 images").mapv(|v| v as f32 / 255.0);
    let y_train = y_train.mapv(|v| v as f32);

    let mut model = Sequential::new()
        .add(Input::new(&[784]))
        .add(Dense::new(64).activation("relu"))
        .add(Dense::new(64).activation("relu"))
        .add(Dense::new(10)); // logits
    // compile() only provides the optimizer here; the loss is computed below.
    model.compile(
        SGD::new().learning_rate(1e-2).momentum(0.9),
        SparseCategoricalCrossentropy::new().from_logits(true),
        NO_METRICS,
    )?;
    let loss_fn = SparseCategoricalCrossentropy::new().from_logits(true);
    let accuracy = SparseCategoricalAccuracy::new();
    let device = keras_rs::backends::default_device();
    let (n, batch_size) = (x_train.nrows(), 64);

    for epoch in 0..3 {
        let start = std::time::Instant::now();
        let (mut loss_sum, mut correct) = (0.0f64, 0.0f64);
        // A fresh order every epoch (Keras' shuffled tf.data pipeline).
        let order: Vec<usize> = (0..n).map(|i| (i * 7919 + epoch * 104_729) % n).collect();
        for (step, idx) in order.chunks(batch_size).enumerate() {
            let xb = model.to_tensors(&x_train.select(ndarray::Axis(0), idx))?;
            let yb: Vec<f32> = idx.iter().map(|&i| y_train[i]).collect();
            let yb = Tensor::<1>::from_floats(yb.as_slice(), &device).reshape([idx.len(), 1]);

            // with tf.GradientTape() as tape: logits = model(x, training=True); loss = loss_fn(y, logits)
            let (logits, tape) = model.forward_tape(xb, true)?;
            let logits = logits[0].clone().into_rows();
            let loss = loss_fn.call(yb.clone(), logits.clone());
            // grads = tape.gradient(loss, model.trainable_weights); optimizer.apply_gradients(...)
            let grads = tape.gradient(&loss)?;
            model.apply_gradients(tape, grads)?;

            loss_sum += loss.inner().into_scalar::<f32>() as f64 * idx.len() as f64;
            correct += accuracy.per_row(yb, logits.inner()).sum().into_scalar::<f32>() as f64;
            if step % 40 == 0 {
                println!("  step {step:3}: loss {:.4}", loss_sum / ((step + 1) * batch_size).min(n) as f64);
            }
        }
        println!(
            "Epoch {}: loss {:.4}, accuracy {:.4} ({:.1}s)",
            epoch + 1,
            loss_sum / n as f64,
            correct / n as f64,
            start.elapsed().as_secs_f64()
        );
    }
    // The trained model is an ordinary model: predict and evaluate as usual.
    let probs = model.predict(&x_test, PredictOptions::new().verbose(0))?;
    let hits = probs
        .outer_iter()
        .zip(y_test.iter())
        .filter(|(row, label)| {
            let best =
                row.iter().enumerate().fold((0, f32::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
            best.0 == **label as usize
        })
        .count();
    println!("Test accuracy: {:.4}", hits as f64 / y_test.len() as f64);
    Ok(())
}
