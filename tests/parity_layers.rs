//! Layers against real Keras 3 (fixtures from tests/fixtures/generate.py).

mod common;

use common::{array, assert_close, fixture};
use keras_rs::prelude::*;

#[test]
fn dense_matches_keras_for_every_activation_and_3d_input() {
    let fx = fixture("dense.json");
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let act = case["activation"].as_str().unwrap();
        let x = array(&case["x"]);
        let mut model = Sequential::new().add(Input::new(&x.shape()[1..])).add(Dense::new(3).activation(act));
        model.set_weights(&[array(&case["kernel"]), array(&case["bias"])]).unwrap();
        let y = model.predict(&x, PredictOptions::new().verbose(0)).unwrap();
        assert_close(&y, &array(&case["y"]), 1e-4, 1e-6, &format!("Dense({act}) on {:?}", x.shape()));
    }
}

#[test]
fn summary_matches_keras_text() {
    let fx = fixture("summary.json");
    let mlp = Sequential::new()
        .add(Input::new(&[784]))
        .add(Dense::new(128).activation("relu"))
        .add(Dense::new(10).activation("softmax"));
    let shapes = Sequential::new()
        .add(Input::new(&[4, 5]))
        .add(Flatten::new())
        .add(Dropout::new(0.5))
        .add(Reshape::new(&[2, -1]))
        .add(Dense::new(2))
        .add(Activation::new("tanh"));
    for (key, model) in [("mlp", &mlp), ("shapes", &shapes)] {
        for width in [76, 88] {
            let want = fx[format!("{key}_{width}")].as_str().unwrap().trim_end();
            assert_eq!(model.summary_with_width(width).trim_end(), want, "{key} at width {width}");
        }
    }
}

/// Each case's layer, rebuilt from Keras' own config (every key honoured or refused) alone in
/// a model, predicts Keras' output on the fixture's `x`; the number of cases.
fn predict_layer_cases(fx: &serde_json::Value) -> usize {
    let x = array(&fx["x"]);
    let cases = fx["cases"].as_array().unwrap();
    for case in cases {
        let class = case["class_name"].as_str().unwrap();
        let layer = keras_rs::layers::from_config(class, &case["config"]).unwrap();
        let what = format!("{class} {}", case["config"]);
        let mut model = Sequential::new().add(Input::new(&x.shape()[1..]));
        model.add_boxed(layer).unwrap();
        let y = model.predict(&x, PredictOptions::new().verbose(0)).unwrap();
        assert_close(&y, &array(&case["y"]), 1e-4, 1e-6, &what);
    }
    cases.len()
}

#[test]
fn activation_layers_match_keras() {
    let fx = fixture("activation_layers.json");
    assert!(predict_layer_cases(&fx) >= 13);
    // Keras' errors for negative arguments, at build.
    let err = Sequential::new().add(Input::new(&[2])).add(ReLU::new().threshold(-1.0)).output_shape().unwrap_err();
    assert!(err.to_string().contains("threshold of a ReLU layer cannot be a negative value. Received: -1"), "{err}");
    let err =
        Sequential::new().add(Input::new(&[2])).add(LeakyReLU::new().negative_slope(-0.1)).output_shape().unwrap_err();
    assert!(err.to_string().contains("cannot be None or negative value"), "{err}");
    let err = Sequential::new().add(Input::new(&[2])).add(Softmax::new().axis(3)).output_shape().unwrap_err();
    assert!(err.to_string().contains("axis=3 is out of bounds"), "{err}");
}

#[test]
fn noise_layers_and_unit_normalization_match_keras() {
    let fx = fixture("noise_layers.json");
    // In inference the noise layers are the identity; UnitNormalization scales rows to norm 1.
    assert_eq!(predict_layer_cases(&fx), 5);
    // ActivityRegularization's penalty in fit's and evaluate's loss, and UnitNormalization's
    // gradients, over two epochs.
    let case = &fx["fit"];
    let (xf, yf) = (array(&case["x"]), array(&case["y"]));
    let mut model = Sequential::new()
        .add(Input::new(&[4]))
        .add(Dense::new(5).activation("tanh"))
        .add(keras_rs::layers::ActivityRegularization::new().l1(0.01).l2(0.05))
        .add(keras_rs::layers::UnitNormalization::new())
        .add(Dense::new(1));
    model.set_weights(&common::arrays(&case["weights0"])).unwrap();
    model.compile(SGD::new().learning_rate(0.1), "mse", NO_METRICS).unwrap();
    let history = model.fit(&xf, &yf, FitOptions::new().epochs(2).batch_size(8).shuffle(false).verbose(0)).unwrap();
    common::assert_history(&history, &case["history"], "ActivityRegularization fit");
    common::assert_weights(&model.get_weights().unwrap(), &case["weights"], "ActivityRegularization fit");
    let scores = model.evaluate(&xf, &yf, EvaluateOptions::new().batch_size(16).verbose(0)).unwrap();
    common::assert_close_f64(scores["loss"], case["evaluate"]["loss"].as_f64().unwrap(), 1e-4, "evaluate loss");
}

