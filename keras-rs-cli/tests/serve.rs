//! `keras-rs serve` for real: the binary is started on a free port over `.keras` files laid out as
//! TF Serving's model folders, and real HTTP clients (ureq here; Python `requests` and `curl`
//! where installed) call it. Answers must have TF Serving's JSON shape, predictions must equal
//! `model.predict` (rtol 1e-5), bad requests get 4xx while valid traffic continues, a new version
//! folder is picked up, and SIGTERM stops the server cleanly.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keras_rs::prelude::*;
use ndarray::{Array2, Array4, ArrayD};
use serde_json::{Value, json};

/// A running server, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts `keras-rs serve` with `args` and waits until model `ready` answers.
    fn start(args: &[String], ready: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_keras-rs"))
            .arg("serve")
            .arg(format!("--rest_api_port={port}"))
            .arg("--rest_api_host=127.0.0.1")
            .args(args)
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the keras-rs binary starts");
        let mut server = Server { child, port };
        let start = Instant::now();
        loop {
            if let Ok((200, _)) = server.try_get(&format!("/v1/models/{ready}")) {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited before answering: {status}");
            }
            assert!(start.elapsed() < Duration::from_secs(60), "the server did not answer within 60 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder().http_status_as_error(false).build().into()
    }

    fn try_get(&self, path: &str) -> Result<(u16, Value), ureq::Error> {
        let mut response = Self::agent().get(&self.url(path)).call()?;
        let status = response.status().as_u16();
        Ok((status, response.body_mut().read_json()?))
    }

    fn get(&self, path: &str) -> (u16, Value) {
        self.try_get(path).unwrap()
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_raw(path, body.to_string().into_bytes())
    }

    fn post_raw(&self, path: &str, body: Vec<u8>) -> (u16, Value) {
        let mut response =
            Self::agent().post(&self.url(path)).header("Content-Type", "application/json").send(&body[..]).unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keras_rs_serve_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves `model` as `{base}/{version}/model.keras` (TF Serving's layout).
fn save_version(model: &impl KerasModel, base: &Path, version: u64) {
    let dir = base.join(version.to_string());
    std::fs::create_dir_all(&dir).unwrap();
    model.save(dir.join("model.keras")).unwrap();
}

fn mlp(seed: u64) -> Sequential {
    Sequential::new()
        .seed(seed)
        .add(Input::new(&[4]).name("features"))
        .add(Dense::new(8).activation("relu"))
        .add(Dense::new(3).activation("softmax").name("probabilities"))
}

fn convnet() -> Sequential {
    Sequential::new()
        .seed(2)
        .add(Input::new(&[28, 28, 1]))
        .add(Conv2D::new(32, (3, 3)).activation("relu"))
        .add(MaxPooling2D::new((2, 2)))
        .add(Conv2D::new(64, (3, 3)).activation("relu"))
        .add(MaxPooling2D::new((2, 2)))
        .add(Flatten::new())
        .add(Dropout::new(0.5))
        .add(Dense::new(10).activation("softmax"))
}

fn two_in_two_out() -> Model {
    let a = Input::new(&[4]).name("a").tensor();
    let b = Input::new(&[3]).name("b").tensor();
    let joined = Concatenate::new().call(&[&a, &b]).unwrap();
    let hidden = Dense::new(5).activation("relu").call(&joined).unwrap();
    let score = Dense::new(2).name("score").call(&hidden).unwrap();
    let flag = Dense::new(1).activation("sigmoid").name("flag").call(&hidden).unwrap();
    Model::new(&[&a, &b], &[&score, &flag]).unwrap().seed(3).unwrap()
}

fn grid(rows: usize, cols: usize, salt: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| ((i * 13 + j * 7 + salt) % 17) as f32 / 17.0 - 0.4)
}

fn json_rows(a: &ArrayD<f32>) -> Value {
    serde_json::to_value(a.outer_iter().map(|r| json_value(&r.to_owned())).collect::<Vec<_>>()).unwrap()
}

fn json_value(a: &ArrayD<f32>) -> Value {
    if a.ndim() == 0 {
        return json!(a.iter().next().unwrap());
    }
    Value::Array(a.outer_iter().map(|r| json_value(&r.to_owned())).collect())
}

/// `actual` (JSON numbers, nested) equals `expected` to rtol 1e-5.
fn assert_json_close(actual: &Value, expected: &ArrayD<f32>, what: &str) {
    fn flat(v: &Value, out: &mut Vec<f64>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| flat(i, out)),
            Value::Number(n) => out.push(n.as_f64().unwrap()),
            other => panic!("not a number: {other}"),
        }
    }
    let mut got = Vec::new();
    flat(actual, &mut got);
    assert_eq!(got.len(), expected.len(), "{what}: {actual}");
    for (g, e) in got.iter().zip(expected.iter()) {
        let e = *e as f64;
        assert!((g - e).abs() <= 1e-5 * e.abs() + 1e-7, "{what}: {g} vs {e}");
    }
}

fn model_config_file(dir: &Path, models: &[(&str, &Path)]) -> PathBuf {
    let configs: Vec<String> = models
        .iter()
        .map(|(name, base)| {
            format!(
                "  config {{\n    name: '{name}'\n    base_path: '{}'\n    model_platform: 'tensorflow'\n  }}",
                base.display()
            )
        })
        .collect();
    let path = dir.join("models.config");
    std::fs::write(&path, format!("model_config_list {{\n{}\n}}\n", configs.join("\n"))).unwrap();
    path
}

#[test]
fn three_models_answer_as_tf_serving_does() {
    let dir = temp_dir("three");
    let (mlp, convnet, functional) = (mlp(1), convnet(), two_in_two_out());
    save_version(&mlp, &dir.join("mlp"), 1);
    save_version(&convnet, &dir.join("mnist"), 1);
    save_version(&functional, &dir.join("multi"), 7);
    let config = model_config_file(
        &dir,
        &[("mlp", &dir.join("mlp")), ("mnist", &dir.join("mnist")), ("multi", &dir.join("multi"))],
    );
    let server = Server::start(&[format!("--model_config_file={}", config.display())], "mlp");

    // Status and metadata.
    let (status, body) = server.get("/v1/models/multi");
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"model_version_status": [{"version": "7", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]})
    );
    let (_, meta) = server.get("/v1/models/multi/metadata");
    let signature = &meta["metadata"]["signature_def"]["signature_def"]["serving_default"];
    assert_eq!(meta["model_spec"], json!({"name": "multi", "signature_name": "", "version": "7"}));
    assert_eq!(
        signature["inputs"]["b"]["tensor_shape"]["dim"],
        json!([{"size": "-1", "name": ""}, {"size": "3", "name": ""}])
    );
    assert_eq!(signature["outputs"]["flag"]["dtype"], "DT_FLOAT");
    assert_eq!(signature["method_name"], "tensorflow/serving/predict");

    // The MLP, row format, then columnar, then by version.
    let x = grid(5, 4, 0).into_dyn();
    let expected = mlp.predict(&x, PredictOptions::new().verbose(0)).unwrap();
    let (status, body) = server.post("/v1/models/mlp:predict", &json!({"instances": json_rows(&x)}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_object().unwrap().keys().collect::<Vec<_>>(), ["predictions"]);
    assert_json_close(&body["predictions"], &expected, "mlp rows");
    let (_, body) = server.post("/v1/models/mlp/versions/1:predict", &json!({"inputs": {"features": json_rows(&x)}}));
    assert_json_close(&body["outputs"], &expected, "mlp columns");

    // The MNIST convnet on two images.
    let images =
        Array4::from_shape_fn((2, 28, 28, 1), |(n, i, j, _)| ((n * 5 + i * 3 + j) % 11) as f32 / 11.0).into_dyn();
    let expected = convnet.predict(&images, PredictOptions::new().verbose(0)).unwrap();
    let (status, body) = server.post("/v1/models/mnist:predict", &json!({"instances": json_rows(&images)}));
    assert_eq!(status, 200, "{body}");
    assert_json_close(&body["predictions"], &expected, "convnet");

    // Two inputs, two outputs: named in both formats.
    let (a, b) = (grid(3, 4, 1).into_dyn(), grid(3, 3, 2).into_dyn());
    let expected = functional.predict(&[("a", &a), ("b", &b)], PredictOptions::new().verbose(0)).unwrap();
    let instances: Vec<Value> = (0..3)
        .map(|i| json!({"a": json_value(&a.index_axis(ndarray::Axis(0), i).to_owned()), "b": json_value(&b.index_axis(ndarray::Axis(0), i).to_owned())}))
        .collect();
    let (status, body) = server.post("/v1/models/multi:predict", &json!({"instances": instances}));
    assert_eq!(status, 200, "{body}");
    let rows = body["predictions"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let score: Vec<Value> = rows.iter().map(|r| r["score"].clone()).collect();
    assert_json_close(&Value::Array(score), &expected[0], "score rows");
    let (_, body) =
        server.post("/v1/models/multi:predict", &json!({"inputs": {"a": json_rows(&a), "b": json_rows(&b)}}));
    assert_json_close(&body["outputs"]["score"], &expected[0], "score columns");
    assert_json_close(&body["outputs"]["flag"], &expected[1], "flag columns");
}

#[test]
fn bad_requests_get_tf_serving_errors_and_the_server_keeps_serving() {
    let dir = temp_dir("errors");
    let model = mlp(4);
    save_version(&model, &dir.join("mlp"), 1);
    let server = Server::start(
        &[
            "--model_name=mlp".into(),
            format!("--model_base_path={}", dir.join("mlp").display()),
            "--max_request_bytes=100000".into(),
        ],
        "mlp",
    );
    let x = grid(2, 4, 3).into_dyn();
    let good = json!({"instances": json_rows(&x)});
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("/v1/models/nope:predict", good.to_string().into_bytes(), 404, "Servable not found for request: Latest(nope)"),
        ("/v1/models/mlp/versions/9:predict", good.to_string().into_bytes(), 404, "Specific(mlp, 9)"),
        ("/v1/models/mlp:predict", b"{\"instances\": [[1, 2".to_vec(), 400, "JSON Parse error"),
        (
            "/v1/models/mlp:predict",
            b"{\"instances\": [[1, 2, 3]]}".to_vec(),
            400,
            "expected shape=(None, 4), found shape=(1, 3)",
        ),
        ("/v1/models/mlp:predict", b"{\"instances\": [[1, 2, 3, 4], [1]]}".to_vec(), 400, "not rectangular"),
        ("/v1/models/mlp:predict", b"{\"instances\": [[1, 2, 3, \"x\"]]}".to_vec(), 400, "expected a number"),
        ("/v1/models/mlp:predict", b"{\"instances\": [[1, 2, 3, NaN]]}".to_vec(), 400, "JSON Parse error"),
        ("/v1/models/mlp:predict", b"{}".to_vec(), 400, "Missing 'inputs' or 'instances' key"),
        ("/v1/models/mlp:classify", good.to_string().into_bytes(), 400, "answers :predict"),
        (
            "/v1/models/mlp:predict",
            format!("{{\"instances\": [{}]}}", vec!["[1,2,3,4]"; 20000].join(",")).into_bytes(),
            413,
            "over the limit of 100000 bytes",
        ),
    ];
    for round in 0..50 {
        for (path, body, status, message) in &cases {
            let (got, answer) = server.post_raw(path, body.clone());
            assert_eq!(got, *status, "{path}: {answer}");
            if round == 0 {
                let error = answer["error"].as_str().unwrap_or_else(|| panic!("{path}: no error field: {answer}"));
                assert!(error.contains(message), "{path}: {error}");
            }
        }
        // Valid traffic continues.
        let (status, body) = server.post("/v1/models/mlp:predict", &good);
        assert_eq!(status, 200);
        assert_json_close(
            &body["predictions"],
            &model.predict(&x, PredictOptions::new().verbose(0)).unwrap(),
            "after bad requests",
        );
    }
}

