//! Weight regularizers, constraints and grouped convolutions against real Keras 3
//! (`tests/fixtures/regularizers.json`, `constraints.json`, `groups.json`, `rnn_penalties.json`,
//! from the `generate.py` functions of the same names): models
//! read from Keras' JSON with L1, L2 and L1L2 penalties (on kernels, biases and layer outputs),
//! or MaxNorm, NonNeg, UnitNorm and MinMaxNorm constraints, on Dense, Conv1D, LSTM, GRU
//! (also inside Bidirectional) and Embedding layers. A
//! penalty is part of the loss `fit` trains on and reports, and of `evaluate`'s loss; a
//! constraint projects its variable after each update — as in Keras.

mod common;

use common::{array, arrays, assert_close_f64, assert_weights, fixture};
use keras_rs::prelude::*;

#[test]
fn penalties_train_and_report_as_in_keras() {
    train_as_in_keras("regularizers.json");
}

#[test]
fn constraints_project_the_weights_as_in_keras() {
    train_as_in_keras("constraints.json");
}

#[test]
fn grouped_convolutions_train_as_in_keras() {
    train_as_in_keras("groups.json");
}

#[test]
fn recurrent_penalties_and_constraints_train_as_in_keras() {
    train_as_in_keras("rnn_penalties.json");
}

fn train_as_in_keras(fixture_name: &str) {
    let fx = fixture(fixture_name);
    let y = array(&fx["y"]);
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = array(&case["x"]);
        let keras_rs::models::LoadedModel::Sequential(mut model) =
            keras_rs::models::model_from_json(case["json"].as_str().unwrap()).unwrap()
        else {
            panic!("{name}: a Sequential model");
        };
        model.set_weights(&arrays(&case["weights"])).unwrap();
        model.compile(SGD::new().learning_rate(0.1), "sparse_categorical_crossentropy", &[] as &[&str]).unwrap();
        let evaluate = |m: &Sequential| m.evaluate(&x, &y, EvaluateOptions::new().verbose(0)).unwrap()["loss"];
        assert_close_f64(
            evaluate(&model),
            case["evaluate_before"].as_f64().unwrap(),
            1e-4,
            &format!("{name}: evaluate"),
        );
        let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(4).shuffle(false).verbose(0)).unwrap();
        for (epoch, (ours, theirs)) in
            history.history["loss"].iter().zip(case["history"].as_array().unwrap()).enumerate()
        {
            assert_close_f64(*ours, theirs.as_f64().unwrap(), 1e-4, &format!("{name}: loss, epoch {epoch}"));
        }
        assert_close_f64(
            evaluate(&model),
            case["evaluate_after"].as_f64().unwrap(),
            1e-4,
            &format!("{name}: evaluate after"),
        );
        assert_weights(&model.get_weights().unwrap(), &case["weights_after"], name);
    }
}