#[test]
fn prelu_matches_keras_and_trains_its_slopes() {
    assert_eq!(common::check_layer_cases("prelu.json"), 4);
    let fx = fixture("prelu.json");
    let case = &fx["fit"];
    let (x, y) = (array(&case["x"]), array(&case["y"]));
    let mut model = Sequential::new()
        .add(Input::new(&[5]))
        .add(Dense::new(6))
        .add(keras_rs::layers::PReLU::new())
        .add(Dense::new(1));
    model.set_weights(&common::arrays(&case["weights0"])).unwrap();
    model.compile(Adam::new().learning_rate(0.05), "mse", NO_METRICS).unwrap();
    let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(8).shuffle(false).verbose(0)).unwrap();
    common::assert_history(&history, &case["history"], "PReLU fit");
    common::assert_weights(&model.get_weights().unwrap(), &case["weights"], "PReLU fit");
}

#[test]
fn group_normalization_matches_keras() {
    assert_eq!(common::check_layer_cases("group_normalization.json"), 5);
    let fx = fixture("group_normalization.json");
    let case = &fx["fit"];
    let (x, y) = (array(&case["x"]), array(&case["y"]));
    let mut model = Sequential::new()
        .add(Input::new(&[4, 4, 2]))
        .add(Conv2D::new(4, 3).padding("same"))
        .add(keras_rs::layers::GroupNormalization::new().groups(2))
        .add(Activation::new("relu"))
        .add(Flatten::new())
        .add(Dense::new(3).activation("softmax"));
    model.set_weights(&common::arrays(&case["weights0"])).unwrap();
    model.compile(Adam::new().learning_rate(0.02), "sparse_categorical_crossentropy", NO_METRICS).unwrap();
    let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(8).shuffle(false).verbose(0)).unwrap();
    common::assert_history(&history, &case["history"], "GroupNormalization fit");
    common::assert_weights(&model.get_weights().unwrap(), &case["weights"], "GroupNormalization fit");
}

#[test]
fn normalization_matches_keras_given_or_adapted() {
    assert_eq!(common::check_layer_cases("normalization.json"), 4);
    // Keras' adapt on a whole array and on a list of batches (merged), for several axes: the
    // statistics a model starts with, and its predictions.
    let fx = fixture("normalization.json");
    let data = array(&fx["data"]);
    let probe = data.slice(ndarray::s![..3, .., ..]).to_owned().into_dyn();
    for case in fx["adapt"].as_array().unwrap() {
        let axis: Vec<i64> = case["axis"].as_array().unwrap().iter().map(|a| a.as_i64().unwrap()).collect();
        let label = format!("axis {axis:?}, batched {}", case["batched"]);
        let layer = keras_rs::layers::Normalization::new().axis(&axis);
        let layer = if case["batched"].as_bool().unwrap() {
            let batches = [0..15, 15..32, 32..40].map(|r| data.slice(ndarray::s![r, .., ..]).to_owned().into_dyn());
            layer.adapt_batches(batches).unwrap()
        } else {
            layer.adapt(&data).unwrap()
        };
        let model = Sequential::new().add(Input::new(&[4, 3])).add(layer);
        let weights = model.get_weights().unwrap();
        assert_close(
            &weights[0],
            &array(&case["mean"]).into_shape_with_order(weights[0].shape()).unwrap(),
            1e-5,
            1e-6,
            &label,
        );
        assert_close(
            &weights[1],
            &array(&case["variance"]).into_shape_with_order(weights[1].shape()).unwrap(),
            1e-4,
            1e-5,
            &label,
        );
        let y = model.predict(&probe, PredictOptions::new().verbose(0)).unwrap();
        assert_close(&y, &array(&case["y"]), 1e-4, 1e-5, &label);
    }
    let err = keras_rs::layers::Normalization::new().axis(&[3]).adapt(&data).unwrap_err().to_string();
    assert!(err.contains("must be in the range [-ndim, ndim)"), "{err}");
}

#[test]
fn augmentation_layers_transform_as_keras_in_training_and_pass_through_in_inference() {
    // Ranges of one value fix the draw, so Keras' rotations, zooms, translations (every fill
    // mode and interpolation) and contrast are compared exactly; RandomFlip's coin is tested in
    // its unit test.
    assert_eq!(common::check_layer_cases("augmentation.json"), 38);
}

#[test]
fn category_encoding_matches_keras() {
    assert_eq!(common::check_layer_cases("category_encoding.json"), 7);
}

