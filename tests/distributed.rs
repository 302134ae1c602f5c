//! Data-parallel training under `mpirun` (the `mpi` feature): the same weights, history,
//! evaluation and predictions as one process with the same global batch; BatchNormalization's
//! documented per-rank statistics; only rank 0 writing files; and a failing rank ending the job
//! with its error on every rank, without a hang.
//!
//! The binary is its own worker: the driver (`cargo test --features mpi --test distributed`)
//! runs `mpirun -n N <this binary>` with `KERAS_RS_DIST_CASE` set, and each rank writes what it
//! computed to `rank<r>.json` in `KERAS_RS_DIST_OUT`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keras_rs::callbacks::{CSVLogger, Callback, Logs, ModelHandle};
use keras_rs::distribution::{self, DataParallel};
use keras_rs::prelude::*;
use ndarray::{Array1, Array2, Array4};
use serde_json::{Value, json};

const CASE: &str = "KERAS_RS_DIST_CASE";
const OUT: &str = "KERAS_RS_DIST_OUT";

fn main() {
    match std::env::var(CASE) {
        Ok(case) => std::process::exit(worker(&case)),
        Err(_) => driver(),
    }
}

// ---------------------------------------------------------------- the ranks' side

/// Runs `case` as one rank (under `mpirun`), writing its results; the exit code `main` returns.
fn worker(case: &str) -> i32 {
    let out = PathBuf::from(std::env::var(OUT).expect("KERAS_RS_DIST_OUT"));
    let result = distribution::initialize().and_then(|()| {
        distribution::set_distribution(Some(DataParallel::from_world()));
        run_case(case, &out)
    });
    let rank = distribution::process_index();
    let value = match result {
        Ok(v) => v,
        Err(e) => {
            eprintln!("rank {rank} failed: {e}");
            if case == "alone" {
                return 1; // exits before the others: the job must end anyway
            }
            json!({ "error": e.to_string() })
        }
    };
    std::fs::write(out.join(format!("rank{rank}.json")), value.to_string()).expect("write the rank's results");
    0
}

fn run_case(case: &str, out: &Path) -> Result<Value> {
    match case {
        "mlp" => mlp(out),
        "convnet_bn" => convnet_bn(),
        "bn_stats" => bn_stats(),
        "mismatch" => {
            // Rank 1 passes one sample less than the others.
            let n = if distribution::process_index() == 1 { 63 } else { 64 };
            let (x, y) = data(n, 8);
            let mut model = mlp_model()?;
            model.fit(&x, &y, FitOptions::new().epochs(1).batch_size(16).verbose(0))?;
            Ok(json!({}))
        }
        "callback_fails" => {
            let (x, y) = data(64, 8);
            let mut model = mlp_model()?;
            let fails = FailsOnRank1 { at_epoch: 1 };
            model.fit(
                &x,
                &y,
                FitOptions::new().epochs(3).batch_size(16).verbose(0).callbacks(vec![Box::new(fails)]),
            )?;
            Ok(json!({}))
        }
        "alone" => {
            // Rank 1 alone passes rows of the wrong width: it fails before any collective.
            let width = if distribution::process_index() == 1 { 5 } else { 8 };
            let (x, y) = data(64, width);
            let mut model = mlp_model()?;
            model.fit(&x, &y, FitOptions::new().epochs(1).batch_size(16).verbose(0))?;
            Ok(json!({}))
        }
        other => panic!("unknown case {other}"),
    }
}

/// A callback that fails on rank 1 at the end of epoch `at_epoch`.
struct FailsOnRank1 {
    at_epoch: usize,
}

impl Callback for FailsOnRank1 {
    fn on_epoch_end(&mut self, epoch: usize, _logs: &mut Logs, _model: &mut dyn ModelHandle) -> Result<()> {
        if distribution::process_index() == 1 && epoch == self.at_epoch {
            return Err(Error::value("FailsOnRank1: the disk is full"));
        }
        Ok(())
    }
}

