"""Trusted checks of Module 3: the compiled CPU backend's map, zip, reduce and matrix multiply.

Each check records values with the ``record`` fixture and judges nothing:
the grader compares them, outside this process, with the reference's.
The speed of the kernels is the public tests' business; these checks
record what the kernels compute, on strided, broadcast and ragged inputs.
"""

from __future__ import annotations

import functools

import minitorch
import numpy as np
import pytest


@functools.cache
def _fast() -> minitorch.TensorBackend:
    """The fast backend, built once per process (each backend loads or compiles its kernels)."""
    return minitorch.TensorBackend(minitorch.FastOps)


def _tensor(values: np.ndarray) -> minitorch.Tensor:
    return minitorch.tensor(values.tolist(), backend=_fast())


def _values(t: minitorch.Tensor) -> list[object]:
    return t.to_numpy().tolist()


def _fixed(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2.0, 2.0, shape).round(3)


@pytest.mark.task3_1
def test_map_zip_reduce(record) -> None:
    square = _fixed((4, 4), 1)
    cube = _fixed((3, 4, 5), 2)

    def maps() -> list[object]:
        t = _tensor(cube).permute(2, 0, 1)
        out = minitorch.zeros((4, 3), backend=_fast())
        _fast().neg_map(_tensor(np.array([[1.0, -2.0, 3.0]])), out)
        return [_values(-t), _values(t.sigmoid()), _values((t + 3.0).log()), _values(t.relu()), _values(out)]

    record("map", maps)

    def zips() -> list[object]:
        t = _tensor(square)
        column, row = _tensor(_fixed((3, 1), 3)), _tensor(_fixed((1, 4), 4))
        return [
            _values(t + t.permute(1, 0)),
            _values(t * t.permute(1, 0)),
            _values(t < t.permute(1, 0)),
            _values(column * row),
            _values(_tensor(cube).permute(1, 2, 0) - _tensor(_fixed((5, 1), 5))),
        ]

    record("zip", zips)

    def reductions() -> list[object]:
        big = _tensor(_fixed((30, 40, 3), 6)).permute(2, 0, 1)  # over a thousand outputs a dimension
        t = _tensor(cube).permute(1, 2, 0)
        return [[_values(x.sum(d)) for x in (t, big) for d in range(3)], _values(t.mean()), _values((t > 0.0).all(1))]

    record("reduce", reductions, 1e-6)

    def gradients() -> list[object]:
        a = _tensor(cube).permute(2, 0, 1)
        b = _tensor(_fixed((3, 1), 7))
        a = minitorch.Tensor(a._tensor, backend=_fast())  # a non-contiguous leaf
        a.requires_grad_(True)
        b.requires_grad_(True)
        ((a * b).sigmoid() * a + (b * b + 1.0).log() - a.relu().sum(2)).sum().backward()
        return [_values(t.grad) if t.grad is not None else None for t in (a, b)]

    record("gradients", gradients, 1e-6)


@pytest.mark.task3_2
def test_matrix_multiply(record) -> None:
    cases = {
        "2d": (_fixed((3, 4), 10), _fixed((4, 2), 11)),
        "vector-like": (_fixed((1, 5), 12), _fixed((5, 1), 13)),
        "batched": (_fixed((2, 3, 4), 14), _fixed((2, 4, 5), 15)),
        "broadcast batch": (_fixed((1, 5, 4), 16), _fixed((3, 4, 6), 17)),
        "ragged blocks": (_fixed((2, 65, 70), 18), _fixed((1, 70, 67), 19)),
    }
    for name, (a, b) in cases.items():
        record(name, lambda a=a, b=b: _values(_tensor(a) @ _tensor(b)), 1e-6)

    def permuted() -> list[object]:
        a, b = _tensor(_fixed((3, 2, 4), 20)).permute(1, 0, 2), _tensor(_fixed((5, 2, 4), 21)).permute(1, 2, 0)
        square = _tensor(_fixed((4, 4), 22))
        return [_values(a @ b), _values(square @ square.permute(1, 0)), _values(square.permute(1, 0) @ square)]

    record("permuted", permuted, 1e-6)

    def gradients() -> list[object]:
        a = _tensor(_fixed((2, 3, 4), 23))
        b = _tensor(_fixed((4, 5), 24))
        a.requires_grad_(True)
        b.requires_grad_(True)
        ((a @ b) * _tensor(_fixed((2, 3, 5), 25))).sum().backward()
        return [_values(t.grad) if t.grad is not None else None for t in (a, b)]

    record("gradients", gradients, 1e-6)


