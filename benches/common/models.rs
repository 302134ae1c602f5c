//! The benchmark networks, written once with keras-rs for `vs_burn` and `peers`. Each adds its
//! layers to `model` (a `Sequential::new()`, seeded or not).

use keras_rs::prelude::*;

/// 784 → Dense(512, relu) → Dense(512, relu) → Dense(10, softmax).
pub fn mlp(model: Sequential) -> Sequential {
    model
        .add(Input::new(&[784]))
        .add(Dense::new(512).activation("relu"))
        .add(Dense::new(512).activation("relu"))
        .add(Dense::new(10).activation("softmax"))
}

/// keras.io's MNIST convnet, with Dropout `rate` before the classifier.
pub fn convnet(model: Sequential, rate: f32) -> Sequential {
    model
        .add(Input::new(&[28, 28, 1]))
        .add(Conv2D::new(32, 3).activation("relu"))
        .add(MaxPooling2D::new(2))
        .add(Conv2D::new(64, 3).activation("relu"))
        .add(MaxPooling2D::new(2))
        .add(Flatten::new())
        .add(Dropout::new(rate))
        .add(Dense::new(10).activation("softmax"))
}

/// Two stacked LSTM(128) over 28 steps of 28 features, then Dense(10, softmax).
pub fn lstm(model: Sequential) -> Sequential {
    model
        .add(Input::new(&[28, 28]))
        .add(LSTM::new(128).return_sequences(true))
        .add(LSTM::new(128))
        .add(Dense::new(10).activation("softmax"))
}

/// A Conv2DTranspose network: (28, 28, 1) → Conv2D(32, 3, strides 2, same, relu) →
/// Conv2DTranspose(32, 3, strides 2, same, relu) → Conv2D(8, 3, strides 2, same, relu) →
/// Flatten → Dense(10, softmax); the transposed convolution is most of the work.
pub fn upconv(model: Sequential) -> Sequential {
    model
        .add(Input::new(&[28, 28, 1]))
        .add(Conv2D::new(32, 3).strides(2).padding("same").activation("relu"))
        .add(Conv2DTranspose::new(32, 3).strides(2).padding("same").activation("relu"))
        .add(Conv2D::new(8, 3).strides(2).padding("same").activation("relu"))
        .add(Flatten::new())
        .add(Dense::new(10).activation("softmax"))
}

/// MobileNet's blocks: (28, 28, 1) → Conv2D(32, 3, strides 2, same, relu) → DepthwiseConv2D(3,
/// same, relu) → Conv2D(64, 1, relu) → DepthwiseConv2D(3, strides 2, same, relu) →
/// Conv2D(128, 1, relu) → GlobalAveragePooling2D → Dense(10, softmax).
pub fn mobilenet(model: Sequential) -> Sequential {
    model
        .add(Input::new(&[28, 28, 1]))
        .add(Conv2D::new(32, 3).strides(2).padding("same").activation("relu"))
        .add(DepthwiseConv2D::new(3).padding("same").activation("relu"))
        .add(Conv2D::new(64, 1).activation("relu"))
        .add(DepthwiseConv2D::new(3).strides(2).padding("same").activation("relu"))
        .add(Conv2D::new(128, 1).activation("relu"))
        .add(GlobalAveragePooling2D::new())
        .add(Dense::new(10).activation("softmax"))
}

/// keras.io's "Timeseries classification with a Transformer model" encoder, two blocks (the
/// same network as `benches/peers/bench_keras.py`'s `transformer`): self-attention (2 heads of
/// 32, dropout 0.1), dropout, layer norm and a residual `+`; a Conv1D(kernel 1) feed-forward
/// pair, layer norm and a residual `+`; average pooling and a small head.
pub fn transformer() -> Model {
    let inputs = Input::new(&[28, 28]);
    let mut x = inputs.tensor();
    for _ in 0..2 {
        let a = MultiHeadAttention::new(2, 32).dropout(0.1).call(&[&x, &x]).unwrap();
        let a = LayerNormalization::new().epsilon(1e-6).call(&Dropout::new(0.1).call(&a).unwrap()).unwrap();
        let res = (&a + &x).unwrap();
        let f = Dropout::new(0.1).call(&Conv1D::new(64, 1).activation("relu").call(&res).unwrap()).unwrap();
        let f = LayerNormalization::new().epsilon(1e-6).call(&Conv1D::new(28, 1).call(&f).unwrap()).unwrap();
        x = (&f + &res).unwrap();
    }
    let pooled = GlobalAveragePooling1D::new().call(&x).unwrap();
    let h = Dropout::new(0.1).call(&Dense::new(64).activation("relu").call(&pooled).unwrap()).unwrap();
    let out = Dense::new(10).activation("softmax").call(&h).unwrap();
    Model::new(&[inputs], &[out]).unwrap()
}
