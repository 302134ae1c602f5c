//! ONNX export (`model.export(path, "onnx")`, Keras 3's `format="onnx"`): ONNX Runtime loads the
//! exported models and its outputs equal keras-rs' predictions (rtol 1e-4), for an MLP, the MNIST
//! convnet, a trained BatchNormalization convnet with SAME padding and padding/upsampling layers,
//! a 1-D sequence model, an Embedding model and a two-input two-output Functional model. Skips,
//! saying so, where Python's `onnxruntime` is missing (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use keras_rs::prelude::*;
use ndarray::{Array2, ArrayD, IxDyn};
use serde_json::{Value, json};

const RUN: &str = r#"
import json, sys
import numpy as np, onnxruntime as ort
session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
feeds = {k: np.asarray(v, dtype="float32") for k, v in json.loads(sys.argv[2]).items()}
outputs = session.run(None, feeds)
print(json.dumps({"names": [o.name for o in session.get_outputs()], "outputs": [o.tolist() for o in outputs]}))
"#;

fn onnxruntime_available() -> bool {
    let ok = Command::new("python3").args(["-c", "import onnxruntime"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: Python's onnxruntime is not installed (pip install onnxruntime)");
    }
    ok
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keras_rs_onnx_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn nested(a: &ArrayD<f32>) -> Value {
    if a.ndim() == 0 {
        return json!(a.iter().next().unwrap());
    }
    Value::Array(a.outer_iter().map(|r| nested(&r.to_owned())).collect())
}

fn flat(v: &Value, out: &mut Vec<f32>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| flat(i, out)),
        other => out.push(other.as_f64().unwrap() as f32),
    }
}

/// Runs `path` in ONNX Runtime on `inputs` (by name) and compares with `expected`.
fn check(path: &Path, inputs: &[(&str, &ArrayD<f32>)], expected: &[ArrayD<f32>], output_names: &[&str], what: &str) {
    let feeds: serde_json::Map<String, Value> = inputs.iter().map(|(n, a)| (n.to_string(), nested(a))).collect();
    let out = Command::new("python3")
        .args(["-c", RUN, path.to_str().unwrap(), &Value::Object(feeds).to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{what}: onnxruntime failed: {}", String::from_utf8_lossy(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = answer["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(names, output_names, "{what}: output names");
    for (got, want) in answer["outputs"].as_array().unwrap().iter().zip(expected) {
        let mut values = Vec::new();
        flat(got, &mut values);
        assert_eq!(values.len(), want.len(), "{what}: output size");
        for (g, w) in values.iter().zip(want.iter()) {
            assert!((g - w).abs() <= 1e-4 * w.abs() + 1e-5, "{what}: onnxruntime {g} vs keras-rs {w}");
        }
    }
}

fn grid(shape: &[usize], salt: usize) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| ((i * 7 + salt) % 23) as f32 / 23.0 - 0.45).collect()).unwrap()
}

fn export_and_check(model: &Sequential, x: &ArrayD<f32>, file: &str) {
    let path = temp(file);
    model.export(&path, "onnx").unwrap();
    let expected = model.predict(x, PredictOptions::new().verbose(0)).unwrap();
    let input = model.input_signature().unwrap()[0].0.clone();
    let output = model.output_signature().unwrap()[0].0.clone();
    check(&path, &[(&input, x)], &[expected], &[&output], file);
}

