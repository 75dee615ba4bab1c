"""Trusted checks of Module 2: strided storage, broadcasting, tensor operations and their gradients.

Each check records values with the ``record`` fixture and judges nothing:
the grader compares them, outside this process, with the reference's.
Inputs are permuted or broadcast where the task is about strides.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import minitorch
import numpy as np
import pytest

SHAPES = [(1,), (5,), (2, 3), (3, 1, 2), (2, 2, 3), (1, 4, 1, 2)]
# No exact zeros, nothing within 1e-2 of another value: ties and kinks are left to the public tests.
VALUES = [((i * 7) % 24 - 11.5) / 2.5 for i in range(24)]
UNARY: dict[str, Callable[[minitorch.Tensor], minitorch.Tensor]] = {
    "neg": lambda a: -a,
    "add constant": lambda a: a + 5.0,
    "mul constant": lambda a: a * -3.0,
    "square": lambda a: a * a,
    "inv": lambda a: 1.0 / (a + 10.0),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "log": lambda a: (a + 10.0).log(),
    "exp": lambda a: a.exp(),
    "composite": lambda a: ((a * 2.0 + 1.0).relu() * 3.0 - 2.0).sigmoid().log() / 5.0,
}
BINARY: dict[str, Callable[[minitorch.Tensor, minitorch.Tensor], minitorch.Tensor]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "lt": lambda a, b: a < b,
    "gt": lambda a, b: a > b,
    "eq": lambda a, b: a == b,
    "is_close": lambda a, b: a.is_close(b),
}


def _values(t: minitorch.Tensor) -> list[object]:
    return t.to_numpy().tolist()


def _cube(backend: minitorch.TensorBackend, requires_grad: bool = False) -> minitorch.Tensor:
    """A (3, 2, 4) tensor whose storage runs in another order: a permuted (2, 4, 3) tensor."""
    base = minitorch.tensor(np.array(VALUES).reshape(2, 4, 3).tolist(), backend=backend)
    t = base.permute(2, 0, 1)
    t = minitorch.Tensor(t._tensor, backend=backend)
    t.requires_grad_(requires_grad)
    return t


def _pairs() -> dict[str, tuple[list[object], list[object]]]:
    """Pairs of nested lists whose shapes are equal, broadcast on one side, or broadcast on both."""
    rows = [[-2.5, 0.0, 1.5], [3.0, -0.5, 2.0]]
    return {
        "same": (rows, [[1.0, 0.0, 1.5], [-3.0, 2.5, 2.0]]),
        "row": (rows, [0.5, -1.0, 1.5]),
        "column": ([[1.0], [-2.0], [0.5]], [[4.0, -1.5]]),
        "scalar": (rows, [2.0]),
        "3d": ([[[1.0, -1.0]], [[2.0, 0.5]]], [[0.25, -3.0], [1.0, 2.0], [-0.5, 0.0]]),
    }


def _forward_checks(record: Callable[..., None], backend: minitorch.TensorBackend) -> None:
    cube = _cube(backend)
    for name, f in UNARY.items():
        record(name, lambda f=f: [_values(f(cube)), _values(f(minitorch.tensor([0.0, 1e-3, -1e-3], backend=backend)))])
    for name, g in BINARY.items():

        def pairs(g: Callable[[minitorch.Tensor, minitorch.Tensor], minitorch.Tensor] = g) -> dict[str, object]:
            out = {}
            for key, (x, y) in _pairs().items():
                result = g(minitorch.tensor(x, backend=backend), minitorch.tensor(y, backend=backend))
                out[key] = [list(result.shape), _values(result)]
            other = cube.permute(1, 2, 0)
            out["permuted"] = _values(g(cube, other.contiguous().view(3, 2, 4) * 0.5))
            return out

        record(name, pairs)

    def reductions() -> list[object]:
        positive = cube > -4.0
        return [
            [list(cube.sum(d).shape) for d in range(3)],
            [_values(cube.sum(d)) for d in range(3)],
            [_values(cube.mean(d)) for d in range(3)],
            _values(cube.sum()),
            [_values(positive.all(d)) for d in range(3)],
            _values(positive.all()),
        ]

    record("reductions", reductions)
    record(
        "permute, contiguous and view",
        lambda: [
            [list(p.shape), _values(p), _values(p.contiguous().view(p.size))]
            for p in (cube.permute(*order) for order in itertools.permutations(range(3)))
        ],
    )


def _gradients(
    backend: minitorch.TensorBackend, f: Callable[..., minitorch.Tensor], *inputs: list[object], cube: bool = False
) -> list[object]:
    """The gradients of ``sum(f(*inputs) * weights)``: weights that are not ones reach every backward."""
    if cube:
        tensors = [_cube(backend, True)]
    else:
        tensors = [minitorch.tensor(x, backend=backend, requires_grad=True) for x in inputs]
    out = f(*tensors)
    weights = minitorch.tensor([((i * 5) % 7 - 3.0) / 2.0 for i in range(out.size)], backend=backend)
    (out * weights.view(*out.shape)).sum().backward()
    return [[list(t.grad.shape), _values(t.grad)] if t.grad is not None else None for t in tensors]


def _backward_checks(record: Callable[..., None], backend: minitorch.TensorBackend) -> None:
    for name, f in UNARY.items():
        record(f"d {name}", lambda f=f: _gradients(backend, f, cube=True), 1e-5)
    for name, g in BINARY.items():
        if name == "is_close":
            continue
        record(f"d {name}", lambda g=g: [_gradients(backend, g, x, y) for x, y in _pairs().values()], 1e-5)
    record(
        "d reductions",
        lambda: (
            [_gradients(backend, lambda a, d=d: a.sum(d), cube=True) for d in range(3)]
            + [_gradients(backend, lambda a, d=d: a.mean(d), cube=True) for d in range(3)]
            + [_gradients(backend, lambda a: a.sum() * a.mean(), cube=True)]
        ),
        1e-5,
    )
    record(
        "d permute and view",
        lambda: [
            _gradients(backend, lambda a, o=order: a.permute(*o).contiguous().view(2, 12) * 2.0, cube=True)
            for order in itertools.permutations(range(3))
        ],
        1e-5,
    )
    record(
        "d shared",
        lambda: [
            _gradients(backend, lambda a: a * a + a.sigmoid() * a, cube=True),
            _gradients(backend, lambda a, b: (a * b).relu() + a * 2.0 - b.exp(), [[0.5, -1.0, 2.0]], [[1.5], [-0.5]]),
            _gradients(backend, lambda a, b: a * b, [[1.0, 2.0], [3.0, 4.0]], [3.0]),
        ],
        1e-5,
    )


@pytest.mark.task2_1
def test_indexing(record) -> None:
    cases = [([0], [1]), ([2], [3]), ([1, 2], [3, 1]), ([1, 0, 3], [1, 8, 2]), ([1, 2, 0, 9, 9], [6, 1, 3])]
    record("index_to_position", lambda: [int(minitorch.index_to_position(np.array(i), np.array(s))) for i, s in cases])

    def indices() -> list[object]:
        out = []
        for shape in SHAPES:
            index = np.zeros(len(shape), dtype=np.int32)
            found = []
            for ordinal in range(int(np.prod(shape))):
                minitorch.to_index(ordinal, np.array(shape, dtype=np.int32), index)
                found.append(index.tolist())
            out.append(found)
        return out

    record("to_index", indices)

    def layouts() -> list[object]:
        out = []
        for shape in SHAPES[2:]:
            data = minitorch.TensorData([float(v) for v in range(int(np.prod(shape)))], shape)
            for order in itertools.permutations(range(len(shape))):
                permuted = data.permute(*order)
                twice = permuted.permute(*reversed(range(len(shape))))
                out.append(
                    [
                        list(permuted.shape),
                        list(permuted.strides),
                        [permuted.get(i) for i in permuted.indices()],
                        list(twice.shape),
                        list(twice.strides),
                        [twice.get(i) for i in twice.indices()],
                    ]
                )
        return out

    record("permute", layouts)
    strided = minitorch.TensorData([float(v) for v in range(30)], (2, 3, 2), (13, 1, 5))
    record("strided reads", lambda: [[list(i), strided.get(i)] for i in strided.indices()])


@pytest.mark.task2_2
def test_broadcasting(record) -> None:
    shapes = [(), (1,), (3,), (2, 1), (1, 3), (2, 3), (4, 1, 3), (1, 2, 1), (5, 2, 3), (2, 2), (3, 1, 1, 1)]

    def broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> object:
        try:
            return list(minitorch.shape_broadcast(a, b))
        except (minitorch.IndexingError, AssertionError):  # either course's convention for shapes that do not broadcast
            return "cannot broadcast"

    record("shape_broadcast", lambda: [broadcast(a, b) for a in shapes for b in shapes])
    cases = [((2, 3), (3,)), ((2, 3), (2, 1)), ((4, 2, 3), (1, 3)), ((4, 2, 3), (2, 1)), ((2, 1, 3, 2), (3, 1)),
             ((3, 2), (1,)), ((2, 4), (2, 4))]  # fmt: skip

    def indices() -> list[object]:
        out = []
        for big, small in cases:
            index = np.zeros(len(small), dtype=np.int32)
            found = []
            for big_index in itertools.product(*(range(n) for n in big)):
                minitorch.broadcast_index(np.array(big_index), np.array(big), np.array(small), index)
                found.append(index.tolist())
            out.append(found)
        return out

    record("broadcast_index", indices)


@pytest.mark.task2_3
def test_tensor_operations(record) -> None:
    _forward_checks(record, minitorch.SimpleBackend)


@pytest.mark.task2_4
def test_tensor_gradients(record) -> None:
    _backward_checks(record, minitorch.SimpleBackend)


# Points and labels of the network checks (Tasks 2.5, 3.5): course-chosen, away from the classes' border.
NETWORK_POINTS = [[0.1, 0.9], [0.8, 0.2], [0.35, 0.6], [0.7, 0.75], [0.2, 0.15], [0.55, 0.4], [0.95, 0.5]]
NETWORK_LABELS = [1, 0, 1, 0, 0, 1, 0]


@pytest.mark.task2_5
def test_network_with_fixed_weights(record) -> None:
    from fixed_networks import fix_tensor_weights, train_steps
    from project.run_tensor import Network, TensorTrain

    backend = minitorch.SimpleBackend
    model = Network(3)
    points = minitorch.tensor(NETWORK_POINTS, backend=backend)
    # The shapes travel with the outputs: a network of the right shape alone earns nothing.
    record(
        "shapes and outputs",
        lambda: [fix_tensor_weights(model, backend), model.forward(points).to_numpy().tolist()],
        1e-5,
    )
    record("losses of three steps", lambda: train_steps(model, NETWORK_POINTS, NETWORK_LABELS, 3, backend), 1e-5)
    record("outputs after training", lambda: model.forward(points).to_numpy().tolist(), 1e-5)
    # The handout's trainer, as the submitted script has it: its loss and its update.
    trainer = TensorTrain(3)
    data = minitorch.Graph(len(NETWORK_POINTS), [tuple(x) for x in NETWORK_POINTS], list(NETWORK_LABELS))
    record("trainer shapes", lambda: fix_tensor_weights(trainer.model, backend), 1e-5)
    record("trainer losses of two epochs", lambda: _losses(trainer.train(data, 0.5, 2, log_fn=None)), 1e-5)


def _losses(history: object) -> list[float]:
    return [float(loss) for loss in history.losses]  # type: ignore[attr-defined]