#[test]
fn batched_requests_get_their_own_rows() {
    let dir = temp_dir("batching");
    let model = mlp(5);
    save_version(&model, &dir.join("mlp"), 1);
    let params = dir.join("batching.config");
    std::fs::write(
        &params,
        "max_batch_size { value: 32 }\nbatch_timeout_micros { value: 5000 }\nnum_batch_threads { value: 2 }\n",
    )
    .unwrap();
    let server = Server::start(
        &[
            "--model_name=mlp".into(),
            format!("--model_base_path={}", dir.join("mlp").display()),
            "--enable_batching=true".into(),
            format!("--batching_parameters_file={}", params.display()),
        ],
        "mlp",
    );
    let server = &server;
    let model = &model;
    std::thread::scope(|scope| {
        for client in 0..16 {
            scope.spawn(move || {
                for request in 0..5 {
                    let x = grid(1 + (client + request) % 4, 4, client * 10 + request).into_dyn();
                    let (status, body) = server.post("/v1/models/mlp:predict", &json!({"instances": json_rows(&x)}));
                    assert_eq!(status, 200, "{body}");
                    let expected = model.predict(&x, PredictOptions::new().verbose(0)).unwrap();
                    assert_json_close(&body["predictions"], &expected, "a batched request's rows");
                }
            });
        }
    });
}

