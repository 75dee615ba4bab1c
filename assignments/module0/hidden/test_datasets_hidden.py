"""Hidden tests for Task 0.5: dataset sizes and fresh draws for the classifier."""

from __future__ import annotations

import random

import minitorch
import pytest
from project.run_manual import accuracy, hand_tuned


@pytest.mark.task0_5
@pytest.mark.parametrize("n", [1, 7])
def test_hidden_datasets_small_sizes(n: int) -> None:
    """Every dataset honours N, including odd and tiny N."""
    random.seed(3)
    for name in ["Diag", "Split", "Xor", "Circle", "Spiral"]:
        graph = minitorch.datasets[name](n)
        assert n == graph.N and len(graph.X) == n and len(graph.y) == n, name


@pytest.mark.task0_5
@pytest.mark.parametrize("seed", [11, 12])
def test_hidden_hand_tuned_other_draws(seed: int) -> None:
    """The hand-tuned weights generalise to fresh draws of the data."""
    random.seed(seed)
    for name in ["Simple", "Diag"]:
        assert accuracy(hand_tuned(name), minitorch.datasets[name](300)) >= 0.95
