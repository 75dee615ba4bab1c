"""Trusted checks of Module 0: the library called on inputs the course chose.

Each check records values with the ``record`` fixture and judges nothing:
the grader compares them, outside this process, with the values the
reference recorded for the same calls.
"""

from __future__ import annotations

import random

import minitorch
import pytest

# Negative, tiny, exact ties and large inputs: the ranges where a formula that is right elsewhere goes wrong.
XS = [-700.0, -40.0, -5.5, -1.0, -0.3, -1e-6, 0.0, 1e-6, 0.3, 1.0, 5.5, 40.0, 700.0]
POSITIVE = [1e-6, 0.01, 0.3, 1.0, 2.5, 40.0, 1e6]
PAIRS = [(x, y) for x in XS for y in XS[::3]] + [(x, x) for x in XS] + [(1.0, 1.0 + 1e-3), (2.0, 2.0 - 1e-3)]
LISTS = [[], [2.5], [1.0, -2.0, 3.5], [0.5] * 7, [float(i) - 4.5 for i in range(10)]]


@pytest.mark.task0_1
def test_operators_on_chosen_inputs(record) -> None:
    for name in ("mul", "add", "lt", "eq", "max", "is_close"):
        function = getattr(minitorch.operators, name)
        record(name, lambda function=function: [function(x, y) for x, y in PAIRS])
    for name in ("id", "neg", "sigmoid", "relu", "exp"):
        function, inputs = getattr(minitorch.operators, name), [x for x in XS if name != "exp" or abs(x) < 100]
        record(name, lambda function=function, inputs=inputs: [function(x) for x in inputs])
    record("log", lambda: [minitorch.operators.log(x) for x in POSITIVE])
    record("inv", lambda: [minitorch.operators.inv(x) for x in XS if x != 0.0])


@pytest.mark.task0_1
def test_derivatives_on_chosen_inputs(record) -> None:
    grads = [-2.0, 0.5, 3.0]
    record("log_back", lambda: [minitorch.operators.log_back(x, d) for x in POSITIVE for d in grads])
    record("inv_back", lambda: [minitorch.operators.inv_back(x, d) for x in XS if x != 0.0 for d in grads])
    record("relu_back", lambda: [minitorch.operators.relu_back(x, d) for x in XS for d in grads])


@pytest.mark.task0_3
def test_higher_order_functions(record) -> None:
    # map, zipWith and reduce themselves are read through the functions built on them: students write them
    # curried (the handout) or taking the lists at once (many public solutions), and both are right.
    record("negList", lambda: [minitorch.operators.negList(ls) for ls in LISTS])
    record("addLists", lambda: [minitorch.operators.addLists(ls, ls) for ls in LISTS])
    record("sum", lambda: [minitorch.operators.sum(ls) for ls in LISTS])
    record("prod", lambda: [minitorch.operators.prod(ls) for ls in LISTS])


def _tree(depth: int, width: int) -> minitorch.Module:
    """A module tree ``depth`` deep, ``width`` children a level, parameters at every node."""

    class Node(minitorch.Module):
        def __init__(self, level: int) -> None:
            super().__init__()
            self.p = self.add_parameter("p", float(level))
            for i in range(width if level < depth else 0):
                setattr(self, f"child_{i}", Node(level + 1))

    return Node(0)


@pytest.mark.task0_4
def test_module_trees(record) -> None:
    for depth, width in ((0, 0), (1, 3), (3, 2)):
        tree = _tree(depth, width)
        key = f"{depth}x{width}"
        record(f"names {key}", lambda tree=tree: sorted(name for name, _ in tree.named_parameters()))
        record(f"values {key}", lambda tree=tree: sorted(p.value for p in tree.parameters()))

        def modes(tree: minitorch.Module = tree) -> list[bool]:
            tree.eval()
            evaluated = [m.training for m in _all(tree)]
            tree.train()
            return evaluated + [m.training for m in _all(tree)]

        record(f"modes {key}", modes)


def _all(module: minitorch.Module) -> list[minitorch.Module]:
    return [module] + [m for child in module.modules() for m in _all(child)]


@pytest.mark.task0_5
def test_datasets_and_the_hand_tuned_classifier(record) -> None:
    for name in sorted(set(minitorch.datasets) - {"Simple"}):  # Simple is given; the others are the task

        def draw(name: str = name) -> list[object]:
            random.seed(3)
            graph = minitorch.datasets[name](25)
            return [graph.N, [list(point) for point in graph.X], list(graph.y)]

        record(f"dataset {name}", draw)
    from project.run_manual import hand_tuned

    grid = [(i / 20 + 0.025, j / 20 + 0.025) for i in range(20) for j in range(20)]
    for name in ("Simple", "Diag"):
        # Any classifier the handout accepts labels nearly every point of the grid as the reference's does.
        record(f"labels {name}", lambda name=name: [hand_tuned(name).linear(p)[0] > 0.0 for p in grid], agree=0.9)
