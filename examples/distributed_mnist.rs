//! The MNIST MLP trained data-parallel on several processes (Keras 3's
//! `keras.distribution.DataParallel`), with MPI.
//!
//! Python Keras (JAX, several processes):
//! ```python
//! keras.distribution.initialize()
//! keras.distribution.set_distribution(keras.distribution.DataParallel(keras.distribution.list_devices()))
//! model = keras.Sequential([keras.Input((784,)), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")])
//! model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
//! model.fit(x_train, y_train, batch_size=64, epochs=3, validation_split=0.1)
//! ```
//!
//! Run on 2 processes of this machine:
//! `cargo build --release --features mpi --example distributed_mnist && mpirun -n 2 target/release/examples/distributed_mnist`
//! (across machines: `mpirun -n 4 --hostfile hosts target/release/examples/distributed_mnist`, see the README).

use keras_rs::distribution::{self, DataParallel};
use keras_rs::prelude::*;

fn main() -> keras_rs::Result<()> {
    distribution::initialize()?;
    let devices = distribution::list_devices(None)?;
    distribution::set_distribution(Some(DataParallel::new(&devices)?));
    let (rank, ranks) = (distribution::process_index(), distribution::num_processes());
    println!("process {rank} of {ranks} (devices {devices:?})");

    // Every rank builds the same model from the same seed and loads the same data; `fit` gives
    // each its share of every global batch of 64.
    keras_rs::utils::set_random_seed(1337);
    let ((x_train, y_train), (x_test, y_test)) = keras_rs::datasets::mnist::load_data()?;
    let x_train = x_train.into_shape_with_order((y_train.len(), 784)).expect("28x28 images").mapv(|v| v as f32 / 255.0);
    let x_test = x_test.into_shape_with_order((y_test.len(), 784)).expect("28x28 images").mapv(|v| v as f32 / 255.0);

    let mut model = Sequential::new()
        .add(Input::new(&[784]))
        .add(Dense::new(128).activation("relu"))
        .add(Dense::new(10).activation("softmax"));
    if rank == 0 {
        model.summary();
    }
    model.compile(Adam::new().learning_rate(1e-3), "sparse_categorical_crossentropy", &["accuracy"])?;
    let epochs = 3;
    let start = std::time::Instant::now();
    model.fit(&x_train, &y_train, FitOptions::new().batch_size(64).epochs(epochs).validation_split(0.1))?;
    let seconds = start.elapsed().as_secs_f64();
    let scores = model.evaluate(&x_test, &y_test, EvaluateOptions::new().verbose(0))?;

    // What each step sent: every trainable parameter's gradient, summed across the ranks.
    let params = model.count_params();
    let all_reduce = distribution::measure_all_reduce(params, 50);
    if rank == 0 {
        let samples = (y_train.len() as f64 * 0.9).ceil() * epochs as f64;
        println!("Test accuracy: {:.4}", scores["accuracy"]);
        println!(
            "{ranks} process(es): {:.0} samples/s in fit ({seconds:.2} s for {epochs} epochs, validation included)",
            samples / seconds
        );
        println!(
            "all-reduce of the gradients: {params} float32 = {:.1} KB per step, {:.3} ms",
            params as f64 * 4.0 / 1e3,
            all_reduce.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
