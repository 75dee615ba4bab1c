"""Train a wider tensor network with mini-batches on a fast backend (Task 3.5).

    python project/run_fast_tensor.py --BACKEND cpu --HIDDEN 100 --DATASET split --RATE 0.05

The network of Task 2.5 with matrix multiply in its layers, trained on
mini-batches of ``BATCH`` points, on the compiled CPU backend (``cpu``) or
the CUDA backend (``gpu``). Prints progress with the time per epoch and
writes the loss curve and decision boundary.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `minitorch` and `project` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minitorch

from project.training_cli import History, LogFn, print_progress, run

BATCH = 10


def cpu_backend() -> minitorch.TensorBackend:
    """The compiled CPU backend of Tasks 3.1-3.2."""
    return minitorch.TensorBackend(minitorch.FastOps)


def gpu_backend() -> minitorch.TensorBackend:
    """The CUDA backend of Tasks 3.3-3.4 (it needs numba's CUDA support)."""
    try:
        from minitorch.cuda_ops import CudaOps  # type: ignore[import-not-found, unused-ignore]
    except ImportError as error:
        raise SystemExit(f"--backend gpu: the CUDA backend is not available ({error})") from error
    return minitorch.TensorBackend(CudaOps)


BACKENDS = {"cpu": cpu_backend, "gpu": gpu_backend}


class Linear(minitorch.Module):
    """A fully connected layer on a batch: ``out = x @ weights + bias``.

    Weights and bias start uniform in [-1, 1), drawn from Python's
    ``random`` module, on the given backend.

    Args:
        in_size: Number of inputs.
        out_size: Number of outputs.
        backend: The tensor backend of the parameters.
    """

    def __init__(self, in_size: int, out_size: int, backend: minitorch.TensorBackend) -> None:
        super().__init__()
        weights = 2 * (minitorch.rand((in_size, out_size), backend=backend) - 0.5)
        self.weights = self.add_parameter("weights", weights)
        self.bias = self.add_parameter("bias", 2 * (minitorch.rand((out_size,), backend=backend) - 0.5))
        self.out_size = out_size

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        """Apply the layer to a batch of shape ``(batch, in_size)``, with matrix multiply."""
        # TODO: Implement for Task 3.5.
        raise NotImplementedError("Task 3.5: implement forward.")


class Network(minitorch.Module):
    """Two inputs, two hidden ReLU layers of ``hidden_layers`` units, one sigmoid output.

    Args:
        hidden_layers: Units per hidden layer.
        backend: The tensor backend of every layer.
    """

    def __init__(self, hidden_layers: int, backend: minitorch.TensorBackend) -> None:
        super().__init__()
        # TODO: Implement for Task 3.5.
        raise NotImplementedError("Task 3.5: create layer1 (2 -> hidden), layer2 (hidden -> hidden) and layer3 (hidden -> 1)")

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        """Probabilities of label 1 for a batch, shape ``(batch, 1)``."""
        # TODO: Implement for Task 3.5.
        raise NotImplementedError("Task 3.5: implement forward.")


class FastTrain:
    """Mini-batch gradient descent on a :class:`Network` with the log loss.

    Args:
        hidden_layers: Units per hidden layer.
        backend: The tensor backend (the compiled CPU one by default).
    """

    def __init__(self, hidden_layers: int, backend: minitorch.TensorBackend | None = None) -> None:
        self.hidden_layers = hidden_layers
        self.backend = backend if backend is not None else cpu_backend()
        self.model = Network(hidden_layers, self.backend)

    def run_many(self, X: Sequence[Sequence[float]]) -> minitorch.Tensor:
        """Probabilities of label 1 for a batch of points, shape ``(batch, 1)``."""
        return self.model.forward(minitorch.tensor([list(x) for x in X], backend=self.backend))

    def predict(self, x_1: float, x_2: float) -> float:
        """The probability of label 1 at one point."""
        return self.run_many([(x_1, x_2)])[0, 0]

    def accuracy(self, data: minitorch.Graph) -> float:
        """Fraction of ``data`` classified correctly (probability above 0.5 means 1)."""
        out = self.run_many(data.X)
        correct = sum(1 for i, y in enumerate(data.y) if (out[i, 0] > 0.5) == (y == 1))
        return correct / data.N

    def train(
        self,
        data: minitorch.Graph,
        learning_rate: float,
        max_epochs: int = 500,
        log_fn: LogFn | None = print_progress,
        log_every: int = 10,
    ) -> History:
        """Train for ``max_epochs`` epochs of shuffled mini-batches; return the history.

        The loss and the number correct of an epoch are those of its
        batches, summed; the time is the epoch's wall time.
        """
        optimizer = minitorch.SGD(self.model.parameters(), learning_rate)
        history = History()
        order = list(range(data.N))
        for epoch in range(1, max_epochs + 1):
            started = time.perf_counter()
            random.shuffle(order)
            total_loss, correct = 0.0, 0
            for first in range(0, data.N, BATCH):
                batch = order[first : first + BATCH]
                X = minitorch.tensor([list(data.X[i]) for i in batch], backend=self.backend)
                y = minitorch.tensor([float(data.y[i]) for i in batch], backend=self.backend)
                optimizer.zero_grad()
                out = self.model.forward(X).view(len(batch))
                prob = out * y + (out - 1.0) * (y - 1.0)
                loss = -prob.log()
                (loss / data.N).sum().view(1).backward()
                optimizer.step()
                total_loss += loss.sum().view(1)[0]
                correct += int(((out > 0.5) == y).sum()[0])
            history.losses.append(total_loss)
            history.correct.append(correct)
            history.seconds.append(time.perf_counter() - started)
            if log_fn is not None and (epoch % log_every == 0 or epoch == max_epochs):
                log_fn(epoch, total_loss, correct, history.seconds[-1])
        return history


def make_trainer(hidden_layers: int, backend: Any) -> FastTrain:
    """The trainer the command line builds."""
    return FastTrain(hidden_layers, backend)


def main(argv: Sequence[str] | None = None) -> None:
    """Train on one dataset and write the loss curve and decision boundary."""
    description = "Train a tensor network with mini-batches on a fast backend."
    run(description, make_trainer, "fast", argv, hidden=100, epochs=500, rate=0.05, backends=BACKENDS)


if __name__ == "__main__":
    main()
