//! The string preprocessing layers against real Keras 3: TextVectorization
//! (`tests/fixtures/text_vectorization.json`) adapted on a corpus and called on other strings in
//! every output mode, with `max_tokens`, `pad_to_max_tokens`, `output_sequence_length`, n-grams,
//! character splitting, other standardizations and a given vocabulary with IDF weights; and
//! StringLookup (`string_lookup.json`) in every output mode, with a mask token and a `salt` — the same
//! vocabulary (order included) and outputs as Keras; Hashing (`hashing.json`) of numbers in a
//! model and of strings, with `mask_value`, in every output mode — the same bins as Keras.

mod common;

use common::{array, assert_close, fixture};
use keras_rs::layers::{Hashing, StringLookup, TextVectorization};

#[test]
fn text_vectorization_matches_keras() {
    let fx = fixture("text_vectorization.json");
    let strings = |key: &str| -> Vec<String> {
        fx[key].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
    };
    let (corpus, texts) = (strings("corpus"), strings("texts"));
    let cases = fx["cases"].as_array().unwrap();
    for case in cases {
        let what = format!("TextVectorization({})", case["kwargs"]);
        let mut layer = TextVectorization::from_config(&case["kwargs"]).unwrap_or_else(|e| panic!("{what}: {e}"));
        if case["kwargs"].get("vocabulary").is_none() {
            layer = layer.adapt(&corpus).unwrap();
        }
        let vocabulary: Vec<String> =
            case["vocabulary"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
        assert_eq!(layer.get_vocabulary(), vocabulary, "{what}: vocabulary");
        assert_eq!(layer.vocabulary_size() as u64, case["vocabulary_size"].as_u64().unwrap(), "{what}");
        let got = layer.vectorize(&texts).unwrap();
        assert_close(&got, &array(&case["y"]), 1e-5, 1e-6, &what);
        // A given vocabulary is in the config, which rebuilds the same layer; an adapted one is not
        // (Keras keeps it in the `.keras` file's assets: tests/string_inputs.rs).
        let back = TextVectorization::from_config(&layer.get_config()).unwrap();
        match case["kwargs"].get("vocabulary") {
            Some(_) => assert_eq!(back.vectorize(&texts).unwrap(), got, "{what}: from its config"),
            None => assert!(back.vectorize(&texts).unwrap_err().to_string().contains("load the model file")),
        }
    }
    assert_eq!(cases.len(), 11);
}

#[test]
fn vectorized_text_trains_a_model() {
    use keras_rs::prelude::*;
    // keras.io's flow: adapt on the training strings, vectorize them, train on the ids.
    let texts = ["a great film", "great acting", "a dull film", "dull and slow", "great fun", "slow and dull"];
    let labels = ndarray::array![1.0f32, 1.0, 0.0, 0.0, 1.0, 0.0].into_dyn();
    let tv = TextVectorization::new().output_mode("multi_hot").adapt(&texts).unwrap();
    let x = tv.vectorize(&texts).unwrap();
    let mut model =
        Sequential::new().add(Input::new(&[tv.vocabulary_size()])).add(Dense::new(1).activation("sigmoid")).seed(3);
    model.compile(Adam::new().learning_rate(0.1), "binary_crossentropy", &["accuracy"]).unwrap();
    let history = model.fit(&x, &labels, FitOptions::new().epochs(30).verbose(0)).unwrap();
    assert_eq!(history.get("accuracy").last().copied(), Some(1.0));
}

#[test]
fn a_keras_model_vectorizing_to_the_batch_length_is_refused_with_the_reason() {
    // Keras pads each batch to its longest text when "int" mode has no output_sequence_length.
    let config = serde_json::json!({
        "module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
            {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": [null, 1], "dtype": "string", "name": "text"}},
            {"module": "keras.layers", "class_name": "TextVectorization",
             "config": {"name": "tv", "max_tokens": null, "vocabulary": ["a"], "vocabulary_size": 3}}]}});
    let err = keras_rs::models::model_from_json(&config.to_string()).unwrap_err().to_string();
    assert!(err.contains("Layer \"tv\" (TextVectorization): inside a model keras-rs needs `output_sequence_length`"));
}

#[test]
fn string_lookup_matches_keras() {
    let fx = fixture("string_lookup.json");
    let strings = |v: &serde_json::Value| -> ndarray::ArrayD<String> {
        let rows = v.as_array().unwrap();
        let cell = |c: &serde_json::Value| c.as_str().unwrap().to_string();
        match rows[0].as_array() {
            Some(first) => {
                let flat: Vec<String> = rows.iter().flat_map(|r| r.as_array().unwrap().iter().map(cell)).collect();
                ndarray::ArrayD::from_shape_vec(vec![rows.len(), first.len()], flat).unwrap()
            }
            None => ndarray::ArrayD::from_shape_vec(vec![rows.len()], rows.iter().map(cell).collect()).unwrap(),
        }
    };
    let data = strings(&fx["data"]);
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 12, "every output mode, several OOV indices, a salt");
    for case in cases {
        let what = format!("StringLookup({})", case["kwargs"]);
        let mut layer = StringLookup::from_config(&case["kwargs"]).unwrap_or_else(|e| panic!("{what}: {e}"));
        if case["kwargs"].get("vocabulary").is_none() {
            layer = layer.adapt(&data).unwrap();
        }
        let vocabulary: Vec<String> =
            case["vocabulary"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
        assert_eq!(layer.get_vocabulary(), vocabulary, "{what}: vocabulary");
        let got = layer.lookup(&strings(&case["x"])).unwrap();
        assert_close(&got, &array(&case["y"]), 1e-5, 1e-6, &what);
        let back = StringLookup::from_config(&layer.get_config()).unwrap();
        match case["kwargs"].get("vocabulary") {
            Some(_) => assert_eq!(back.lookup(&strings(&case["x"])).unwrap(), got, "{what}: from its config"),
            None => assert!(back.lookup(&strings(&case["x"])).unwrap_err().to_string().contains("load the model file")),
        }
    }
}

#[test]
fn hashing_matches_keras() {
    // Numbers (integers, truncated floats, negatives), with and without mask_value, each mode.
    // Salted: SipHash-2-4 keyed by the salt (TensorFlow's `to_hash_bucket_strong`).
    assert_eq!(common::check_layer_cases("hashing.json"), 8);
    let fx = fixture("hashing.json");
    for case in fx["strings"].as_array().unwrap() {
        let what = format!("Hashing({}) on strings", case["config"]);
        let layer = Hashing::from_config(&case["config"]).unwrap();
        let rows = case["x"].as_array().unwrap();
        let flat: Vec<String> =
            rows.iter().flat_map(|r| r.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string())).collect();
        let x = ndarray::ArrayD::from_shape_vec(vec![rows.len(), flat.len() / rows.len()], flat).unwrap();
        assert_close(&layer.hash_strings(&x).unwrap(), &array(&case["y"]), 0.0, 0.0, &what);
    }
    let err = Hashing::from_config(&serde_json::json!({"num_bins": 3, "salt": [1, 2, 3]})).unwrap_err().to_string();
    assert!(err.contains("can only be a tuple of size 2 integers, or a single integer"), "{err}");
}
