"""The peer benchmark's networks in PyTorch, written as a PyTorch user writes them: NCHW
convolutions, logits trained with nn.CrossEntropyLoss, a plain training loop in eager mode
(torch.compile is not used), softmax applied for prediction.

Usage: python3 bench_torch.py --model mlp|convnet|lstm|upconv|mobilenet|transformer [--epochs E] [--samples N]
       [--predict-samples M] [--seed S]      (JSON lines on stdout; see _common.py)
"""

import _common
from _common import LEARNING_RATE, MODELS, NUM_CLASSES, PREDICT_BATCH, THREADS

FRAMEWORK = "pytorch"

# Before any framework is imported: read the flags, keep stdout for the JSON lines.
args = _common.parse_args(__doc__)
out = _common.claim_stdout()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(THREADS)
torch.set_num_interop_threads(1)

# nn.LSTM keeps two bias vectors per layer (b_ih and b_hh) where Keras keeps one: 1,024 more.
EXPECTED_PARAMS = {**{name: spec.params for name, spec in MODELS.items()}, "lstm": MODELS["lstm"].params + 2 * 4 * 128}


class LastStep(nn.Module):
    """The output of a batch-first nn.LSTM at its last time step (Keras' return_sequences=False)."""

    def forward(self, outputs):
        sequence, _state = outputs
        return sequence[:, -1]


class Attention(nn.Module):
    """Keras' MultiHeadAttention(num_heads, key_dim) on (query = value = key): projections to
    `heads * key_dim`, scaled dot-product attention with dropout on the probabilities, and the
    projection back (nn.MultiheadAttention ties the head size to the model width; Keras does not)."""

    def __init__(self, dim, heads, key_dim, dropout):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.q, self.k, self.v = (nn.Linear(dim, heads * key_dim) for _ in range(3))
        self.out = nn.Linear(heads * key_dim, dim)

    def forward(self, x):
        b, t, _ = x.shape
        split = lambda y: y.view(b, t, self.heads, -1).transpose(1, 2)  # noqa: E731
        a = nn.functional.scaled_dot_product_attention(
            split(self.q(x)), split(self.k(x)), split(self.v(x)), dropout_p=self.dropout if self.training else 0.0)
        return self.out(a.transpose(1, 2).reshape(b, t, -1))


class EncoderBlock(nn.Module):
    """One block of bench_keras.py's `transformer` (the feed-forward Conv1D(kernel 1) as Linear)."""

    def __init__(self, dim):
        super().__init__()
        self.attention = Attention(dim, 2, 32, 0.1)
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.ff = nn.Sequential(nn.Linear(dim, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, dim))
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        res = self.norm1(self.drop(self.attention(x))) + x
        return self.norm2(self.ff(res)) + res


class MeanOverSteps(nn.Module):
    """Keras' GlobalAveragePooling1D on batch-first sequences."""

    def forward(self, x):
        return x.mean(dim=1)


def build(model):
    """The network for `model`, ending in logits."""
    if model == "transformer":
        return nn.Sequential(
            EncoderBlock(28), EncoderBlock(28), MeanOverSteps(),
            nn.Linear(28, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, NUM_CLASSES),
        )
    if model == "mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, NUM_CLASSES))
    if model == "convnet":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 5 * 5, NUM_CLASSES),
        )
    if model == "upconv":
        # Keras' "same" with stride 2 pads (0, 1) on even sizes, PyTorch symmetrically: the same work.
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(32, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.Conv2d(32, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(8 * 14 * 14, NUM_CLASSES),
        )
    if model == "mobilenet":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1, groups=32), nn.ReLU(), nn.Conv2d(32, 64, 1), nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=2, padding=1, groups=64), nn.ReLU(), nn.Conv2d(64, 128, 1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, NUM_CLASSES),
        )
    return nn.Sequential(nn.LSTM(28, 128, num_layers=2, batch_first=True), LastStep(), nn.Linear(128, NUM_CLASSES))


def to_torch(x):
    """A channels-last batch as the tensor the network takes (NCHW for the convolutional ones)."""
    x = torch.from_numpy(x)
    return x.permute(0, 3, 1, 2).contiguous() if x.dim() == 4 else x


def main():
    torch.manual_seed(args.seed)
    x_np, y_np, x_predict_np = _common.synthetic_data(args.model, args.samples, args.predict_samples, args.seed)
    x, y, x_predict = to_torch(x_np), torch.from_numpy(y_np), to_torch(x_predict_np)
    batch_size = MODELS[args.model].batch_size

    model = build(args.model)
    _common.check_params(FRAMEWORK, args.model, sum(p.numel() for p in model.parameters()), EXPECTED_PARAMS[args.model])
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()

    def train_epoch():
        model.train()
        order = torch.randperm(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()

    def predict():
        model.eval()
        probabilities = np.empty((len(x_predict), NUM_CLASSES), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(x_predict), PREDICT_BATCH):
                logits = model(x_predict[start:start + PREDICT_BATCH])
                probabilities[start:start + PREDICT_BATCH] = torch.softmax(logits, dim=1).numpy()
        return probabilities

    _common.run_phases(out, FRAMEWORK, args, train_epoch, predict)


main()
