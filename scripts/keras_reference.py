"""Runs the Python Keras originals of keras-rs' examples on the bundled MNIST split, for the
"real Keras 3 reaches X%" numbers the examples are compared with.

Usage: pip install keras "jax[cpu]"; KERAS_BACKEND=jax python3 scripts/keras_reference.py [mlp|convnet|convnet_bn]
"""

import gzip
import os
import struct
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "keras-rs", "data", "mnist")


def idx(name):
    raw = gzip.open(os.path.join(DATA, name + ".gz")).read()
    magic, n = struct.unpack(">II", raw[:8])
    if magic == 0x0803:
        rows, cols = struct.unpack(">II", raw[8:16])
        return np.frombuffer(raw[16:], np.uint8).reshape(n, rows, cols)
    return np.frombuffer(raw[8:], np.uint8)


def main(which):
    keras.utils.set_random_seed(1337)
    x_train, y_train = idx("train-images-idx3-ubyte"), idx("train-labels-idx1-ubyte")
    x_test, y_test = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")
    if which == "mlp":
        x_train, x_test = x_train.reshape(-1, 784) / 255.0, x_test.reshape(-1, 784) / 255.0
        model = keras.Sequential([keras.Input((784,)), layers.Dense(128, activation="relu"),
                                  layers.Dense(10, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x_train, y_train, batch_size=32, epochs=10, validation_split=0.1, verbose=2)
    else:
        x_train, x_test = x_train[..., None] / 255.0, x_test[..., None] / 255.0
        if which == "convnet":
            stack = [layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                     layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2)]
            epochs = 15
        else:
            stack = [layers.Conv2D(32, 3, use_bias=False), layers.BatchNormalization(), layers.Activation("relu"),
                     layers.MaxPooling2D(2), layers.Conv2D(64, 3, use_bias=False), layers.BatchNormalization(),
                     layers.Activation("relu"), layers.MaxPooling2D(2)]
            epochs = 8
        model = keras.Sequential([keras.Input((28, 28, 1)), *stack, layers.Flatten(), layers.Dropout(0.5),
                                  layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1, verbose=2)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"{which}: test loss {loss:.4f}, test accuracy {acc:.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "mlp")
