"""Training a multi-class network (Task 4.5): mini-batches, the log loss, validation, curves.

Shared by ``run_mnist_multiclass.py`` and ``run_sentiment.py``, which only
define their networks. A network maps a batch of inputs to log-probabilities
of shape ``(batch, classes)`` (it ends in :func:`minitorch.logsoftmax`).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import minitorch
import numpy as np

from project.data import Classification, DataError, batches

EVAL_BATCH = 256
EpochLog = Callable[[int, "ClassifierHistory"], None]


def cpu_backend() -> minitorch.TensorBackend:
    """The compiled CPU backend of Module 3."""
    return minitorch.TensorBackend(minitorch.FastOps)


def he_uniform(shape: tuple[int, ...], fan_in: int, backend: minitorch.TensorBackend) -> minitorch.Tensor:
    """Weights uniform in ``[-sqrt(6 / fan_in), sqrt(6 / fan_in))``, from Python's ``random``.

    This keeps the spread of activations about the same through each ReLU
    layer (He et al., 2015); smaller weights make a deep network start on a
    long plateau where nothing is learned.
    """
    bound = math.sqrt(6.0 / fan_in)
    return (minitorch.rand(shape, backend=backend) - 0.5) * (2.0 * bound)


class Linear(minitorch.Module):
    """A fully connected layer on a batch: ``out = x @ weights + bias``; the bias starts at 0."""

    def __init__(self, in_size: int, out_size: int, backend: minitorch.TensorBackend) -> None:
        super().__init__()
        self.weights = self.add_parameter("weights", he_uniform((in_size, out_size), in_size, backend))
        self.bias = self.add_parameter("bias", minitorch.zeros((out_size,), backend=backend))
        self.out_size = out_size

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        """``x`` of shape ``(batch, in_size)`` to ``(batch, out_size)``."""
        weights: minitorch.Tensor = self.weights.value
        bias: minitorch.Tensor = self.bias.value
        return x @ weights + bias.view(1, self.out_size)


def to_tensor(values: np.ndarray, backend: minitorch.TensorBackend) -> minitorch.Tensor:
    """A tensor over a copy of a numpy array, on ``backend``."""
    storage = np.ascontiguousarray(values, dtype=np.float64).reshape(-1).copy()
    return minitorch.Tensor.make(storage, tuple(int(s) for s in values.shape), backend=backend)


def one_hot(labels: np.ndarray, classes: int, backend: minitorch.TensorBackend) -> minitorch.Tensor:
    """Labels as rows of 0.0 with a 1.0 at the label: shape ``(batch, classes)``."""
    rows = np.zeros((len(labels), classes))
    rows[np.arange(len(labels)), labels] = 1.0
    return to_tensor(rows, backend)


@dataclass
class ClassifierHistory:
    """What a training run did, epoch by epoch: mean loss, accuracies, wall time."""

    losses: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def print_epoch(epoch: int, history: ClassifierHistory) -> None:
    """The progress line printed after each epoch."""
    print(
        f"epoch {epoch:3d}  loss {history.losses[-1]:7.4f}  train {history.train_accuracy[-1]:6.1%}"
        f"  validation {history.val_accuracy[-1]:6.1%}  time/epoch {history.seconds[-1]:6.2f} s",
        flush=True,
    )


class ClassifierTrainer:
    """Mini-batch gradient descent on a network's mean negative log-likelihood.

    Args:
        model: A module whose ``forward`` gives log-probabilities ``(batch, classes)``.
        backend: The backend its parameters live on; inputs are put there too.
        batch_size: Examples per gradient step.
    """

    def __init__(self, model: minitorch.Module, backend: minitorch.TensorBackend, batch_size: int = 16) -> None:
        self.model = model
        self.backend = backend
        self.batch_size = batch_size

    def log_probabilities(self, x: np.ndarray) -> np.ndarray:
        """The network's log-probabilities for inputs ``x`` (evaluation mode: no dropout)."""
        self.model.eval()
        out = [
            self.model.forward(to_tensor(x[i : i + EVAL_BATCH], self.backend)).detach().to_numpy()
            for i in range(0, len(x), EVAL_BATCH)
        ]
        return np.concatenate(out)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Fraction of examples whose most probable class is their label."""
        if len(x) == 0:
            return 0.0
        return float(np.mean(self.log_probabilities(x).argmax(axis=1) == y))

    def train(
        self,
        data: Classification,
        learning_rate: float,
        epochs: int,
        log_fn: EpochLog | None = print_epoch,
        seed: int | None = None,
    ) -> ClassifierHistory:
        """Train for ``epochs`` epochs of shuffled mini-batches; validate after each.

        Args:
            data: Training and validation examples.
            learning_rate: The SGD step.
            epochs: Passes over the training examples.
            log_fn: Called after each epoch with its number and the history so far.
            seed: Seeds the batch order (Python's ``random`` state otherwise).
        """
        optimizer = minitorch.SGD(self.model.parameters(), learning_rate)
        rng = random.Random(seed) if seed is not None else random.Random(random.random())
        history = ClassifierHistory()
        n = len(data.train_x)
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            self.model.train()
            total_loss, correct = 0.0, 0
            for batch in batches(n, self.batch_size, rng):
                x = to_tensor(data.train_x[batch], self.backend)
                y = one_hot(data.train_y[batch], data.classes, self.backend)
                optimizer.zero_grad()
                log_probs = self.model.forward(x)
                loss = -(log_probs * y).sum() / len(batch)
                loss.view(1).backward()
                optimizer.step()
                total_loss += loss.item() * len(batch)
                predicted = log_probs.detach().to_numpy().argmax(axis=1)
                correct += int(np.sum(predicted == data.train_y[batch]))
            history.losses.append(total_loss / n)
            history.train_accuracy.append(correct / n)
            history.val_accuracy.append(self.accuracy(data.val_x, data.val_y))
            history.seconds.append(time.perf_counter() - started)
            if log_fn is not None:
                log_fn(epoch, history)
        return history


def save_curves(history: ClassifierHistory, path: Path, title: str) -> Path:
    """Plot the loss and both accuracies per epoch and write them as one PNG."""
    from project.plotting import save_training_curves

    return save_training_curves(history.losses, history.train_accuracy, history.val_accuracy, path, title)


def run(
    description: str,
    make_trainer: Callable[[Classification, int, minitorch.TensorBackend], ClassifierTrainer],
    datasets: Mapping[str, Callable[[argparse.Namespace], Classification]],
    add_options: Callable[[argparse.ArgumentParser], None],
    argv: Sequence[str] | None = None,
    hidden: int = 64,
    epochs: int = 10,
    rate: float = 0.05,
) -> None:
    """Parse the options, load the data, train, print progress and write the curves.

    Args:
        description: The ``--help`` text.
        make_trainer: Builds a trainer for the data from the hidden size and the backend.
        datasets: Loaders by name; the first is the default; each gets the options.
        add_options: Adds the script's own options (data file paths).
        argv: The arguments (``sys.argv`` by default).
        hidden: Default hidden size.
        epochs: Default number of epochs.
        rate: Default learning rate.
    """
    parser = argparse.ArgumentParser(description=description)

    def option(name: str, **kwargs: Any) -> None:
        parser.add_argument(f"--{name}", f"--{name.upper()}", dest=name.replace("-", "_"), **kwargs)

    names = list(datasets)
    option("dataset", default=names[0], type=str.lower, choices=names, help=f"data (default {names[0]})")
    option("train-size", type=int, default=None, help="use only this many training examples")
    option("hidden", type=int, default=hidden, help=f"hidden size (default {hidden})")
    option("rate", type=float, default=rate, help=f"learning rate (default {rate})")
    option("epochs", type=int, default=epochs, help=f"epochs (default {epochs})")
    option("seed", type=int, default=0, help="random seed for weights and batches (default 0)")
    option("out", type=Path, default=Path("out"), help="folder for the PNG (default out/)")
    add_options(parser)
    args = parser.parse_args(argv)
    try:
        data = datasets[args.dataset](args)
    except DataError as error:
        raise SystemExit(f"error: {error}") from None
    data = data.head(train=args.train_size)
    print(
        f"{data.name}: {len(data.train_x)} training and {len(data.val_x)} validation examples"
        f" of shape {data.train_x.shape[1:]}, {data.classes} classes",
        flush=True,
    )
    random.seed(args.seed)
    trainer = make_trainer(data, args.hidden, cpu_backend())
    history = trainer.train(data, args.rate, args.epochs, seed=args.seed)
    print(f"final validation accuracy {history.val_accuracy[-1]:.2%}")
    png = save_curves(history, args.out / f"{data.name}_curves.png", f"{data.name}: {description}")
    print(f"wrote {png}")
