//! Helpers shared by the workflow tests: fixture loading and tolerant comparison.
#![allow(dead_code)]

use keras_rs::Shape;
use keras_rs::backend::DynTensor;
use keras_rs::burn::tensor::{Tensor, TensorData};
use keras_rs::layers::{self, CallContext};
use keras_rs::random::SeedGenerator;
use ndarray::{ArrayD, IxDyn};
use serde_json::Value;

/// Loads `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A nested JSON list as an `f32` array (shape from the nesting).
pub fn array(v: &Value) -> ArrayD<f32> {
    fn shape(v: &Value, out: &mut Vec<usize>) {
        if let Value::Array(items) = v {
            out.push(items.len());
            if let Some(first) = items.first() {
                shape(first, out);
            }
        }
    }
    fn flat(v: &Value, out: &mut Vec<f32>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| flat(i, out)),
            Value::Number(n) => out.push(n.as_f64().expect("number") as f32),
            other => panic!("not a number: {other}"),
        }
    }
    let mut dims = Vec::new();
    shape(v, &mut dims);
    let mut values = Vec::new();
    flat(v, &mut values);
    ArrayD::from_shape_vec(IxDyn(&dims), values).expect("rectangular fixture array")
}

/// A list of arrays (weights).
pub fn arrays(v: &Value) -> Vec<ArrayD<f32>> {
    v.as_array().expect("list").iter().map(array).collect()
}

/// `|a - b| <= atol + rtol * |b|` for every element, with a message naming `what`.
pub fn assert_close_slice(a: &[f32], b: &[f32], rtol: f32, atol: f32, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= atol + rtol * y.abs(), "{what}[{i}]: got {x}, Keras {y} (rtol {rtol}, atol {atol})");
    }
}

/// Array comparison (shapes must be equal).
pub fn assert_close(a: &ArrayD<f32>, b: &ArrayD<f32>, rtol: f32, atol: f32, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes differ");
    let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
    assert_close_slice(a.as_slice().unwrap(), b.as_slice().unwrap(), rtol, atol, what);
}

/// Scalar comparison.
pub fn assert_close_f64(a: f64, b: f64, rtol: f64, what: &str) {
    assert!((a - b).abs() <= 1e-6 + rtol * b.abs(), "{what}: got {a}, Keras {b} (rtol {rtol})");
}

/// A `fit` history against Keras' (`{"loss": [..], ...}`): the same names, every value within rtol 1e-4.
pub fn assert_history(history: &keras_rs::callbacks::History, keras: &Value, what: &str) {
    let keras = keras.as_object().expect("history object");
    assert_eq!(history.history.keys().collect::<Vec<_>>(), keras.keys().collect::<Vec<_>>(), "{what}: logged names");
    for (key, values) in keras {
        for (epoch, v) in values.as_array().unwrap().iter().enumerate() {
            assert_close_f64(
                history.history[key][epoch],
                v.as_f64().unwrap(),
                1e-4,
                &format!("{what}: {key} epoch {epoch}"),
            );
        }
    }
}

/// Final weights against Keras' (rtol 1e-4, atol 1e-5).
pub fn assert_weights(got: &[ArrayD<f32>], keras: &Value, what: &str) {
    let keras = arrays(keras);
    assert_eq!(got.len(), keras.len(), "{what}: number of weights");
    for (i, (g, k)) in got.iter().zip(&keras).enumerate() {
        assert_close(g, k, 1e-4, 1e-5, &format!("{what}: weight {i}"));
    }
}

/// [`assert_weights`], except the weights `noise`, whose gradient is zero in exact arithmetic
/// (MultiHeadAttention's key bias: softmax does not change when one number is added to all the
/// scores of a query) and which Adam moves by rounding noise alone (its epsilon turns gradients
/// of 1e-10 into steps of 1e-5): those must stay near zero in both.
#[allow(dead_code)]
pub fn assert_weights_but_noise(got: &[ArrayD<f32>], keras: &Value, noise: &[usize], what: &str) {
    let keras = arrays(keras);
    assert_eq!(got.len(), keras.len(), "{what}: number of weights");
    for (i, (g, k)) in got.iter().zip(&keras).enumerate() {
        if noise.contains(&i) {
            let largest = g.iter().chain(k.iter()).fold(0f32, |m, v| m.max(v.abs()));
            assert!(largest < 1e-3, "{what}: weight {i} should stay near zero, reaches {largest}");
        } else {
            assert_close(g, k, 1e-4, 1e-5, &format!("{what}: weight {i}"));
        }
    }
}