#[test]
fn discretization_matches_keras_given_or_adapted() {
    assert_eq!(common::check_layer_cases("discretization.json"), 6);
    // Keras' adapt: approximate quantiles from summaries of the whole array or merged batch by batch.
    let fx = fixture("discretization.json");
    let data = array(&fx["data"]);
    let probe = data.slice(ndarray::s![..5, ..]).to_owned().into_dyn();
    for case in fx["adapt"].as_array().unwrap() {
        let (num_bins, epsilon) = (case["num_bins"].as_u64().unwrap() as usize, case["epsilon"].as_f64().unwrap());
        let label = format!("num_bins {num_bins}, epsilon {epsilon}, batched {}", case["batched"]);
        let layer = keras_rs::layers::Discretization::new().num_bins(num_bins).epsilon(epsilon);
        let layer = if case["batched"].as_bool().unwrap() {
            let batches = [0..100, 100..230, 230..300].map(|r| data.slice(ndarray::s![r, ..]).to_owned().into_dyn());
            layer.adapt_batches(batches).unwrap()
        } else {
            layer.adapt(&data).unwrap()
        };
        let got = layer.get_config()["bin_boundaries"].clone();
        assert_close(&array(&got), &array(&case["bin_boundaries"]), 1e-4, 1e-5, &label);
        let model = Sequential::new().add(Input::new(&[3])).add(layer);
        let y = model.predict(&probe, PredictOptions::new().verbose(0)).unwrap();
        assert_close(&y, &array(&case["y"]), 0.0, 0.0, &label);
    }
}

#[test]
fn integer_lookup_adapts_max_tokens_without_a_mask_index_in_encoded_modes() {
    // keras: IntegerLookup(output_mode="multi_hot", mask_token=0, max_tokens=5).adapt(data): the
    // mask token has an index in "int" mode only, so 4 tokens are learned.
    let fx = fixture("integer_lookup.json");
    let data = array(&fx["data"]);
    let layer = keras_rs::layers::IntegerLookup::new().output_mode("multi_hot").mask_token(0).max_tokens(5usize);
    let layer = layer.adapt(&data).unwrap();
    let keras: Vec<i64> = serde_json::from_value(fx["encoded"]["vocabulary"].clone()).unwrap();
    assert_eq!(layer.get_vocabulary(), keras);
    let model = Sequential::new().add(Input::new(&[5])).add(layer);
    let probe = data.slice(ndarray::s![..3, ..]).to_owned().into_dyn();
    let y = model.predict(&probe, PredictOptions::new().verbose(0)).unwrap();
    assert_close(&y, &array(&fx["encoded"]["y"]), 0.0, 0.0, "multi_hot with a mask");
}

#[test]
fn integer_lookup_matches_keras_given_or_adapted() {
    assert_eq!(common::check_layer_cases("integer_lookup.json"), 19);
    // Keras' adapt: the most frequent tokens first (ties: the larger first), within max_tokens.
    let fx = fixture("integer_lookup.json");
    let data = array(&fx["data"]);
    let probe = data.slice(ndarray::s![..3, ..]).to_owned().into_dyn();
    for case in fx["adapt"].as_array().unwrap() {
        let kwargs = &case["kwargs"];
        let mut layer = keras_rs::layers::IntegerLookup::new();
        if let Some(max) = kwargs["max_tokens"].as_u64() {
            layer = layer.max_tokens(max as usize);
        }
        if let Some(mask) = kwargs["mask_token"].as_i64() {
            layer = layer.mask_token(mask);
        }
        if let Some(oov) = kwargs["num_oov_indices"].as_u64() {
            layer = layer.num_oov_indices(oov as usize);
        }
        let layer = layer.adapt(&data).unwrap();
        let keras: Vec<i64> = serde_json::from_value(case["vocabulary"].clone()).unwrap();
        assert_eq!(layer.get_vocabulary(), keras, "{kwargs}");
        let model = Sequential::new().add(Input::new(&[5])).add(layer);
        let y = model.predict(&probe, PredictOptions::new().verbose(0)).unwrap();
        assert_close(&y, &array(&case["y"]), 0.0, 0.0, &format!("{kwargs}"));
    }
}

#[test]
fn integer_lookup_tf_idf_matches_keras_and_keeps_its_weights_in_the_file() {
    let fx = fixture("integer_lookup.json");
    let data = array(&fx["data"]);
    for case in fx["tf_idf"].as_array().unwrap() {
        let mut kwargs = case["kwargs"].clone();
        kwargs["output_mode"] = "tf_idf".into();
        let what = format!("IntegerLookup({kwargs})");
        let mut layer = keras_rs::layers::IntegerLookup::from_config(&kwargs).unwrap_or_else(|e| panic!("{what}: {e}"));
        if kwargs.get("vocabulary").is_none() {
            layer = layer.adapt(&data).unwrap();
            let keras: Vec<i64> = serde_json::from_value(case["vocabulary"].clone()).unwrap();
            assert_eq!(layer.get_vocabulary(), keras, "{what}");
        }
        let x = array(&case["x"]);
        let model = Sequential::new().add(Input::new(&x.shape()[1..])).add(layer);
        let y = model.predict(&x, PredictOptions::new().verbose(0)).unwrap();
        assert_close(&y, &array(&case["y"]), 1e-5, 1e-6, &what);
        // Saved and loaded: the IDF weights travel in `vars/idf_weights`, as Keras keeps them.
        let path = std::env::temp_dir().join(format!("keras_rs_tf_idf_{}.keras", std::process::id()));
        model.save(&path).unwrap();
        let again = keras_rs::models::load_model(&path).unwrap().predict(&x, PredictOptions::new().verbose(0)).unwrap();
        assert_close(&again[0], &y, 0.0, 0.0, &format!("{what} after a save and load"));
        std::fs::remove_file(&path).unwrap();
    }
}
