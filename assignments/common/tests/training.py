"""Run a training task's targets: the settings come from the task manifest."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

TARGETS_FILE = Path(__file__).with_name("training_targets.json")
# Calibration reruns the targets with other seeds: seed + offset.
SEED_OFFSET = "TRAINING_SEED_OFFSET"


class TargetReached(BaseException):
    """Raised from the trainer's ``log_fn`` once the network meets its target: the run can stop there.

    A ``BaseException``, so a trainer's ``except Exception`` does not swallow it.
    """


class StopWhenLearned:
    """A ``log_fn`` that measures the accuracy each time the trainer logs, and stops the run at the target.

    The epochs of a target are the most a correct network needs; a run that
    meets the target earlier passes then, and one that never logs trains
    them all. Measuring reads the network's outputs and changes nothing.
    """

    def __init__(self, accuracy: Callable[[], float], minimum: float) -> None:
        self.accuracy = accuracy
        self.minimum = minimum

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        """Called by the trainer after an epoch (with its own arguments, ignored)."""
        if self.accuracy() >= self.minimum:
            raise TargetReached


def train_until_learned(
    trainer: Any, data: Any, target: dict[str, Any], accuracy: Callable[[], float], **options: Any
) -> float:
    """Train with the target's rate and epochs, stopping once ``accuracy()`` meets it; return the seconds taken."""
    log_fn = StopWhenLearned(accuracy, target["min_accuracy"])
    started = time.perf_counter()
    try:
        trainer.train(data, target["rate"], target["epochs"], log_fn=log_fn, **options)
    except TargetReached:
        pass
    return time.perf_counter() - started


def targets(task_id: str) -> list[dict[str, Any]]:
    """The training targets the manifest sets for one task (empty if none)."""
    if not TARGETS_FILE.is_file():
        return []
    return list(json.loads(TARGETS_FILE.read_text(encoding="utf-8")).get(task_id, []))


def target_id(target: dict[str, Any]) -> str:
    """A readable test id: the dataset's name."""
    return str(target["dataset"])


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

    The run stops at the first logged epoch that meets the target; otherwise
    the accuracy after the last epoch is the one graded.

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
    seconds = train_until_learned(trainer, data, target, lambda: measured_accuracy(trainer, data))
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

    def accuracy() -> float:
        predicted = np.array(trainer.log_probabilities(data.val_x), dtype=np.float64).argmax(axis=1)
        return float(np.mean(predicted == np.array(data.val_y, dtype=np.int64)))

    seconds = train_until_learned(trainer, data, target, accuracy, seed=seed)
    what = f"validation accuracy after {target['epochs']} epochs on {len(data.train_x)} examples"
    _assert_learned(target, accuracy(), what, seconds)