#[test]
fn sequential_models_run_in_onnx_runtime_with_keras_rs_numbers() {
    if !onnxruntime_available() {
        return;
    }
    let mlp = Sequential::new()
        .seed(1)
        .add(Input::new(&[20]))
        .add(Dense::new(32).activation("relu"))
        .add(Dropout::new(0.3))
        .add(Dense::new(16).activation("gelu"))
        .add(Dense::new(8).activation("tanh"))
        .add(Dense::new(5).activation("softmax"));
    export_and_check(&mlp, &grid(&[6, 20], 1), "mlp.onnx");

    let convnet = Sequential::new()
        .seed(2)
        .add(Input::new(&[28, 28, 1]))
        .add(Conv2D::new(32, (3, 3)).activation("relu"))
        .add(MaxPooling2D::new((2, 2)))
        .add(Conv2D::new(64, (3, 3)).activation("relu"))
        .add(MaxPooling2D::new((2, 2)))
        .add(Flatten::new())
        .add(Dropout::new(0.5))
        .add(Dense::new(10).activation("softmax"));
    export_and_check(&convnet, &grid(&[3, 28, 28, 1], 2), "mnist_convnet.onnx");

    // Trained one epoch so that BatchNormalization's moving statistics are not the initial ones.
    let mut bn = Sequential::new()
        .seed(3)
        .add(Input::new(&[15, 15, 3]))
        .add(ZeroPadding2D::new((1, 2)))
        .add(Conv2D::new(8, 3).strides(2).padding("same").activation("relu"))
        .add(BatchNormalization::new())
        .add(UpSampling2D::new(2))
        .add(AveragePooling2D::new(3).strides(2).padding("same"))
        .add(Conv2D::new(4, (2, 3)).dilation_rate((2, 1)).activation("elu"))
        .add(GlobalAveragePooling2D::new())
        .add(Dense::new(3).activation("sigmoid"));
    bn.compile("adam", "mse", NO_METRICS).unwrap();
    bn.fit(&grid(&[16, 15, 15, 3], 3), &grid(&[16, 3], 4), FitOptions::new().epochs(1).verbose(0)).unwrap();
    export_and_check(&bn, &grid(&[4, 15, 15, 3], 5), "bn_convnet.onnx");

    let sequence = Sequential::new()
        .seed(4)
        .add(Input::new(&[6]))
        .add(RepeatVector::new(9))
        .add(Conv1D::new(4, 3).padding("same").activation("relu"))
        .add(MaxPooling1D::new(2))
        .add(Reshape::new(&[2, -1]))
        .add(GlobalMaxPooling1D::new())
        .add(Dense::new(2));
    export_and_check(&sequence, &grid(&[5, 6], 6), "sequence.onnx");

    let embedding = Sequential::new()
        .seed(5)
        .add(Input::new(&[5]))
        .add(Embedding::new(10, 3))
        .add(Flatten::new())
        .add(Dense::new(2).activation("relu6"));
    let tokens = ArrayD::from_shape_vec(IxDyn(&[3, 5]), (0..15).map(|i| (i % 10) as f32).collect()).unwrap();
    export_and_check(&embedding, &tokens, "embedding.onnx");
}

#[test]
fn a_two_input_two_output_model_keeps_its_names() {
    if !onnxruntime_available() {
        return;
    }
    let a = Input::new(&[6]).name("a").tensor();
    let b = Input::new(&[4]).name("b").tensor();
    let ha = LayerNormalization::new().call(&Dense::new(5).activation("relu").call(&a).unwrap()).unwrap();
    let hb = Dense::new(5).call(&b).unwrap();
    let sum = Add::new().call(&[&ha, &hb]).unwrap();
    let joined = Concatenate::new().call(&[&sum, &hb]).unwrap();
    let mean = Average::new().call(&[&ha, &hb]).unwrap();
    let score = Dense::new(3).activation("softmax").name("score").call(&joined).unwrap();
    let value = Dense::new(1).name("value").call(&Multiply::new().call(&[&mean, &ha]).unwrap()).unwrap();
    let model = Model::new(&[&a, &b], &[&score, &value]).unwrap().seed(6).unwrap();
    let path = temp("multi.onnx");
    model.export(&path, "onnx").unwrap();
    let (xa, xb) = (grid(&[4, 6], 7), grid(&[4, 4], 8));
    let expected = model.predict(&[("a", &xa), ("b", &xb)], PredictOptions::new().verbose(0)).unwrap();
    check(&path, &[("a", &xa), ("b", &xb)], &expected, &["score", "value"], "two inputs, two outputs");
}

#[test]
fn dot_products_match() {
    if !onnxruntime_available() {
        return;
    }
    let (a, b) = (Input::new(&[5]).name("a").tensor(), Input::new(&[5]).name("b").tensor());
    let (s, t) = (Input::new(&[4, 3]).name("s").tensor(), Input::new(&[6, 3]).name("t").tensor());
    let flat = Dot::new(1).name("flat").call(&[&a, &b]).unwrap();
    let cosine = Dot::new(2).normalize(true).name("cosine").call(&[&s, &t]).unwrap();
    let projected = Dense::new(5).call(&s).unwrap();
    let attention = Dot::new((1, 1)).name("cross").call(&[&s, &projected]).unwrap();
    let model = Model::new(&[&a, &b, &s, &t], &[&flat, &cosine, &attention]).unwrap().seed(11).unwrap();
    let path = temp("dot.onnx");
    model.export(&path, "onnx").unwrap();
    let xs = [grid(&[3, 5], 1), grid(&[3, 5], 2), grid(&[3, 4, 3], 3), grid(&[3, 6, 3], 4)];
    let named = [("a", &xs[0]), ("b", &xs[1]), ("s", &xs[2]), ("t", &xs[3])];
    let expected = model.predict(&named, PredictOptions::new().verbose(0)).unwrap();
    check(&path, &named, &expected, &["flat", "cosine", "cross"], "Dot");
}

