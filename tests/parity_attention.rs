//! Attention against real Keras 3 (`tests/fixtures/attention.json`): EinsumDense over its
//! equation forms; MultiHeadAttention in Functional models read from Keras' JSON (self- and
//! cross-attention, a distinct key, no biases, `output_shape`, `use_causal_mask=True`);
//! Attention and AdditiveAttention (`attention_layers.json`); masks, `attention_mask` tensors and
//! returned attention scores (`attention_masks.json`); a Transformer encoder block's fit; and the
//! same models built with the Rust API.

mod common;

use common::{array, arrays, assert_close, fixture};
use keras_rs::layers::Attention;
use keras_rs::models::model_from_json;
use keras_rs::prelude::*;
use ndarray::ArrayD;
use serde_json::json;

#[test]
fn einsum_dense_matches_keras() {
    assert_eq!(common::check_layer_cases("attention.json"), 5);
}

/// The first output of `model` (a `Model` or a loaded model) on `xs`.
macro_rules! predict {
    ($model:expr, $xs:expr) => {{
        let xs: Vec<ArrayD<f32>> = $xs;
        $model.predict(xs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0)).unwrap().remove(0)
    }};
}

/// Each of a fixture's models from Keras' JSON with Keras' weights predicts Keras' numbers, and
/// its JSON written back rebuilds the same model (`args`, `kwargs`, `build_config`).
fn check_json_models(name: &str) -> usize {
    let fx = fixture(name);
    let models = fx["models"].as_array().unwrap();
    for case in models {
        let name = case["name"].as_str().unwrap();
        let mut model = model_from_json(case["json"].as_str().unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        model.set_weights(&arrays(&case["weights"])).unwrap();
        assert_close(&predict!(model, arrays(&case["xs"])), &array(&case["y"]), 1e-4, 1e-5, name);
        // Written back, the JSON rebuilds the same model (`args`, `kwargs`, `build_config`).
        let again = model_from_json(&model.to_json()).unwrap();
        assert_eq!(again.to_json(), model.to_json(), "{name}");
    }
    models.len()
}

#[test]
fn multi_head_attention_models_from_keras_json_predict_keras_numbers() {
    assert_eq!(check_json_models("attention.json"), 5);
}

#[test]
fn attention_and_additive_attention_match_keras() {
    // dot and concat scores, learned scales, a distinct key, causal masks; random weights.
    assert_eq!(check_json_models("attention_layers.json"), 8);
}

#[test]
fn attention_layers_train_as_in_keras() {
    // AdditiveAttention's scale and Attention's scale and concat weight, through Adam.
    common::check_json_fit(&fixture("attention_layers.json")["fit"], &[], "attention layers");
}

#[test]
fn the_rust_api_builds_the_keras_models() {
    let fx = fixture("attention.json");
    let case = |name: &str| fx["models"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap().clone();
    // keras: q = Input((6, 8)); MultiHeadAttention(2, 4)(q, q, use_causal_mask=True)
    let q = Input::new(&[6, 8]).name("q");
    let y = MultiHeadAttention::new(2, 4).call_with(&[&q, &q], json!({"use_causal_mask": true})).unwrap();
    let mut causal = Model::new(&[q], &[y]).unwrap();
    let c = case("causal");
    causal.set_weights(&arrays(&c["weights"])).unwrap();
    assert_close(&predict!(causal, arrays(&c["xs"])), &array(&c["y"]), 1e-4, 1e-5, "causal");
    // keras: MultiHeadAttention(3, 2, value_dim=3, output_shape=4, dropout=0.1)(q, v)
    let (q, v) = (Input::new(&[4, 6]).name("q"), Input::new(&[7, 5]).name("v"));
    let y = MultiHeadAttention::new(3, 2).value_dim(3).output_shape(4).dropout(0.1).call(&[&q, &v]).unwrap();
    let mut cross = Model::new(&[q, v], &[y]).unwrap();
    let c = case("cross_attention");
    cross.set_weights(&arrays(&c["weights"])).unwrap();
    assert_close(&predict!(cross, arrays(&c["xs"])), &array(&c["y"]), 1e-4, 1e-5, "cross_attention");
}

#[test]
fn a_transformer_block_trains_as_in_keras() {
    // MultiHeadAttention's gradients (four projections, softmax, both matmuls) through Adam; the
    // key projection's bias (weight 3) has none (see `assert_weights_but_noise`).
    common::check_json_fit(&fixture("attention.json")["fit"], &[3], "transformer block");
}

#[test]
fn attention_call_errors_name_the_layer_and_argument() {
    let (q, v) = (Input::new(&[4, 6]), Input::new(&[7, 5]));
    let k = Input::new(&[6, 5]);
    let err = MultiHeadAttention::new(2, 3).name("mha").call(&[&q, &v, &k]).unwrap_err().to_string();
    assert!(err.contains("the key and the value need the same sequence length"), "{err}");
    let err = MultiHeadAttention::new(2, 3).name("mha").call(&q).unwrap_err().to_string();
    assert!(err.contains("(query, value) or (query, value, key)"), "{err}");
    let err = MultiHeadAttention::new(2, 3)
        .name("mha")
        .call_with(&[&q, &v], json!({"return_attention_scores": true}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("returns 2 tensors") && err.contains("call_multi_with"), "{err}");
    let a = Input::new(&[4, 6]);
    let err = MultiHeadAttention::new(2, 3).name("mha").call_with_attention_mask(&[&q, &v], &a, json!({}));
    let err = err.unwrap_err().to_string();
    assert!(err.contains("`attention_mask` must have shape (batch, T, S)"), "{err}");
    let err = Dense::new(2).name("d").call_with(&q, json!({"use_causal_mask": true})).unwrap_err().to_string();
    assert!(err.contains("Layer \"d\" (Dense) got an unexpected keyword argument 'use_causal_mask'"), "{err}");
}

#[test]
fn masks_attention_masks_and_returned_scores_match_keras() {
    // Attention/AdditiveAttention on masked queries and values (causal or not), the scores as a
    // second output, MultiHeadAttention given `attention_mask` (with a fully masked query step,
    // dropout, a causal mask and masked inputs); random weights.
    let fx = fixture("attention_masks.json");
    for case in fx["models"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut model = model_from_json(case["json"].as_str().unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        model.set_weights(&arrays(&case["weights"])).unwrap();
        let xs = arrays(&case["xs"]);
        let got = model.predict(xs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0)).unwrap();
        common::assert_outputs_close(&got, &arrays(&case["ys"]), name);
        let json = model.to_json();
        assert_eq!(model_from_json(&json).unwrap().to_json(), json, "{name}: written back");
    }
}

#[test]
fn masked_self_attention_trains_as_in_keras() {
    common::check_json_fit(&fixture("attention_masks.json")["fit"], &[], "masked self-attention");
}

#[test]
fn the_rust_api_passes_attention_masks_and_returns_scores() {
    let fx = fixture("attention_masks.json");
    let case = |name: &str| fx["models"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap().clone();
    // keras: out, scores = MultiHeadAttention(2, 3, dropout=0.2)(x, y, attention_mask=a,
    //                                                           return_attention_scores=True)
    let (x, y, a) = (Input::new(&[5, 4]).name("x"), Input::new(&[6, 3]).name("y"), Input::new(&[5, 6]).name("a"));
    let mha = MultiHeadAttention::new(2, 3).dropout(0.2);
    let outs = mha.call_with_attention_mask(&[&x, &y], &a, json!({"return_attention_scores": true})).unwrap();
    assert_eq!(outs[1].shape().to_string(), "(None, 2, 5, 6)");
    let mut model = Model::new(&[x, y, a], &outs).unwrap();
    let c = case("mha_attention_mask_scores");
    model.set_weights(&arrays(&c["weights"])).unwrap();
    let xs = arrays(&c["xs"]);
    let got = model.predict(xs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0)).unwrap();
    common::assert_outputs_close(&got, &arrays(&c["ys"]), "mha with scores");
    // keras: out, scores = Attention(use_scale=True)([x, x], return_attention_scores=True,
    //                                                use_causal_mask=True)
    let x = Input::new(&[5, 4]).name("x");
    let outs = Attention::new()
        .use_scale(true)
        .call_multi_with(&[&x, &x], json!({"return_attention_scores": true, "use_causal_mask": true}))
        .unwrap();
    let mut model = Model::new(&[x], &outs).unwrap();
    let c = case("attention_scores");
    model.set_weights(&arrays(&c["weights"])).unwrap();
    let got = model.predict(&array(&c["xs"][0]), PredictOptions::new().verbose(0)).unwrap();
    common::assert_outputs_close(&got, &arrays(&c["ys"]), "attention with scores");
}