@functools.cache
def _cuda() -> minitorch.TensorBackend:
    """The CUDA backend: on a GPU when there is one, under numba's simulator otherwise (chosen before import)."""
    from minitorch.jit import select_cuda_mode

    select_cuda_mode()
    from minitorch.cuda_ops import CudaOps

    return minitorch.TensorBackend(CudaOps)


def _block_sums(result: object) -> list[object]:
    """sum_practice's sums: a Tensor's, or those of the device TensorData the public course's wrapper returns."""
    if hasattr(type(result), "to_numpy"):
        return _values(result)  # type: ignore[arg-type]
    storage = result.tuple()[0]  # type: ignore[attr-defined]
    return list(storage.copy_to_host() if hasattr(type(storage), "copy_to_host") else storage)


def _on_cuda(values: np.ndarray) -> minitorch.Tensor:
    return minitorch.tensor(values.tolist(), backend=_cuda())


# Small sizes: a simulated thread is slow. They still span several blocks of the simulator's 4 x 4 tiles.
@pytest.mark.task3_3
@pytest.mark.cuda
def test_cuda_map_zip_reduce(record) -> None:
    cube = _fixed((3, 4, 5), 30)

    def maps() -> list[object]:
        t = _on_cuda(cube).permute(2, 0, 1)
        return [_values(-t), _values(t.relu()), _values((t + 3.0).log())]

    record("map", maps)

    def zips() -> list[object]:
        column, row = _on_cuda(_fixed((3, 1), 31)), _on_cuda(_fixed((1, 7), 32))
        t = _on_cuda(cube)
        return [_values(column * row), _values(t + t), _values(t.permute(1, 2, 0) - _on_cuda(_fixed((5, 1), 33)))]

    record("zip", zips)

    def reductions() -> list[object]:
        t = _on_cuda(cube).permute(1, 2, 0)
        return [_values(t.sum(d)) for d in range(3)] + [_values(_on_cuda(_fixed((2, 37), 34)).sum(1))]

    record("reduce", reductions, 1e-6)

    def practice() -> list[object]:
        from minitorch import cuda_ops

        # The per-block sums depend on the block size the student chose; their total does not. At most
        # two blocks of 4 (the public course's wrapper has room for two sums; a block has 4 threads or more).
        return [sum(_block_sums(cuda_ops.sum_practice(_on_cuda(_fixed((n,), 35 + n))))) for n in (3, 5, 8)]

    record("sum_practice", practice, 1e-6)


@pytest.mark.task3_4
@pytest.mark.cuda
def test_cuda_matrix_multiply(record) -> None:
    cases = {
        "2d": (_fixed((3, 5), 40), _fixed((5, 6), 41)),
        "batched": (_fixed((2, 5, 3), 42), _fixed((2, 3, 7), 43)),
        "broadcast batch": (_fixed((1, 6, 5), 44), _fixed((2, 5, 3), 45)),
    }
    for name, (a, b) in cases.items():
        record(name, lambda a=a, b=b: _values(_on_cuda(a) @ _on_cuda(b)), 1e-6)

    def permuted() -> list[object]:
        a, b = _on_cuda(_fixed((5, 6), 46)), _on_cuda(_fixed((5, 6), 47))
        return [_values(a.permute(1, 0) @ b), _values(a @ b.permute(1, 0))]

    record("permuted", permuted, 1e-6)

    def practice() -> list[object]:
        from minitorch import cuda_ops

        pairs = [(_on_cuda(_fixed((n, n), 48)), _on_cuda(_fixed((n, n), 49))) for n in (2, 3, 4)]
        return [_values(cuda_ops.mm_practice(a, b)) for a, b in pairs]

    record("mm_practice", practice, 1e-6)


@pytest.mark.task3_5
def test_network_with_fixed_weights(record) -> None:
    from fixed_networks import fix_tensor_weights, train_steps
    from project.run_fast_tensor import Network

    points = [[0.1, 0.9], [0.8, 0.2], [0.35, 0.6], [0.7, 0.75], [0.2, 0.15], [0.55, 0.4], [0.95, 0.5]]
    labels = [1, 0, 1, 0, 0, 1, 0]
    model = Network(3, _fast())
    # The shapes travel with the outputs: a network of the right shape alone earns nothing.
    record(
        "shapes and outputs",
        lambda: [fix_tensor_weights(model, _fast()), _values(model.forward(_tensor(np.array(points))))],
        1e-5,
    )
    record("losses of three steps", lambda: train_steps(model, points, labels, 3, _fast()), 1e-5)
    record("outputs after training", lambda: _values(model.forward(_tensor(np.array(points)))), 1e-5)
