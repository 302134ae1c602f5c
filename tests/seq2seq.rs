//! Recurrent layers started from given states (Keras' `initial_state=`) against real Keras 3
//! (`tests/fixtures/seq2seq.json`): keras.io's character-level sequence-to-sequence model read
//! from Keras' JSON trains as in Keras (the gradient flows from the decoder into the encoder
//! through the states); the inference models sharing the trained layers predict Keras'
//! numbers; GRU and SimpleRNN take an `initial_state` too; the Rust API builds the same graphs.

mod common;

use common::{array, arrays, assert_close, assert_history, assert_weights, fixture};
use keras_rs::models::model_from_json;
use keras_rs::prelude::*;
use ndarray::ArrayD;

#[test]
fn a_seq2seq_model_trains_as_in_keras() {
    let fx = fixture("seq2seq.json");
    let case = &fx["fit"];
    let mut model = model_from_json(case["json"].as_str().unwrap()).unwrap();
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    let xs = arrays(&case["xs"]);
    let y = array(&case["y"]);
    let options = FitOptions::new().epochs(2).batch_size(4).shuffle(false).verbose(0);
    let history = model.fit(xs.iter().collect::<Vec<_>>(), &y, options).unwrap();
    assert_history(&history, &case["history"], "seq2seq");
    assert_weights(&model.get_weights().unwrap(), &case["weights"], "seq2seq");
}

#[test]
fn the_inference_models_predict_keras_numbers() {
    let fx = fixture("seq2seq.json");
    let case = &fx["inference"];
    let mut encoder = model_from_json(case["encoder"].as_str().unwrap()).unwrap();
    encoder.set_weights(&arrays(&case["encoder_weights"])).unwrap();
    let states = encoder.predict(&array(&case["x_encoder"]), PredictOptions::new().verbose(0)).unwrap();
    for (i, (got, want)) in states.iter().zip(arrays(&case["states"])).enumerate() {
        assert_close(got, &want, 1e-4, 1e-5, &format!("encoder state {i}"));
    }
    let mut decoder = model_from_json(case["decoder"].as_str().unwrap()).unwrap();
    decoder.set_weights(&arrays(&case["decoder_weights"])).unwrap();
    let mut inputs: Vec<ArrayD<f32>> = vec![array(&case["x_decoder"])];
    inputs.extend(states);
    let decoded = decoder.predict(inputs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0)).unwrap();
    for (i, (got, want)) in decoded.iter().zip(arrays(&case["decoded"])).enumerate() {
        assert_close(got, &want, 1e-4, 1e-5, &format!("decoder output {i}"));
    }
    // Written back, both rebuild the same graphs (`initial_state` as a keyword argument).
    for model in [&encoder, &decoder] {
        let json = model.to_json();
        assert_eq!(model_from_json(&json).unwrap().to_json(), json);
    }
    assert!(decoder.to_json().contains("\"initial_state\""));
}

#[test]
fn gru_and_simple_rnn_take_an_initial_state() {
    let fx = fixture("seq2seq.json");
    let case = &fx["gru_simple_rnn"];
    common::check_json_model(case, "gru_simple_rnn");
    let xs = arrays(&case["xs"]);
    // The same graph with the Rust API.
    let (x, z) = (Input::new(&[5, 3]).name("x"), Input::new(&[2]).name("z"));
    let start = Dense::new(4).activation("tanh").call(&z).unwrap();
    let g = GRU::new(4).return_sequences(true).call_with_initial_state(&x, &[&start]).unwrap().remove(0);
    let r = SimpleRNN::new(4).go_backwards(true).call_with_initial_state(&g, &[&start]).unwrap().remove(0);
    let mut ours = Model::new(&[x, z], &[r]).unwrap();
    ours.set_weights(&arrays(&case["weights"])).unwrap();
    let again = ours.predict(xs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0)).unwrap();
    assert_close(&again[0], &array(&case["y"]), 1e-4, 1e-5, "gru_simple_rnn (Rust API)");
}

#[test]
fn bidirectional_takes_an_initial_state_for_each_direction() {
    // Keras: Bidirectional(LSTM(4, return_sequences=True))(x, initial_state=[h_f, c_f, h_b, c_b]).
    let model = common::check_json_model(&fixture("seq2seq.json")["bidirectional"], "bidirectional");
    let json = model.to_json();
    assert_eq!(model_from_json(&json).unwrap().to_json(), json);
    let x = Input::new(&[5, 3]);
    let h = Input::new(&[4]).tensor();
    let err = Bidirectional::new(LSTM::new(4)).name("bi").call_with_initial_state(&x, &[&h, &h]).unwrap_err();
    assert!(err.to_string().contains("initial_state needs 4 tensors"), "{err}");
}

#[test]
fn the_rust_api_builds_the_training_and_inference_models() {
    let fx = fixture("seq2seq.json");
    let enc_in = Input::new(&[None, Some(5)]).name("encoder_inputs");
    let encoded = LSTM::new(6).return_state(true).name("encoder").call_multi(&enc_in).unwrap();
    let dec_in = Input::new(&[None, Some(4)]).name("decoder_inputs");
    let dec_lstm = LSTM::new(6).return_sequences(true).return_state(true).name("decoder");
    let decoded = dec_lstm.call_with_initial_state(&dec_in, &[&encoded[1], &encoded[2]]).unwrap();
    let dense = Dense::new(4).activation("softmax").name("next_char");
    let training = Model::new(&[&enc_in, &dec_in], &[dense.call(&decoded[0]).unwrap()]).unwrap();
    // Keras' trained weights, then the inference models share the trained layers.
    let mut training = training;
    training.set_weights(&arrays(&fx["fit"]["weights"])).unwrap();
    let encoder = Model::new(&[&enc_in], &[&encoded[1], &encoded[2]]).unwrap();
    let (h_in, c_in) = (Input::new(&[6]).name("h_in"), Input::new(&[6]).name("c_in"));
    let step = dec_lstm.call_with_initial_state(&dec_in, &[&h_in.tensor(), &c_in.tensor()]).unwrap();
    let decoder = Model::new(&[&dec_in, &h_in, &c_in], &[&dense.call(&step[0]).unwrap(), &step[1], &step[2]]).unwrap();
    let mut encoder = encoder;
    let mut decoder = decoder;
    let case = &fx["inference"];
    encoder.set_weights(&arrays(&case["encoder_weights"])).unwrap();
    decoder.set_weights(&arrays(&case["decoder_weights"])).unwrap();
    let states = encoder.predict(&array(&case["x_encoder"]), PredictOptions::new().verbose(0)).unwrap();
    let mut inputs: Vec<ArrayD<f32>> = vec![array(&case["x_decoder"])];
    inputs.extend(states);
    let decoded = decoder.predict(inputs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0)).unwrap();
    assert_close(&decoded[0], &array(&case["decoded"][0]), 1e-4, 1e-5, "decoder (Rust API)");
    // A wrong number of states is an error naming the layer.
    let err = LSTM::new(6).name("lstm_x").call_with_initial_state(&dec_in, &[&h_in.tensor()]).unwrap_err();
    assert!(err.to_string().contains("Layer \"lstm_x\" starts from 2 state(s)"), "{err}");
}
