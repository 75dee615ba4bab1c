"""Train a small network of Tensors on a 2-D dataset, full batch (Task 2.5).

    python project/run_tensor.py --dataset xor --hidden 8 --rate 0.5 --epochs 300

The same network as Task 1.5, computed a whole batch at a time with tensor
operations: prints progress and writes the loss curve and decision boundary.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `minitorch` and `project` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minitorch

from project.training_cli import History, LogFn, print_progress, run


class Linear(minitorch.Module):
    """A fully connected layer on a batch: ``out = x @ weights + bias``.

    Weights and bias start uniform in [-1, 1), drawn from Python's
    ``random`` module, so seeding it makes a run repeatable.

    Args:
        in_size: Number of inputs.
        out_size: Number of outputs.
    """

    def __init__(self, in_size: int, out_size: int) -> None:
        super().__init__()
        self.weights = self.add_parameter("weights", 2 * (minitorch.rand((in_size, out_size)) - 0.5))
        self.bias = self.add_parameter("bias", 2 * (minitorch.rand((out_size,)) - 0.5))
        self.out_size = out_size

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        """Apply the layer to a batch.

        Args:
            x: Shape ``(batch, in_size)``.

        Returns:
            Shape ``(batch, out_size)``: without matrix multiply, broadcast
            ``x`` to ``(batch, in_size, 1)`` against the weights as
            ``(1, in_size, out_size)``, multiply, and sum over ``in_size``.
        """
        # TODO: Implement for Task 2.5.
        raise NotImplementedError("Task 2.5: implement forward.")


class Network(minitorch.Module):
    """Two inputs, two hidden ReLU layers of ``hidden_layers`` units, one sigmoid output.

    Args:
        hidden_layers: Units per hidden layer.
    """

    def __init__(self, hidden_layers: int) -> None:
        super().__init__()
        # TODO: Implement for Task 2.5.
        raise NotImplementedError("Task 2.5: create layer1 (2 -> hidden), layer2 (hidden -> hidden) and layer3 (hidden -> 1)")

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        """Probabilities of label 1 for a batch, shape ``(batch, 1)``."""
        # TODO: Implement for Task 2.5.
        raise NotImplementedError("Task 2.5: implement forward.")


class TensorTrain:
    """Full-batch gradient descent on a :class:`Network` with the log loss.

    Args:
        hidden_layers: Units per hidden layer.
    """

    def __init__(self, hidden_layers: int) -> None:
        self.hidden_layers = hidden_layers
        self.model = Network(hidden_layers)

    def run_many(self, X: Sequence[Sequence[float]]) -> minitorch.Tensor:
        """Probabilities of label 1 for a batch of points, shape ``(batch, 1)``."""
        return self.model.forward(minitorch.tensor([list(x) for x in X]))

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
        """Train for ``max_epochs`` epochs on the whole batch; return the history."""
        optimizer = minitorch.SGD(self.model.parameters(), learning_rate)
        X = minitorch.tensor([list(x) for x in data.X])
        y = minitorch.tensor(data.y)
        history = History()
        for epoch in range(1, max_epochs + 1):
            started = time.perf_counter()
            optimizer.zero_grad()
            out = self.model.forward(X).view(data.N)
            prob = out * y + (out - 1.0) * (y - 1.0)
            loss = -prob.log()
            (loss / data.N).sum().view(1).backward()
            total_loss = loss.sum().view(1)[0]
            optimizer.step()
            correct = int(((out > 0.5) == y).sum()[0])
            history.losses.append(total_loss)
            history.correct.append(correct)
            history.seconds.append(time.perf_counter() - started)
            if log_fn is not None and (epoch % log_every == 0 or epoch == max_epochs):
                log_fn(epoch, total_loss, correct, history.seconds[-1])
        return history


def main(argv: Sequence[str] | None = None) -> None:
    """Train on one dataset and write the loss curve and decision boundary."""
    run("Train a Tensor network on a 2-D dataset.", TensorTrain, "tensor", argv)


if __name__ == "__main__":
    main()
