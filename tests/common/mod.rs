//! Helpers shared by the workflow tests: fixture loading and tolerant comparison.
#![allow(dead_code)]

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
