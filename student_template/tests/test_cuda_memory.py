"""Tasks 3.3 and 3.4: the memory rules of the CUDA kernels, measured under the simulator.

Correct results are not the whole of Module 3: where a kernel reads and
writes is. Each test launches one kernel on a small input, counts its
global-memory reads and writes of each array and its shared-memory use
(``memory_counts.py``), and checks one rule. A message names the rule,
what was measured and what is allowed. The rules, for an output of ``c``
cells from inputs of ``n`` cells:

- ``_sum_practice`` sums each block's values in shared memory, reads each
  value once, and writes one sum per block to global memory;
- map and zip write each output cell once;
- ``_mm_practice`` reads each cell of ``a`` and ``b`` from global memory once
  and writes each output cell once;
- the tiled ``_tensor_matrix_multiply`` reads ``a`` and ``b`` one tile per
  step: each thread at most one cell of each per step of ``TILE`` along the
  inner dimension, so its reads per output grow like ``m / TILE``, not ``m``.

Counting needs the simulator: these tests run under it, GPU or not.
"""

from __future__ import annotations

import math

import minitorch
import numpy as np
import pytest

from .backends import get_backend
from .cuda_blocks import block_edge, block_threads
from .memory_counts import Launch, counting, the_launch

pytestmark = [pytest.mark.cuda, pytest.mark.simulator]  # counting needs the simulator, GPU or not


def _cuda_ops():  # type: ignore[no-untyped-def]
    get_backend("cuda")  # chooses the simulator when there is no GPU, before numba.cuda is imported
    from minitorch import cuda_ops

    return cuda_ops


def _tensor(values: np.ndarray) -> minitorch.Tensor:
    return minitorch.tensor(values.tolist(), backend=get_backend("cuda"))


def _rule(kernel: str, what: str, measured: int, rule: str, allowed: int) -> str:
    return f"`{kernel}` {what} {measured:,} times from global memory; the rule is {rule}: {allowed:,}"


@pytest.mark.task3_3
def test_sum_practice_sums_in_shared_memory_with_one_write_per_block() -> None:
    """Each block's values summed in shared memory; one global write per block, one read per value."""
    cuda_ops = _cuda_ops()
    size = block_threads(cuda_ops) + 3  # two blocks, the second partly empty
    with counting() as launches:
        cuda_ops.sum_practice(_tensor(np.linspace(-1.0, 2.0, size)))
    launch = the_launch(launches, "_sum_practice")
    assert launch.shared > 0, "`_sum_practice` used no shared memory; the rule is to sum each block's values there"
    writes = launch.stores[0]
    assert writes == launch.blocks, _rule("_sum_practice", "wrote `out`", writes, "once per block", launch.blocks)
    reads = launch.loads[1]
    assert reads <= size, _rule("_sum_practice", "read `a`", reads, "at most once per value", size)


@pytest.mark.task3_3
def test_map_and_zip_write_each_output_cell_once() -> None:
    """A map and a zip over a permuted (not contiguous) 3 x 5 tensor each write its 15 cells once."""
    _cuda_ops()
    x = _tensor(np.linspace(0.5, 2.0, 15).reshape(5, 3)).permute(1, 0)
    with counting() as launches:
        negated = -x
        summed = x + negated
    for name, result in (("_map", negated), ("_zip", summed)):
        writes = the_launch(launches, name).stores[0]
        assert writes == result.size, _rule(name, "wrote `out`", writes, "once per output cell", result.size)


@pytest.mark.task3_4
def test_mm_practice_reads_each_cell_once_through_shared_memory() -> None:
    """A 3 x 3 product: each cell of ``a`` and ``b`` read once from global memory, each output cell written once."""
    cuda_ops = _cuda_ops()
    size = min(3, block_edge(cuda_ops))
    a, b = (_tensor(np.arange(size * size, dtype=float).reshape(size, size) + k) for k in (0.5, -1.0))
    with counting() as launches:
        cuda_ops.mm_practice(a, b)
    launch = the_launch(launches, "_mm_practice")
    cells = size * size
    for position, name in ((1, "a"), (2, "b")):
        reads = launch.loads[position]
        assert reads == cells, _rule("_mm_practice", f"read `{name}`", reads, "once per cell", cells)
    writes = launch.stores[0]
    assert writes == cells, _rule("_mm_practice", "wrote `out`", writes, "once per output cell", cells)


@pytest.mark.task3_4
def test_tiled_matmul_reads_one_tile_per_step() -> None:
    """An 8 x 64 by 64 x 8 product: reads of ``a`` and ``b`` grow like 64 / TILE per output, not 64."""
    _cuda_ops()
    n, m, p = 8, 64, 8
    a = _tensor(np.linspace(-1.0, 1.0, n * m).reshape(n, m))
    b = _tensor(np.linspace(1.0, -1.0, m * p).reshape(m, p))
    with counting() as launches:
        product = a @ b
    assert np.allclose(product.to_numpy(), a.to_numpy() @ b.to_numpy()), "the product is wrong"
    launch = the_launch(launches, "_tensor_matrix_multiply")
    for name, reads, allowed in (("a", *_tile_reads(launch, 4, n, m, rows=True)),
                                 ("b", *_tile_reads(launch, 7, p, m, rows=False))):  # fmt: skip
        rule = f"one cell per thread per step of the tile ({launch.block[0]}) along the inner {m}"
        assert reads <= allowed, _rule("_tensor_matrix_multiply", f"read `{name}`", reads, rule, allowed)


def _tile_reads(launch: Launch, position: int, edge: int, inner: int, rows: bool) -> tuple[int, int]:
    """The reads of one operand, and the most a tiled kernel makes: ``edge`` lines, each by every thread
    of the grid across them, once per step of the tile along ``inner``."""
    across = launch.grid[0] * launch.block[0] if rows else launch.grid[1] * launch.block[1]
    tile = launch.block[0] if rows else launch.block[1]
    return launch.loads[position], edge * across * math.ceil(inner / tile)
