//! The Functional API against real Keras 3: merging layers, a two-input model with `Add` and
//! `Concatenate`, a shared layer, a two-output model with per-output losses, weights and
//! metrics; plus shared weights, freezing, multi-output training and wiring errors.

mod common;

use common::{array, arrays, assert_close, assert_close_f64, assert_history, assert_weights, fixture};
use keras_rs::layers::from_config;
use keras_rs::prelude::*;
use ndarray::{Array1, Array2, ArrayD};

#[test]
fn merging_layers_match_keras() {
    let fx = fixture("functional.json");
    for case in fx["merges"].as_array().unwrap() {
        let class = case["class_name"].as_str().unwrap();
        let layer = from_config(class, &case["config"]).unwrap();
        let xs: Vec<ArrayD<f32>> = arrays(&case["xs"]);
        let inputs: Vec<Input> = xs.iter().map(|x| Input::new(&x.shape()[1..])).collect();
        let y = keras_rs::models::call_layer(layer.as_ref(), &inputs).unwrap();
        let model = Model::new(&inputs, &y).unwrap();
        let refs: Vec<&ArrayD<f32>> = xs.iter().collect();
        let got = model.predict(refs, PredictOptions::new().verbose(0)).unwrap().remove(0);
        assert_close(&got, &array(&case["y"]), 1e-4, 1e-6, &format!("{class} {}", case["config"]));
    }
}

/// The fixture's two-input models, built as in `generate.py`.
fn two_input_model(name: &str) -> Model {
    let (a, b) = (Input::new(&[4]).name("a"), Input::new(&[4]).name("b"));
    let y = if name == "add_concat" {
        let s = Add::new()
            .call(&[
                Dense::new(6).activation("relu").call(&a).unwrap(),
                Dense::new(6).activation("tanh").call(&b).unwrap(),
            ])
            .unwrap();
        let c = Concatenate::new().call(&[s, b.tensor()]).unwrap();
        Dense::new(3).activation("softmax").call(&c).unwrap()
    } else {
        let shared = Dense::new(5).activation("tanh");
        let d = Subtract::new().call(&[shared.call(&a).unwrap(), shared.call(&b).unwrap()]).unwrap();
        Dense::new(3).activation("softmax").call(&d).unwrap()
    };
    Model::new(&[&a, &b], &y).unwrap()
}