/// Rebuilds the model of a fixture's `fit` entry from Keras' JSON with Keras' initial weights,
/// trains it as Keras did (Adam 0.01, sparse categorical cross-entropy, batches of 4, two
/// epochs, no shuffling) and compares history and weights (`noise`: see
/// [`assert_weights_but_noise`]), and `evaluate`'s results after it where the case has them.
#[allow(dead_code)]
pub fn check_json_fit(case: &Value, noise: &[usize], what: &str) {
    use keras_rs::prelude::*;
    let mut model = keras_rs::models::model_from_json(case["json"].as_str().unwrap()).unwrap();
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    let (x, y) = (array(&case["x"]), array(&case["y"]));
    let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(4).shuffle(false).verbose(0)).unwrap();
    assert_history(&history, &case["history"], what);
    assert_weights_but_noise(&model.get_weights().unwrap(), &case["weights"], noise, what);
    if let Some(keras) = case.get("evaluate") {
        let scores = model.evaluate(&x, &y, EvaluateOptions::new().batch_size(4).verbose(0)).unwrap();
        for (k, v) in keras.as_object().unwrap() {
            assert_close_f64(scores[k], v.as_f64().unwrap(), 1e-4, &format!("{what}: evaluate {k}"));
        }
    }
}

/// Every output of a model against Keras' (`ys`), rtol 1e-4.
#[allow(dead_code)]
pub fn assert_outputs_close(got: &[ndarray::ArrayD<f32>], want: &[ndarray::ArrayD<f32>], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: outputs");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_close(g, w, 1e-4, 1e-5, &format!("{what}: output {i}"));
    }
}

/// Rebuilds a fixture's model (`json`) from Keras' JSON with Keras' `weights`, predicts `xs`
/// and compares the first output with Keras' `y`; returns the model.
#[allow(dead_code)]
pub fn check_json_model(case: &Value, what: &str) -> keras_rs::models::LoadedModel {
    use keras_rs::prelude::*;
    let mut model = keras_rs::models::model_from_json(case["json"].as_str().unwrap()).unwrap();
    model.set_weights(&arrays(&case["weights"])).unwrap();
    let xs = arrays(&case["xs"]);
    let got = model.predict(xs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0)).unwrap();
    assert_close(&got[0], &array(&case["y"]), 1e-4, 1e-5, what);
    model
}

fn flat(a: &ndarray::ArrayD<f32>) -> Tensor<1> {
    let v: Vec<f32> = a.iter().copied().collect();
    let n = v.len();
    Tensor::from_data(TensorData::new(v, [n]), &keras_rs::backends::default_device())
}

/// Rebuilds each layer of a fixture from Keras' config, calls it on the fixture's input with
/// Keras' weights (in training mode where recorded) and compares output, weight layout and
/// updated variables. Returns the number of cases.
pub fn check_layer_cases(name: &str) -> usize {
    let fx = fixture(name);
    let device = keras_rs::backends::default_device();
    let cases = fx["cases"].as_array().unwrap();
    for (i, case) in cases.iter().enumerate() {
        let class = case["class_name"].as_str().unwrap();
        let what = format!("case {i}: {class} {}", case["config"]);
        let mut layer = layers::from_config(class, &case["config"]).unwrap_or_else(|e| panic!("{what}: {e}"));
        let x = array(&case["x"]);
        let y_keras = array(&case["y"]);
        let input_shape = Shape::batched(&x.shape()[1..]);
        let specs = layer.build(&input_shape).unwrap();
        assert!(layer.compute_output_shape(&input_shape).unwrap().matches(y_keras.shape()), "{what}: output shape");
        let keras_weights = arrays(&case["weights"]);
        let shapes: Vec<Vec<usize>> = specs.iter().map(|s| s.shape.clone()).collect();
        let keras_shapes: Vec<Vec<usize>> = keras_weights.iter().map(|w| w.shape().to_vec()).collect();
        assert_eq!(shapes, keras_shapes, "{what}: weight layout");
        let mut weights: Vec<Tensor<1>> = keras_weights.iter().map(flat).collect();
        let training = case["training"].as_bool().unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(training, &mut rng, &device);
        let x_t = DynTensor::from_data(x.iter().copied().collect(), x.shape(), &device).unwrap();
        let y = layer.forward(x_t, keras_rs::layers::Weights::from(&weights), &mut ctx).unwrap();
        let y = ndarray::ArrayD::from_shape_vec(y.dims(), y.to_vec().unwrap()).unwrap();
        assert_close(&y, &y_keras, 1e-4, 1e-5, &what);
        if let Some(after) = case.get("weights_after") {
            for (index, value) in ctx.updates.drain(..) {
                weights[index] = value;
            }
            for (k, (got, want)) in weights.iter().zip(arrays(after)).enumerate() {
                let got =
                    ndarray::ArrayD::from_shape_vec(want.shape(), got.clone().into_data().try_to_vec::<f32>().unwrap())
                        .unwrap();
                assert_close(&got, &want, 1e-4, 1e-6, &format!("{what}: weight {k} after the training call"));
            }
        } else {
            assert!(ctx.updates.is_empty(), "{what}: no update expected");
        }
    }
    cases.len()
}

/// `python3` with Keras 3 on JAX, if this machine has it.
pub fn python_keras() -> Option<std::process::Command> {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import keras, jax"])
        .env("KERAS_BACKEND", "jax")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| {
        let mut cmd = std::process::Command::new("python3");
        cmd.env("KERAS_BACKEND", "jax").env("JAX_PLATFORMS", "cpu");
        cmd
    })
}
