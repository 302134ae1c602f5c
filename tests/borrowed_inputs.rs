//! `fit`, `evaluate` and `predict` borrow `f32` arrays instead of copying them whole: the
//! process' peak memory (Linux' `VmHWM`) grows by far less than the input's size. Its own
//! `main` (no test harness), so no other test allocates beside it.

use keras_rs::prelude::*;

/// The process' peak resident memory so far, in bytes (Linux `/proc/self/status`).
fn peak_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<usize>().ok()? * 1024)
}

fn main() {
    // 16,384 samples x 2,048 features: 128 MiB of f32, touched so it is resident
    // (`BORROWED_INPUTS=200000x784` for MNIST-sized figures).
    let shape = std::env::var("BORROWED_INPUTS").unwrap_or_else(|_| "16384x2048".into());
    let (n, features) = shape
        .split_once('x')
        .and_then(|(n, f)| Some((n.parse::<usize>().ok()?, f.parse::<usize>().ok()?)))
        .expect("BORROWED_INPUTS=<samples>x<features>");
    let x = ndarray::Array2::from_shape_fn((n, features), |(i, j)| ((i * 7 + j) % 13) as f32 / 13.0);
    let y = ndarray::Array1::from_shape_fn(n, |i| (i % 2) as f32);
    let input_bytes = x.len() * 4;
    let mut model = Sequential::new().seed(3).add(Input::new(&[features])).add(Dense::new(1).activation("sigmoid"));
    model.compile("sgd", "binary_crossentropy", &["accuracy"]).unwrap();
    // One small call first, so the model's own buffers are in the baseline.
    let small = x.slice(ndarray::s![..256, ..]).to_owned();
    model.fit(&small, &y.slice(ndarray::s![..256]).to_owned(), FitOptions::new().epochs(1).verbose(0)).unwrap();
    let Some(before) = peak_bytes() else {
        println!("borrowed_inputs: no /proc/self/status here; skipped");
        return;
    };
    let options = FitOptions::new().epochs(1).batch_size(256).validation_split(0.25).verbose(0);
    model.fit(&x, &y, options).unwrap();
    model.evaluate(&x, &y, EvaluateOptions::new().batch_size(1024).verbose(0)).unwrap();
    let p = model.predict(&x, PredictOptions::new().batch_size(1024).verbose(0)).unwrap();
    assert_eq!(p.shape(), &[n, 1]);
    let grown = peak_bytes().unwrap().saturating_sub(before);
    println!(
        "borrowed_inputs: {n}x{features} f32 input of {} MiB; peak memory (VmHWM) {} MiB before fit/evaluate/predict, \
         {} MiB after (grew by {} MiB)",
        input_bytes >> 20,
        before >> 20,
        (before + grown) >> 20,
        grown >> 20
    );
    // A whole copy of the input (what fit/evaluate/predict made before) would be the input's size.
    assert!(grown < input_bytes / 4, "peak memory grew by {grown} bytes for a {input_bytes}-byte input");
}
