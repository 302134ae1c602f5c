"""What the peer benchmark scripts share: the models' sizes, the command line, the synthetic
data, and the timed loop that prints one JSON object per line.

Every benchmark executable (these Python scripts and the Rust one) takes the same flags and
prints the same lines, so `run.py` can treat them alike:

    {"framework": ..., "model": ..., "phase": "train"|"predict", "epoch": i, "warmup": bool,
     "samples": n, "seconds": t, "t_start": unix time, "t_end": unix time}
    ...
    {"framework": ..., "model": ..., "phase": "done", "peak_rss_mb": mb}

`epoch` counts from 0 within its phase; epoch 0 of each phase is the warm-up (`"warmup": true`).
"""

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import dataclass

import numpy as np

THREADS = 2
"""Compute threads every framework is limited to."""


@dataclass(frozen=True)
class ModelSpec:
    """One benchmarked network: its input shape (channels last), batch size, parameter count
    as Keras counts it, and the default train / predict sample counts (about 1-3 s an epoch)."""

    input_shape: tuple
    batch_size: int
    params: int
    samples: int
    predict_samples: int


MODELS = {
    "mlp": ModelSpec((784,), 128, 669_706, 25_600, 20_480),
    "convnet": ModelSpec((28, 28, 1), 128, 34_826, 2_560, 8_192),
    "lstm": ModelSpec((28, 28), 64, 213_258, 2_560, 8_192),
    "upconv": ModelSpec((28, 28, 1), 128, 27_570, 2_560, 8_192),
    "mobilenet": ModelSpec((28, 28, 1), 128, 13_002, 2_560, 8_192),
    "transformer": ModelSpec((28, 28), 64, 24_858, 2_560, 8_192),
}
NUM_CLASSES = 10
PREDICT_BATCH = 1024
LEARNING_RATE = 1e-3


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """--help with the docstring as written and each flag's default."""


def parse_args(description, extra=None):
    """The shared command line; `extra(parser)` may add a script's own flags."""
    parser = argparse.ArgumentParser(description=description, formatter_class=HelpFormatter)
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--epochs", type=int, default=6, help="train epochs and predict passes, the first of each a warm-up")
    parser.add_argument("--samples", type=int, help="training samples; None: the model's default")
    parser.add_argument("--predict-samples", type=int, help="samples per predict pass; None: the model's default")
    parser.add_argument("--seed", type=int, default=1337)
    if extra:
        extra(parser)
    args = parser.parse_args()
    spec = MODELS[args.model]
    args.samples = args.samples or spec.samples
    args.predict_samples = args.predict_samples or spec.predict_samples
    return args


def claim_stdout():
    """Keeps the real stdout for the JSON lines and points file descriptor 1 and `sys.stdout`
    at stderr, so nothing a framework prints (from Python or from C) lands among them.
    Call it before importing any framework."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def synthetic_data(model, samples, predict_samples, seed):
    """Seeded inputs uniform in [0, 1) (float32, channels last) and integer labels 0..9 for
    training, and separate inputs for prediction."""
    shape = MODELS[model].input_shape
    rng = np.random.default_rng(seed)
    x = rng.random((samples, *shape), dtype=np.float32)
    y = rng.integers(0, NUM_CLASSES, samples, dtype=np.int64)
    x_predict = rng.random((predict_samples, *shape), dtype=np.float32)
    return x, y, x_predict


def check_params(framework, model, count, expected=None):
    """Fails loudly if a model is not the network it should be."""
    expected = MODELS[model].params if expected is None else expected
    if count != expected:
        sys.exit(f"{framework} {model}: {count:,} parameters, expected {expected:,}")
    print(f"{framework} {model}: {count:,} parameters", file=sys.stderr)


def run_phases(out, framework, args, train_epoch, predict):
    """Times `args.epochs` calls of `train_epoch()` and then as many of `predict()`, printing a
    JSON line after each, then the closing line with the process's peak resident memory.
    Both callables must return only once their work is finished."""

    def emit(record):
        out.write(json.dumps({"framework": framework, "model": args.model, **record}) + "\n")
        out.flush()

    for phase, step, samples in (("train", train_epoch, args.samples), ("predict", predict, args.predict_samples)):
        for epoch in range(args.epochs):
            t_start = time.time()
            started = time.perf_counter()
            step()
            seconds = time.perf_counter() - started
            emit({"phase": phase, "epoch": epoch, "warmup": epoch == 0, "samples": samples,
                  "seconds": seconds, "t_start": t_start, "t_end": time.time()})
    emit({"phase": "done", "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
