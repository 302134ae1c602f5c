//! `PyDataset` workflows: `fit_dataset`/`evaluate_dataset`/`predict_dataset` give what the same
//! batches as arrays give; any number of workers gives the same history and weights; batches
//! read from real files, and a file that cannot be read stops `fit` with an error naming it,
//! the weights of the last completed step intact.

use std::path::PathBuf;
use std::time::Duration;

use keras_rs::prelude::*;
use keras_rs::utils::BoxError;
use ndarray::{Array1, Array2, ArrayD, IxDyn, s};

const FEATURES: usize = 6;
const CLASSES: usize = 3;
const BATCH: usize = 16;
const BATCHES: usize = 7;

/// 7 batches of 16 samples (the last one of 5), features and class labels from a fixed rule.
fn arrays() -> (Array2<f32>, Array1<f32>) {
    let n = BATCH * (BATCHES - 1) + 5;
    let x = Array2::from_shape_fn((n, FEATURES), |(i, j)| ((i * 7 + j * 13) % 23) as f32 / 23.0 - 0.4);
    let y = Array1::from_shape_fn(n, |i| ((i * 5) % CLASSES) as f32);
    (x, y)
}

/// The arrays' batches, each written to its own pair of files: `x_<i>.f32` and `y_<i>.f32`,
/// little-endian floats. `get_batch` reads them back, taking longer for some batches so that
/// workers finish out of order.
struct FileBatches {
    dir: PathBuf,
    shapes: Vec<usize>,
    workers: usize,
}

