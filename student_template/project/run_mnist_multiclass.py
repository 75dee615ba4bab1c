"""Train a LeNet-style convolutional network to read handwritten digits (Task 4.5).

    python project/run_mnist_multiclass.py                       # scikit-learn's 8x8 digits
    python project/run_mnist_multiclass.py --dataset mnist --mnist-dir data/mnist

The digits ship with scikit-learn, so the default needs no download; with
``--dataset mnist`` it reads MNIST's four IDX files from ``--mnist-dir``.
Prints the loss, training and validation accuracy and time of each epoch
and writes the curves to ``out/``.
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

POOL = (4, 4)
DROPOUT = 0.25


class Conv2d(minitorch.Module):
    """A 2-D convolution with a bias per output channel, keeping the image's size.

    Args:
        in_channels: Channels of the input.
        out_channels: Channels of the output (one kernel each).
        kh: Kernel height.
        kw: Kernel width.
        backend: The tensor backend of the parameters.
    """

    def __init__(self, in_channels: int, out_channels: int, kh: int, kw: int, backend: minitorch.TensorBackend):
        super().__init__()
        fan_in = in_channels * kh * kw
        self.weights = self.add_parameter("weights", he_uniform((out_channels, in_channels, kh, kw), fan_in, backend))
        self.bias = self.add_parameter("bias", minitorch.zeros((out_channels, 1, 1), backend=backend))

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        """``x`` of shape ``(batch, in_channels, h, w)`` to ``(batch, out_channels, h, w)``."""
        # TODO: Implement for Task 4.5.
        raise NotImplementedError("Task 4.5: implement forward.")


class Network(minitorch.Module):
    """LeNet-style: two 3x3 convolutions with ReLU, 4x4 max pooling, two linear layers, log-softmax.

    1. ``Conv2d`` 1 -> 4 channels, 3x3, then ReLU;
    2. ``Conv2d`` 4 -> 8 channels, 3x3, then ReLU;
    3. ``maxpool2d`` with a 4x4 kernel, then flatten to ``(batch, 8 * h/4 * w/4)``;
    4. ``Linear`` to ``hidden``, ReLU, ``dropout`` at rate 0.25 (off in evaluation);
    5. ``Linear`` to ``classes``, ``logsoftmax`` over dimension 1.

    Args:
        height: Image height (a multiple of 4).
        width: Image width (a multiple of 4).
        classes: Number of classes.
        hidden: Units of the hidden linear layer.
        backend: The tensor backend of every layer.
    """

    def __init__(self, height: int, width: int, classes: int, hidden: int, backend: minitorch.TensorBackend) -> None:
        super().__init__()
        self.height, self.width = height, width
        # TODO: Implement for Task 4.5.
        raise NotImplementedError("Task 4.5: create conv1, conv2, linear1 and linear2")

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        """Images ``(batch, height, width)`` to log-probabilities ``(batch, classes)``."""
        # TODO: Implement for Task 4.5.
        raise NotImplementedError("Task 4.5: implement forward.")


def make_trainer(
    data: datasets.Classification, hidden: int, backend: minitorch.TensorBackend, batch_size: int = 16
) -> ClassifierTrainer:
    """A trainer for a :class:`Network` sized for ``data``'s images."""
    _, height, width = data.train_x.shape
    return ClassifierTrainer(Network(height, width, data.classes, hidden, backend), backend, batch_size)


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mnist-dir", "--MNIST_DIR", dest="mnist_dir", type=Path, default=Path("data/mnist"),
        help="folder with MNIST's IDX files, for --dataset mnist (default data/mnist)",
    )  # fmt: skip


DATASETS = {
    "digits": lambda args: datasets.digits(seed=args.seed),
    "mnist": lambda args: datasets.mnist_idx(args.mnist_dir),
}


def main(argv: Sequence[str] | None = None) -> None:
    """Train on the chosen digits and write the curves."""
    run("LeNet on handwritten digits", make_trainer, DATASETS, _add_options, argv, hidden=64, epochs=10, rate=0.05)


if __name__ == "__main__":
    main()
