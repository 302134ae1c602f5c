//! `fit`, `evaluate` and `predict` borrow `f32` arrays instead of copying them whole: the
//! process' peak memory (Linux' `VmHWM`) grows by far less than the input's size. Its own
//! `main` (no test harness), so no other test allocates beside it.

use keras_rs::prelude::*;
use keras_rs::trainers::ArrayInput;

/// The process' peak resident memory so far, in bytes (Linux `/proc/self/status`).
fn peak_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<usize>().ok()? * 1024)
}

/// Runs `fit(validation_split)`, `evaluate` and `predict` on `x`; what they added to the
/// process' peak memory, in bytes.
fn peak_growth(model: &mut Sequential, x: &impl ArrayInput, y: &ndarray::Array1<f32>) -> Option<usize> {
    let before = peak_bytes()?;
    let options = FitOptions::new().epochs(1).batch_size(256).validation_split(0.25).verbose(0);
    model.fit(x, y, options).unwrap();
    model.evaluate(x, y, EvaluateOptions::new().batch_size(1024).verbose(0)).unwrap();
    let p = model.predict(x, PredictOptions::new().batch_size(1024).verbose(0)).unwrap();
    assert_eq!(p.shape(), &[y.len(), 1]);
    Some(peak_bytes()?.saturating_sub(before))
}

/// One element type in a fresh process (a process' peak memory only grows, so each
/// measurement needs its own): `u8` or `f32`.
fn measure(element: &str) {
    // 16,384 samples x 2,048 features (`BORROWED_INPUTS=200000x784` for MNIST-sized figures),
    // touched so they are resident.
    let shape = std::env::var("BORROWED_INPUTS").unwrap_or_else(|_| "16384x2048".into());
    let (n, features) = shape
        .split_once('x')
        .and_then(|(n, f)| Some((n.parse::<usize>().ok()?, f.parse::<usize>().ok()?)))
        .expect("BORROWED_INPUTS=<samples>x<features>");
    let y = ndarray::Array1::from_shape_fn(n, |i| (i % 2) as f32);
    let mut model = Sequential::new().seed(3).add(Input::new(&[features])).add(Dense::new(1).activation("sigmoid"));
    model.compile("sgd", "binary_crossentropy", &["accuracy"]).unwrap();
    // One small call first, so the model's own buffers are in the baseline.
    let small = ndarray::Array2::<f32>::zeros((256, features));
    model.fit(&small, &y.slice(ndarray::s![..256]).to_owned(), FitOptions::new().epochs(1).verbose(0)).unwrap();
    let value = |i: usize, j: usize| (i * 7 + j) % 13;
    let (grown, input_bytes) = if element == "u8" {
        let x = ndarray::Array2::from_shape_fn((n, features), |(i, j)| value(i, j) as u8);
        (peak_growth(&mut model, &x, &y), x.len())
    } else {
        let x = ndarray::Array2::from_shape_fn((n, features), |(i, j)| value(i, j) as f32 / 13.0);
        (peak_growth(&mut model, &x, &y), x.len() * 4)
    };
    let Some(grown) = grown else {
        println!("borrowed_inputs: no /proc/self/status here; skipped");
        return;
    };
    println!(
        "borrowed_inputs: {n}x{features} {element} input of {} MiB: fit(validation_split) + evaluate + predict grew \
         the peak memory (VmHWM) by {} MiB",
        input_bytes >> 20,
        grown >> 20
    );
    // A whole f32 copy of the input (what fit/evaluate/predict made before, for any element type).
    let whole_copy = n * features * 4;
    assert!(grown < whole_copy / 4, "peak memory grew by {grown} bytes for a {input_bytes}-byte {element} input");
}

fn main() {
    if let Ok(element) = std::env::var("BORROWED_INPUTS_CHILD") {
        return measure(&element);
    }
    for element in ["u8", "f32"] {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .env("BORROWED_INPUTS_CHILD", element)
            .status()
            .unwrap();
        assert!(status.success(), "the {element} measurement failed");
    }
}