/// `n` samples of `width` features (a fixed pseudo-random stream) and 3 classes from a fixed
/// linear rule.
fn data(n: usize, width: usize) -> (Array2<f32>, Array1<f32>) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    };
    let x = Array2::from_shape_fn((n, width), |_| next());
    let y = Array1::from_shape_fn(n, |i| {
        let row = x.row(i);
        let scores = [row.sum(), row.iter().step_by(2).sum::<f32>(), -row.iter().take(3).sum::<f32>()];
        scores.iter().enumerate().fold((0, f32::MIN), |b, (k, &s)| if s > b.1 { (k, s) } else { b }).0 as f32
    });
    (x, y)
}

fn mlp_model() -> Result<Sequential> {
    keras_rs::utils::set_random_seed(7);
    let mut model = Sequential::new()
        .add(Input::new(&[8]))
        .add(Dense::new(16).activation("relu"))
        .add(Dropout::new(0.3))
        .add(Dense::new(3).activation("softmax"));
    model.compile(Adam::new().learning_rate(1e-2), "sparse_categorical_crossentropy", &["accuracy"])?;
    Ok(model)
}

/// The MLP with Dropout: 2 epochs on 150 training samples in global batches of 37 (the last
/// one has 2 rows: with 4 ranks, two ranks have none), a validation split, a CSV log, `save`,
/// then `evaluate` and `predict`.
fn mlp(out: &Path) -> Result<Value> {
    let rank = distribution::process_index();
    let (x, y) = data(200, 8);
    let mut model = mlp_model()?;
    let log = out.join(format!("log_rank{rank}.csv"));
    let options = FitOptions::new()
        .epochs(2)
        .batch_size(37)
        .validation_split(0.25)
        .verbose(0)
        .callbacks(vec![Box::new(CSVLogger::new(&log))]);
    let history = model.fit(&x, &y, options)?;
    model.save(out.join(format!("model_rank{rank}.keras")))?;
    let scores = model.evaluate(&x, &y, EvaluateOptions::new().batch_size(23).verbose(0))?;
    let predictions = model.predict(&x, PredictOptions::new().batch_size(23).verbose(0))?;
    Ok(json!({
        "weights": weights(&model)?,
        "history": history.history,
        "evaluate": scores,
        "predict": predictions.iter().copied().collect::<Vec<f32>>(),
    }))
}

/// A small convnet with BatchNormalization, 2 epochs.
fn convnet_bn() -> Result<Value> {
    keras_rs::utils::set_random_seed(11);
    let (flat, y) = data(96, 64);
    let x = Array4::from_shape_vec((96, 8, 8, 1), flat.into_raw_vec_and_offset().0).expect("96x8x8x1");
    let mut model = Sequential::new()
        .add(Input::new(&[8, 8, 1]))
        .add(Conv2D::new(4, (3, 3)).activation("relu"))
        .add(BatchNormalization::new())
        .add(MaxPooling2D::new((2, 2)))
        .add(Flatten::new())
        .add(Dense::new(3).activation("softmax"));
    model.compile(SGD::new().learning_rate(0.05), "sparse_categorical_crossentropy", &["accuracy"])?;
    let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(16).verbose(0))?;
    Ok(json!({ "weights": weights(&model)?, "history": history.history }))
}

/// BatchNormalization's moving statistics after one step on 8 rows (no weight changes).
fn bn_stats() -> Result<Value> {
    keras_rs::utils::set_random_seed(3);
    let (x, _) = data(8, 4);
    let y = Array1::<f32>::zeros(8);
    let mut model = Sequential::new().add(Input::new(&[4])).add(BatchNormalization::new()).add(Dense::new(1));
    model.compile(SGD::new().learning_rate(0.0), "mse", NO_METRICS)?;
    model.fit(&x, &y, FitOptions::new().epochs(1).batch_size(8).shuffle(false).verbose(0))?;
    Ok(json!({ "weights": weights(&model)?, "x": x.iter().copied().collect::<Vec<f32>>() }))
}

fn weights(model: &Sequential) -> Result<Vec<Vec<f32>>> {
    Ok(model.get_weights()?.into_iter().map(|w| w.iter().copied().collect()).collect())
}

// ---------------------------------------------------------------- the driver

