//! Hostile configs: every registered layer's Keras config (`tests/fixtures/config_audit.json`)
//! with each argument in turn set to 0, negative, huge, fractional, the wrong type or `null`
//! gives `Ok` or an `Err` when read, built into a model and run — never a panic.

use std::panic::{AssertUnwindSafe, catch_unwind};

use keras_rs::models::{Model, call_layer};
use keras_rs::prelude::*;
use ndarray::{ArrayD, IxDyn};
use serde_json::{Value, json};

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/config_audit.json"))
        .expect("tests/fixtures/config_audit.json");
    serde_json::from_str(&text).unwrap()
}

/// An input shape (without the batch axis) each class accepts with its defaults.
fn input_shape(class: &str) -> Vec<usize> {
    match class {
        "Conv2D"
        | "MaxPooling2D"
        | "AveragePooling2D"
        | "GlobalAveragePooling2D"
        | "GlobalMaxPooling2D"
        | "ZeroPadding2D"
        | "UpSampling2D"
        | "BatchNormalization" => vec![8, 8, 3],
        "Conv1D"
        | "MaxPooling1D"
        | "AveragePooling1D"
        | "GlobalAveragePooling1D"
        | "GlobalMaxPooling1D"
        | "SimpleRNN"
        | "LSTM"
        | "GRU"
        | "Bidirectional"
        | "TimeDistributed"
        | "LayerNormalization" => vec![6, 4],
        _ => vec![4],
    }
}

/// Inputs a merging layer takes: two of the same shape.
fn arity(class: &str) -> usize {
    match class {
        "Add" | "Subtract" | "Multiply" | "Average" | "Maximum" | "Minimum" | "Concatenate" | "Dot" => 2,
        _ => 1,
    }
}

/// Reads `config`, builds a model around it and predicts a batch of ones: `Err` is fine.
fn exercise(class: &str, config: &Value) -> keras_rs::Result<()> {
    let layer = keras_rs::layers::from_config(class, config)?;
    let shape = input_shape(class);
    let inputs: Vec<Input> = (0..arity(class)).map(|_| Input::new(&shape)).collect();
    let outputs = call_layer(layer.as_ref(), &inputs)?;
    let model = Model::new(&inputs, &outputs)?;
    // Only run what fits comfortably: a legal but huge output (RepeatVector(10**12)) is
    // refused by shape inference or left unrun here.
    let out_elems: Option<usize> =
        outputs.iter().map(|t| t.shape().0.iter().skip(1).try_fold(1usize, |n, d| n.checked_mul(d.unwrap_or(1)))).sum();
    if out_elems.is_some_and(|n| n <= 1 << 20) {
        let mut dims = vec![2];
        dims.extend(&shape);
        let x = ArrayD::from_elem(IxDyn(&dims), 1.0f32);
        let xs: Vec<&ArrayD<f32>> = (0..arity(class)).map(|_| &x).collect();
        model.predict(xs, PredictOptions::new().verbose(0))?;
    }
    Ok(())
}

/// The hostile values for one argument.
fn variants(value: &Value) -> Vec<Value> {
    let mut out = vec![json!(null), json!("bogus"), json!(true), json!({"class_name": "Nope"})];
    if value.is_number() || value.is_array() {
        out.extend([json!(0), json!(-1), json!(-2.5), json!(0.5), json!(1e12), json!(1e300), json!(4294967296u64)]);
    }
    if let Value::Array(items) = value {
        out.extend([json!([]), json!([0, 0]), json!([-1, 3]), json!([1e12, 1e12]), json!(vec![1; items.len() + 1])]);
    }
    out
}

#[test]
fn hostile_arguments_give_errors_not_panics() {
    let fixture = fixture();
    let (mut panics, mut cases, mut built) = (Vec::new(), 0, 0);
    for entry in fixture["layers"]["defaults"].as_array().unwrap() {
        let class = entry["class_name"].as_str().unwrap();
        let config = &entry["config"];
        for (key, value) in config.as_object().unwrap() {
            if key == "name" {
                continue;
            }
            for bad in variants(value) {
                let mut mutated = config.clone();
                mutated[key] = bad.clone();
                cases += 1;
                match catch_unwind(AssertUnwindSafe(|| exercise(class, &mutated))) {
                    Ok(result) => built += usize::from(result.is_ok()),
                    Err(_) => panics.push(format!("{class}: {key}={bad}")),
                }
            }
        }
    }
    println!("{cases} hostile configs, {built} of them accepted, built and run");
    assert!(cases > 500 && built > 50, "{cases} cases, {built} built");
    assert!(panics.is_empty(), "{} of {cases} hostile configs panicked:\n{}", panics.len(), panics.join("\n"));
}