#[test]
fn two_input_models_train_like_keras() {
    let fx = fixture("functional.json");
    let (xa, xb, labels) = (array(&fx["xa"]), array(&fx["xb"]), array(&fx["labels"]));
    for case in fx["models"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut model = two_input_model(name);
        let names: Vec<&str> = model.layers().iter().map(|l| l.name().unwrap()).collect();
        let keras_names: Vec<&str> = case["layers"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(names, keras_names, "{name}: layer order");
        model.set_weights(&arrays(&case["weights0"])).unwrap();
        model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
        let history = model
            .fit(
                &[&xa, &xb],
                &labels,
                FitOptions::new().batch_size(8).epochs(2).shuffle(false).validation_split(0.25).verbose(0),
            )
            .unwrap();
        assert_history(&history, &case["history"], name);
        assert_weights(&model.get_weights().unwrap(), &case["weights"], name);
        let head = |x: &ArrayD<f32>| x.slice(ndarray::s![..5, ..]).to_owned().into_dyn();
        let pred = model.predict(&[("b", &head(&xb)), ("a", &head(&xa))], PredictOptions::new().verbose(0)).unwrap();
        assert_close(&pred[0], &array(&case["predict"]), 1e-4, 1e-6, &format!("{name} predict"));
        // After training, Keras' summary also counts the optimizer's variables.
        let ours = model.summary_with_width(100);
        assert_eq!(ours.trim_end(), case["summary_100"].as_str().unwrap().trim_end(), "{name} summary");
    }
}

#[test]
fn two_outputs_with_losses_weights_and_metrics_by_name_match_keras() {
    let fx = fixture("functional.json");
    let case = &fx["two_outputs"];
    let (xa, labels, y_prio) = (array(&fx["xa"]), array(&fx["labels"]), array(&case["y_priority"]));
    let x = Input::new(&[4]).name("x");
    let h = Dense::new(8).activation("relu").name("h").call(&x).unwrap();
    let priority = Dense::new(1).name("priority").call(&h).unwrap();
    let department = Dense::new(3).activation("softmax").name("department").call(&h).unwrap();
    let mut model = Model::new(&x, &[priority, department]).unwrap();
    assert_eq!(model.output_names(), vec!["priority", "department"]);
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    let options = CompileOptions::new()
        .loss_for("priority", "mse")
        .loss_for("department", "sparse_categorical_crossentropy")
        .loss_weight("priority", 1.0)
        .loss_weight("department", 0.5)
        .metrics_for("department", &["accuracy"]);
    model.compile_with(Adam::new().learning_rate(0.01), options).unwrap();
    let targets = [("priority", &y_prio), ("department", &labels)];
    let fit = FitOptions::new().batch_size(8).epochs(2).shuffle(false).validation_split(0.25).verbose(0);
    let history = model.fit(&xa, &targets, fit).unwrap();
    assert_history(&history, &case["history"], "two outputs");
    let scores = model.evaluate(&xa, &targets, EvaluateOptions::new().batch_size(10).verbose(0)).unwrap();
    for (key, v) in case["evaluate"].as_object().unwrap() {
        assert_close_f64(scores[key], v.as_f64().unwrap(), 1e-4, &format!("evaluate {key}"));
    }
    let head = xa.slice(ndarray::s![..5, ..]).to_owned().into_dyn();
    let pred = model.predict(&head, PredictOptions::new().verbose(0)).unwrap();
    for (i, want) in case["predict"].as_array().unwrap().iter().enumerate() {
        assert_close(&pred[i], &array(want), 1e-4, 1e-6, &format!("predict output {i}"));
    }
}

fn toy_data(n: usize) -> (ArrayD<f32>, ArrayD<f32>) {
    let x = Array2::from_shape_fn((n, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.4).into_dyn();
    let y = Array1::from_shape_fn(n, |i| (i % 2) as f32).into_dyn();
    (x, y)
}

#[test]
fn a_shared_layer_has_one_set_of_weights_and_learns_from_both_calls() {
    let (a, b) = (Input::new(&[3]), Input::new(&[3]));
    let shared = Dense::new(4).name("shared");
    let (ha, hb) = (shared.call(&a).unwrap(), shared.call(&b).unwrap());
    // The output depends on the shared layer only through its call on `b`...
    let y = Dense::new(1)
        .activation("sigmoid")
        .call(&Concatenate::new().call(&[hb, Dense::new(2).call(&ha).unwrap()]).unwrap());
    let mut model = Model::new(&[&a, &b], &y.unwrap()).unwrap().seed(3).unwrap();
    let shared_vars: Vec<&str> =
        model.variables().iter().map(|v| v.path.as_str()).filter(|p| p.starts_with("shared/")).collect();
    assert_eq!(shared_vars, vec!["shared/kernel", "shared/bias"]);
    let (x, y) = toy_data(16);
    let zeros = ArrayD::<f32>::zeros(x.shape());
    model.compile(SGD::new().learning_rate(0.5), "binary_crossentropy", NO_METRICS).unwrap();
    // ...and through `a`: with `a` zero the shared kernel still trains (via `b`); with `b`
    // zero it trains through the `a` branch. Both calls contribute gradients.
    for (xa, xb) in [(&zeros, &x), (&x, &zeros)] {
        let before = model.get_weights().unwrap()[0].clone();
        model.train_on_batch(&[xa, xb], &y).unwrap();
        let after = model.get_weights().unwrap()[0].clone();
        assert!((&after - &before).iter().any(|d| d.abs() > 1e-6), "shared kernel did not move");
    }
}

#[test]
fn multi_output_training_reduces_each_loss_and_frozen_layers_stay_bit_identical() {
    let x = Input::new(&[3]);
    let h = Dense::new(8).activation("tanh").name("trunk").call(&x).unwrap();
    let frozen = Dense::new(4).name("frozen").call(&h).unwrap();
    let reg = Dense::new(1).name("reg").call(&frozen).unwrap();
    let cls = Dense::new(1).activation("sigmoid").name("cls").call(&h).unwrap();
    let mut model = Model::new(&x, &[reg, cls]).unwrap().seed(5).unwrap();
    model.set_trainable("frozen", false).unwrap();
    let frozen_before: Vec<ArrayD<f32>> = model.get_weights().unwrap()[2..4].to_vec();
    let options = CompileOptions::new().losses(vec![Some("mse".into()), Some("binary_crossentropy".into())]);
    model.compile_with(Adam::new().learning_rate(0.05), options).unwrap();
    let (xs, y) = toy_data(32);
    let y_reg = xs.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1));
    let history = model.fit(&xs, &[&y_reg, &y], FitOptions::new().epochs(20).batch_size(8).verbose(0)).unwrap();
    for key in ["reg_loss", "cls_loss", "loss"] {
        let v = &history.history[key];
        assert!(v[v.len() - 1] < v[0], "{key} did not fall: {v:?}");
    }
    assert_eq!(&model.get_weights().unwrap()[2..4], frozen_before.as_slice(), "frozen layer changed");
}

