"""Networks with weights the course chose, for the trusted checks of the training tasks.

A check builds the student's network, overwrites every layer's weights and
bias with fixed values, and records what the network computes. The layers
are found by what they hold, not by their names: any module with
``weights`` and ``bias`` parameters is a layer, keyed by the shape of its
weights (unique in the handouts' networks), so a layer named differently
from the handout still gets the same values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import minitorch
import numpy as np


def layers(model: Any) -> Iterator[Any]:
    """Every module under ``model`` (itself included) that holds ``weights`` and ``bias``."""
    if hasattr(model, "weights") and hasattr(model, "bias"):
        yield model
    for child in model.modules():
        yield from layers(child)


def fixed(shape: tuple[int, ...], salt: int) -> np.ndarray:
    """Values in [-1, 1) of ``shape``, rounded to 3 places: the same for the same shape and salt."""
    return np.random.default_rng([*shape, salt]).uniform(-1.0, 1.0, shape).round(3)


def fix_tensor_weights(model: Any, backend: minitorch.TensorBackend) -> list[list[int]]:
    """Overwrite the weights and bias of every layer of a Tensor network; the weights' shapes, sorted.

    The values depend on the shapes alone, so two layers of one shape would
    get the same values; the handouts' networks have none.
    """
    shapes = []
    for layer in layers(model):
        shape = tuple(int(n) for n in layer.weights.value.shape)
        bias_shape = tuple(int(n) for n in layer.bias.value.shape)
        layer.weights.update(minitorch.tensor(fixed(shape, 0).tolist(), backend=backend))
        layer.bias.update(minitorch.tensor(fixed(bias_shape, 1).tolist(), backend=backend))
        shapes.append(list(shape))
    return sorted(shapes)


def train_steps(model: Any, points: list[list[float]], labels: list[int], steps: int, backend: Any) -> list[float]:
    """Full-batch gradient descent with the log loss, as the handouts' trainers do it; the loss of each step."""
    optimizer = minitorch.SGD(model.parameters(), 0.5)
    X = minitorch.tensor(points, backend=backend)
    y = minitorch.tensor([float(label) for label in labels], backend=backend)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        out = model.forward(X).view(len(points))
        loss = -(out * y + (out - 1.0) * (y - 1.0)).log()
        (loss / len(points)).sum().view(1).backward()
        optimizer.step()
        losses.append(float(loss.sum().to_numpy().reshape(-1)[0]))
    return losses
