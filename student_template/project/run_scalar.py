"""Train a small network of Scalars on a 2-D dataset (Task 1.5).

    python project/run_scalar.py --dataset xor --hidden 10 --rate 0.5 --epochs 200

prints a progress line every few epochs and writes two PNGs: the loss curve
and the decision boundary over the data.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `minitorch` and `project` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minitorch

from project.training_cli import History, LogFn, print_progress, run


class Linear(minitorch.Module):
    """A fully connected layer of Scalars: ``y_j = b_j + sum_i x_i * w_ij``.

    Weights and biases start uniform in [-1, 1), drawn from Python's
    ``random`` module, so seeding it makes a run repeatable.

    Args:
        in_size: Number of inputs.
        out_size: Number of outputs.
    """

    def __init__(self, in_size: int, out_size: int) -> None:
        super().__init__()
        self.weights: list[list[minitorch.Parameter]] = []
        self.bias: list[minitorch.Parameter] = []
        for i in range(in_size):
            row = []
            for j in range(out_size):
                row.append(self.add_parameter(f"weight_{i}_{j}", minitorch.Scalar(2 * (random.random() - 0.5))))
            self.weights.append(row)
        for j in range(out_size):
            self.bias.append(self.add_parameter(f"bias_{j}", minitorch.Scalar(2 * (random.random() - 0.5))))

    def forward(self, inputs: Sequence[minitorch.Scalar]) -> list[minitorch.Scalar]:
        """Apply the layer to one input vector.

        Args:
            inputs: ``in_size`` Scalars.

        Returns:
            ``out_size`` Scalars: for each output ``j``, its bias plus the sum
            over inputs ``i`` of ``inputs[i] * weights[i][j]``.
        """
        # TODO: Implement for Task 1.5.
        raise NotImplementedError("Task 1.5: implement forward.")


class Network(minitorch.Module):
    """Two inputs, two hidden ReLU layers of ``hidden_layers`` units, one sigmoid output.

    Args:
        hidden_layers: Units per hidden layer.
    """

    def __init__(self, hidden_layers: int) -> None:
        super().__init__()
        # TODO: Implement for Task 1.5.
        raise NotImplementedError("Task 1.5: create layer1 (2 -> hidden), layer2 (hidden -> hidden) and layer3 (hidden -> 1)")

    def forward(self, x: Sequence[minitorch.Scalar]) -> minitorch.Scalar:
        """The probability that point ``x`` has label 1."""
        # TODO: Implement for Task 1.5.
        raise NotImplementedError("Task 1.5: implement forward.")


class ScalarTrain:
    """Full-batch gradient descent on a :class:`Network` with the log loss.

    Args:
        hidden_layers: Units per hidden layer.
    """

    def __init__(self, hidden_layers: int) -> None:
        self.hidden_layers = hidden_layers
        self.model = Network(hidden_layers)

    def run_one(self, x: Sequence[float]) -> minitorch.Scalar:
        """The model's probability of label 1 for one point."""
        return self.model.forward((minitorch.Scalar(x[0], name="x_1"), minitorch.Scalar(x[1], name="x_2")))

    def predict(self, x_1: float, x_2: float) -> float:
        """The probability of label 1 at one point, as a float."""
        return self.run_one((x_1, x_2)).data

    def accuracy(self, data: minitorch.Graph) -> float:
        """Fraction of ``data`` classified correctly (probability above 0.5 means 1)."""
        correct = sum(1 for x, y in zip(data.X, data.y) if (self.run_one(x).data > 0.5) == (y == 1))
        return correct / data.N

    def train(
        self,
        data: minitorch.Graph,
        learning_rate: float,
        max_epochs: int = 500,
        log_fn: LogFn | None = print_progress,
        log_every: int = 10,
    ) -> History:
        """Train for ``max_epochs`` epochs; return the history."""
        optimizer = minitorch.SGD(self.model.parameters(), learning_rate)
        history = History()
        for epoch in range(1, max_epochs + 1):
            started = time.perf_counter()
            total_loss = 0.0
            correct = 0
            optimizer.zero_grad()
            for x, label in zip(data.X, data.y):
                out = self.run_one(x)
                prob = out if label == 1 else -out + 1.0
                correct += int(prob.data > 0.5)
                loss = -prob.log()
                (loss / data.N).backward()
                total_loss += loss.data
            optimizer.step()
            history.losses.append(total_loss)
            history.correct.append(correct)
            history.seconds.append(time.perf_counter() - started)
            if log_fn is not None and (epoch % log_every == 0 or epoch == max_epochs):
                log_fn(epoch, total_loss, correct, history.seconds[-1])
        return history


def main(argv: Sequence[str] | None = None) -> None:
    """Train on one dataset and write the loss curve and decision boundary."""
    run("Train a Scalar network on a 2-D dataset.", ScalarTrain, "scalar", argv)


if __name__ == "__main__":
    main()
