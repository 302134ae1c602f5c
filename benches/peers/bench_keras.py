"""The peer benchmark's networks in Keras 3, on JAX or TensorFlow: `Sequential` models trained
with `model.fit` one epoch per call and run with `model.predict`, as a Keras user writes them
(default `jit_compile="auto"`).

Usage: python3 bench_keras.py --backend jax|tensorflow --model mlp|convnet|lstm|upconv|mobilenet|transformer [--epochs E]
       [--samples N] [--predict-samples M] [--seed S]      (JSON lines on stdout; see _common.py)
"""

import os
import sys

import _common
from _common import LEARNING_RATE, MODELS, NUM_CLASSES, PREDICT_BATCH, THREADS

# Before any framework is imported: read the flags, keep stdout for the JSON lines, choose the
# backend and its thread count.
args = _common.parse_args(
    __doc__,
    lambda parser: parser.add_argument("--backend", required=True, choices=["jax", "tensorflow"]),
)
out = _common.claim_stdout()
FRAMEWORK = f"keras-{args.backend}"
os.environ["KERAS_BACKEND"] = args.backend
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
if args.backend == "jax":
    os.environ["XLA_FLAGS"] = f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={THREADS}"
    # As on a JAX-only install: otherwise keras.utils.set_random_seed imports TensorFlow
    # (to seed it too), adding its import time and ~430 MB to this process's peak memory.
    sys.modules["tensorflow"] = None
else:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)

import keras  # noqa: E402
from keras import layers  # noqa: E402


def transformer(spec):
    """keras.io's "Timeseries classification with a Transformer model" encoder, two blocks:
    self-attention (2 heads of 32), dropout, layer norm and a residual `+`; a Conv1D(kernel 1)
    feed-forward pair, layer norm and a residual `+`; then average pooling and a small head."""
    inputs = keras.Input(spec.input_shape)
    x = inputs
    for _ in range(2):
        a = layers.MultiHeadAttention(num_heads=2, key_dim=32, dropout=0.1)(x, x)
        a = layers.LayerNormalization(epsilon=1e-6)(layers.Dropout(0.1)(a))
        res = a + x
        f = layers.Dropout(0.1)(layers.Conv1D(64, 1, activation="relu")(res))
        f = layers.LayerNormalization(epsilon=1e-6)(layers.Conv1D(spec.input_shape[-1], 1)(f))
        x = f + res
    x = layers.Dropout(0.1)(layers.Dense(64, activation="relu")(layers.GlobalAveragePooling1D()(x)))
    return keras.Model(inputs, layers.Dense(NUM_CLASSES, activation="softmax")(x))


def build(model):
    """The network for `model`, ending in softmax."""
    spec = MODELS[model]
    if model == "transformer":
        return transformer(spec)
    if model == "mlp":
        stack = [layers.Dense(512, activation="relu"), layers.Dense(512, activation="relu")]
    elif model == "convnet":
        stack = [
            layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dropout(0.5),
        ]
    elif model == "upconv":
        stack = [
            layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"), layers.Flatten(),
        ]
    elif model == "mobilenet":
        stack = [
            layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
            layers.DepthwiseConv2D(3, padding="same", activation="relu"), layers.Conv2D(64, 1, activation="relu"),
            layers.DepthwiseConv2D(3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(128, 1, activation="relu"), layers.GlobalAveragePooling2D(),
        ]
    else:
        stack = [layers.LSTM(128, return_sequences=True), layers.LSTM(128)]
    return keras.Sequential([keras.Input(spec.input_shape), *stack, layers.Dense(NUM_CLASSES, activation="softmax")])


def main():
    keras.utils.set_random_seed(args.seed)
    x, y, x_predict = _common.synthetic_data(args.model, args.samples, args.predict_samples, args.seed)
    batch_size = MODELS[args.model].batch_size

    model = build(args.model)
    _common.check_params(FRAMEWORK, args.model, model.count_params())
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE), loss="sparse_categorical_crossentropy")

    def train_epoch():
        model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
        # Wait for the last (possibly asynchronously dispatched) update to land.
        for variable in model.trainable_variables:
            keras.ops.convert_to_numpy(variable)

    def predict():
        return model.predict(x_predict, batch_size=PREDICT_BATCH, verbose=0)

    _common.run_phases(out, FRAMEWORK, args, train_epoch, predict)


main()
