//! keras-rs' side of the side-by-side benchmark in `benches/peers/` (PyTorch, Keras/JAX,
//! Keras/TF): the same three models, data and protocol as `benches/peers/bench_*.py`.
//!
//! `python3 benches/peers/run.py` builds and runs it; by hand:
//! `cargo bench --bench peers -- --model mlp --epochs 4 --samples 12800 --predict-samples 10240`.
//! Prints one JSON object per line: each `fit(epochs=1, shuffle=True, verbose=0)` epoch, each
//! `predict(batch_size=1024)` pass (the first of each is marked `warmup`), then the peak RSS.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use keras_rs::models::LoadedModel;
use keras_rs::prelude::*;
use ndarray::{Array1, ArrayD, IxDyn};

#[path = "common/models.rs"]
mod models;

struct Args {
    model: String,
    epochs: usize,
    samples: usize,
    predict_samples: usize,
    seed: u64,
}

fn parse_args() -> std::result::Result<Args, String> {
    let mut args = Args { model: "mlp".into(), epochs: 4, samples: 12800, predict_samples: 10240, seed: 0 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--bench" {
            continue; // added by `cargo bench`
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}={value}: {e}"));
        match flag.as_str() {
            "--model" => args.model = value.clone(),
            "--epochs" => args.epochs = number()?,
            "--samples" => args.samples = number()?,
            "--predict-samples" => args.predict_samples = number()?,
            "--seed" => args.seed = number()? as u64,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(args)
}

/// The model, its input shape (without the batch axis) and its training batch size.
fn model(name: &str) -> std::result::Result<(LoadedModel, Vec<usize>, usize), String> {
    let sequential = |model: Sequential| LoadedModel::Sequential(model);
    match name {
        "mlp" => Ok((sequential(models::mlp(Sequential::new())), vec![784], 128)),
        "convnet" => Ok((sequential(models::convnet(Sequential::new(), 0.5)), vec![28, 28, 1], 128)),
        "lstm" => Ok((sequential(models::lstm(Sequential::new())), vec![28, 28], 64)),
        "upconv" => Ok((sequential(models::upconv(Sequential::new())), vec![28, 28, 1], 128)),
        "mobilenet" => Ok((sequential(models::mobilenet(Sequential::new())), vec![28, 28, 1], 128)),
        "transformer" => Ok((LoadedModel::Functional(models::transformer()), vec![28, 28], 64)),
        other => Err(format!("unknown model {other} (mlp, convnet, lstm, upconv, mobilenet, transformer, matmul)")),
    }
}

/// Uniform [0, 1) inputs and labels 0..9 from a seeded generator (xorshift).
fn data(samples: usize, shape: &[usize], seed: u64) -> (ArrayD<f32>, Array1<f32>) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let dims: Vec<usize> = std::iter::once(samples).chain(shape.iter().copied()).collect();
    let n: usize = dims.iter().product();
    let x = ArrayD::from_shape_vec(IxDyn(&dims), (0..n).map(|_| (next() >> 40) as f32 / (1u64 << 24) as f32).collect());
    let y = Array1::from_shape_fn(samples, |_| (next() % 10) as f32);
    (x.expect("shape matches"), y)
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn report(model: &str, phase: &str, epoch: usize, samples: usize, run: impl FnOnce()) {
    let (t_start, start) = (now(), Instant::now());
    run();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{{\"framework\": \"keras-rs\", \"model\": \"{model}\", \"phase\": \"{phase}\", \"epoch\": {epoch}, \
         \"warmup\": {}, \"samples\": {samples}, \"seconds\": {seconds}, \"t_start\": {t_start}, \"t_end\": {}}}",
        epoch == 0,
        now()
    );
}

/// The process' peak resident set (`VmHWM`), in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
    kb.unwrap_or(0.0) / 1024.0
}

/// The machine's float32 matmul rate through burn-flex (what keras-rs' dense layers run on):
/// `--model matmul` prints the best of `--epochs` 1024³ products, in GFLOP/s.
fn matmul_peak(epochs: usize) {
    use burn::tensor::{Distribution, Tensor};
    let device = keras_rs::backends::default_device();
    let n = 1024;
    let a = Tensor::<2>::random([n, n], Distribution::Default, &device);
    let b = Tensor::<2>::random([n, n], Distribution::Default, &device);
    let best = (0..epochs.max(2))
        .map(|_| {
            let start = Instant::now();
            let _ = a.clone().matmul(b.clone()).into_data();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    println!(
        "{{\"framework\": \"keras-rs\", \"model\": \"matmul\", \"phase\": \"peak\", \"gflops\": {}}}",
        2.0 * (n as f64).powi(3) / best / 1e9
    );
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("peers: {e}");
        std::process::exit(2)
    });
    if args.model == "matmul" {
        return matmul_peak(args.epochs);
    }
    keras_rs::utils::set_random_seed(args.seed);
    let (mut net, shape, batch) = model(&args.model).unwrap_or_else(|e| {
        eprintln!("peers: {e}");
        std::process::exit(2)
    });
    net.compile(Adam::new().learning_rate(1e-3), "sparse_categorical_crossentropy", NO_METRICS).expect("compile");
    let (x, y) = data(args.samples, &shape, args.seed);
    let (xp, _) = data(args.predict_samples, &shape, args.seed + 1);
    for epoch in 0..args.epochs {
        report(&args.model, "train", epoch, args.samples, || {
            net.fit(&x, &y, FitOptions::new().epochs(1).batch_size(batch).shuffle(true).verbose(0)).expect("fit");
        });
    }
    for epoch in 0..args.epochs {
        report(&args.model, "predict", epoch, args.predict_samples, || {
            net.predict(&xp, PredictOptions::new().batch_size(1024).verbose(0)).expect("predict");
        });
    }
    println!(
        "{{\"framework\": \"keras-rs\", \"model\": \"{}\", \"phase\": \"done\", \"peak_rss_mb\": {}}}",
        args.model,
        peak_rss_mb()
    );
}
