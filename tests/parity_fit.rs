//! Two-epoch `fit` histories and final weights against real Keras 3 (`shuffle=False`),
//! with and without `validation_split`, uneven last batches, every optimizer.

mod common;

use common::{array, arrays, assert_close_f64, assert_history, assert_weights, fixture};
use keras_rs::optimizers::OptimizerSpec;
use keras_rs::prelude::*;

fn optimizer(name: &str) -> OptimizerSpec {
    match name {
        "sgd" => SGD::new().learning_rate(0.1).momentum(0.9).nesterov(true).into(),
        "adam" => Adam::new().learning_rate(0.01).into(),
        "adamw" => AdamW::new().learning_rate(0.01).into(),
        "rmsprop" => RMSprop::new().learning_rate(0.01).momentum(0.3).centered(true).into(),
        "adam_0.02" => Adam::new().learning_rate(0.02).into(),
        other => panic!("unknown optimizer {other}"),
    }
}

#[test]
fn fit_histories_and_weights_match_keras() {
    let fx = fixture("fit.json");
    let x = array(&fx["x"]);
    let labels = array(&fx["labels"]);
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 11);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let w0 = arrays(&case["weights0"]);
        let (hidden, act1, units, act2) = if case.get("y").is_some() {
            let units = w0[3].shape()[0];
            (
                6,
                "tanh",
                units,
                if units == 1 && case["loss"] == "mse" {
                    "linear"
                } else if units == 1 {
                    "sigmoid"
                } else {
                    "softmax"
                },
            )
        } else {
            (8, "relu", 3, "softmax")
        };
        let y = case.get("y").map(array).unwrap_or_else(|| labels.clone());
        let mut model = Sequential::new()
            .add(Input::new(&[4]))
            .add(Dense::new(hidden).activation(act1))
            .add(Dense::new(units).activation(act2));
        model.set_weights(&w0).unwrap();
        let metrics: Vec<String> =
            case["metrics"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string()).collect();
        model
            .compile(optimizer(case["optimizer"].as_str().unwrap()), case["loss"].as_str().unwrap(), &metrics)
            .unwrap();
        let split = case["validation_split"].as_f64().unwrap();
        let history = model
            .fit(&x, &y, FitOptions::new().batch_size(16).epochs(2).shuffle(false).validation_split(split).verbose(0))
            .unwrap();
        assert_history(&history, &case["history"], name);
        assert_weights(&model.get_weights().unwrap(), &case["weights"], name);
        if let Some(ev) = case.get("evaluate") {
            let scores = model.evaluate(&x, &y, EvaluateOptions::new().batch_size(7).verbose(0)).unwrap();
            for (key, v) in ev.as_object().unwrap() {
                assert_close_f64(scores[key], v.as_f64().unwrap(), 1e-4, &format!("{name}: evaluate {key}"));
            }
        }
    }
}
