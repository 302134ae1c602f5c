//! A layer of the user's own (Keras' "Making new layers and models via subclassing"): the
//! guide's `Linear` (`examples/custom_layers/linear.rs`), written against the public `Layer`
//! trait, registered once, trains, shows in `summary()`, saves and loads — and moves both ways
//! with Python Keras, where the same class is registered (`tests/fixtures/saving/custom_layer.py`).

mod common;
#[path = "../examples/custom_layers/linear.rs"]
mod linear;

use common::{assert_close, python_keras};
use keras_rs::prelude::*;
use linear::Linear;
use ndarray::{Array2, ArrayD};
use serde_json::{Value, json};

fn register() {
    assert_eq!(linear::register().unwrap(), "my_package>Linear");
}

fn data() -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((16, 4), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.5);
    let y = Array2::from_shape_fn((16, 2), |(i, j)| x[[i, j]] * 2.0 - x[[i, j + 2]]);
    (x, y)
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("keras_rs_custom_layers_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn a_layer_of_your_own_trains_shows_saves_and_loads() {
    register();
    let (x, y) = data();
    let mut model = Sequential::new().seed(3).add(Input::new(&[4])).add(Linear::new(8)).add(Dense::new(2));
    let summary = model.summary_string();
    assert!(summary.contains("linear (Linear)") && summary.contains("40"), "{summary}");
    model.compile(Adam::new().learning_rate(0.05), "mse", &[] as &[&str]).unwrap();
    let history = model.fit(&x, &y, FitOptions::new().epochs(20).batch_size(8).verbose(0)).unwrap();
    let loss = &history.history["loss"];
    assert!(loss[19] < loss[0] / 2.0, "Linear's weights train: {loss:?}");

    let path = temp_path("linear.keras");
    model.save(&path).unwrap();
    assert!(model.to_json().contains(r#""registered_name":"my_package>Linear""#), "{}", model.to_json());
    let loaded = keras_rs::models::load_model(&path).unwrap();
    let (before, after) = (
        model.predict(&x, PredictOptions::new().verbose(0)).unwrap(),
        loaded.predict(&x, PredictOptions::new()).unwrap(),
    );
    assert_close(&after[0], &before, 0.0, 0.0, "reloaded predictions");
}

#[test]
fn an_unregistered_class_says_how_to_register_it() {
    let json = json!({
        "module": "keras", "class_name": "Sequential", "registered_name": null,
        "config": {"name": "sequential", "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null,
             "config": {"batch_shape": [null, 4], "dtype": "float32", "name": "input_layer"}},
            {"module": "__main__", "class_name": "Bilinear", "registered_name": "other_package>Bilinear",
             "config": {"name": "bilinear", "units": 3}}
        ]}
    });
    let message = keras_rs::models::model_from_json(&json.to_string()).expect_err("unregistered").to_string();
    assert!(
        message.contains("Unknown layer class: 'Bilinear' (registered_name 'other_package>Bilinear')"),
        "{message}"
    );
    assert!(
        message.contains("keras_rs::saving::register_keras_serializable(\"my_package\", \"Bilinear\""),
        "{message}"
    );
}

/// Runs `custom_layer.py <mode> <model> <inputs>` and returns its predictions and layer classes.
fn in_python(mode: &str, model: &std::path::Path, x: &Array2<f32>) -> (ArrayD<f32>, Value) {
    let inputs = temp_path(&format!("{mode}_inputs.json"));
    let rows: Vec<Vec<f32>> = x.outer_iter().map(|r| r.to_vec()).collect();
    std::fs::write(&inputs, serde_json::to_string(&rows).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/saving/custom_layer.py");
    let out = python_keras().unwrap().args([script, mode]).arg(model).arg(&inputs).output().unwrap();
    assert!(out.status.success(), "custom_layer.py {mode}: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    (common::array(&result["outputs"]), result["layers"].clone())
}

#[test]
fn the_layer_moves_both_ways_with_python_keras() {
    if python_keras().is_none() {
        eprintln!("SKIPPED: python3 with keras and jax is not installed (pip install keras \"jax[cpu]\")");
        return;
    }
    register();
    let (x, _) = data();
    // Written by Python Keras, read by keras-rs.
    let from_python = temp_path("from_python.keras");
    let (theirs, _) = in_python("write", &from_python, &x);
    let loaded = keras_rs::models::load_model(&from_python).unwrap();
    let ours = loaded.predict(&x, PredictOptions::new()).unwrap();
    assert_close(&ours[0], &theirs, 1e-5, 1e-6, "a Python Keras file with Linear, predicted by keras-rs");

    // Written by keras-rs, read by Python Keras.
    let model = Sequential::new().seed(5).add(Input::new(&[4])).add(Linear::new(3)).add(Dense::new(2));
    let to_python = temp_path("to_python.keras");
    model.save(&to_python).unwrap();
    let (theirs, layers) = in_python("predict", &to_python, &x);
    assert_eq!(layers, json!(["Linear", "Dense"]));
    let ours = model.predict(&x, PredictOptions::new().verbose(0)).unwrap();
    assert_close(&ours, &theirs, 1e-5, 1e-6, "a keras-rs file with Linear, predicted by Python Keras");
}

#[test]
fn a_layer_of_your_own_in_a_functional_model() {
    register();
    let (x, _) = data();
    let input = Input::new(&[4]);
    let hidden = keras_rs::models::call_layer(&Linear::new(6), &input).unwrap();
    let output = Dense::new(2).call(&hidden[0]).unwrap();
    let model = Model::new(&input, &output).unwrap();
    assert!(model.summary_string().contains("(Linear)"), "{}", model.summary_string());
    let path = temp_path("functional_linear.keras");
    model.save(&path).unwrap();
    let loaded = keras_rs::models::load_model(&path).unwrap();
    let (before, after) = (
        model.predict(&x, PredictOptions::new().verbose(0)).unwrap(),
        loaded.predict(&x, PredictOptions::new()).unwrap(),
    );
    assert_close(&after[0], &before[0], 0.0, 0.0, "a reloaded Functional model with Linear");
}