fn driver() {
    if Command::new("mpirun").arg("--version").output().is_err() {
        eprintln!("distributed: `mpirun` was not found; install Open MPI (Debian: openmpi-bin libopenmpi-dev)");
        std::process::exit(1);
    }
    let tests: &[(&str, fn())] = &[
        ("mlp_with_dropout_matches_one_process_on_2_and_4_ranks", mlp_matches_one_process),
        ("convnet_with_batch_normalization_keeps_ranks_identical", convnet_bn_keeps_ranks_identical),
        ("batch_normalization_uses_each_ranks_statistics", bn_uses_each_ranks_statistics),
        ("different_data_sizes_are_refused_on_every_rank", mismatch_is_refused_on_every_rank),
        ("a_callback_failing_on_one_rank_fails_every_rank", callback_failure_reaches_every_rank),
        ("a_rank_failing_alone_ends_the_job", rank_failing_alone_ends_the_job),
    ];
    println!("running {} tests", tests.len());
    for (name, test) in tests {
        let start = Instant::now();
        test();
        println!("test {name} ... ok ({:.1} s)", start.elapsed().as_secs_f64());
    }
    println!("test result: ok. {} passed", tests.len());
}

/// A fresh folder for one run.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keras-rs-distributed-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch folder");
    dir
}

/// Runs `case` on `ranks` processes under `mpirun`; its exit status and output. Fails the test
/// if the job is still running after two minutes (a hang).
fn mpirun(case: &str, ranks: usize, out: &Path) -> (bool, String) {
    let exe = std::env::current_exe().expect("this test's binary");
    let mut child = Command::new("mpirun")
        .args(["--oversubscribe", "-n", &ranks.to_string()])
        .arg(exe)
        .env(CASE, case)
        .env(OUT, out)
        // mpirun refuses root (CI's containers) without these; shared memory without CMA,
        // which containers often forbid.
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mpirun");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait for mpirun").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("mpirun -n {ranks} ({case}) still running after 120 s: a hang");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().expect("mpirun's output");
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// Every rank's results of a run that succeeded.
fn ranks(case: &str, n: usize, out: &Path) -> Vec<Value> {
    let (ok, text) = mpirun(case, n, out);
    assert!(ok, "mpirun -n {n} {case} failed:\n{text}");
    (0..n)
        .map(|r| {
            let path = out.join(format!("rank{r}.json"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            serde_json::from_str(&text).expect("a rank's JSON")
        })
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(items) => items.iter().flat_map(floats).collect(),
        Value::Number(n) => vec![n.as_f64().expect("a number")],
        Value::Object(map) => map.values().flat_map(floats).collect(),
        _ => Vec::new(),
    }
}

/// `got` is `want` within `rtol` (relative, with an absolute floor of `rtol` for values near 0).
fn assert_close(what: &str, got: &Value, want: &Value, rtol: f64) {
    let (g, w) = (floats(got), floats(want));
    assert_eq!(g.len(), w.len(), "{what}: {} values, expected {}", g.len(), w.len());
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert!((a - b).abs() <= rtol * (1.0 + b.abs()), "{what}[{i}]: {a} vs {b} (rtol {rtol})");
    }
}

/// Every rank holds exactly the same values (the same sum on every rank, the same update).
fn assert_identical(what: &str, results: &[Value]) {
    let first: Vec<u64> = floats(&results[0][what]).iter().map(|v| v.to_bits()).collect();
    for (r, other) in results.iter().enumerate().skip(1) {
        let bits: Vec<u64> = floats(&other[what]).iter().map(|v| v.to_bits()).collect();
        assert!(bits == first, "rank {r}'s {what} differ from rank 0's");
    }
}

