//! Training with a progress bar, callbacks' messages and `summary()` when stdout is a pipe
//! whose reader has gone (`program | head`): the output is dropped, never a panic. This test
//! runs itself again as a child with such a stdout (its own `main`, so no test harness writes
//! first) and checks that the child succeeds.

use std::process::{Command, Stdio};

use keras_rs::prelude::*;

fn child() {
    // Give the parent time to close its end of the pipe.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let x = ndarray::Array2::from_shape_fn((32, 4), |(i, j)| ((i + j) % 5) as f32 / 5.0);
    let y = ndarray::Array1::from_shape_fn(32, |i| (i % 3) as f32);
    let mut model = Sequential::new().seed(1).add(Input::new(&[4])).add(Dense::new(3).activation("softmax"));
    model.compile("adam", "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    model.summary();
    let stop = keras_rs::callbacks::EarlyStopping::new().monitor("loss").patience(0).verbose(1);
    for verbose in [1, 2] {
        let opts = FitOptions::new().epochs(2).batch_size(8).verbose(verbose).callbacks(vec![Box::new(stop.clone())]);
        model.fit(&x, &y, opts).unwrap();
    }
    model.evaluate(&x, &y, EvaluateOptions::new().verbose(1)).unwrap();
    model.predict(&x, PredictOptions::new().verbose(1)).unwrap();
}

fn main() {
    if std::env::var_os("KERAS_RS_CLOSED_STDOUT_CHILD").is_some() {
        child();
        return;
    }
    let mut process = Command::new(std::env::current_exe().unwrap())
        .env("KERAS_RS_CLOSED_STDOUT_CHILD", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(process.stdout.take()); // the reader is gone: every write to stdout fails (EPIPE)
    let out = process.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "training with a closed stdout failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    println!("test closed_stdout ... ok");
}
