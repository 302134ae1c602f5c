//! Recurrent layers, Embedding and RepeatVector against real Keras 3, and `fit`s of a stacked
//! LSTM, a GRU after an Embedding, and a backwards SimpleRNN.

mod common;

use common::{array, arrays, assert_close, assert_close_f64, fixture};
use keras_rs::prelude::*;

#[test]
fn recurrent_layers_match_keras() {
    // SimpleRNN/LSTM/GRU with return_sequences on/off, go_backwards, non-default activations
    // (Keras 3's hard_sigmoid), GRU reset_after true and false, LSTM without unit_forget_bias.
    let n = common::check_layer_cases("rnn.json");
    assert!(n >= 20, "{n} cases");
}

#[test]
fn recurrent_models_fit_like_keras() {
    let fx = fixture("rnn_fit.json");
    let labels = array(&fx["labels"]);
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = array(&case["x"]);
        let model = match name {
            "stacked_lstm" => {
                Sequential::new().add(Input::new(&[6, 3])).add(LSTM::new(5).return_sequences(true)).add(LSTM::new(4))
            }
            "gru_embedding" => Sequential::new().add(Input::new(&[6])).add(Embedding::new(7, 4)).add(GRU::new(5)),
            _ => Sequential::new()
                .add(Input::new(&[6, 3]))
                .add(SimpleRNN::new(5).go_backwards(true).return_sequences(true))
                .add(Flatten::new()),
        };
        let mut model = model.add(Dense::new(3).activation("softmax"));
        model.set_weights(&arrays(&case["weights0"])).unwrap();
        model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
        let opts = FitOptions::new().batch_size(8).epochs(2).shuffle(false).validation_split(0.25).verbose(0);
        let history = model.fit(&x, &labels, opts).unwrap();
        for (key, values) in case["history"].as_object().unwrap() {
            for (epoch, v) in values.as_array().unwrap().iter().enumerate() {
                let what = format!("{name}: {key} epoch {epoch}");
                assert_close_f64(history.history[key][epoch], v.as_f64().unwrap(), 1e-4, &what);
            }
        }
        for (i, (got, want)) in model.get_weights().unwrap().iter().zip(arrays(&case["weights"])).enumerate() {
            assert_close(got, &want, 1e-4, 1e-5, &format!("{name}: weight {i}"));
        }
    }
}

#[test]
fn stateful_lstm_and_gru_carry_state_like_keras() {
    let fx = fixture("rnn.json");
    let st = &fx["stateful"];
    let (b1, b2) = (array(&st["b1"]), array(&st["b2"]));
    for case in st["cases"].as_array().unwrap() {
        let class = case["class_name"].as_str().unwrap();
        let input = Input::new(&[5, 3]).batch_size(2);
        let mut model = match class {
            "LSTM" => Sequential::new().add(input).add(LSTM::new(4).stateful(true)),
            _ => Sequential::new().add(input).add(GRU::new(4).stateful(true)),
        };
        model.set_weights(&arrays(&case["weights"])).unwrap();
        let want = arrays(&case["outputs"]);
        let first = model.predict_on_batch(&b1).unwrap();
        assert_close(&first, &want[0], 1e-4, 1e-6, &format!("{class}: batch 1"));
        let second = model.predict_on_batch(&b2).unwrap();
        assert_close(&second, &want[1], 1e-4, 1e-6, &format!("{class}: batch 2 continues from batch 1's state"));
        model.reset_states();
        let again = model.predict_on_batch(&b1).unwrap();
        assert_close(&again, &want[2], 1e-4, 1e-6, &format!("{class}: batch 1 after reset_states"));
        assert_eq!(again, first, "{class}: reset starts from zeros again");
    }
}