fn mlp_matches_one_process() {
    // One process, no distribution: the reference.
    let out = scratch("mlp-1");
    let reference = mlp(&out).expect("the single-process run");
    for n in [2, 4] {
        let out = scratch(&format!("mlp-{n}"));
        let results = ranks("mlp", n, &out);
        assert_identical("weights", &results);
        for (r, got) in results.iter().enumerate() {
            for key in ["weights", "history", "evaluate", "predict"] {
                assert_close(&format!("{n} ranks, rank {r}: {key}"), &got[key], &reference[key], 1e-5);
            }
        }
        // Only rank 0 wrote its log and its model file.
        let log = std::fs::read_to_string(out.join("log_rank0.csv")).expect("rank 0's CSV log");
        assert_eq!(log.lines().count(), 3, "{log}");
        assert!(out.join("model_rank0.keras").exists());
        for r in 1..n {
            assert!(!out.join(format!("log_rank{r}.csv")).exists(), "rank {r} wrote a log");
            assert!(!out.join(format!("model_rank{r}.keras")).exists(), "rank {r} saved a model");
        }
    }
}

fn convnet_bn_keeps_ranks_identical() {
    let reference = convnet_bn().expect("the single-process run");
    let out = scratch("convnet");
    let results = ranks("convnet_bn", 2, &out);
    assert_identical("weights", &results);
    assert_identical("history", &results);
    // Each rank normalizes with its half batch's statistics, so the run is close to, not the
    // same as, one process (see `distribution`'s docs); the losses show how close.
    let (one, two) = (floats(&reference["history"]["loss"]), floats(&results[0]["history"]["loss"]));
    println!("  convnet loss per epoch: 1 process {one:?}, 2 ranks {two:?}");
    assert!(two.iter().all(|l| l.is_finite()) && two[1] < two[0], "{two:?}");
}

fn bn_uses_each_ranks_statistics() {
    let out = scratch("bn");
    let results = ranks("bn_stats", 2, &out);
    assert_identical("weights", &results);
    let x = floats(&results[0]["x"]);
    let (rows, cols) = (8, 4);
    let column = |r0: usize, r1: usize, c: usize| (r0..r1).map(|r| x[r * cols + c]).collect::<Vec<f64>>();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let var = |v: &[f64]| {
        let m = mean(v);
        v.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / v.len() as f64
    };
    let weights = &results[0]["weights"]; // gamma, beta, moving_mean, moving_variance, kernel, bias
    let (moving_mean, moving_var) = (floats(&weights[2]), floats(&weights[3]));
    for c in 0..cols {
        // momentum 0.99: the averaged per-rank means are the global mean; the variance is the
        // average of the two halves' variances (without the spread between their means).
        let want_mean = 0.01 * mean(&column(0, rows, c));
        let want_var = 0.99 + 0.01 * (var(&column(0, 4, c)) + var(&column(4, 8, c))) / 2.0;
        assert!((moving_mean[c] - want_mean).abs() < 1e-6, "moving_mean[{c}] {} vs {want_mean}", moving_mean[c]);
        assert!((moving_var[c] - want_var).abs() < 1e-6, "moving_variance[{c}] {} vs {want_var}", moving_var[c]);
        let global = 0.99 + 0.01 * var(&column(0, rows, c));
        assert!((moving_var[c] - global).abs() > 1e-7, "column {c}: the halves' statistics equal the batch's");
    }
}

fn mismatch_is_refused_on_every_rank() {
    let out = scratch("mismatch");
    for (r, result) in ranks("mismatch", 2, &out).iter().enumerate() {
        let error = result["error"].as_str().unwrap_or_else(|| panic!("rank {r} did not fail: {result}"));
        assert!(error.contains("rank 1 has 63 training samples") && error.contains("rank 0 has 64"), "{error}");
    }
}

fn callback_failure_reaches_every_rank() {
    let out = scratch("callback");
    for (r, result) in ranks("callback_fails", 2, &out).iter().enumerate() {
        let error = result["error"].as_str().unwrap_or_else(|| panic!("rank {r} did not fail: {result}"));
        assert_eq!(error, "rank 1: FailsOnRank1: the disk is full");
    }
}

fn rank_failing_alone_ends_the_job() {
    let out = scratch("alone");
    let (ok, text) = mpirun("alone", 2, &out);
    assert!(!ok, "the job succeeded:\n{text}");
    assert!(text.contains("rank 1 failed") && text.contains("incompatible"), "{text}");
}
