//! Convolution, pooling, normalization and padding layers against real Keras 3, rebuilt from
//! Keras' own configs; and a convnet `fit` (with and without BatchNormalization).

mod common;

use common::{array, arrays, assert_close, assert_close_f64, fixture};
use keras_rs::backend::DynTensor;
use keras_rs::burn::tensor::{Tensor, TensorData};
use keras_rs::layers::{self, CallContext};
use keras_rs::prelude::*;
use keras_rs::random::SeedGenerator;

fn flat(a: &ndarray::ArrayD<f32>) -> Tensor<1> {
    let v: Vec<f32> = a.iter().copied().collect();
    let n = v.len();
    Tensor::from_data(TensorData::new(v, [n]), &keras_rs::backends::default_device())
}

#[test]
fn every_layer_and_option_matches_keras() {
    let fx = fixture("conv.json");
    let device = keras_rs::backends::default_device();
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 90);
    for (i, case) in cases.iter().enumerate() {
        let class = case["class_name"].as_str().unwrap();
        let what = format!("case {i}: {class} {}", case["config"]);
        let mut layer = layers::from_config(class, &case["config"]).unwrap_or_else(|e| panic!("{what}: {e}"));
        let x = array(&case["x"]);
        let y_keras = array(&case["y"]);
        let input_shape = Shape::batched(&x.shape()[1..]);
        let specs = layer.build(&input_shape).unwrap();
        assert!(layer.compute_output_shape(&input_shape).unwrap().matches(y_keras.shape()), "{what}: output shape");
        let keras_weights = arrays(&case["weights"]);
        let shapes: Vec<Vec<usize>> = specs.iter().map(|s| s.shape.clone()).collect();
        let keras_shapes: Vec<Vec<usize>> = keras_weights.iter().map(|w| w.shape().to_vec()).collect();
        assert_eq!(shapes, keras_shapes, "{what}: weight layout");
        let mut weights: Vec<Tensor<1>> = keras_weights.iter().map(flat).collect();
        let training = case["training"].as_bool().unwrap();
        let mut rng = SeedGenerator::new(0);
        let mut ctx = CallContext::new(training, &mut rng, &device);
        let x_t = DynTensor::from_data(x.iter().copied().collect(), x.shape(), &device).unwrap();
        let y = layer.call(x_t, &weights, &mut ctx).unwrap();
        let y = ndarray::ArrayD::from_shape_vec(y.dims(), y.to_vec().unwrap()).unwrap();
        assert_close(&y, &y_keras, 1e-4, 1e-5, &what);
        if let Some(after) = case.get("weights_after") {
            for (index, value) in ctx.updates.drain(..) {
                weights[index] = value;
            }
            for (k, (got, want)) in weights.iter().zip(arrays(after)).enumerate() {
                let got =
                    ndarray::ArrayD::from_shape_vec(want.shape(), got.clone().into_data().try_to_vec::<f32>().unwrap())
                        .unwrap();
                assert_close(&got, &want, 1e-4, 1e-6, &format!("{what}: weight {k} after the training call"));
            }
        } else {
            assert!(ctx.updates.is_empty(), "{what}: no update expected");
        }
    }
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
        for (key, values) in case["history"].as_object().unwrap() {
            for (epoch, v) in values.as_array().unwrap().iter().enumerate() {
                assert_close_f64(
                    history.history[key][epoch],
                    v.as_f64().unwrap(),
                    1e-4,
                    &format!("{name}: {key} epoch {epoch}"),
                );
            }
        }
        for (i, (got, want)) in model.get_weights().unwrap().iter().zip(arrays(&case["weights"])).enumerate() {
            assert_close(got, &want, 1e-4, 1e-5, &format!("{name}: weight {i}"));
        }
        let scores = model.evaluate(&x, &labels, EvaluateOptions::new().batch_size(16).verbose(0)).unwrap();
        for (key, v) in case["evaluate"].as_object().unwrap() {
            assert_close_f64(scores[key], v.as_f64().unwrap(), 1e-4, &format!("{name}: evaluate {key}"));
        }
    }
}
