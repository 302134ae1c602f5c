//! Unknown sizes after the batch axis (`keras.Input(shape=(None, 3))`: sequences of any
//! length) against real Keras 3 (`tests/fixtures/unknown_sizes.json`): models read from
//! Keras' JSON predict Keras' numbers at two lengths; a model trained on one length predicts
//! another as Keras does; the Rust API, `summary()` and saving keep the `None`; layers that do
//! not run on unknown sizes say so.

mod common;

use common::{array, arrays, assert_close, fixture};
use keras_rs::models::model_from_json;
use keras_rs::prelude::*;

#[test]
fn models_on_sequences_of_any_length_predict_keras_numbers() {
    let fx = fixture("unknown_sizes.json");
    for case in fx["models"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut model = model_from_json(case["json"].as_str().unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        model.set_weights(&arrays(&case["weights"])).unwrap();
        for run in case["runs"].as_array().unwrap() {
            let x = array(&run["x"]);
            let got = model.predict(&x, PredictOptions::new().verbose(0)).unwrap();
            // The "ops" model has three outputs, the others one.
            let want = if name == "ops" { arrays(&run["y"]) } else { vec![array(&run["y"])] };
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_close(g, w, 1e-4, 1e-5, &format!("{name} at {} steps, output {i}", x.shape()[1]));
            }
        }
        let json = model.to_json();
        assert!(json.contains("\"batch_shape\":[null,null"), "{name}: {json}");
        assert_eq!(model_from_json(&json).unwrap().to_json(), json, "{name}: written back");
    }
}

#[test]
fn a_model_trained_on_one_length_predicts_another_as_keras() {
    let fx = fixture("unknown_sizes.json");
    let case = &fx["fit"];
    common::check_json_fit(case, &[], "gru classifier");
    // The same training again, then a prediction on 4 steps instead of 7.
    let mut model = model_from_json(case["json"].as_str().unwrap()).unwrap();
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    let (x, y) = (array(&case["x"]), array(&case["y"]));
    model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(4).shuffle(false).verbose(0)).unwrap();
    let got = model.predict(&array(&case["probe"]["x"]), PredictOptions::new().verbose(0)).unwrap();
    assert_close(&got[0], &array(&case["probe"]["y"]), 1e-4, 1e-5, "gru classifier on 4 steps");
}

#[test]
fn the_rust_api_takes_unknown_sizes_and_summary_shows_them() {
    let x = Input::new(&[None, Some(3)]).name("x");
    let h = LSTM::new(4).return_sequences(true).call(&x).unwrap();
    assert_eq!(h.shape().to_string(), "(None, None, 4)");
    let y = Dense::new(2).call(&GRU::new(3).call(&h).unwrap()).unwrap();
    let model = Model::new(&[x], &[y]).unwrap();
    let summary = model.summary_string();
    assert!(summary.contains("(None, None, 3)") && summary.contains("(None, None, 4)"), "{summary}");
    // Two lengths, two calls.
    for steps in [2, 6] {
        let x = ndarray::ArrayD::<f32>::zeros(ndarray::IxDyn(&[5, steps, 3]));
        assert_eq!(model.predict(&x, PredictOptions::new().verbose(0)).unwrap()[0].shape(), &[5, 2]);
    }
    // A sequence shorter than a Conv1D's window is an error when the data comes.
    let conv = Sequential::new().add(Input::new(&[None, Some(2)])).add(Conv1D::new(1, 3).name("c"));
    let short = ndarray::ArrayD::<f32>::zeros(ndarray::IxDyn(&[1, 2, 2]));
    let err = conv.predict(&short, PredictOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("Computed output size would be negative for layer \"c\""), "{err}");
    // A Sequential too.
    let seq = Sequential::new().add(Input::new(&[None, Some(3)])).add(SimpleRNN::new(2)).add(Dense::new(1));
    assert_eq!(seq.output_shape().unwrap().to_string(), "(None, 1)");
}

#[test]
fn layers_that_need_known_sizes_say_which() {
    let x = Input::new(&[None, Some(3)]).tensor();
    let err = Flatten::new().name("flat").call(&x).unwrap_err().to_string();
    assert!(
        err.contains("Layer \"flat\" (Flatten) is called on a tensor of shape (None, None, 3) with unknown sizes"),
        "{err}"
    );
    let err = Dense::new(2).call(&Input::new(&[Some(3), None]).tensor()).unwrap_err().to_string();
    assert!(err.contains("known last axis"), "{err}");
    // A Keras file with such a layer is refused at load, naming it.
    let json = serde_json::json!({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [null, null, 3], "name": "x"}},
        {"class_name": "Flatten", "config": {"name": "flatten"}}]}});
    let err = model_from_json(&json.to_string()).unwrap_err().to_string();
    assert!(err.contains("Layer \"flatten\" (Flatten)"), "{err}");
}