impl FileBatches {
    fn write(name: &str, workers: usize) -> Self {
        let dir = std::env::temp_dir().join(format!("keras_rs_datasets_{name}_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (x, y) = arrays();
        let mut shapes = Vec::new();
        for (i, start) in (0..x.nrows()).step_by(BATCH).enumerate() {
            let end = (start + BATCH).min(x.nrows());
            let bytes = |v: Vec<f32>| v.iter().flat_map(|f| f.to_le_bytes()).collect::<Vec<u8>>();
            std::fs::write(
                dir.join(format!("x_{i}.f32")),
                bytes(x.slice(s![start..end, ..]).iter().copied().collect()),
            )
            .unwrap();
            std::fs::write(dir.join(format!("y_{i}.f32")), bytes(y.slice(s![start..end]).to_vec())).unwrap();
            shapes.push(end - start);
        }
        FileBatches { dir, shapes, workers }
    }

    fn read(&self, name: &str) -> Result<Vec<f32>, BoxError> {
        let path = self.dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }
}

impl Drop for FileBatches {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl PyDataset for FileBatches {
    fn num_batches(&self) -> usize {
        self.shapes.len()
    }
    fn get_batch(&self, index: usize) -> Result<DatasetBatch, BoxError> {
        std::thread::sleep(Duration::from_millis((index * 7 % 4) as u64 * 4));
        let n = self.shapes[index];
        let x = ArrayD::from_shape_vec(IxDyn(&[n, FEATURES]), self.read(&format!("x_{index}.f32"))?)?;
        let y = ArrayD::from_shape_vec(IxDyn(&[n]), self.read(&format!("y_{index}.f32"))?)?;
        Ok(DatasetBatch::new(x, y))
    }
    fn workers(&self) -> usize {
        self.workers
    }
    fn max_queue_size(&self) -> usize {
        3
    }
}

fn model() -> Sequential {
    let mut model = Sequential::new()
        .seed(5)
        .add(Input::new(&[FEATURES]))
        .add(Dense::new(8).activation("relu"))
        .add(Dense::new(CLASSES).activation("softmax"));
    model.compile(Adam::new().learning_rate(0.05), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    model
}

fn close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{what}: {a:?} vs {b:?}");
    }
}

fn close_arrays(a: &ArrayD<f32>, b: &ArrayD<f32>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{what}: {x} vs {y}");
    }
}

#[test]
fn a_dataset_trains_evaluates_and_predicts_as_the_same_batches_as_arrays() {
    let (x, y) = arrays();
    let mut from_arrays = model();
    let options = || FitOptions::new().epochs(3).shuffle(false).verbose(0);
    let expected = from_arrays.fit(&x, &y, options().batch_size(BATCH)).unwrap();
    let mut from_files = model();
    let mut dataset = FileBatches::write("same", 1);
    let history = from_files.fit_dataset(&mut dataset, options()).unwrap();
    for key in ["loss", "accuracy"] {
        close(&history.history[key], &expected.history[key], key);
    }
    for (a, b) in from_files.get_weights().unwrap().iter().zip(from_arrays.get_weights().unwrap()) {
        close_arrays(a, &b, "weights");
    }
    let eval = from_files.evaluate_dataset(&mut dataset, EvaluateOptions::new().verbose(0)).unwrap();
    let eval_arrays = from_arrays.evaluate(&x, &y, EvaluateOptions::new().batch_size(BATCH).verbose(0)).unwrap();
    close(&eval.values().copied().collect::<Vec<_>>(), &eval_arrays.values().copied().collect::<Vec<_>>(), "evaluate");
    let predicted = from_files.predict_dataset(&mut dataset, PredictOptions::new().verbose(0)).unwrap();
    let predicted_arrays = from_arrays.predict(&x, PredictOptions::new().verbose(0)).unwrap();
    close_arrays(&predicted, &predicted_arrays, "predict");
}

#[test]
fn any_number_of_workers_gives_the_same_history_and_weights() {
    let run = |workers: usize| {
        let mut m = model();
        let mut dataset = FileBatches::write(&format!("workers{workers}"), workers);
        let validation = FileBatches::write(&format!("val{workers}"), workers);
        let options = FitOptions::new().epochs(3).verbose(0).validation_dataset(validation);
        let history = m.fit_dataset(&mut dataset, options).unwrap();
        (history.history, m.get_weights().unwrap())
    };
    let (history, weights) = run(1);
    assert_eq!(history["val_loss"].len(), 3);
    for workers in [2, 5] {
        let (h, w) = run(workers);
        // Bit for bit: the same batches in the same order, whatever finished first.
        assert_eq!(h, history, "workers={workers}");
        assert_eq!(w, weights, "workers={workers}");
    }
}

#[test]
fn an_unreadable_file_stops_fit_with_its_name_and_keeps_the_last_steps_weights() {
    for workers in [1, 3] {
        let mut dataset = FileBatches::write(&format!("broken{workers}"), workers);
        std::fs::remove_file(dataset.dir.join("x_3.f32")).unwrap();
        let mut m = model();
        let err = m.fit_dataset(&mut dataset, FitOptions::new().shuffle(false).verbose(0)).unwrap_err().to_string();
        assert!(err.contains("batch 3") && err.contains("x_3.f32"), "{err}");
        // The weights are those after batches 0, 1 and 2.
        let mut twin = model();
        let (x, y) = arrays();
        for b in 0..3 {
            let rows = b * BATCH..(b + 1) * BATCH;
            let (xb, yb) = (x.slice(s![rows.clone(), ..]), y.slice(s![rows]));
            twin.train_on_batch(&xb, &yb).unwrap();
        }
        assert_eq!(m.get_weights().unwrap(), twin.get_weights().unwrap(), "workers={workers}");
    }
}

/// Batches whose inputs have the wrong width from batch 2 on, or no batches at all.
struct Misshapen {
    batches: usize,
}

impl PyDataset for Misshapen {
    fn num_batches(&self) -> usize {
        self.batches
    }
    fn get_batch(&self, index: usize) -> Result<DatasetBatch, BoxError> {
        let width = if index >= 2 { FEATURES + 1 } else { FEATURES };
        let x = ArrayD::zeros(IxDyn(&[4, width]));
        Ok(DatasetBatch::new(x, ArrayD::zeros(IxDyn(&[4]))))
    }
}

#[test]
fn bad_batches_and_arguments_are_errors_naming_them() {
    let mut m = model();
    let err = m.fit_dataset(&mut Misshapen { batches: 4 }, FitOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("PyDataset batch 2") && err.contains("(4, 7)"), "{err}");
    let err = m.fit_dataset(&mut Misshapen { batches: 0 }, FitOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("no batches"), "{err}");
    let options = FitOptions::new().validation_split(0.2).verbose(0);
    let err = m.fit_dataset(&mut Misshapen { batches: 2 }, options).unwrap_err().to_string();
    assert!(err.contains("`validation_split` is only supported"), "{err}");
    let options = FitOptions::new().sample_weight(&Array1::<f32>::ones(4)).verbose(0);
    let err = m.fit_dataset(&mut Misshapen { batches: 2 }, options).unwrap_err().to_string();
    assert!(err.contains("`sample_weight` should not be passed. Instead, the sample weights"), "{err}");
    let options = FitOptions::new().class_weight(&[(0, 2.0)]).verbose(0);
    let err = m.fit_dataset(&mut Misshapen { batches: 2 }, options).unwrap_err().to_string();
    assert!(err.contains("`class_weight` is not supported with a PyDataset"), "{err}");
    // Targets with a class out of range, in a later batch.
    struct BadLabels;
    impl PyDataset for BadLabels {
        fn num_batches(&self) -> usize {
            3
        }
        fn get_batch(&self, index: usize) -> Result<DatasetBatch, BoxError> {
            let label = if index == 1 { 7.0 } else { 0.0 };
            Ok(DatasetBatch::new(ArrayD::zeros(IxDyn(&[2, FEATURES])), ArrayD::from_elem(IxDyn(&[2]), label)))
        }
    }
    let err = m.fit_dataset(&mut BadLabels, FitOptions::new().shuffle(false).verbose(0)).unwrap_err().to_string();
    assert!(err.contains("PyDataset batch 1"), "{err}");
}

/// A two-input, one-output Functional model's batches, its inputs given by name in the other
/// order than the model's.
struct TwoInputs {
    named: bool,
}

impl PyDataset for TwoInputs {
    fn num_batches(&self) -> usize {
        3
    }
    fn get_batch(&self, index: usize) -> Result<DatasetBatch, BoxError> {
        let (a, b, y) = two_input_arrays(index);
        Ok(if self.named {
            DatasetBatch::named(vec![("b", b), ("a", a)], vec![("out", y)])
        } else {
            DatasetBatch::multi(vec![a, b], vec![y])
        })
    }
}

fn two_input_arrays(index: usize) -> (ArrayD<f32>, ArrayD<f32>, ArrayD<f32>) {
    let a = ArrayD::from_shape_fn(IxDyn(&[4, 3]), |i| ((index * 12 + i[0] * 3 + i[1]) % 7) as f32 / 7.0);
    let b = ArrayD::from_shape_fn(IxDyn(&[4, 2]), |i| ((index * 8 + i[0] * 2 + i[1]) % 5) as f32 / 5.0);
    let y = ArrayD::from_shape_fn(IxDyn(&[4, 1]), |i| (index + i[0]) as f32 / 10.0);
    (a, b, y)
}

fn two_input_model() -> Model {
    let (a, b) = (Input::new(&[3]).name("a"), Input::new(&[2]).name("b"));
    let merged = Concatenate::new().call(&[a.tensor(), b.tensor()]).unwrap();
    let out = Dense::new(1).name("out").call(&merged).unwrap();
    let mut model = Model::new(&[a, b], &out).unwrap().seed(4).unwrap();
    model.compile(SGD::new().learning_rate(0.1), "mse", NO_METRICS).unwrap();
    model
}

#[test]
fn named_batches_reach_the_inputs_they_name() {
    let mut by_position = two_input_model();
    let options = || FitOptions::new().epochs(2).shuffle(false).verbose(0);
    let expected = by_position.fit_dataset(&mut TwoInputs { named: false }, options()).unwrap();
    let mut by_name = two_input_model();
    let history = by_name.fit_dataset(&mut TwoInputs { named: true }, options()).unwrap();
    close(&history.history["loss"], &expected.history["loss"], "loss");
    let predicted = by_name.predict_dataset(&mut TwoInputs { named: true }, PredictOptions::new().verbose(0)).unwrap();
    let (a, b, _) = two_input_arrays(0);
    let direct = by_name.predict(vec![&a, &b], PredictOptions::new().verbose(0)).unwrap();
    close_arrays(&predicted[0].slice(ndarray::s![0..4, ..]).to_owned().into_dyn(), &direct[0], "predict");
}
