"""Trusted checks of Module 1: scalars, their derivatives and backpropagation on inputs the course chose.

Each check records values with the ``record`` fixture and judges nothing:
the grader compares them, outside this process, with the reference's.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import minitorch
import pytest

XS = [-30.0, -4.5, -1.0, -0.25, 0.0, 0.25, 1.0, 4.5, 30.0]
POSITIVE = [0.05, 0.5, 1.0, 3.0, 25.0]
UNARY: dict[str, Callable[[minitorch.Scalar], minitorch.Scalar]] = {
    "neg": lambda a: -a,
    "log": lambda a: a.log(),
    "exp": lambda a: a.exp(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "inverse": lambda a: 1.0 / a,
}
BINARY: dict[str, Callable[[minitorch.Scalar, minitorch.Scalar], minitorch.Scalar]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "lt": lambda a, b: a < b,
    "gt": lambda a, b: a > b,
    "eq": lambda a, b: a == b,
}


def _inputs(name: str) -> list[float]:
    return POSITIVE if name in ("log", "inverse") else [x for x in XS if name != "exp" or abs(x) < 20]


@pytest.mark.task1_1
def test_central_differences(record) -> None:
    from minitorch import central_difference

    functions = {"cube": lambda x, y: x**3 * y, "exp": lambda x, y: math.exp(x) + y, "ratio": lambda x, y: x / y}
    points = [(0.5, 2.0), (-1.5, 3.0), (2.0, -0.5)]
    for name, f in functions.items():
        for arg in (0, 1):
            record(f"{name} d{arg}", lambda f=f, arg=arg: [central_difference(f, *p, arg=arg) for p in points], 1e-5)


@pytest.mark.task1_2
def test_scalar_forward(record) -> None:
    for name, f in UNARY.items():
        record(name, lambda f=f, name=name: [f(minitorch.Scalar(x)).data for x in _inputs(name)])
    pairs = [(x, y) for x in XS for y in XS[::2]] + [(x, x) for x in XS]
    for name, g in BINARY.items():
        chosen = [(x, y) for x, y in pairs if name != "div" or y != 0.0]
        record(name, lambda g=g, chosen=chosen: [g(minitorch.Scalar(x), minitorch.Scalar(y)).data for x, y in chosen])
        record(f"{name} with a float", lambda g=g: [g(minitorch.Scalar(x), 2.0).data for x in XS])


@pytest.mark.task1_3
def test_chain_rule_derivatives(record) -> None:
    def derivatives(
        make: Callable[[minitorch.Scalar, minitorch.Scalar], minitorch.Scalar], x: float, y: float
    ) -> dict[str, float]:
        a, b = minitorch.Scalar(x, name="a"), minitorch.Scalar(y, name="b")
        out = make(a, b)
        named = {id(a): "a", id(b): "b"}
        return {named.get(id(v), "other"): float(d) for v, d in out.chain_rule(1.5)}

    for name, make in (("mul", lambda a, b: a * b), ("add", lambda a, b: a + b), ("lt", lambda a, b: a < b)):
        record(name, lambda make=make: [derivatives(make, x, y) for x, y in ((2.0, -3.0), (0.5, 0.25))])


@pytest.mark.task1_4
def test_backpropagation(record) -> None:
    def gradients(
        build: Callable[[minitorch.Scalar, minitorch.Scalar], minitorch.Scalar], x: float, y: float
    ) -> list[float | None]:
        a, b = minitorch.Scalar(x), minitorch.Scalar(y)
        build(a, b).backward()
        return [a.derivative, b.derivative]

    expressions: dict[str, Callable[[minitorch.Scalar, minitorch.Scalar], minitorch.Scalar]] = {
        "shared": lambda a, b: a * a + a * b,
        "diamond": lambda a, b: (a * b).sigmoid() * (a * b).relu() + (a + b).exp().log(),
        "quotient": lambda a, b: (a - b) / (a * a + 1.0),
        "deep": lambda a, b: ((a * 2.0 + b).sigmoid() * (b - a).relu()).exp() - (a * b).sigmoid(),
    }
    points = [(0.5, 1.5), (-1.0, 2.0), (2.0, -0.3)]
    for name, build in expressions.items():
        record(name, lambda build=build: [gradients(build, x, y) for x, y in points], 1e-5)
    for name, f in UNARY.items():
        record(f"d {name}", lambda f=f, name=name: [_grad(f, x) for x in _inputs(name) if x != 0.0], 1e-5)


def _grad(f: Callable[[minitorch.Scalar], minitorch.Scalar], x: float) -> float | None:
    a = minitorch.Scalar(x)
    f(a).backward()
    return a.derivative


NETWORK_POINTS = [(0.1, 0.9), (0.8, 0.2), (0.35, 0.6), (0.7, 0.75), (0.2, 0.15), (0.55, 0.4), (0.95, 0.5)]
NETWORK_LABELS = [1, 0, 1, 0, 0, 1, 0]


@pytest.mark.task1_5
def test_network_with_fixed_weights(record) -> None:
    from project.run_scalar import Network, ScalarTrain

    model = Network(3)
    # The shapes travel with the outputs: a network of the right shape alone earns nothing.
    record(
        "shapes and outputs",
        lambda: [_fix_scalar_weights(model), [_probability(model, x) for x in NETWORK_POINTS]],
        1e-5,
    )
    record("losses of three steps", lambda: _scalar_train_steps(model, 3), 1e-5)
    record("outputs after training", lambda: [_probability(model, x) for x in NETWORK_POINTS], 1e-5)
    # The handout's trainer, as the submitted script has it: the inputs it builds, its loss, its update.
    trainer = ScalarTrain(3)
    data = minitorch.Graph(len(NETWORK_POINTS), list(NETWORK_POINTS), list(NETWORK_LABELS))
    record(
        "trainer outputs",
        lambda: [_fix_scalar_weights(trainer.model), [float(trainer.run_one(x).data) for x in NETWORK_POINTS]],
        1e-5,
    )
    record("trainer losses of two epochs", lambda: _losses(trainer.train(data, 0.5, 2, log_fn=None)), 1e-5)


def _losses(history: object) -> list[float]:
    return [float(loss) for loss in history.losses]  # type: ignore[attr-defined]


def _layers(model: minitorch.Module) -> list[minitorch.Module]:
    """Every module under ``model`` holding ``weights`` and ``bias``, found by what it holds, not its name."""
    found = [model] if hasattr(model, "weights") and hasattr(model, "bias") else []
    return found + [layer for child in model.modules() for layer in _layers(child)]


def _fix_scalar_weights(model: minitorch.Module) -> list[list[int]]:
    """Give every layer weights that depend on its shape alone; the shapes, sorted."""
    shapes = []
    for layer in _layers(model):
        ins, outs = len(layer.weights), len(layer.bias)
        values = iter([((ins * 31 + outs * 17 + k * 7) % 19 - 9) / 10 for k in range(ins * outs + outs)])
        for row in layer.weights:
            for weight in row:
                weight.update(minitorch.Scalar(next(values)))
        for bias in layer.bias:
            bias.update(minitorch.Scalar(next(values)))
        shapes.append([ins, outs])
    return sorted(shapes)


def _probability(model: minitorch.Module, x: tuple[float, float]) -> float:
    return float(model.forward((minitorch.Scalar(x[0]), minitorch.Scalar(x[1]))).data)


def _scalar_train_steps(model: minitorch.Module, steps: int) -> list[float]:
    """Full-batch gradient descent with the log loss, as the handout's trainer does it; each step's loss."""
    optimizer = minitorch.SGD(model.parameters(), 0.5)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        total = 0.0
        for x, label in zip(NETWORK_POINTS, NETWORK_LABELS, strict=True):
            out = model.forward((minitorch.Scalar(x[0]), minitorch.Scalar(x[1])))
            loss = -(out if label == 1 else -out + 1.0).log()
            (loss / len(NETWORK_POINTS)).backward()
            total += float(loss.data)
        optimizer.step()
        losses.append(total)
    return losses
