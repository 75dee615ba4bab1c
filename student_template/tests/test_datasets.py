"""Tests for minitorch.datasets and the hand-tuned classifier: Task 0.5."""

from __future__ import annotations

import importlib
import inspect
import random
from collections.abc import Callable
from typing import Any

import minitorch
import pytest

from .plain import as_float, as_floats, as_list

# What Task 0.5 requires of project/run_manual.py beyond the public course (see the handout).
RUN_MANUAL_FUNCTIONS = {"hand_tuned": ("dataset",), "accuracy": ("network", "graph")}


def _required(name: str) -> Callable[..., Any]:
    """The function ``name`` of project/run_manual.py, or a failure that says what Task 0.5 requires."""
    # Imported here, not at the top: a broken run_manual.py then costs only the tests that use it.
    fn = getattr(importlib.import_module("project.run_manual"), name, None)
    wanted = ", ".join(f"{n}({', '.join(p)})" for n, p in RUN_MANUAL_FUNCTIONS.items())
    assert callable(fn), (
        f"project/run_manual.py has no function {name}: Task 0.5 requires {wanted} there, "
        "which the grader reads your classifier through (the public course's run_manual.py has neither)"
    )
    return fn


def hand_tuned(dataset: str) -> Any:
    """project/run_manual.py's hand_tuned."""
    return _required("hand_tuned")(dataset)


def accuracy(network: Any, graph: Any) -> float:
    """project/run_manual.py's accuracy."""
    return as_float(_required("accuracy")(network, graph), "project/run_manual.py's accuracy")


RULES = {
    "Diag": lambda x_1, x_2: x_1 + x_2 < 0.5,
    "Split": lambda x_1, x_2: x_1 < 0.2 or x_1 > 0.8,
    "Xor": lambda x_1, x_2: (x_1 < 0.5) != (x_2 < 0.5),
    "Circle": lambda x_1, x_2: (x_1 - 0.5) ** 2 + (x_2 - 0.5) ** 2 > 0.1,
}
TUNED_FOR = {"Simple": lambda x_1, x_2: x_1 < 0.5, "Diag": RULES["Diag"]}


def read_graph(graph: minitorch.Graph) -> tuple[list[tuple[float, ...]], list[float]]:
    """A dataset's points and labels, read as plain numbers."""
    points = [as_floats(point, "a point of Graph.X") for point in as_list(graph.X, "Graph.X")]
    return points, as_floats(graph.y, "Graph.y")


def hand_tuned_accuracy(name: str, seed: int, n: int) -> float:
    """The fraction of ``n`` points, drawn and labelled here by ``name``'s rule, that ``hand_tuned(name)`` gets right.

    The network says 1 where its linear output is positive (where its sigmoid exceeds 0.5).
    """
    rng = random.Random(seed)
    network = hand_tuned(name)
    right = 0
    for _ in range(n):
        x_1, x_2 = rng.random(), rng.random()
        output = as_float(network.linear((x_1, x_2))[0], "the hand-tuned network's linear output")
        right += (output > 0.0) == TUNED_FOR[name](x_1, x_2)
    return right / n


@pytest.mark.task0_5
@pytest.mark.parametrize("name", sorted(RULES))
def test_dataset_labels_follow_rule(name: str) -> None:
    """Each random dataset draws N points in the unit square labelled by its rule."""
    random.seed(7)
    graph = minitorch.datasets[name](60)
    points, labels = read_graph(graph)
    assert as_float(graph.N, "Graph.N") == 60
    assert len(points) == len(labels) == 60
    for (x_1, x_2), label in zip(points, labels):
        assert 0.0 <= x_1 <= 1.0 and 0.0 <= x_2 <= 1.0
        assert label == (1 if RULES[name](x_1, x_2) else 0), (x_1, x_2, label)
    assert 0 < sum(labels) < 60, "a draw of 60 points should hold both labels"


@pytest.mark.task0_5
def test_spiral_deterministic() -> None:
    """Spiral needs no randomness: two calls agree, and each arm has its label."""
    random.seed(1)
    first, labels = read_graph(minitorch.datasets["Spiral"](40))
    random.seed(2)
    second, _ = read_graph(minitorch.datasets["Spiral"](40))
    assert first == second
    assert labels == [0] * 20 + [1] * 20
    assert all(0.0 <= c <= 1.0 for point in first for c in point)
    assert len(set(first)) == 40


@pytest.mark.task0_5
@pytest.mark.parametrize("name", ["Simple", "Diag"])
def test_hand_tuned_classifier(name: str) -> None:
    """Your hand-picked weights classify at least 95% of the points."""
    assert hand_tuned_accuracy(name, seed=0, n=200) >= 0.95


@pytest.mark.task0_5
def test_run_manual_has_hand_tuned_and_accuracy() -> None:
    """project/run_manual.py defines hand_tuned(dataset) and accuracy(network, graph), and they work together."""
    for name, parameters in RUN_MANUAL_FUNCTIONS.items():
        fn = _required(name)
        try:
            inspect.signature(fn).bind(*parameters)
        except TypeError as error:
            raise AssertionError(
                f"project/run_manual.py's {name} must take ({', '.join(parameters)}), as Task 0.5 requires: {error}"
            ) from None
    random.seed(0)
    fraction = accuracy(hand_tuned("Simple"), minitorch.datasets["Simple"](20))
    assert 0.0 <= fraction <= 1.0, f"accuracy(network, graph) must be a fraction of the points, got {fraction}"
