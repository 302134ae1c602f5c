//! Gradients flow through every layer: a few optimizer steps change every trainable weight,
//! including the weights *before* a parameter-free layer, and the loss goes down.

use keras_rs::prelude::*;
use ndarray::{Array1, ArrayD, IxDyn};

/// Trains `layers` (between an Input of `shape` and a Dense softmax head) for a few steps on a
/// learnable task and checks that the loss falls and every trainable weight moved.
fn check_trains(name: &str, shape: &[usize], layers: Vec<Box<dyn Layer>>) {
    let mut model = Sequential::new().seed(11).add(Input::new(shape));
    for layer in layers {
        model.add_boxed(layer).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    model.add_layer(Flatten::new()).unwrap();
    model.add_layer(Dense::new(2).activation("softmax")).unwrap();
    let n = 32;
    let per: usize = shape.iter().product();
    let mut values = Vec::with_capacity(n * per);
    let labels = Array1::from_shape_fn(n, |i| (i % 2) as f32);
    for i in 0..n {
        let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
        values.extend((0..per).map(|j| sign * (0.5 + ((i * 7 + j * 13) % 10) as f32 / 20.0)));
    }
    let mut full = vec![n];
    full.extend_from_slice(shape);
    let x = ArrayD::from_shape_vec(IxDyn(&full), values).unwrap();
    let before = model.get_weights().unwrap();
    model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", NO_METRICS).unwrap();
    let h = model.fit(&x, &labels, FitOptions::new().epochs(5).batch_size(8).verbose(0)).unwrap();
    let loss = h.get("loss");
    assert!(loss[4] < loss[0], "{name}: loss did not fall: {loss:?}");
    let vars: Vec<(String, bool)> = model.variables().iter().map(|v| (v.path.clone(), v.trainable)).collect();
    for ((w0, w1), (path, trainable)) in before.iter().zip(model.get_weights().unwrap()).zip(&vars) {
        if *trainable {
            assert_ne!(w0, &w1, "{name}: trainable weight {path} did not change (no gradient?)");
        }
    }
}

fn boxed(layers: Vec<Box<dyn Layer>>) -> Vec<Box<dyn Layer>> {
    layers
}

#[test]
fn core_and_regularization_layers_train() {
    check_trains("dense", &[4], boxed(vec![Box::new(Dense::new(3).activation("tanh"))]));
    check_trains(
        "activation+dropout",
        &[4],
        boxed(vec![Box::new(Dense::new(3)), Box::new(Activation::new("elu")), Box::new(Dropout::new(0.3))]),
    );
    check_trains(
        "reshape",
        &[6],
        boxed(vec![Box::new(Dense::new(6)), Box::new(Reshape::new(&[2, -1])), Box::new(Dense::new(2))]),
    );
}

#[test]
fn convolution_and_pooling_layers_train() {
    check_trains("conv2d", &[6, 5, 2], boxed(vec![Box::new(Conv2D::new(3, 3).padding("same").strides(2))]));
    check_trains("conv1d", &[7, 2], boxed(vec![Box::new(Conv1D::new(3, 3).dilation_rate(2))]));
    for (name, pool) in [
        ("max_pooling2d", Box::new(MaxPooling2D::new(2).padding("same")) as Box<dyn Layer>),
        ("average_pooling2d", Box::new(AveragePooling2D::new(3).strides(1))),
        ("global_average_pooling2d", Box::new(GlobalAveragePooling2D::new())),
        ("global_max_pooling2d", Box::new(GlobalMaxPooling2D::new())),
        ("zero_padding2d", Box::new(ZeroPadding2D::new(1))),
        ("up_sampling2d", Box::new(UpSampling2D::new(2))),
    ] {
        check_trains(name, &[5, 5, 2], boxed(vec![Box::new(Conv2D::new(3, 2).padding("same")), pool]));
    }
    for (name, pool) in [
        ("max_pooling1d", Box::new(MaxPooling1D::new(2)) as Box<dyn Layer>),
        ("average_pooling1d", Box::new(AveragePooling1D::new(2).padding("same"))),
        ("global_average_pooling1d", Box::new(GlobalAveragePooling1D::new())),
        ("global_max_pooling1d", Box::new(GlobalMaxPooling1D::new())),
    ] {
        check_trains(name, &[7, 2], boxed(vec![Box::new(Conv1D::new(3, 2)), pool]));
    }
}

#[test]
fn normalization_layers_train_and_batch_norm_updates_its_moving_statistics() {
    check_trains(
        "layer_normalization",
        &[3, 4],
        boxed(vec![Box::new(Dense::new(4)), Box::new(LayerNormalization::new())]),
    );
    check_trains(
        "batch_normalization",
        &[4, 4, 2],
        boxed(vec![Box::new(Conv2D::new(3, 3).padding("same")), Box::new(BatchNormalization::new())]),
    );
    // Moving statistics are non-trainable but change in fit; a frozen layer keeps them.
    for frozen in [false, true] {
        let mut model = Sequential::new()
            .seed(3)
            .add(Input::new(&[3]))
            .add(BatchNormalization::new().trainable(!frozen))
            .add(Dense::new(2).activation("softmax"));
        let x = ndarray::Array2::from_shape_fn((16, 3), |(i, j)| (i * 3 + j) as f32 / 10.0 + 5.0);
        let y = Array1::from_shape_fn(16, |i| (i % 2) as f32);
        model.compile("sgd", "sparse_categorical_crossentropy", NO_METRICS).unwrap();
        let before = model.get_weights().unwrap();
        model.fit(&x, &y, FitOptions::new().epochs(1).batch_size(8).verbose(0)).unwrap();
        let after = model.get_weights().unwrap();
        // gamma, beta, moving_mean, moving_variance
        assert_eq!(before[2] != after[2], !frozen, "moving_mean (frozen={frozen})");
        assert_eq!(before[3] != after[3], !frozen, "moving_variance (frozen={frozen})");
        assert_eq!(before[0] != after[0], !frozen, "gamma (frozen={frozen})");
    }
}

#[test]
fn recurrent_layers_train() {
    for (name, layer) in [
        ("simple_rnn", Box::new(SimpleRNN::new(3).return_sequences(true)) as Box<dyn Layer>),
        ("lstm", Box::new(LSTM::new(3).go_backwards(true))),
        ("lstm_dropout", Box::new(LSTM::new(3).dropout(0.2).recurrent_dropout(0.2))),
        ("gru", Box::new(GRU::new(3).return_sequences(true))),
        ("gru_reset_before", Box::new(GRU::new(3).reset_after(false).recurrent_dropout(0.1))),
        ("bidirectional", Box::new(Bidirectional::new(LSTM::new(3).return_sequences(true)).merge_mode("ave"))),
        ("time_distributed", Box::new(TimeDistributed::new(Dense::new(2).activation("tanh")))),
    ] {
        check_trains(name, &[4, 2], boxed(vec![Box::new(Dense::new(3)), layer]));
    }
    check_trains(
        "repeat_vector",
        &[3],
        boxed(vec![Box::new(Dense::new(2)), Box::new(RepeatVector::new(4)), Box::new(LSTM::new(2))]),
    );
}

#[test]
fn embedding_trains_on_integer_inputs() {
    let mut model = Sequential::new()
        .seed(2)
        .add(Input::new(&[4]))
        .add(Embedding::new(6, 3))
        .add(GRU::new(4))
        .add(Dense::new(2).activation("softmax"));
    let x = ndarray::Array2::from_shape_fn((24, 4), |(i, j)| ((i * 3 + j) % 6) as i64);
    let y = Array1::from_shape_fn(24, |i| (((i * 3) % 6) < 3) as u8);
    let before = model.get_weights().unwrap();
    model.compile(Adam::new().learning_rate(0.05), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
    let h = model.fit(&x, &y, FitOptions::new().epochs(8).batch_size(8).verbose(0)).unwrap();
    assert!(h.get("loss")[7] < h.get("loss")[0], "{:?}", h.get("loss"));
    assert_ne!(before[0], model.get_weights().unwrap()[0], "the embedding table gets gradients");
}
