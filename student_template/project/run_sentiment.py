"""Train a 1-D convolutional network over sequences (Task 4.5).

    python project/run_sentiment.py                  # MNIST-1D, generated offline
    python project/run_sentiment.py --dataset sst2 --vectors glove.6B.50d.txt --train train.tsv --validation dev.tsv

The network is the sentence classifier of Kim (2014): convolutions of
widths 3, 4 and 5 slide along the sequence, each followed by a ReLU and a
max over time; their features are summed, dropped out, and a linear layer
gives the class log-probabilities. On SST-2 the sequence is a sentence's
word vectors (one input channel per vector dimension); by default it is an
MNIST-1D signal (one channel), which the ``mnist1d`` package generates, so
nothing is downloaded.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `minitorch` and `project` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minitorch

from project import data as datasets
from project.classifier import ClassifierTrainer, Linear, he_uniform, run

FILTER_SIZES = (3, 4, 5)
DROPOUT = 0.25
SENTENCE_LENGTH = 20


class Conv1d(minitorch.Module):
    """A 1-D convolution with a bias per output channel, keeping the sequence's length.

    Args:
        in_channels: Channels of the input.
        out_channels: Channels of the output (one kernel each).
        kernel_width: Kernel width.
        backend: The tensor backend of the parameters.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_width: int, backend: minitorch.TensorBackend):
        super().__init__()
        fan_in = in_channels * kernel_width
        self.weights = self.add_parameter(
            "weights", he_uniform((out_channels, in_channels, kernel_width), fan_in, backend)
        )
        self.bias = self.add_parameter("bias", minitorch.zeros((out_channels, 1), backend=backend))

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        """``x`` of shape ``(batch, in_channels, length)`` to ``(batch, out_channels, length)``."""
        # TODO: Implement for Task 4.5.
        raise NotImplementedError("Task 4.5: implement forward.")


class CNNSentimentKim(minitorch.Module):
    """Convolutions of widths 3, 4, 5 with ReLU and max over time, summed; dropout; linear; log-softmax.

    1. For each width in ``FILTER_SIZES``: ``Conv1d`` from ``channels`` to
       ``feature_maps``, ReLU, then ``max`` over the length (dimension 2);
    2. the three results summed, shape ``(batch, feature_maps)``;
    3. ``dropout`` at rate 0.25 (off in evaluation), ``Linear`` to ``classes``,
       ``logsoftmax`` over dimension 1.

    Args:
        channels: Input channels (the word-vector size, or 1 for a signal).
        classes: Number of classes.
        feature_maps: Output channels of each convolution.
        backend: The tensor backend of every layer.
    """

    def __init__(self, channels: int, classes: int, feature_maps: int, backend: minitorch.TensorBackend) -> None:
        super().__init__()
        self.feature_maps = feature_maps
        # TODO: Implement for Task 4.5.
        raise NotImplementedError("Task 4.5: create conv1, conv2, conv3 (widths 3, 4, 5) and linear")

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        """Sequences ``(batch, channels, length)`` to log-probabilities ``(batch, classes)``."""
        # TODO: Implement for Task 4.5.
        raise NotImplementedError("Task 4.5: implement forward.")


def make_trainer(
    data: datasets.Classification, hidden: int, backend: minitorch.TensorBackend, batch_size: int = 16
) -> ClassifierTrainer:
    """A trainer for a :class:`CNNSentimentKim` with ``hidden`` feature maps, sized for ``data``."""
    channels = data.train_x.shape[1]
    return ClassifierTrainer(CNNSentimentKim(channels, data.classes, hidden, backend), backend, batch_size)


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vectors", type=Path, help="word vectors in GloVe's text format, for --dataset sst2")
    parser.add_argument("--train", type=Path, help="SST-2 training TSV, for --dataset sst2")
    parser.add_argument("--validation", type=Path, help="SST-2 validation TSV, for --dataset sst2")


def _sst2(args: argparse.Namespace) -> datasets.Classification:
    missing = [f"--{name}" for name in ("vectors", "train", "validation") if getattr(args, name) is None]
    if missing:
        raise datasets.DataError(f"--dataset sst2 needs {', '.join(missing)}")
    return datasets.sentiment(args.train, args.validation, args.vectors, SENTENCE_LENGTH)


DATASETS = {"mnist1d": lambda args: datasets.mnist1d(), "sst2": _sst2}


def main(argv: Sequence[str] | None = None) -> None:
    """Train on the chosen sequences and write the curves."""
    run("1-D convolutions over sequences", make_trainer, DATASETS, _add_options, argv, hidden=32, epochs=10, rate=0.1)


if __name__ == "__main__":
    main()
