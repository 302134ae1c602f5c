//! Convolution, pooling, normalization and padding layers against real Keras 3, rebuilt from
//! Keras' own configs; and a convnet `fit` (with and without BatchNormalization).

mod common;

use common::{array, arrays, assert_close_f64, assert_history, assert_weights, fixture};
use keras_rs::layers::{AveragePooling3D, Conv3D, Conv3DTranspose, GlobalAveragePooling3D, MaxPooling3D};
use keras_rs::prelude::*;

#[test]
fn every_layer_and_option_matches_keras() {
    let n = common::check_layer_cases("conv.json");
    assert!(n >= 90, "{n} cases");
}

#[test]
fn convnet_fit_with_and_without_batch_norm_matches_keras() {
    let fx = fixture("convnet_fit.json");
    let (x, labels) = (array(&fx["x"]), array(&fx["labels"]));
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut model =
            Sequential::new().add(Input::new(&[9, 8, 1])).add(Conv2D::new(4, 3).padding("same").activation("relu"));
        if case["batch_norm"].as_bool().unwrap() {
            model = model.add(BatchNormalization::new());
        }
        let mut model = model
            .add(MaxPooling2D::new(2))
            .add(Conv2D::new(6, 3).strides(2).padding("same").activation("relu"))
            .add(Flatten::new())
            .add(Dense::new(3).activation("softmax"));
        model.set_weights(&arrays(&case["weights0"])).unwrap();
        model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
        let opts = FitOptions::new().batch_size(16).epochs(2).shuffle(false).validation_split(0.25).verbose(0);
        let history = model.fit(&x, &labels, opts).unwrap();
        assert_history(&history, &case["history"], name);
        assert_weights(&model.get_weights().unwrap(), &case["weights"], name);
        let scores = model.evaluate(&x, &labels, EvaluateOptions::new().batch_size(16).verbose(0)).unwrap();
        for (key, v) in case["evaluate"].as_object().unwrap() {
            assert_close_f64(scores[key], v.as_f64().unwrap(), 1e-4, &format!("{name}: evaluate {key}"));
        }
    }
}

#[test]
fn transposed_convolutions_match_keras() {
    let n = common::check_layer_cases("conv_transpose.json");
    assert!(n >= 36, "{n} cases");
}

#[test]
fn a_convolutional_autoencoder_trains_as_in_keras() {
    // Conv2DTranspose's gradients (kernel, bias and input) through two epochs of Adam.
    let fx = fixture("conv_transpose.json");
    let case = &fx["fit"];
    let (x, y) = (array(&case["x"]), array(&case["y"]));
    let mut model = Sequential::new()
        .add(Input::new(&[8, 8, 1]))
        .add(Conv2D::new(4, 3).strides(2).padding("same").activation("relu"))
        .add(Conv2DTranspose::new(4, 3).strides(2).padding("same").activation("relu"))
        .add(Conv2DTranspose::new(2, 2).activation("relu"))
        .add(Conv2D::new(1, 2).activation("sigmoid"));
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    model.compile(Adam::new().learning_rate(0.01), "binary_crossentropy", NO_METRICS).unwrap();
    let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(8).shuffle(false).verbose(0)).unwrap();
    assert_history(&history, &case["history"], "autoencoder");
    assert_weights(&model.get_weights().unwrap(), &case["weights"], "autoencoder");
}

#[test]
fn depthwise_and_separable_convolutions_match_keras() {
    let n = common::check_layer_cases("depthwise_separable.json");
    assert_eq!(n, 22);
}

#[test]
fn a_mobilenet_shaped_block_trains_as_in_keras() {
    // DepthwiseConv2D's and SeparableConv2D's gradients (kernels, bias, input) through Adam.
    let fx = fixture("depthwise_separable.json");
    let case = &fx["fit"];
    let (x, y) = (array(&case["x"]), array(&case["y"]));
    let mut model = Sequential::new()
        .add(Input::new(&[8, 8, 3]))
        .add(Conv2D::new(4, 3).strides(2).padding("same").activation("relu"))
        .add(DepthwiseConv2D::new(3).padding("same").depth_multiplier(2).activation("relu"))
        .add(SeparableConv2D::new(6, 3).padding("same").activation("relu"))
        .add(GlobalAveragePooling2D::new())
        .add(Dense::new(2).activation("softmax"));
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(8).shuffle(false).verbose(0)).unwrap();
    assert_history(&history, &case["history"], "mobilenet block");
    assert_weights(&model.get_weights().unwrap(), &case["weights"], "mobilenet block");
}

#[test]
fn channels_first_global_pooling_matches_keras() {
    assert_eq!(common::check_layer_cases("channels_first_pooling.json"), 8);
}

#[test]
fn volume_layers_match_keras() {
    let n = common::check_layer_cases("volumes.json");
    assert_eq!(n, 31);
}

#[test]
fn a_3d_convnet_trains_as_in_keras() {
    // Conv3D's, Conv3DTranspose's and the 3-D poolings' gradients through Adam.
    let fx = fixture("volumes.json");
    let case = &fx["fit"];
    let (x, y) = (array(&case["x"]), array(&case["y"]));
    let mut model = Sequential::new()
        .add(Input::new(&[4, 6, 6, 1]))
        .add(Conv3D::new(3, 3).padding("same").activation("relu"))
        .add(MaxPooling3D::new((1, 2, 2)))
        .add(Conv3DTranspose::new(2, 2).strides((1, 2, 2)).activation("relu"))
        .add(AveragePooling3D::new(2).padding("same"))
        .add(GlobalAveragePooling3D::new())
        .add(Dense::new(2).activation("softmax"));
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(4).shuffle(false).verbose(0)).unwrap();
    assert_history(&history, &case["history"], "3-D convnet");
    assert_weights(&model.get_weights().unwrap(), &case["weights"], "3-D convnet");
}

#[test]
fn padding_cropping_and_upsampling_match_keras() {
    let n = common::check_layer_cases("reshaping.json");
    assert_eq!(n, 12);
}

#[test]
fn causal_conv1d_matches_keras_and_trains_a_dilated_stack() {
    assert_eq!(common::check_layer_cases("causal_conv1d.json"), 5);
    let fx = fixture("causal_conv1d.json");
    let case = &fx["fit"];
    let (x, y) = (array(&case["x"]), array(&case["y"]));
    let mut model = Sequential::new().add(Input::new(&[16, 1]));
    for dilation in [1, 2, 4] {
        model = model.add(Conv1D::new(4, 2).padding("causal").dilation_rate(dilation).activation("relu"));
    }
    let mut model = model.add(Conv1D::new(1, 1));
    model.set_weights(&arrays(&case["weights0"])).unwrap();
    model.compile(Adam::new().learning_rate(0.01), "mse", NO_METRICS).unwrap();
    let history = model.fit(&x, &y, FitOptions::new().epochs(2).batch_size(8).shuffle(false).verbose(0)).unwrap();
    assert_history(&history, &case["history"], "causal stack");
    assert_weights(&model.get_weights().unwrap(), &case["weights"], "causal stack");
    let err = Conv2D::new(2, 3).padding("causal").compute_output_shape(&Shape::batched(&[5, 5, 1])).unwrap_err();
    assert!(err.to_string().contains("Received: padding=causal"), "{err}");
}