#[test]
fn recurrent_models_run_in_onnx_runtime_with_keras_rs_numbers() {
    if !onnxruntime_available() {
        return;
    }
    let x = grid(&[4, 7, 3], 9);
    let stacked = Sequential::new()
        .seed(7)
        .add(Input::new(&[7, 3]))
        .add(LSTM::new(5).return_sequences(true))
        .add(GRU::new(4).return_sequences(true))
        .add(GRU::new(3).reset_after(false))
        .add(Dense::new(2));
    export_and_check(&stacked, &x, "lstm_gru.onnx");
    let backwards = Sequential::new()
        .seed(8)
        .add(Input::new(&[7, 3]))
        .add(SimpleRNN::new(4).go_backwards(true).return_sequences(true))
        .add(LSTM::new(3).go_backwards(true).return_sequences(true))
        .add(SimpleRNN::new(2).activation("relu"));
    export_and_check(&backwards, &x, "go_backwards.onnx");
    let bidirectional = Sequential::new()
        .seed(9)
        .add(Input::new(&[7, 3]))
        .add(Bidirectional::new(LSTM::new(4).return_sequences(true)))
        .add(Bidirectional::new(GRU::new(3)).merge_mode("sum"))
        .add(Dense::new(1));
    export_and_check(&bidirectional, &x, "bidirectional.onnx");

    // return_state: the output and the final states, as the Functional model's outputs.
    let input = Input::new(&[7, 3]).name("sequence").tensor();
    let outs = LSTM::new(4).return_state(true).call_multi(&input).unwrap();
    let model = Model::new(&input, &[&outs[0], &outs[1], &outs[2]]).unwrap().seed(10).unwrap();
    let path = temp("return_state.onnx");
    model.export(&path, "onnx").unwrap();
    let expected = model.predict(&x, PredictOptions::new().verbose(0)).unwrap();
    let names = model.output_signature().unwrap();
    let names: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    check(&path, &[("sequence", &x)], &expected, &names, "return_state");
}

#[test]
fn a_layer_without_an_onnx_lowering_is_named() {
    let model = Sequential::new().add(Input::new(&[5, 3])).add(TimeDistributed::new(Dense::new(2))).add(Flatten::new());
    let err = model.export(temp("time_distributed.onnx"), "onnx").unwrap_err().to_string();
    assert!(err.contains("Layer \"time_distributed\" (TimeDistributed) cannot be exported to ONNX"), "{err}");
    assert!(!temp("time_distributed.onnx").exists(), "nothing is written");
    let _ = Array2::<f32>::zeros((1, 1));
}

#[test]
fn masks_ops_and_initial_states_are_refused_not_dropped() {
    // The ONNX graph would not carry a mask, an op node or a given initial state.
    let masked = Sequential::new().add(Input::new(&[4])).add(Embedding::new(10, 3).mask_zero(true)).add(GRU::new(2));
    let err = masked.export(temp("masked.onnx"), "onnx").unwrap_err().to_string();
    assert!(err.contains("ONNX export does not carry masks yet"), "{err}");
    let x = Input::new(&[3]).tensor();
    let y = (&Dense::new(3).call(&x).unwrap() + &x).unwrap();
    let err = Model::new(&[x], &[y]).unwrap().export(temp("op.onnx"), "onnx").unwrap_err().to_string();
    assert!(err.contains("ONNX export does not support the op 'add'"), "{err}");
    let (s, h) = (Input::new(&[5, 2]), Input::new(&[4]));
    let y = GRU::new(4).name("g").call_with_initial_state(&s, &[&h.tensor()]).unwrap().remove(0);
    let err = Model::new(&[s, h], &[y]).unwrap().export(temp("state.onnx"), "onnx").unwrap_err().to_string();
    assert!(err.contains("'g' with an explicit mask or initial_state"), "{err}");
}