#[test]
fn models_nest_as_layers_and_freeze_for_transfer_learning() {
    let base = Sequential::new().seed(1).add(Input::new(&[3])).add(Dense::new(4).activation("relu"));
    let base_weights = base.get_weights().unwrap();
    let x = Input::new(&[3]);
    let features = base.clone().trainable(false).call(&x).unwrap();
    let y = Dense::new(1).call(&features).unwrap();
    let mut model = Model::new(&x, &y).unwrap();
    assert_eq!(model.get_weights().unwrap()[..2], base_weights[..], "the nested model keeps its weights");
    assert!(model.summary_string().contains("sequential (Sequential)"));
    model.compile("sgd", "mse", NO_METRICS).unwrap();
    let (xs, ys) = toy_data(8);
    model.fit(&xs, &ys, FitOptions::new().epochs(2).verbose(0)).unwrap();
    assert_eq!(model.get_weights().unwrap()[..2], base_weights[..], "a frozen nested model trains");
    // Feature extraction: an intermediate output, with the trained weights copied over.
    let extractor_out = model.layer_output("sequential").unwrap();
    let mut extractor = Model::new(model.inputs(), &extractor_out).unwrap();
    assert_eq!(extractor.copy_weights_from(&model), 1);
    let f = extractor.predict(&xs, PredictOptions::new().verbose(0)).unwrap().remove(0);
    assert_eq!(f.shape(), &[8, 4]);
    assert_eq!(f, base.predict(&xs, PredictOptions::new().verbose(0)).unwrap());
}

#[test]
fn penalties_and_constraints_inside_nested_models_and_wrappers_count() {
    use keras_rs::constraints::Constraint;
    use keras_rs::regularizers::Regularizer;
    let dense = |activity: bool| {
        let d = Dense::new(4)
            .activation("tanh")
            .kernel_regularizer(Regularizer::L2(0.3))
            .kernel_constraint(Constraint::MaxNorm { max_value: 0.4, axis: vec![0] });
        if activity { d.activity_regularizer(Regularizer::L1(0.2)) } else { d }
    };
    let flat = |activity: bool| Sequential::new().seed(4).add(Input::new(&[3])).add(dense(activity)).add(Dense::new(1));
    let (xs, ys) = toy_data(8);
    let x3 = xs.clone().into_shape_with_order((8, 1, 3)).unwrap().into_dyn();
    let y3 = ys.clone().into_shape_with_order((8, 1, 1)).unwrap().into_dyn();
    // The same layers inside a nested Sequential, and (on a time axis of 1) inside TimeDistributed.
    let inner = Sequential::new().seed(4).add(Input::new(&[3])).add(dense(true));
    let nested = Sequential::new().add(Input::new(&[3])).add(inner).add(Dense::new(1));
    let wrapped = Sequential::new()
        .add(Input::new(&[1, 3]))
        .add(TimeDistributed::new(dense(true)))
        .add(TimeDistributed::new(Dense::new(1)));
    let weights = flat(true).get_weights().unwrap();
    let mut runs = Vec::new();
    for (mut model, x, y) in [(flat(true), &xs, &ys), (nested, &xs, &ys), (flat(false), &xs, &ys), (wrapped, &x3, &y3)]
    {
        model.set_weights(&weights).unwrap();
        model.compile("sgd", "mse", NO_METRICS).unwrap();
        let history = model.fit(x, y, FitOptions::new().epochs(2).batch_size(4).shuffle(false).verbose(0)).unwrap();
        let evaluated = model.evaluate(x, y, EvaluateOptions::new().verbose(0)).unwrap()["loss"];
        runs.push((history.history["loss"].clone(), evaluated, model.get_weights().unwrap()));
    }
    // Nested: the kernel penalty, the activity penalty and the max-norm, as in the flat model.
    // TimeDistributed: Keras runs the wrapped layer's `call`, so its activity penalty does not
    // count — as the flat model without it.
    for (run, like, what) in [(1, 0, "nested"), (3, 2, "TimeDistributed")] {
        assert_close_f64(runs[run].1, runs[like].1, 1e-5, &format!("{what} evaluate"));
        assert_close_f64(runs[run].0[1], runs[like].0[1], 1e-5, &format!("{what} fit"));
        for (a, b) in runs[run].2.iter().zip(&runs[like].2) {
            let b = b.clone().into_shape_with_order(a.shape()).unwrap();
            assert_close(a, &b, 1e-5, 1e-6, &format!("{what} weights"));
        }
    }
    assert!(runs[0].1 > runs[2].1, "the activity penalty is part of the loss");
}

