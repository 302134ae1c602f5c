//! Keras' op nodes against real Keras 3 (`tests/fixtures/ops.json`): Functional models whose
//! graphs hold `keras.src.ops.*` nodes (Python operators, `ops.mean`, `ops.reshape`, `x[...]`)
//! load from Keras' JSON and predict Keras' numbers; written back they rebuild the same graph;
//! a residual Transformer block (`x + inputs`) trains as in Keras; and the Rust API records the
//! same ops.

mod common;

use common::{array, arrays, assert_close, fixture};
use keras_rs::models::model_from_json;
use keras_rs::ops::{self, Index, Key};
use keras_rs::prelude::*;

#[test]
fn op_graphs_from_keras_json_predict_keras_numbers() {
    let fx = fixture("ops.json");
    let mut ops_seen = std::collections::BTreeSet::new();
    for case in fx["models"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let model = model_from_json(case["json"].as_str().unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let xs = arrays(&case["xs"]);
        let got = model.predict(xs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0)).unwrap();
        common::assert_outputs_close(&got, &arrays(&case["ys"]), name);
        let json = model.to_json();
        assert_eq!(model_from_json(&json).unwrap().to_json(), json, "{name}: written back");
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        for layer in parsed["config"]["layers"].as_array().unwrap() {
            if layer["module"].as_str().unwrap().starts_with("keras.src.ops") {
                ops_seen.insert(layer["class_name"].as_str().unwrap().to_string());
            }
        }
    }
    assert_eq!(ops_seen.len(), 39, "{ops_seen:?}");
}

#[test]
fn a_residual_transformer_block_trains_as_in_keras() {
    // MultiHeadAttention's gradients (four projections, softmax, both matmuls) through Adam; the
    // key projection's bias (weight 3) has none (see `assert_weights_but_noise`).
    common::check_json_fit(&fixture("ops.json")["fit"], &[3], "residual transformer");
}

#[test]
fn the_rust_api_records_the_keras_ops() {
    // keras: x[:, -1, ::2], ops.stack([x, x + 1], axis=1), x / y, 2 / x (from ops.json's models)
    let fx = fixture("ops.json");
    let case = |name: &str| fx["models"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap().clone();
    let x = Input::new(&[3, 4]).name("x").tensor();
    let last = ops::get_item(
        &x,
        Key::new(vec![Index::Slice(None, None, None), Index::At(-1), Index::Slice(None, None, Some(2))]),
    )
    .unwrap();
    let model = Model::new(&[&x], &[last]).unwrap();
    let c = case("get_item");
    let xs = arrays(&c["xs"]);
    let got = model.predict(&xs[0], PredictOptions::new().verbose(0)).unwrap().remove(0);
    assert_close(&got, &array(&c["ys"][3]), 1e-6, 1e-6, "x[:, -1, ::2]");

    let y = Input::new(&[3, 4]).name("y").tensor();
    let outputs = [(&x / &y).unwrap(), ops::true_divide(2, &x).unwrap(), (&x - 1).unwrap(), (-&x).unwrap()];
    let model = Model::new(&[x, y], &outputs).unwrap();
    let c = case("arithmetic");
    let xs = arrays(&c["xs"]);
    let got = model.predict(xs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0)).unwrap();
    for (i, want) in [5, 6, 1, 8].into_iter().enumerate() {
        assert_close(&got[i], &array(&c["ys"][want]), 1e-5, 1e-6, &format!("arithmetic output {want}"));
    }
    let json = model.to_json();
    assert!(
        json.contains("\"class_name\": \"TrueDivide\"") || json.contains("\"class_name\":\"TrueDivide\""),
        "{json}"
    );
}

#[test]
fn op_errors_are_keras_errors() {
    let x = Input::new(&[3, 4]).tensor();
    let y = Input::new(&[5, 4]).tensor();
    let err = (&x + &y).unwrap_err().to_string();
    assert!(err.contains("Cannot broadcast shapes (None, 3, 4) and (None, 5, 4)"), "{err}");
    let err = ops::mean(&x, None, false).unwrap_err().to_string();
    assert!(err.contains("gives a scalar"), "{err}");
    let err = ops::cast(&x, "int33").unwrap_err().to_string();
    assert!(err.contains("Received: dtype=int33"), "{err}");
    let err = ops::squeeze(&x, &[1]).unwrap_err().to_string();
    assert!(err.contains("Cannot squeeze axis 1"), "{err}");
    // An op keras-rs does not rebuild is refused at load, naming it.
    let json = serde_json::json!({"class_name": "Functional", "config": {"name": "f", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 3], "name": "x"}, "inbound_nodes": []},
        {"module": "keras.src.ops.numpy", "class_name": "Cumsum", "registered_name": "Cumsum", "name": "cumsum",
         "config": {"name": "cumsum", "axis": 1},
         "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                      "config": {"shape": [null, 3], "keras_history": ["x", 0, 0]}}], "kwargs": {}}]}],
        "input_layers": ["x", 0, 0], "output_layers": ["cumsum", 0, 0]}});
    let err = model_from_json(&json.to_string()).unwrap_err().to_string();
    assert!(err.contains("cumsum") && err.contains("keras.src.ops.numpy.Cumsum"), "{err}");
}
