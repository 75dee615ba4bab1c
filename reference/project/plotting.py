"""PNG figures for the training scripts: loss curves, decision boundaries, accuracy curves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
import minitorch  # noqa: E402

FIGURE_SIZE_INCHES = (6.4, 4.8)
DPI = 100


def save_loss_curve(losses: Sequence[float], path: Path | str, title: str = "Training loss") -> Path:
    """Plot loss per epoch and write it as a PNG of 640x480 pixels."""
    figure, axes = plt.subplots(figsize=FIGURE_SIZE_INCHES, dpi=DPI)
    axes.plot(range(1, len(losses) + 1), losses)
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss")
    axes.set_title(title)
    return _save(figure, path)


def save_decision_boundary(
    predict: Callable[[float, float], float],
    graph: minitorch.Graph,
    path: Path | str,
    title: str = "Decision boundary",
    resolution: int = 50,
) -> Path:
    """Shade the model's probability of label 1 over the unit square, with the data on top.

    Args:
        predict: The model, as a function from a point to a probability.
        graph: The dataset to draw.
        path: Where to write the PNG (640x480 pixels).
        title: The figure's title.
        resolution: Grid points per side.
    """
    grid = [
        [predict(j / (resolution - 1), 1.0 - i / (resolution - 1)) for j in range(resolution)]
        for i in range(resolution)
    ]
    figure, axes = plt.subplots(figsize=FIGURE_SIZE_INCHES, dpi=DPI)
    image = axes.imshow(grid, extent=(0.0, 1.0, 0.0, 1.0), cmap="coolwarm", vmin=0.0, vmax=1.0, alpha=0.6)
    figure.colorbar(image, ax=axes, label="P(label 1)")
    xs = [p[0] for p in graph.X]
    ys = [p[1] for p in graph.X]
    axes.scatter(xs, ys, c=graph.y, cmap="coolwarm", vmin=0, vmax=1, edgecolors="black", s=20)
    axes.set_xlim(0.0, 1.0)
    axes.set_ylim(0.0, 1.0)
    axes.set_title(title)
    return _save(figure, path)


def save_training_curves(
    losses: Sequence[float],
    train_accuracy: Sequence[float],
    val_accuracy: Sequence[float],
    path: Path | str,
    title: str = "Training",
) -> Path:
    """Plot loss (left) and training and validation accuracy (right) per epoch as one PNG."""
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(2 * FIGURE_SIZE_INCHES[0], FIGURE_SIZE_INCHES[1]))
    epochs = range(1, len(losses) + 1)
    loss_axes.plot(epochs, losses)
    loss_axes.set_xlabel("epoch")
    loss_axes.set_ylabel("mean loss")
    accuracy_axes.plot(epochs, train_accuracy, label="training")
    accuracy_axes.plot(epochs, val_accuracy, label="validation")
    accuracy_axes.set_xlabel("epoch")
    accuracy_axes.set_ylabel("accuracy")
    accuracy_axes.set_ylim(0.0, 1.0)
    accuracy_axes.legend()
    figure.suptitle(title)
    return _save(figure, path)


def _save(figure: Any, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path
