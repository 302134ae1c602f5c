"""Writes the seed corpus of the fuzz targets: small `.keras` files from Keras 3 and their
`config.json`. Run from the repository root:

    KERAS_BACKEND=jax python3 fuzz/make_corpus.py
"""

import json
import os
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
from keras import layers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def models():
    yield "dense", keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)], name="dense")
    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(3,), name="b")
    h = layers.Concatenate()([layers.Dense(2)(a), b])
    yield "two_inputs", keras.Model([a, b], [layers.Dense(1)(h), layers.Dense(2)(h)], name="two_inputs")
    s = keras.Input(shape=(4, 2))
    yield "lstm", keras.Model(s, layers.Dense(1)(layers.LSTM(2)(s)), name="lstm")
    c = keras.Input(shape=(4, 4, 1))
    h = layers.MaxPooling2D()(layers.BatchNormalization()(layers.Conv2D(2, 3, padding="same")(c)))
    yield "conv", keras.Model(c, layers.Dense(2)(layers.Flatten()(h)), name="conv")


def main():
    keras.utils.set_random_seed(0)
    for d in ["keras_file", "model_json", "weights_h5"]:
        os.makedirs(os.path.join(HERE, "corpus", d), exist_ok=True)
    for name, model in models():
        model.compile(optimizer="adam", loss="mse")
        path = os.path.join(HERE, "corpus", "keras_file", f"{name}.keras")
        model.save(path)
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
        with open(os.path.join(HERE, "corpus", "model_json", f"{name}.json"), "w") as f:
            json.dump(config, f)
        if name == "conv":
            # weights_h5 fuzzes the HDF5 part of this model's file behind a fixed config.
            with zipfile.ZipFile(path) as z:
                weights = z.read("model.weights.h5")
            with open(os.path.join(HERE, "corpus", "weights_h5", "conv.weights.h5"), "wb") as f:
                f.write(weights)
            with open(os.path.join(HERE, "corpus", "weights_h5_config.json"), "w") as f:
                json.dump(config, f)
    print("corpus written")


if __name__ == "__main__":
    main()