#[test]
fn a_new_version_is_served_once_its_folder_appears_and_sigterm_stops_cleanly() {
    let dir = temp_dir("versions");
    let base = dir.join("mlp");
    save_version(&mlp(6), &base, 1);
    let mut server = Server::start(
        &[
            "--model_name=mlp".into(),
            format!("--model_base_path={}", base.display()),
            "--file_system_poll_wait_seconds=1".into(),
        ],
        "mlp",
    );
    assert_eq!(server.get("/v1/models/mlp").1["model_version_status"][0]["version"], "1");
    // Version 2 is written elsewhere and moved in whole, as deployments do.
    let newer = mlp(7);
    save_version(&newer, &dir.join("staging"), 2);
    std::fs::rename(dir.join("staging").join("2"), base.join("2")).unwrap();
    let start = Instant::now();
    while server.get("/v1/models/mlp").1["model_version_status"][0]["version"] != "2" {
        assert!(start.elapsed() < Duration::from_secs(30), "version 2 was not picked up");
        std::thread::sleep(Duration::from_millis(100));
    }
    let x = grid(3, 4, 9).into_dyn();
    let (_, body) = server.post("/v1/models/mlp:predict", &json!({"instances": json_rows(&x)}));
    assert_json_close(&body["predictions"], &newer.predict(&x, PredictOptions::new().verbose(0)).unwrap(), "version 2");
    assert_eq!(server.post("/v1/models/mlp/versions/1:predict", &json!({"instances": json_rows(&x)})).0, 404);

    // SIGTERM: the server stops and exits successfully.
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "the server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn python_requests_and_curl_get_the_same_answers() {
    let dir = temp_dir("clients");
    let model = mlp(8);
    save_version(&model, &dir.join("mlp"), 1);
    let server =
        Server::start(&["--model_name=mlp".into(), format!("--model_base_path={}", dir.join("mlp").display())], "mlp");
    let x = grid(4, 4, 5).into_dyn();
    let body = json!({"instances": json_rows(&x)}).to_string();
    let (_, ours) = server.post_raw("/v1/models/mlp:predict", body.clone().into_bytes());
    let url = server.url("/v1/models/mlp:predict");

    let curl = Command::new("curl").args(["-s", "-X", "POST", "-d", &body, &url]).output();
    match curl {
        Ok(out) if out.status.success() => {
            let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(answer, ours, "curl");
        }
        _ => eprintln!("skipped: curl is not installed"),
    }
    let script = "import json, sys, requests\nr = requests.post(sys.argv[1], data=sys.argv[2])\nprint(r.status_code)\nprint(json.dumps(r.json()))";
    match Command::new("python3").args(["-c", script, &url, &body]).output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8(out.stdout).unwrap();
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some("200"));
            let answer: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
            assert_eq!(answer, ours, "python requests");
            assert_json_close(
                &answer["predictions"],
                &model.predict(&x, PredictOptions::new().verbose(0)).unwrap(),
                "requests",
            );
        }
        _ => eprintln!("skipped: python3 with `requests` is not available"),
    }
}

