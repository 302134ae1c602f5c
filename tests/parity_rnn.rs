//! Recurrent layers, Embedding and RepeatVector against real Keras 3, and `fit`s of a stacked
//! LSTM, a GRU after an Embedding, and a backwards SimpleRNN; ConvLSTM2D and its fit.

mod common;

use common::{array, arrays, assert_close, assert_history, assert_weights, fixture};
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
        assert_history(&history, &case["history"], name);
        assert_weights(&model.get_weights().unwrap(), &case["weights"], name);
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

#[test]
fn return_state_gives_keras_final_states() {
    use keras_rs::backend::DynTensor;
    use keras_rs::burn::tensor::{Tensor, TensorData};
    use keras_rs::layers::{CallContext, Layer, from_config};
    use keras_rs::random::SeedGenerator;

    let fx = fixture("rnn.json");
    let rs = &fx["return_state"];
    let x = array(&rs["x"]);
    let device = keras_rs::backends::default_device();
    for case in rs["cases"].as_array().unwrap() {
        let class = case["class_name"].as_str().unwrap();
        let mut layer = from_config(class, &case["config"]).unwrap();
        assert!(layer.num_outputs() > 1, "{class}: return_state=True is read from Keras' config");
        layer.build(&Shape::batched(&x.shape()[1..])).unwrap();
        let weights: Vec<Tensor<1>> = arrays(&case["weights"])
            .iter()
            .map(|w| {
                let v: Vec<f32> = w.iter().copied().collect();
                let n = v.len();
                Tensor::from_data(TensorData::new(v, [n]), &device)
            })
            .collect();
        let xt = DynTensor::from_data(x.iter().copied().collect(), x.shape(), &device).unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(false, &mut rng, &device);
        let (output, states) = match class {
            "LSTM" => {
                let mut l = LSTM::from_config(&case["config"]).unwrap();
                l.build(&Shape::batched(&x.shape()[1..])).unwrap();
                l.call_with_states(xt, &weights, &mut ctx)
            }
            "GRU" => {
                let mut l = GRU::from_config(&case["config"]).unwrap();
                l.build(&Shape::batched(&x.shape()[1..])).unwrap();
                l.call_with_states(xt, &weights, &mut ctx)
            }
            _ => {
                let mut l = SimpleRNN::from_config(&case["config"]).unwrap();
                l.build(&Shape::batched(&x.shape()[1..])).unwrap();
                l.call_with_states(xt, &weights, &mut ctx)
            }
        }
        .unwrap();
        let want = arrays(&case["outputs"]);
        assert_eq!(want.len(), 1 + states.len(), "{class}: number of outputs");
        let got_out = ndarray::ArrayD::from_shape_vec(output.dims(), output.to_vec().unwrap()).unwrap();
        assert_close(&got_out, &want[0], 1e-4, 1e-6, &format!("{class}: output"));
        for (k, (s, w)) in states.iter().zip(&want[1..]).enumerate() {
            let got =
                ndarray::ArrayD::from_shape_vec(s.dims().to_vec(), s.clone().into_data().try_to_vec::<f32>().unwrap())
                    .unwrap();
            assert_close(&got, w, 1e-4, 1e-6, &format!("{class}: state {k}"));
        }
    }
}

#[test]
fn conv_lstm2d_matches_keras() {
    // Valid and same padding, return_sequences, go_backwards, strides, dilation, no bias, relu
    // and hard_sigmoid; random weights.
    assert_eq!(common::check_layer_cases("conv_lstm2d.json"), 4);
    // A Functional model returning the final h and c (Keras' return_state).
    let fx = fixture("conv_lstm2d.json");
    let mut model = keras_rs::models::model_from_json(fx["states"]["json"].as_str().unwrap()).unwrap();
    model.set_weights(&arrays(&fx["states"]["weights"])).unwrap();
    let xs = arrays(&fx["states"]["xs"]);
    let got = model.predict(xs.iter().collect::<Vec<_>>(), PredictOptions::new().verbose(0)).unwrap();
    common::assert_outputs_close(&got, &arrays(&fx["states"]["ys"]), "ConvLSTM2D states");
    // Its gradients through Adam: ConvLSTM2D -> Flatten -> Dense trained two epochs.
    common::check_json_fit(&fx["fit"], &[], "ConvLSTM2D classifier");
}
