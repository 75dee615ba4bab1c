"""Run a training task's targets: the settings come from the task manifest."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

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


def check_training(make_trainer: Any, target: dict[str, Any]) -> None:
    """Train a fresh trainer on the target's dataset; fail unless it learns it in time.

    Args:
        make_trainer: Called with the hidden size; returns an object with
            ``train(data, rate, epochs, log_fn=None)`` and ``accuracy(data)``.
        target: One entry of the manifest's ``[[task.training]]``.
    """
    import minitorch

    random.seed(target["seed"] + int(os.environ.get(SEED_OFFSET, "0")))
    data = minitorch.datasets[target["dataset"]](target["points"])
    trainer = make_trainer(target["hidden"])
    started = time.perf_counter()
    trainer.train(data, target["rate"], target["epochs"], log_fn=None)
    seconds = time.perf_counter() - started
    _assert_learned(target, trainer.accuracy(data), f"accuracy after {target['epochs']} epochs", seconds)


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
            object with ``train(data, rate, epochs, log_fn=None, seed=...)`` and
            ``accuracy(x, y)``.
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
    trainer.train(data, target["rate"], target["epochs"], log_fn=None, seed=seed)
    seconds = time.perf_counter() - started
    accuracy = trainer.accuracy(data.val_x, data.val_y)
    what = f"validation accuracy after {target['epochs']} epochs on {len(data.train_x)} examples"
    _assert_learned(target, accuracy, what, seconds)
