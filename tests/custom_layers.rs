//! A layer of the user's own (Keras' "Making new layers and models via subclassing"): the
//! guide's `Linear` (`examples/custom_layers/linear.rs`), written against the public `Layer`
//! trait, registered once, trains, shows in `summary()`, saves and loads — and moves both ways
//! with Python Keras, where the same class is registered (`tests/fixtures/saving/custom_layer.py`).

#[path = "../examples/custom_layers/activity_regularization.rs"]
mod activity_regularization;
mod common;
#[path = "../examples/custom_layers/compute_sum.rs"]
mod compute_sum;
#[path = "../examples/custom_layers/linear.rs"]
mod linear;
#[path = "../examples/custom_layers/mlp_block.rs"]
mod mlp_block;

use activity_regularization::ActivityRegularizationLayer;
use common::{assert_close, python_keras};
use compute_sum::ComputeSum;
use keras_rs::prelude::*;
use linear::Linear;
use mlp_block::MlpBlock;
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

#[test]
fn a_loss_added_by_a_layer_counts_in_evaluate_and_fit() {
    let (x, _) = data();
    let zeros = Array2::<f32>::zeros((16, 1));
    let dense = Dense::new(1).kernel_initializer(keras_rs::initializers::Initializer::Zeros);
    let mut model =
        Sequential::new().add(Input::new(&[4])).add(ActivityRegularizationLayer::new(0.5)).add(dense.trainable(false));
    model.compile("sgd", "mse", NO_METRICS).unwrap();
    // The prediction is 0 = the target: the whole loss is the added 0.5 * mean(x).
    let expected = 0.5 * x.mean().unwrap() as f64;
    let logs = model.evaluate(&x, &zeros, EvaluateOptions::new().verbose(0)).unwrap();
    assert!((logs["loss"] - expected).abs() <= 1e-5 * expected.abs().max(1e-3), "{logs:?} vs {expected}");
    let history = model.fit(&x, &zeros, FitOptions::new().epochs(1).batch_size(16).verbose(0)).unwrap();
    let loss = history.history["loss"][0];
    assert!((loss - expected).abs() <= 1e-5 * expected.abs().max(1e-3), "{loss} vs {expected}");
    keras_rs::saving::register_keras_serializable("my_package", "ActivityRegularizationLayer", |c| {
        Ok(Box::new(ActivityRegularizationLayer::from_config(c)?))
    })
    .unwrap();
    let again = keras_rs::models::model_from_json(&model.to_json()).unwrap();
    assert_eq!(again.to_json(), model.to_json());
}

#[test]
fn a_non_trainable_weight_is_updated_after_each_training_step() {
    let (x, y) = data();
    let mut model = Sequential::new().seed(5).add(Input::new(&[4])).add(ComputeSum::new()).add(Dense::new(2));
    assert!(model.summary_string().contains("Non-trainable params: 4"), "{}", model.summary_string());
    model.compile("sgd", "mse", NO_METRICS).unwrap();
    model.fit(&x, &y, FitOptions::new().epochs(3).batch_size(5).verbose(0)).unwrap();
    let total = |m: &Sequential| -> Vec<f32> {
        let v = m.variables().iter().find(|v| v.path == "compute_sum/total").unwrap();
        v.value.to_data().try_to_vec::<f32>().unwrap()
    };
    let expected = (x.sum_axis(ndarray::Axis(0)) * 3.0).into_dyn();
    let after_fit = ArrayD::from_shape_vec(vec![4], total(&model)).unwrap();
    assert_close(&after_fit, &expected, 1e-5, 1e-5, "total after 3 epochs");
    // Inference leaves it alone (as BatchNormalization's moving statistics).
    model.predict(&x, PredictOptions::new().verbose(0)).unwrap();
    assert_eq!(ArrayD::from_shape_vec(vec![4], total(&model)).unwrap(), after_fit);
    keras_rs::saving::register_keras_serializable("my_package", "ComputeSum", |c| {
        Ok(Box::new(ComputeSum::from_config(c)?))
    })
    .unwrap();
    let again = keras_rs::models::model_from_json(&model.to_json()).unwrap();
    assert_eq!(again.to_json(), model.to_json());
}

#[test]
fn a_layer_made_of_layers_trains_saves_and_loads() {
    keras_rs::saving::register_keras_serializable("my_package", "MLPBlock", |c| {
        Ok(Box::new(MlpBlock::from_config(c)?))
    })
    .unwrap();
    let (x, y) = data();
    let y = y.column(0).to_owned().insert_axis(ndarray::Axis(1));
    let mut model = Sequential::new().seed(11).add(Input::new(&[4])).add(MlpBlock::new());
    // Three Linear layers: 4*32+32 + 32*32+32 + 32*1+1.
    assert_eq!(model.count_params(), 160 + 1056 + 33);
    model.compile(Adam::new().learning_rate(0.01), "mse", NO_METRICS).unwrap();
    let history = model.fit(&x, &y, FitOptions::new().epochs(30).batch_size(8).verbose(0)).unwrap();
    let loss = &history.history["loss"];
    assert!(loss[29] < loss[0] / 2.0, "the block's weights train: {loss:?}");
    let path = temp_path("mlp_block.keras");
    model.save(&path).unwrap();
    let loaded = keras_rs::models::load_model(&path).unwrap();
    let (before, after) = (
        model.predict(&x, PredictOptions::new().verbose(0)).unwrap(),
        loaded.predict(&x, PredictOptions::new()).unwrap(),
    );
    assert_close(&after[0], &before, 0.0, 0.0, "reloaded predictions");
}
