"""Hidden tests for Task 0.5: dataset sizes and fresh draws for the classifier."""

from __future__ import annotations

import random

import minitorch
import pytest

from ..plain import as_float
from ..test_datasets import hand_tuned_accuracy


@pytest.mark.task0_5
@pytest.mark.parametrize("n", [1, 7])
def test_hidden_datasets_small_sizes(n: int) -> None:
    """Every dataset honours N, including odd and tiny N."""
    random.seed(3)
    for name in ["Diag", "Split", "Xor", "Circle", "Spiral"]:
        graph = minitorch.datasets[name](n)
        assert as_float(graph.N, "Graph.N") == n and len(graph.X) == n and len(graph.y) == n, name


@pytest.mark.task0_5
@pytest.mark.parametrize("seed", [11, 12])
def test_hidden_hand_tuned_other_draws(seed: int) -> None:
    """The hand-tuned weights generalise to fresh draws of the data."""
    for name in ["Simple", "Diag"]:
        assert hand_tuned_accuracy(name, seed=seed, n=300) >= 0.95, name
