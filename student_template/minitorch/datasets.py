"""Six small 2-D classification datasets, generated without any download (Task 0.5).

Every dataset is a :class:`Graph` of ``N`` points with binary labels. All but
:func:`spiral` draw their points uniformly from the unit square with
:func:`make_pts`, so seed Python's ``random`` module for a repeatable draw.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

Point = tuple[float, float]


def make_pts(N: int) -> list[Point]:
    """Draw ``N`` points uniformly from the unit square ``[0, 1]^2``."""
    return [(random.random(), random.random()) for _ in range(N)]


@dataclass
class Graph:
    """A labelled 2-D dataset.

    Attributes:
        N: Number of points.
        X: The points.
        y: One label (0 or 1) per point.
    """

    N: int
    X: list[Point]
    y: list[int]


def simple(N: int) -> Graph:
    """Label 1 the points left of the vertical line ``x_1 = 0.5``.

    This one is given as a worked example for the others.
    """
    X = make_pts(N)
    y = [1 if x_1 < 0.5 else 0 for x_1, _ in X]
    return Graph(N, X, y)


def diag(N: int) -> Graph:
    """Label 1 the points below the diagonal line ``x_1 + x_2 = 0.5``."""
    # TODO: Implement for Task 0.5.
    raise NotImplementedError("Task 0.5: implement diag.")


def split(N: int) -> Graph:
    """Label 1 the points in the two outer bands ``x_1 < 0.2`` and ``x_1 > 0.8``."""
    # TODO: Implement for Task 0.5.
    raise NotImplementedError("Task 0.5: implement split.")


def xor(N: int) -> Graph:
    """Label 1 the points in the top-left and bottom-right quadrants.

    A point is labelled 1 when exactly one of ``x_1 < 0.5`` and ``x_2 < 0.5``
    holds.
    """
    # TODO: Implement for Task 0.5.
    raise NotImplementedError("Task 0.5: implement xor.")


def circle(N: int) -> Graph:
    """Label 1 the points outside the circle of squared radius 0.1 around the centre.

    A point is labelled 1 when ``(x_1 - 0.5)^2 + (x_2 - 0.5)^2 > 0.1``.
    """
    # TODO: Implement for Task 0.5.
    raise NotImplementedError("Task 0.5: implement circle.")


def spiral(N: int) -> Graph:
    """Two interleaved spiral arms; deterministic, uses no randomness.

    Arm 0 holds the first ``N // 2`` points and arm 1 the rest, each labelled
    with its arm's number. Point ``i`` of an arm of ``n`` points sits at
    parameter ``t = i / n`` with radius ``0.05 + 0.4 * t`` around the centre
    ``(0.5, 0.5)`` and angle ``3 * pi * t``, plus ``pi`` for arm 1, so both
    arms lie inside the unit square.
    """
    # TODO: Implement for Task 0.5.
    raise NotImplementedError("Task 0.5: implement spiral.")


datasets: dict[str, Callable[[int], Graph]] = {
    "Simple": simple,
    "Diag": diag,
    "Split": split,
    "Xor": xor,
    "Circle": circle,
    "Spiral": spiral,
}
