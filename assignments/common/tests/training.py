"""Run a training task's targets: the settings come from the task manifest."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

TARGETS_FILE = Path(__file__).with_name("training_targets.json")
# Calibration reruns the targets with other seeds: seed + offset.
SEED_OFFSET = "TRAINING_SEED_OFFSET"


def targets(task_id: str) -> list[dict[str, Any]]:
    """The training targets the manifest sets for one task (empty if none)."""
    if not TARGETS_FILE.is_file():
        return []
    return list(json.loads(TARGETS_FILE.read_text(encoding="utf-8")).get(task_id, []))


def target_id(target: dict[str, Any]) -> str:
    """A readable test id: the dataset's name."""
    return str(target["dataset"])


def quiet(*args: Any, **kwargs: Any) -> None:
    """A logger that logs nothing: passed as ``log_fn``, which a trainer may call unconditionally."""


def probabilities(trainer: Any, points: list[Any]) -> np.ndarray:
    """The network's probability of label 1 at each point, as plain floats.

    The tests measure accuracy from the network's outputs, not with the
    trainer's own ``accuracy``: ``run_many`` (a batch, Tensor trainers) or
    ``run_one`` (one point, the Scalar trainer), as the handouts name them.
    """
    if hasattr(trainer, "run_many"):
        out = np.array(trainer.run_many(points).to_numpy(), dtype=np.float64)
    else:
        out = np.array([float(trainer.run_one(x).data) for x in points], dtype=np.float64)
    assert out.size == len(points), f"the network gave {out.size} outputs for {len(points)} points"
    return out.reshape(len(points))


def measured_accuracy(trainer: Any, data: Any) -> float:
    """The fraction of ``data``'s points whose probability of label 1 is above 0.5 exactly when the label is 1."""
    labels = np.array([float(y) for y in data.y], dtype=np.float64)
    return float(np.mean((probabilities(trainer, list(data.X)) > 0.5) == (labels == 1.0)))


def check_training(make_trainer: Any, target: dict[str, Any]) -> None:
    """Train a fresh trainer on the target's dataset; fail unless it learns it in time.

    Args:
        make_trainer: Called with the hidden size; returns an object with
            ``train(data, rate, epochs, log_fn=...)`` and ``run_many(points)``
            or ``run_one(point)``.
        target: One entry of the manifest's ``[[task.training]]``.
    """
    import minitorch

    random.seed(target["seed"] + int(os.environ.get(SEED_OFFSET, "0")))
    data = minitorch.datasets[target["dataset"]](target["points"])
    trainer = make_trainer(target["hidden"])
    started = time.perf_counter()
    trainer.train(data, target["rate"], target["epochs"], log_fn=quiet)
    seconds = time.perf_counter() - started
    _assert_learned(target, measured_accuracy(trainer, data), f"accuracy after {target['epochs']} epochs", seconds)


def _assert_learned(target: dict[str, Any], accuracy: float, what: str, seconds: float) -> None:
    """Fail with both problems at once: too low an accuracy, and too long a training."""
    problems = []
    if not accuracy >= target["min_accuracy"]:
        problems.append(
            f"{target['dataset']}: {what} is {accuracy:.0%}, below the {target['min_accuracy']:.0%}"
            " a correct network reaches"
        )
    if seconds > target["max_seconds"]:
        problems.append(f"training took {seconds:.1f} s, more than the {target['max_seconds']:g} s allowed")
    assert not problems, "; ".join(problems)


def check_classifier(make_trainer: Any, target: dict[str, Any], data: Any) -> None:
    """Train a fresh network on ``data``; fail unless its validation accuracy reaches the target in time.

    Args:
        make_trainer: Called as ``make_trainer(data, hidden, backend)``; returns an
            object with ``train(data, rate, epochs, log_fn=..., seed=...)`` and
            ``log_probabilities(x)``.
        target: One entry of the manifest's ``[[task.training]]``: ``points`` is the
            number of training examples, ``hidden`` the network's hidden size.
        data: A ``project.data.Classification``.
    """
    from .backends import get_backend

    seed = target["seed"] + int(os.environ.get(SEED_OFFSET, "0"))
    random.seed(seed)
    data = data.head(train=target["points"])
    trainer = make_trainer(data, target["hidden"], get_backend("fast"))
    started = time.perf_counter()
    trainer.train(data, target["rate"], target["epochs"], log_fn=quiet, seed=seed)
    seconds = time.perf_counter() - started
    predicted = np.array(trainer.log_probabilities(data.val_x), dtype=np.float64).argmax(axis=1)
    accuracy = float(np.mean(predicted == np.array(data.val_y, dtype=np.int64)))
    what = f"validation accuracy after {target['epochs']} epochs on {len(data.train_x)} examples"
    _assert_learned(target, accuracy, what, seconds)
