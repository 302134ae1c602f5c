//! Masks against real Keras 3 (`tests/fixtures/masks.json`): `Embedding(mask_zero=True)` and
//! `Masking` make them; Dense, Dropout and `Add` pass them on; LSTM, GRU, SimpleRNN
//! (`go_backwards`, `zero_output_for_mask`), Bidirectional, GlobalAveragePooling1D and
//! MultiHeadAttention (query, value and key masks) skip the
//! padding steps as Keras does; a model trains through masks as in Keras; where keras-rs does
//! not apply a mask Keras would, it refuses.

mod common;

use common::{array, arrays, assert_close, fixture};
use keras_rs::layers::Masking;
use keras_rs::models::model_from_json;
use keras_rs::prelude::*;

#[test]
fn masked_models_from_keras_json_predict_keras_numbers() {
    let fx = fixture("masks.json");
    for case in fx["models"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut model = model_from_json(case["json"].as_str().unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        model.set_weights(&arrays(&case["weights"])).unwrap();
        let got = model.predict(&array(&case["x"]), PredictOptions::new().verbose(0)).unwrap();
        assert_close(&got[0], &array(&case["y"]), 1e-4, 1e-5, name);
        let json = model.to_json();
        assert_eq!(model_from_json(&json).unwrap().to_json(), json, "{name}: written back");
    }
}

#[test]
fn multi_head_attention_masks_queries_and_values_as_keras() {
    // Keras: MultiHeadAttention(2, 3)(q, v) on two `Embedding(mask_zero=True)` outputs.
    common::check_json_model(&fixture("masks.json")["cross"], "masked cross-attention");
}

#[test]
fn an_explicit_mask_argument_is_honoured() {
    // Keras: GRU(3, return_sequences=True)(x, mask=m) with `m` a model input.
    let model = common::check_json_model(&fixture("masks.json")["explicit"], "explicit mask");
    let json = model.to_json();
    assert!(json.contains("\"mask\""), "the mask argument is written back");
    assert_eq!(model_from_json(&json).unwrap().to_json(), json);
}

#[test]
fn a_model_trains_through_masks_as_in_keras() {
    common::check_json_fit(&fixture("masks.json")["fit"], &[], "masked classifier");
}

#[test]
fn padding_does_not_change_what_an_rnn_reads() {
    // The same sequence with and without trailing padding: the same last output.
    let model = Sequential::new().add(Input::new(&[None])).add(Embedding::new(10, 3).mask_zero(true)).add(GRU::new(4));
    let padded = ndarray::array![[3.0f32, 5.0, 0.0, 0.0]].into_dyn();
    let short = ndarray::array![[3.0f32, 5.0]].into_dyn();
    let (a, b) = (
        model.predict(&padded, PredictOptions::new().verbose(0)).unwrap(),
        model.predict(&short, PredictOptions::new().verbose(0)).unwrap(),
    );
    assert_close(&a, &b, 1e-6, 1e-6, "padded vs short");
}

#[test]
fn a_masked_sequence_output_trains_on_its_real_steps_as_in_keras() {
    // Keras: Embedding(mask_zero=True) -> LSTM(return_sequences=True) -> Dense(3, softmax), the
    // loss and accuracy of each sequence weighted by its mask.
    common::check_json_fit(&fixture("masked_loss.json")["fit"], &[], "masked tagger");
}

#[test]
fn masked_outputs_weigh_loss_and_mean_metrics_under_every_reduction_as_keras() {
    use keras_rs::losses::{Loss, MeanSquaredError, Reduction, WithReduction};
    use keras_rs::metrics::{MetricSpec, Precision};
    // Keras: Masking -> Dense -> Dense(1), evaluated in batches of 2 (one all padding) with
    // mse under each reduction, mae and mse (weighted by the mask) and Precision (not).
    let case = &fixture("masked_loss.json")["regressor"];
    let mut model = model_from_json(case["json"].as_str().unwrap()).unwrap();
    model.set_weights(&arrays(&case["weights"])).unwrap();
    let (x, y) = (array(&case["x"]), array(&case["y"]));
    for evaluation in case["evaluations"].as_array().unwrap() {
        let reduction = Reduction::from_config(&evaluation["reduction"]).unwrap();
        let loss: Box<dyn Loss> = Box::new(MeanSquaredError::new().with_reduction(reduction));
        let metrics: Vec<MetricSpec> = vec!["mae".into(), "mse".into(), Precision::new().thresholds(0.3).into()];
        model.compile("adam", loss, &metrics).unwrap();
        let scores = model.evaluate(&x, &y, EvaluateOptions::new().batch_size(2).verbose(0)).unwrap();
        for (k, v) in evaluation["results"].as_object().unwrap() {
            common::assert_close_f64(scores[k], v.as_f64().unwrap(), 1e-4, &format!("{reduction:?}: {k}"));
        }
    }
}

#[test]
fn masks_keras_rs_does_not_apply_are_refused() {
    // Per-sample weights beside a mask per step: Keras cannot broadcast them either.
    let mut model = Sequential::new()
        .add(Input::new(&[None]))
        .add(Embedding::new(10, 3).mask_zero(true))
        .add(LSTM::new(2).return_sequences(true));
    model.compile("adam", "mse", NO_METRICS).unwrap();
    let x = ndarray::array![[1.0f32, 2.0, 0.0]].into_dyn();
    let y = ndarray::Array3::<f32>::zeros((1, 3, 2)).into_dyn();
    let weights = ndarray::array![2.0f32].into_dyn();
    let err = model.fit(&x, &y, FitOptions::new().epochs(1).verbose(0).sample_weight(&weights)).unwrap_err();
    let err = err.to_string();
    assert!(err.contains("carries a mask") && err.contains("`sample_weight`"), "{err}");
    assert!(model.fit(&x, &y, FitOptions::new().epochs(1).verbose(0)).is_ok(), "no weights: trained on the mask");
    // A softmax over a masked sequence (Keras' Softmax layer uses the mask).
    let t = Input::new(&[2, 3]);
    let m = Masking::new().call(&t).unwrap();
    let y = keras_rs::layers::Softmax::new().name("probs").call(&m).unwrap();
    let model = Model::new(&[t], &[y]).unwrap();
    let err = model.predict(&ndarray::Array3::<f32>::ones((1, 2, 3)).into_dyn(), PredictOptions::new().verbose(0));
    let err = err.unwrap_err().to_string();
    assert!(err.contains("Layer \"probs\" (Softmax) receives a mask"), "{err}");
}
