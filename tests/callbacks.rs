//! Callbacks and learning-rate schedules against Keras 3: EarlyStopping and ReduceLROnPlateau
//! on scripted logs, schedules step by step, a fit with a schedule, and the file-writing
//! callbacks in real training runs.

mod common;

use std::path::Path;

use common::{arrays, assert_close, assert_close_f64, assert_history, fixture};
use keras_rs::callbacks::{
    BackupAndRestore, Callback, EarlyStopping, LearningRateScheduler, Logs, ModelCheckpoint, ModelHandle,
    ReduceLROnPlateau, Shared, TerminateOnNaN,
};
use keras_rs::optimizers::schedules::LearningRate;
use keras_rs::prelude::*;
use ndarray::ArrayD;
use serde_json::Value;

/// A model stand-in: one weight that `fit` would set to "the weights of epoch e", a learning
/// rate, and the stop flag.
struct FakeModel {
    weight: f32,
    lr: f64,
    stop: bool,
}

impl ModelHandle for FakeModel {
    fn name(&self) -> &str {
        "fake"
    }
    fn get_weights(&self) -> keras_rs::Result<Vec<ArrayD<f32>>> {
        Ok(vec![ArrayD::from_elem(ndarray::IxDyn(&[1, 1]), self.weight)])
    }
    fn set_weights(&mut self, weights: &[ArrayD<f32>]) -> keras_rs::Result<()> {
        self.weight = weights[0][[0, 0]];
        Ok(())
    }
    fn learning_rate(&self) -> keras_rs::Result<f64> {
        Ok(self.lr)
    }
    fn set_learning_rate(&mut self, lr: f64) -> keras_rs::Result<()> {
        self.lr = lr;
        Ok(())
    }
    fn iterations(&self) -> u64 {
        0
    }
    fn save(&self, _: &Path) -> keras_rs::Result<()> {
        Ok(())
    }
    fn save_weights(&self, _: &Path) -> keras_rs::Result<()> {
        Ok(())
    }
    fn load_weights(&mut self, _: &Path) -> keras_rs::Result<()> {
        Ok(())
    }
    fn stop_training(&mut self) {
        self.stop = true;
    }
    fn stop_requested(&self) -> bool {
        self.stop
    }
    fn set_initial_epoch(&mut self, _: usize) {}
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

#[test]
fn early_stopping_stops_and_restores_where_keras_does() {
    let fx = fixture("callbacks.json");
    for case in fx["early_stopping"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let k = &case["kwargs"];
        let mut es = EarlyStopping::new();
        if let Some(m) = k["monitor"].as_str() {
            es = es.monitor(m);
        }
        if let Some(m) = k["mode"].as_str() {
            es = es.mode(m);
        }
        es = es.patience(k["patience"].as_u64().unwrap_or(0) as usize);
        if let Some(d) = k["min_delta"].as_f64() {
            es = es.min_delta(d);
        }
        if let Some(b) = k["baseline"].as_f64() {
            es = es.baseline(b);
        }
        es = es.restore_best_weights(k["restore_best_weights"].as_bool().unwrap_or(false));
        es = es.start_from_epoch(k["start_from_epoch"].as_u64().unwrap_or(0) as usize);
        let monitor = k["monitor"].as_str().unwrap_or("val_loss");
        let mut model = FakeModel { weight: -1.0, lr: 0.1, stop: false };
        es.on_train_begin(&mut model).unwrap();
        let mut ran = 0;
        for (epoch, v) in floats(&case["values"]).into_iter().enumerate() {
            model.weight = epoch as f32;
            let mut logs: Logs = [(monitor.to_string(), v), ("loss".to_string(), 1.0)].into_iter().collect();
            es.on_epoch_end(epoch, &mut logs, &mut model).unwrap();
            ran = epoch + 1;
            if model.stop {
                break;
            }
        }
        es.on_train_end(&Logs::new(), &mut model).unwrap();
        assert_eq!(ran as u64, case["epochs_run"].as_u64().unwrap(), "{name}: epochs run");
        assert_eq!(es.stopped_epoch() as u64, case["stopped_epoch"].as_u64().unwrap(), "{name}: stopped_epoch");
        assert_eq!(model.weight as f64, case["final_weight"].as_f64().unwrap(), "{name}: restored weights");
    }
}

#[test]
fn reduce_lr_on_plateau_gives_keras_learning_rates_epoch_by_epoch() {
    let fx = fixture("callbacks.json");
    for case in fx["reduce_lr"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let k = &case["kwargs"];
        let mut cb = ReduceLROnPlateau::new().factor(k["factor"].as_f64().unwrap());
        cb = cb.patience(k["patience"].as_u64().unwrap() as usize);
        if let Some(m) = k["monitor"].as_str() {
            cb = cb.monitor(m);
        }
        if let Some(m) = k["mode"].as_str() {
            cb = cb.mode(m);
        }
        if let Some(c) = k["cooldown"].as_u64() {
            cb = cb.cooldown(c as usize);
        }
        if let Some(m) = k["min_lr"].as_f64() {
            cb = cb.min_lr(m);
        }
        if let Some(d) = k["min_delta"].as_f64() {
            cb = cb.min_delta(d);
        }
        let monitor = k["monitor"].as_str().unwrap_or("val_loss");
        let mut model = FakeModel { weight: 0.0, lr: 0.1, stop: false };
        cb.on_train_begin(&mut model).unwrap();
        let (want, logged) = (floats(&case["lr_after"]), floats(&case["logged"]));
        for (epoch, v) in floats(&case["values"]).into_iter().enumerate() {
            let mut logs: Logs = [(monitor.to_string(), v)].into_iter().collect();
            cb.on_epoch_end(epoch, &mut logs, &mut model).unwrap();
            // Keras holds the rate in a float32 variable.
            assert_close_f64(model.lr as f32 as f64, want[epoch], 1e-6, &format!("{name}: lr after epoch {epoch}"));
            assert_close_f64(logs["learning_rate"], logged[epoch], 1e-6, &format!("{name}: logged lr {epoch}"));
        }
    }
}

#[test]
fn schedules_give_keras_learning_rates_step_by_step() {
    let fx = fixture("callbacks.json");
    let steps: Vec<u64> = fx["steps"].as_array().unwrap().iter().map(|s| s.as_u64().unwrap()).collect();
    for case in fx["schedules"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let serialized = serde_json::json!({"class_name": case["class_name"], "config": case["config"]});
        let LearningRate::Schedule(s) = LearningRate::from_config(&serialized).unwrap() else { panic!("{name}") };
        for (step, want) in steps.iter().zip(floats(&case["values"])) {
            assert_close_f64(s.at(*step), want, 1e-6, &format!("{name} at step {step}"));
        }
        // The config keras-rs writes rebuilds the same schedule in Keras' JSON shape.
        let again = LearningRate::from_config(&s.get_config()).unwrap();
        assert_eq!(again.at(7), s.at(7), "{name}: config round trip");
    }
}

#[test]
fn fit_with_a_schedule_matches_keras() {
    let fx = fixture("callbacks.json");
    let case = &fx["fit_with_schedule"];
    let (x, y) = (common::array(&case["x"]), common::array(&case["y"]));
    let lr = LearningRate::from_config(&case["optimizer_config"]["learning_rate"]).unwrap();
    let mut model = Sequential::new()
        .add(Input::new(&[4]))
        .add(Dense::new(5).activation("tanh"))
        .add(Dense::new(1).activation("sigmoid"));
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    model.compile(SGD::new().learning_rate(lr).momentum(0.5), "binary_crossentropy", &["accuracy"]).unwrap();
    let history = model.fit(&x, &y, FitOptions::new().epochs(3).batch_size(8).shuffle(false).verbose(0)).unwrap();
    assert_history(&history, &case["history"], "SGD + ExponentialDecay");
    for (i, (w, k)) in model.get_weights().unwrap().iter().zip(arrays(&case["weights"])).enumerate() {
        assert_close(w, &k, 1e-4, 1e-5, &format!("weight {i}"));
    }
    // The schedule's rate after 15 updates, and it survives save/load.
    assert_close_f64(model.learning_rate().unwrap(), 0.5 * 0.5f64.powf(15.0 / 2.0), 1e-9, "current lr");
    let dir = temp_dir("schedule");
    model.save(dir.join("m.keras")).unwrap();
    let again = keras_rs::models::load_model(dir.join("m.keras")).unwrap();
    assert_eq!(again.iterations(), 15);
    let cfg: Value = serde_json::from_str(&again.to_json()).unwrap();
    assert_eq!(cfg["compile_config"]["optimizer"]["config"]["learning_rate"]["class_name"], "ExponentialDecay");
    // Python Keras, where installed, loads the file with its schedule and optimizer state.
    let keras = std::process::Command::new("python3")
        .args(["-c", "import keras, jax"])
        .env("KERAS_BACKEND", "jax")
        .output()
        .is_ok_and(|o| o.status.success());
    if keras {
        std::fs::write(dir.join("x.json"), serde_json::to_string(&[&case["x"]]).unwrap()).unwrap();
        let script = format!("{}/tests/fixtures/saving/predict_in_keras.py", env!("CARGO_MANIFEST_DIR"));
        let out = std::process::Command::new("python3")
            .env("KERAS_BACKEND", "jax")
            .args([
                script.as_str(),
                &dir.join("m.keras").display().to_string(),
                &dir.join("x.json").display().to_string(),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let result: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        assert_eq!((result["compiled"].as_bool(), result["iterations"].as_u64()), (Some(true), Some(15)));
        let ours = model.predict(&x, PredictOptions::new().verbose(0)).unwrap();
        assert_close(&ours, &common::array(&result["outputs"][0]), 1e-5, 1e-6, "Python's predictions");
    } else {
        eprintln!("SKIPPED the Python half: python3 with keras and jax is not installed");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("keras_rs_callbacks_{tag}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn data() -> (ndarray::Array2<f32>, ndarray::Array1<f32>) {
    let x = ndarray::Array2::from_shape_fn((40, 3), |(i, j)| ((i * 5 + j * 7) % 13) as f32 / 6.0 - 1.0);
    let y = ndarray::Array1::from_shape_fn(40, |i| (i % 2) as f32);
    (x, y)
}

fn small_model(seed: u64) -> Sequential {
    let mut m =
        Sequential::new().seed(seed).add(Input::new(&[3])).add(Dense::new(4).activation("relu")).add(Dense::new(1));
    m.compile(SGD::new().learning_rate(0.05), "mse", NO_METRICS).unwrap();
    m
}

/// Records the weights at the end of every epoch.
#[derive(Default)]
struct WeightsPerEpoch(Vec<Vec<ArrayD<f32>>>);

impl Callback for WeightsPerEpoch {
    fn on_epoch_end(&mut self, _e: usize, _l: &mut Logs, model: &mut dyn ModelHandle) -> keras_rs::Result<()> {
        self.0.push(model.get_weights()?);
        Ok(())
    }
}

#[test]
fn restore_best_weights_restores_them_bit_exactly() {
    let (x, y) = data();
    let mut model = small_model(3);
    let seen = Shared::new(WeightsPerEpoch::default());
    // val_loss of a tiny validation split goes up and down: some epoch is the best.
    let early = Shared::new(EarlyStopping::new().patience(3).restore_best_weights(true));
    let opts = FitOptions::new().epochs(30).batch_size(8).validation_split(0.25).shuffle(false).verbose(0);
    let history = model.fit(&x, &y, opts.callback(seen.clone()).callback(early.clone())).unwrap();
    let val = history.get("val_loss");
    let best = (0..val.len()).min_by(|&a, &b| val[a].total_cmp(&val[b])).unwrap();
    assert_eq!(early.lock().best_epoch(), best);
    assert_eq!(model.get_weights().unwrap(), seen.lock().0[best], "weights of epoch {best}");
}

#[test]
fn terminate_on_nan_stops_and_no_checkpoint_is_written_from_nan_weights() {
    let (x, y) = data();
    let dir = temp_dir("nan");
    let mut model = small_model(4);
    let template = dir.join("ckpt-{epoch:02d}.keras").display().to_string();
    // A sane first epoch, then a learning rate that blows the weights up.
    let schedule = LearningRateScheduler::new(|epoch, lr| if epoch == 0 { lr } else { 1e30 });
    let opts = FitOptions::new().epochs(5).batch_size(8).shuffle(false).verbose(0);
    let opts = opts.callback(schedule).callback(TerminateOnNaN::new()).callback(ModelCheckpoint::new(&template));
    let history = model.fit(&x, &y, opts).unwrap();
    assert_eq!(history.get("loss").len(), 2, "stopped in the second epoch");
    assert!(!history.get("loss")[1].is_finite());
    assert!(dir.join("ckpt-01.keras").exists());
    assert!(!dir.join("ckpt-02.keras").exists(), "no checkpoint from NaN weights");
    let saved = keras_rs::models::load_model(dir.join("ckpt-01.keras")).unwrap();
    assert!(saved.get_weights().unwrap().iter().all(|w| w.iter().all(|v| v.is_finite())));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn model_checkpoint_fills_templates_and_keeps_only_improvements() {
    let (x, y) = data();
    let dir = temp_dir("ckpt");
    let mut model = small_model(5);
    let best = dir.join("best.weights.h5");
    let opts = FitOptions::new()
        .epochs(4)
        .batch_size(8)
        .validation_split(0.25)
        .shuffle(false)
        .verbose(0)
        .callback(ModelCheckpoint::new(&dir.join("m-{epoch:02d}-{val_loss:.3f}.keras").display().to_string()))
        .callback(ModelCheckpoint::new(&best.display().to_string()).save_weights_only(true).save_best_only(true));
    let history = model.fit(&x, &y, opts).unwrap();
    for (epoch, v) in history.get("val_loss").iter().enumerate() {
        assert!(dir.join(format!("m-{:02}-{v:.3}.keras", epoch + 1)).exists(), "epoch {}", epoch + 1);
    }
    // The best file holds the weights of the best epoch: loading them gives its val_loss.
    let mut fresh = small_model(6);
    fresh.load_weights(&best).unwrap();
    let val = history.get("val_loss");
    let min = val.iter().cloned().fold(f64::INFINITY, f64::min);
    let (vx, vy) = (x.slice(ndarray::s![30.., ..]).to_owned(), y.slice(ndarray::s![30..]).to_owned());
    let got = fresh.evaluate(&vx, &vy, EvaluateOptions::new().verbose(0)).unwrap()["loss"];
    assert_close_f64(got, min, 1e-5, "best checkpoint's val_loss");
    let err =
        model.fit(&x, &y, FitOptions::new().verbose(0).callback(ModelCheckpoint::new("x.h5"))).unwrap_err().to_string();
    assert!(err.contains("must end in `.keras`"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Fails at the start of `epoch` (a crash).
struct CrashAt(usize);

impl Callback for CrashAt {
    fn on_epoch_begin(&mut self, epoch: usize, _m: &mut dyn ModelHandle) -> keras_rs::Result<()> {
        if epoch == self.0 { Err(keras_rs::Error::value("simulated crash")) } else { Ok(()) }
    }
}

#[test]
fn backup_and_restore_resumes_an_interrupted_fit() {
    let (x, y) = data();
    let dir = temp_dir("backup");
    let backup = dir.join("backup");
    let opts = || FitOptions::new().epochs(5).batch_size(8).shuffle(false).verbose(0);
    let mut straight = small_model(7);
    let full = straight.fit(&x, &y, opts()).unwrap();

    let mut model = small_model(7);
    let crashed = model.fit(&x, &y, opts().callback(BackupAndRestore::new(&backup)).callback(CrashAt(3)));
    assert!(crashed.is_err());
    assert!(backup.join("latest.weights.h5").exists());
    let mut restarted = small_model(8); // a new process: other initial weights
    let rest = restarted.fit(&x, &y, opts().callback(BackupAndRestore::new(&backup))).unwrap();
    assert_eq!(rest.epoch, vec![3, 4], "resumes at the first unfinished epoch");
    for (i, v) in rest.get("loss").iter().enumerate() {
        assert_close_f64(*v, full.get("loss")[i + 3], 1e-6, &format!("loss of epoch {}", i + 4));
    }
    for (a, b) in restarted.get_weights().unwrap().iter().zip(straight.get_weights().unwrap()) {
        assert_close(a, &b, 1e-6, 1e-7, "final weights");
    }
    assert!(!backup.exists(), "a finished fit deletes the backup");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn tensorboards_own_reader_lists_the_scalars_we_wrote() {
    let has_tb = std::process::Command::new("python3")
        .args(["-c", "import tensorboard"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_tb {
        eprintln!("SKIPPED: the `tensorboard` Python package is not installed (pip install tensorboard)");
        return;
    }
    let (x, y) = data();
    let dir = temp_dir("tensorboard");
    let mut model = small_model(9);
    let opts = FitOptions::new().epochs(3).batch_size(8).validation_split(0.25).shuffle(false).verbose(0);
    let tb = keras_rs::callbacks::TensorBoard::new(&dir).update_freq_batches(2);
    let history = model.fit(&x, &y, opts.callback(tb)).unwrap();
    let script = format!("{}/tests/fixtures/read_tensorboard.py", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3").arg(script).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let scalars: Value = serde_json::from_slice(&out.stdout).unwrap();
    let series = |tag: &str| -> Vec<(u64, f64)> {
        scalars[tag]
            .as_array()
            .unwrap_or_else(|| panic!("no scalar {tag} in {scalars}"))
            .iter()
            .map(|p| (p[0].as_u64().unwrap(), p[1].as_f64().unwrap()))
            .collect()
    };
    for (tag, key) in [("train/epoch_loss", "loss"), ("validation/epoch_loss", "val_loss")] {
        let s = series(tag);
        assert_eq!(s.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 1, 2], "{tag} steps");
        for (epoch, (_, v)) in s.iter().enumerate() {
            assert_close_f64(*v, history.get(key)[epoch], 1e-6, &format!("{tag} epoch {epoch}"));
        }
    }
    let lr = series("train/epoch_learning_rate");
    assert!(lr.iter().all(|(_, v)| (v - 0.05).abs() < 1e-7), "{lr:?}");
    // 30 training samples, batch 8: 4 batches per epoch, 12 in all; every 2nd is logged.
    let batch = series("train/batch_loss");
    assert_eq!(batch.iter().map(|p| p.0).collect::<Vec<_>>(), vec![2, 4, 6, 8, 10, 12]);
    assert_close_f64(batch[1].1, history.get("loss")[0], 1e-6, "batch 4 = the running mean of epoch 1");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn history_plot_writes_png_and_svg_charts() {
    let (x, y) = data();
    let mut model = small_model(10);
    model.compile(Adam::new().learning_rate(0.02), "binary_crossentropy", &["accuracy"]).unwrap();
    let opts = FitOptions::new().epochs(12).batch_size(8).validation_split(0.25).shuffle(false).verbose(0);
    let history = model.fit(&x, &y, opts).unwrap();
    let dir = std::env::temp_dir();
    let png = dir.join("keras_rs_history_plot.png"); // kept: open it to look at the curves
    history.plot(&png).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 10_000, "a real chart, {} bytes", bytes.len());
    let svg = dir.join(format!("keras_rs_history_plot_{}.svg", std::process::id()));
    history.plot(&svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    for label in ["loss", "accuracy", "train", "validation", "epoch"] {
        assert!(text.contains(label), "the SVG names {label}");
    }
    std::fs::remove_file(svg).unwrap();
}

/// Counts hook calls.
#[derive(Default)]
struct Counter(std::collections::BTreeMap<&'static str, usize>);

impl Counter {
    fn hit(&mut self, hook: &'static str) -> keras_rs::Result<()> {
        *self.0.entry(hook).or_default() += 1;
        Ok(())
    }
}

impl Callback for Counter {
    fn on_train_begin(&mut self, _m: &mut dyn ModelHandle) -> keras_rs::Result<()> {
        self.hit("train_begin")
    }
    fn on_train_end(&mut self, _l: &Logs, _m: &mut dyn ModelHandle) -> keras_rs::Result<()> {
        self.hit("train_end")
    }
    fn on_epoch_begin(&mut self, _e: usize, _m: &mut dyn ModelHandle) -> keras_rs::Result<()> {
        self.hit("epoch_begin")
    }
    fn on_epoch_end(&mut self, _e: usize, _l: &mut Logs, _m: &mut dyn ModelHandle) -> keras_rs::Result<()> {
        self.hit("epoch_end")
    }
    fn on_train_batch_begin(&mut self, _b: usize, _m: &mut dyn ModelHandle) -> keras_rs::Result<()> {
        self.hit("train_batch_begin")
    }
    fn on_train_batch_end(
        &mut self,
        _b: usize,
        _l: &mut keras_rs::callbacks::BatchLogs<'_>,
        _m: &mut dyn ModelHandle,
    ) -> keras_rs::Result<()> {
        self.hit("train_batch_end")
    }
    fn on_test_begin(&mut self) -> keras_rs::Result<()> {
        self.hit("test_begin")
    }
    fn on_test_end(&mut self, _l: &Logs) -> keras_rs::Result<()> {
        self.hit("test_end")
    }
    fn on_test_batch_end(&mut self, _b: usize) -> keras_rs::Result<()> {
        self.hit("test_batch_end")
    }
    fn on_predict_begin(&mut self) -> keras_rs::Result<()> {
        self.hit("predict_begin")
    }
    fn on_predict_batch_end(&mut self, _b: usize) -> keras_rs::Result<()> {
        self.hit("predict_batch_end")
    }
    fn on_predict_end(&mut self) -> keras_rs::Result<()> {
        self.hit("predict_end")
    }
}

#[test]
fn fit_evaluate_and_predict_call_every_hook() {
    let (x, y) = data();
    let mut model = small_model(12);
    let count = Shared::new(Counter::default());
    let opts = FitOptions::new().epochs(2).batch_size(8).validation_split(0.25).verbose(0);
    model.fit(&x, &y, opts.callback(count.clone())).unwrap();
    // 30 training samples -> 4 batches per epoch; 10 validation samples -> 2 test batches per epoch.
    let expect = [
        ("train_begin", 1),
        ("train_end", 1),
        ("epoch_begin", 2),
        ("epoch_end", 2),
        ("train_batch_begin", 8),
        ("train_batch_end", 8),
        ("test_begin", 2),
        ("test_end", 2),
        ("test_batch_end", 4),
    ];
    assert_eq!(count.lock().0, expect.into_iter().collect());
    let count = Shared::new(Counter::default());
    model.evaluate(&x, &y, EvaluateOptions::new().batch_size(16).verbose(0).callback(count.clone())).unwrap();
    model.predict(&x, PredictOptions::new().batch_size(16).verbose(0).callback(count.clone())).unwrap();
    let expect = [
        ("test_begin", 1),
        ("test_end", 1),
        ("test_batch_end", 3),
        ("predict_begin", 1),
        ("predict_batch_end", 3),
        ("predict_end", 1),
    ];
    assert_eq!(count.lock().0, expect.into_iter().collect());
}
