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
