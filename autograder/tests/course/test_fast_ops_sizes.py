"""The reference's fast backend gives numpy's values on both sides of its size threshold.

Below ``PARALLEL_WORK`` a kernel runs as a plain loop on one thread, above
it as the parallel kernel: two compilations of the same loops, each checked
here on contiguous and transposed inputs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ..conftest import REPO

sys.path.insert(0, str(REPO / "reference"))
import minitorch  # noqa: E402
from minitorch.fast_ops import PARALLEL_WORK  # noqa: E402

FAST = minitorch.TensorBackend(minitorch.FastOps)
SIDES = {"serial": 8, "parallel": 2 * int(PARALLEL_WORK**0.5)}  # a square of side n has n*n positions


def _tensor(values: np.ndarray) -> minitorch.Tensor:
    return minitorch.tensor(values.tolist(), backend=FAST)


@pytest.mark.parametrize("side", SIDES.values(), ids=list(SIDES))
def test_map_zip_and_reduce_match_numpy(side: int) -> None:
    rng = np.random.default_rng(side)
    a, b = rng.standard_normal((side, side)), rng.standard_normal((side, side))
    ta, tb = _tensor(a), _tensor(b)
    transposed = ta.permute(1, 0)
    assert np.allclose((-ta).to_numpy(), -a)
    assert np.allclose((-transposed).to_numpy(), -a.T)
    assert np.allclose((ta + tb).to_numpy(), a + b)
    assert np.allclose((transposed * tb).to_numpy(), a.T * b)
    assert np.allclose(ta.sum(1).to_numpy(), a.sum(1, keepdims=True))
    assert np.allclose(transposed.sum(0).to_numpy(), a.T.sum(0, keepdims=True))


@pytest.mark.parametrize("side", [4, 2 * round(PARALLEL_WORK ** (1 / 3))], ids=["serial", "parallel"])
def test_matrix_multiply_matches_numpy(side: int) -> None:
    rng = np.random.default_rng(side)
    a, b = rng.standard_normal((2, side, side + 1)), rng.standard_normal((side + 1, side))
    assert np.allclose((_tensor(a) @ _tensor(b)).to_numpy(), a @ b)
    assert np.allclose((_tensor(a[0]) @ _tensor(b).permute(1, 0).contiguous().permute(1, 0)).to_numpy(), a[0] @ b)


BOTH_BUILDS = """
import sys
sys.path.insert(0, {library!r})
import minitorch
from minitorch.fast_ops import PARALLEL_WORK
backend = minitorch.TensorBackend(minitorch.FastOps)
for size in (8, 2 * PARALLEL_WORK):
    -minitorch.rand((size,), backend=backend)
"""


def test_the_one_thread_and_parallel_builds_are_cached_apart(tmp_path: Path) -> None:
    """numba's cache keys a kernel by its code, not its compile options: each build needs its own index."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    code = BOTH_BUILDS.format(library=str(REPO / "reference"))
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=300)
    indexes = sorted(path.name for path in tmp_path.rglob("*tensor_map*_map*.nbi"))
    assert len(indexes) == 2 and sum("one_thread" in name for name in indexes) == 1, indexes