#[test]
fn a_model_saved_by_python_keras_is_served() {
    let dir = temp_dir("python");
    let path = dir.join("keras").join("1").join("model.keras");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let script = r#"
import json, sys, os
os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np, keras
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((4,), name="x"), keras.layers.Dense(6, activation="tanh"), keras.layers.Dense(2, name="y")])
model.save(sys.argv[1])
x = (np.arange(12, dtype="float32").reshape(3, 4) / 10.0) - 0.5
print(json.dumps({"x": x.tolist(), "y": model.predict(x, verbose=0).tolist()}))
"#;
    let out = match Command::new("python3").args(["-c", script, path.to_str().unwrap()]).output() {
        Ok(out) if out.status.success() => out,
        _ => {
            eprintln!("skipped: Python Keras 3 is not available");
            return;
        }
    };
    let expected: Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').rev().find(|l| !l.is_empty()).unwrap()).unwrap();
    let server = Server::start(
        &["--model_name=keras".into(), format!("--model_base_path={}", dir.join("keras").display())],
        "keras",
    );
    let (status, body) = server.post("/v1/models/keras:predict", &json!({"instances": expected["x"]}));
    assert_eq!(status, 200, "{body}");
    let want: Vec<f32> = expected["y"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32))
        .collect();
    assert_json_close(&body["predictions"], &ArrayD::from_shape_vec(vec![3, 2], want).unwrap(), "Keras' predictions");
}

