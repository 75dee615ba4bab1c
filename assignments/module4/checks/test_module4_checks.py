"""Trusted checks of Module 4: convolutions, pooling, max, softmax and dropout on inputs the course chose.

Each check records values with the ``record`` fixture and judges nothing:
the grader compares them, outside this process, with the reference's.
The tensors live on the simple backend; the convolution kernels are the
library's own compiled ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import minitorch
import numpy as np
import pytest


def _tensor(shape: tuple[int, ...], seed: int, permute: tuple[int, ...] | None = None) -> minitorch.Tensor:
    """Fixed values in [-2, 2) of ``shape``; with ``permute``, a non-contiguous view of that shape."""
    rng = np.random.default_rng(seed)
    if permute is None:
        return minitorch.tensor(rng.uniform(-2.0, 2.0, shape).round(3).tolist(), backend=minitorch.SimpleBackend)
    inverse = tuple(int(i) for i in np.argsort(permute))
    stored = rng.uniform(-2.0, 2.0, tuple(shape[i] for i in inverse)).round(3)
    view = minitorch.tensor(stored.tolist(), backend=minitorch.SimpleBackend)._tensor.permute(*permute)
    return minitorch.Tensor(view, backend=minitorch.SimpleBackend)


def _values(t: minitorch.Tensor) -> list[object]:
    return t.to_numpy().tolist()


def _with_gradients(fn: Callable[..., minitorch.Tensor], *inputs: minitorch.Tensor, seed: int = 7) -> list[object]:
    """``fn(*inputs)`` and the gradients of ``sum(fn(*inputs) * r)`` for fixed weights ``r``."""
    for t in inputs:
        t.requires_grad_(True)
        t.zero_grad_()
    out = fn(*inputs)
    r = np.random.default_rng(seed).uniform(-1.0, 1.0, out.shape).round(3)
    (out * minitorch.tensor(r.tolist(), backend=minitorch.SimpleBackend)).sum().backward()
    return [list(out.shape), _values(out)] + [_values(t.grad) if t.grad is not None else None for t in inputs]


CONV1D = [  # (batch, in channels, width), (out channels, in channels, kernel width)
    ((1, 1, 6), (1, 1, 1)),
    ((2, 1, 6), (3, 1, 2)),
    ((2, 3, 7), (2, 3, 3)),
    ((1, 2, 2), (2, 2, 5)),  # a kernel wider than the input
]
CONV2D = [  # (batch, in channels, height, width), (out channels, in channels, kernel height, kernel width)
    ((1, 1, 4, 4), (1, 1, 1, 1)),
    ((2, 1, 4, 5), (2, 1, 2, 3)),
    ((1, 3, 5, 4), (2, 3, 3, 2)),
    ((1, 2, 2, 3), (1, 2, 4, 4)),  # a kernel larger than the image
]


@pytest.mark.task4_1
def test_conv1d(record) -> None:
    for n, (x_shape, w_shape) in enumerate(CONV1D):
        record(
            f"conv1d {x_shape} {w_shape}",
            lambda x_shape=x_shape, w_shape=w_shape, n=n: _with_gradients(
                minitorch.conv1d, _tensor(x_shape, n), _tensor(w_shape, 10 + n)
            ),
            1e-6,
        )
    record(
        "conv1d of permuted tensors",
        lambda: _with_gradients(minitorch.conv1d, _tensor((2, 3, 5), 20, (2, 0, 1)), _tensor((2, 3, 2), 21, (0, 2, 1))),
        1e-6,
    )

    def reversed_kernel() -> list[object]:
        x, w = _tensor((2, 2, 6), 30), _tensor((3, 2, 3), 31)
        out = x.zeros((2, 3, 6))
        minitorch.fast_conv.tensor_conv1d(*out.tuple(), out.size, *x.tuple(), *w.tuple(), True)
        return _values(out)

    record("conv1d kernel with reverse", reversed_kernel, 1e-6)


@pytest.mark.task4_2
def test_conv2d(record) -> None:
    for n, (x_shape, w_shape) in enumerate(CONV2D):
        record(
            f"conv2d {x_shape} {w_shape}",
            lambda x_shape=x_shape, w_shape=w_shape, n=n: _with_gradients(
                minitorch.conv2d, _tensor(x_shape, 40 + n), _tensor(w_shape, 50 + n)
            ),
            1e-6,
        )
    record(
        "conv2d of permuted tensors",
        lambda: _with_gradients(
            minitorch.conv2d, _tensor((2, 2, 3, 4), 60, (0, 1, 3, 2)), _tensor((2, 2, 2, 2), 61, (1, 0, 2, 3))
        ),
        1e-6,
    )

    def reversed_kernel() -> list[object]:
        x, w = _tensor((1, 2, 4, 5), 70), _tensor((2, 2, 2, 3), 71)
        out = x.zeros((1, 2, 4, 5))
        minitorch.fast_conv.tensor_conv2d(*out.tuple(), out.size, *x.tuple(), *w.tuple(), True)
        return _values(out)

    record("conv2d kernel with reverse", reversed_kernel, 1e-6)


IMAGES = [((1, 1, 4, 4), (2, 2)), ((2, 3, 4, 6), (2, 3)), ((1, 2, 6, 4), (3, 1)), ((1, 1, 3, 5), (1, 5))]


@pytest.mark.task4_3
def test_tile_and_avgpool(record) -> None:
    def tiles() -> list[object]:
        out = []
        for n, (shape, kernel) in enumerate(IMAGES):
            t, height, width = minitorch.tile(_tensor(shape, 80 + n), kernel)
            out.append([list(t.shape), height, width, _values(t)])
        return out

    record("tile", tiles)
    record(
        "avgpool2d",
        lambda: (
            [
                _with_gradients(lambda x, kernel=kernel: minitorch.avgpool2d(x, kernel), _tensor(shape, 90 + n))
                for n, (shape, kernel) in enumerate(IMAGES)
            ]
            + [_with_gradients(lambda x: minitorch.avgpool2d(x, (2, 2)), _tensor((1, 2, 4, 2), 99, (0, 3, 1, 2)))]
        ),
    )


def _ties() -> minitorch.Tensor:
    """Tied maxima along every dimension."""
    values = [[[1.0, 3.0, 3.0], [-2.0, -2.0, -2.0]], [[0.5, 4.0, -1.0], [2.0, 0.0, 2.0]]]
    return minitorch.tensor(values, backend=minitorch.SimpleBackend)


@pytest.mark.task4_4
def test_max_and_argmax(record) -> None:
    def inputs() -> list[minitorch.Tensor]:
        return [_tensor((2, 3, 4), 100, (1, 2, 0)), _ties()]

    record("max", lambda: [_with_gradients(lambda x, d=d: minitorch.max(x, d), t) for t in inputs() for d in range(3)])
    record("argmax", lambda: [_values(minitorch.argmax(t, d)) for t in inputs() for d in range(3)])


@pytest.mark.task4_4
def test_softmax_and_logsoftmax(record) -> None:
    def inputs() -> list[minitorch.Tensor]:
        large = minitorch.tensor([[1000.0, 1001.0, 999.5], [-1000.0, -1002.0, -999.0]], backend=minitorch.SimpleBackend)
        return [_tensor((2, 3, 4), 110, (2, 1, 0)), large, _ties()]

    for name in ("softmax", "logsoftmax"):
        function = getattr(minitorch, name)
        record(
            name,
            lambda function=function: [
                _with_gradients(lambda x, d=d: function(x, d), t) for t in inputs() for d in range(t.dims)
            ],
            1e-5,
        )


@pytest.mark.task4_4
def test_maxpool_and_dropout(record) -> None:
    record(
        "maxpool2d",
        lambda: (
            [
                _with_gradients(lambda x, kernel=kernel: minitorch.maxpool2d(x, kernel), _tensor(shape, 120 + n))
                for n, (shape, kernel) in enumerate(IMAGES)
            ]
            + [_with_gradients(lambda x: minitorch.maxpool2d(x, (2, 2)), _tensor((1, 2, 4, 2), 129, (0, 3, 1, 2)))]
        ),
    )

    def dropout() -> dict[str, object]:
        random.seed(5)
        t = _tensor((40, 50), 130)
        values = t.to_numpy()
        found: dict[str, object] = {
            "rate 0": _values(minitorch.dropout(t, 0.0)),
            "ignore": _values(minitorch.dropout(t, 0.9, ignore=True)),
            "rate 1": _values(minitorch.dropout(t, 1.0)),
        }
        for rate in (0.25, 0.5, 0.8):
            kept = minitorch.dropout(t, rate).to_numpy()
            # Which elements survive is the random draw's; how many, and that they are unchanged, is not.
            found[f"rate {rate}"] = [
                bool(abs(float((kept != 0.0).mean()) - (1.0 - rate)) < 0.05),
                bool(np.all((kept == 0.0) | (kept == values))),
            ]
        return found

    record("dropout", dropout)


def _cuda() -> tuple[minitorch.TensorBackend, object]:
    """The CUDA backend (a GPU, or numba's simulator chosen before import) and the student's ``cuda_conv``."""
    from minitorch.jit import select_cuda_mode

    select_cuda_mode()
    from minitorch import cuda_conv
    from minitorch.cuda_ops import CudaOps

    return minitorch.TensorBackend(CudaOps), cuda_conv


def _cuda_conv(name: str, x_shape: tuple[int, ...], w_shape: tuple[int, ...], seed: int) -> list[object]:
    """A CUDA convolution and its gradients, on the same values as the CPU checks' (sizes kept small: simulated)."""
    backend, cuda_conv = _cuda()
    x, w = (_tensor(shape, seed + n) for n, shape in enumerate((x_shape, w_shape)))
    x, w = (minitorch.tensor(t.to_numpy().tolist(), backend=backend) for t in (x, w))
    for t in (x, w):
        t.requires_grad_(True)
    out = getattr(cuda_conv, name)(x, w)
    r = np.random.default_rng(seed).uniform(-1.0, 1.0, out.shape).round(3)
    (out * minitorch.tensor(r.tolist(), backend=backend)).sum().backward()
    return [list(out.shape), _values(out)] + [_values(t.grad) if t.grad is not None else None for t in (x, w)]


@pytest.mark.task4_4b
@pytest.mark.cuda
def test_cuda_convolutions(record) -> None:
    for n, (x_shape, w_shape) in enumerate(CONV1D[1:3]):
        record(
            f"cuda conv1d {x_shape} {w_shape}",
            lambda a=x_shape, b=w_shape, n=n: _cuda_conv("conv1d", a, b, 140 + n),
            1e-6,
        )
    for n, (x_shape, w_shape) in enumerate(CONV2D[1:3]):
        record(
            f"cuda conv2d {x_shape} {w_shape}",
            lambda a=x_shape, b=w_shape, n=n: _cuda_conv("conv2d", a, b, 150 + n),
            1e-6,
        )


def _network_values(model: minitorch.Module, x: minitorch.Tensor) -> list[object]:
    """In evaluation mode: the log-probabilities for ``x``, and each layer's gradients of their weighted sum."""
    from fixed_networks import layers

    model.eval()
    out = model.forward(x)
    r = np.random.default_rng(11).uniform(-1.0, 1.0, out.shape).round(3)
    (out * minitorch.tensor(r.tolist(), backend=x.backend)).sum().view(1).backward()
    grads = sorted(
        ([list(layer.weights.value.shape), _values(layer.weights.value.grad), _values(layer.bias.value.grad)])
        for layer in layers(model)
    )
    return [_values(out), grads]


@pytest.mark.task4_5
def test_networks_with_fixed_weights(record) -> None:
    from fixed_networks import fix_tensor_weights
    from project.run_mnist_multiclass import Network
    from project.run_sentiment import CNNSentimentKim

    backend = minitorch.TensorBackend(minitorch.FastOps)
    random.seed(0)
    lenet = Network(8, 8, 3, 6, backend)
    images = minitorch.tensor(np.random.default_rng(5).uniform(0.0, 1.0, (2, 8, 8)).round(3).tolist(), backend=backend)
    # The shapes travel with the outputs: a network of the right shape alone earns nothing.
    record(
        "lenet shapes, outputs and gradients",
        lambda: [fix_tensor_weights(lenet, backend), _network_values(lenet, images)],
        1e-5,
    )
    kim = CNNSentimentKim(2, 3, 4, backend)
    signals = minitorch.tensor(
        np.random.default_rng(6).uniform(-1.0, 1.0, (2, 2, 9)).round(3).tolist(), backend=backend
    )
    record(
        "kim shapes, outputs and gradients",
        lambda: [fix_tensor_weights(kim, backend), _network_values(kim, signals)],
        1e-5,
    )