#[test]
fn wiring_and_data_errors_are_clear() {
    let (a, b) = (Input::new(&[4]).name("a"), Input::new(&[3]).name("b"));
    // Incompatible merge shapes name both layers and shapes.
    let err = Add::new().call(&[&a, &b]).unwrap_err().to_string();
    assert!(
        err.contains("Layer \"add\" (Add) cannot be called on the output of \"a\" (InputLayer) with shape (None, 4)"),
        "{err}"
    );
    assert!(err.contains("Received shapes (None, 4) and (None, 3)"), "{err}");
    // An output that needs an input the model does not have.
    let y = Concatenate::new().call(&[&a, &b]).unwrap();
    let err = Model::new(&a, &y).unwrap_err().to_string();
    assert!(err.contains("Graph disconnected") && err.contains("\"b\""), "{err}");
    // Data: a missing input, an unknown input name.
    let mut model = Model::new(&[&a, &b], &Dense::new(1).call(&y).unwrap()).unwrap();
    model.compile("sgd", "mse", NO_METRICS).unwrap();
    let (xa, xb, t) = (Array2::<f32>::zeros((2, 4)), Array2::<f32>::zeros((2, 3)), Array2::<f32>::zeros((2, 1)));
    let err = model.fit(&xa, &t, FitOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("The model has 2 inputs (a, b), but 1 array(s)"), "{err}");
    let err = model.fit(&[("a", &xa), ("c", &xb)], &t, FitOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("Unknown input name: 'c'"), "{err}");
    let err = model.fit(&[("a", &xa)], &t, FitOptions::new().verbose(0)).unwrap_err().to_string();
    assert!(err.contains("Missing data for input 'b'"), "{err}");
    let err = model.predict(&[&xb, &xb], PredictOptions::new()).unwrap_err().to_string();
    assert!(err.contains("Input 0 of layer \"functional\" is incompatible"), "{err}");
    // Duplicate names, an unknown output in compile.
    let d = Dense::new(2).name("d").call(&a).unwrap();
    let err = Model::new(&a, &Dense::new(1).name("d").call(&d).unwrap()).unwrap_err().to_string();
    assert!(err.contains("The name \"d\" is used 2 times"), "{err}");
    let err = model.compile_with("sgd", CompileOptions::new().loss_for("nope", "mse")).unwrap_err().to_string();
    assert!(err.contains("key 'nope' does not correspond to any model output"), "{err}");
    // Like Keras 3, a flat metric list is refused for a model with several outputs.
    let mut two = Model::new(&a, &[Dense::new(1).call(&a).unwrap(), Dense::new(1).call(&a).unwrap()]).unwrap();
    let err = two.compile("sgd", "mse", &["mae"]).unwrap_err().to_string();
    assert!(err.contains("Invalid `metrics`") && err.contains("metrics_for"), "{err}");
}

#[test]
fn recurrent_layers_return_their_states_in_a_functional_model() {
    let x = Input::new(&[5, 3]);
    let err = LSTM::new(4).return_state(true).call(&x).unwrap_err().to_string();
    assert!(err.contains("returns 3 tensors") && err.contains("call_multi"), "{err}");
    let outs = LSTM::new(4).return_state(true).call_multi(&x).unwrap();
    let shapes: Vec<String> = outs.iter().map(|t| t.shape().to_string()).collect();
    assert_eq!(shapes, vec!["(None, 4)", "(None, 4)", "(None, 4)"]);
    let model = Model::new(&x, &outs).unwrap();
    assert!(model.summary_with_width(200).contains("[(None, 4), (None, 4), (None, 4)]"));
    let xs = ndarray::Array3::from_shape_fn((2, 5, 3), |(i, j, k)| (i + 2 * j + 3 * k) as f32 / 10.0 - 0.5).into_dyn();
    let p = model.predict(&xs, PredictOptions::new().verbose(0)).unwrap();
    assert_eq!(p.len(), 3);
    assert_eq!(p[0], p[1], "the last output of an LSTM is its final h");
    assert_ne!(p[1], p[2]);
}

#[test]
fn a_graph_with_keyword_tensor_inputs_is_refused_naming_the_node() {
    // Keras' seq2seq decoder (`LSTM(...)(x, initial_state=[h, c])`) and an RNN given `mask=`:
    // keras-rs would drop those tensors and build a different model, so loading refuses it.
    let fx = common::fixture("keyword_inputs.json");
    let models = fx["models"].as_array().unwrap();
    for (model, refused) in models.iter().zip(fx["refused"].as_array().unwrap()) {
        let (layer, key) = (refused[0].as_str().unwrap(), refused[1].as_str().unwrap());
        let err = match keras_rs::models::model_from_json(&model.to_string()) {
            Ok(_) => panic!("{layer}: a graph passing `{key}` loaded"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(&format!("Layer '{layer}'")) && err.contains(&format!("keyword argument `{key}`")),
            "{err}"
        );
    }
}