#[test]
fn summary_and_export_subcommands() {
    let dir = temp_dir("subcommands");
    let model_path = dir.join("mlp.keras");
    mlp(9).save(&model_path).unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_keras-rs")).args(["summary", model_path.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Model: \"sequential\"") && text.contains("Total params: 67"), "{text}");
    let onnx = dir.join("mlp.onnx");
    let status = Command::new(env!("CARGO_BIN_EXE_keras-rs"))
        .args(["export", model_path.to_str().unwrap(), onnx.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success() && onnx.metadata().unwrap().len() > 100);
    let out = Command::new(env!("CARGO_BIN_EXE_keras-rs")).args(["summary", "missing.keras"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.keras"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn predict_subcommand_reads_and_writes_numpy_files() {
    let dir = temp_dir("predict");
    let model = mlp(10);
    let model_path = dir.join("mlp.keras");
    model.save(&model_path).unwrap();
    let (input, output) = (dir.join("in.npy"), dir.join("out.npy"));
    // NumPy writes the input (float64, as np.save does by default) and reads the output back.
    let write =
        format!("import numpy as np; np.save('{}', (np.arange(12).reshape(3, 4) / 12.0) - 0.3)", input.display());
    if !Command::new("python3").args(["-c", &write]).status().is_ok_and(|s| s.success()) {
        eprintln!("skipped: python3 with NumPy is not available");
        return;
    }
    let status = Command::new(env!("CARGO_BIN_EXE_keras-rs"))
        .args(["predict", model_path.to_str().unwrap(), input.to_str().unwrap(), output.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let read = format!(
        "import numpy as np, json; a = np.load('{}'); print(json.dumps([a.dtype.str, a.tolist()]))",
        output.display()
    );
    let out = Command::new("python3").args(["-c", &read]).output().unwrap();
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer[0], "<f4");
    let x = ArrayD::from_shape_vec(vec![3, 4], (0..12).map(|i| (i as f64 / 12.0 - 0.3) as f32).collect()).unwrap();
    assert_json_close(&answer[1], &model.predict(&x, PredictOptions::new().verbose(0)).unwrap(), "predict subcommand");
}

#[test]
fn an_end_to_end_text_model_is_served_raw_strings() {
    // keras.io's end-to-end text model: strings in, served as TF Serving serves a DT_STRING input.
    let reviews = ["a great film", "dull and slow", "great acting", "slow and boring"];
    let tv = keras_rs::layers::TextVectorization::new().output_sequence_length(4).adapt(&reviews).unwrap();
    let text = Input::new(&[1]).dtype("string").name("text");
    let h = Embedding::new(tv.vocabulary_size(), 3).call(&tv.call(&text).unwrap()).unwrap();
    let y = Dense::new(1).activation("sigmoid").call(&GlobalAveragePooling1D::new().call(&h).unwrap()).unwrap();
    let model = Model::new(&text, &y).unwrap().seed(3).unwrap();
    let dir = temp_dir("text");
    save_version(&model, &dir.join("text"), 1);
    let params = dir.join("batching.config");
    std::fs::write(&params, "max_batch_size { value: 8 }\nbatch_timeout_micros { value: 2000 }\n").unwrap();
    let server = Server::start(
        &[
            "--model_name=text".into(),
            format!("--model_base_path={}", dir.join("text").display()),
            "--enable_batching=true".into(),
            format!("--batching_parameters_file={}", params.display()),
        ],
        "text",
    );
    let (_, meta) = server.get("/v1/models/text/metadata");
    let inputs = &meta["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"];
    assert_eq!(inputs["text"]["dtype"], "DT_STRING");
    let queries = ndarray::array!["great film", "unknown words", "slow, dull"];
    let expected = model.predict(&queries, PredictOptions::new().verbose(0)).unwrap().remove(0);
    let (status, body) = server.post("/v1/models/text:predict", &json!({"instances": queries.to_vec()}));
    assert_eq!(status, 200, "{body}");
    assert_json_close(&body["predictions"], &expected, "row format");
    let (status, body) =
        server.post("/v1/models/text:predict", &json!({"inputs": [["great film"], ["unknown words"], ["slow, dull"]]}));
    assert_eq!(status, 200, "{body}");
    assert_json_close(&body["outputs"], &expected, "columnar format, (n, 1)");
    // Numbers for the string input: a 400 naming it.
    let (status, body) = server.post("/v1/models/text:predict", &json!({"instances": [1.0, 2.0]}));
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("Input 'text' has dtype \"string\""), "{body}");
}
