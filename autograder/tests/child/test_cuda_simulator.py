"""A CUDA task's child under the simulator: a 32x32 block fits its caps, and is_cuda_array exists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from autograder.grading.limits import CUDA_PROCESS_LIMIT, MEMORY_LIMIT_BYTES, limit_resources, process_cgroup

REPO = Path(__file__).resolve().parents[3]

KERNEL = """
import numpy as np
from autograder.child.cuda_simulator import prepare
prepare()
from numba import cuda

@cuda.jit
def transpose(out):
    i, j = cuda.threadIdx.x, cuda.threadIdx.y
    tile = cuda.shared.array((32, 32), np.float64)
    tile[i, j] = i * 32 + j
    cuda.syncthreads()
    out[i, j] = tile[j, i]

out = np.zeros((32, 32))
transpose[1, (32, 32)](out)
assert (out == np.arange(1024).reshape(32, 32).T).all()
device = cuda.to_device(out)
print(cuda.is_cuda_array(device), cuda.is_cuda_array(out), cuda.is_cuda_array(object()))
"""


def test_a_32x32_block_runs_within_a_cuda_childs_caps() -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO), "NUMBA_ENABLE_CUDASIM": "1",
           "MALLOC_ARENA_MAX": "4"}  # fmt: skip
    with process_cgroup(CUDA_PROCESS_LIMIT) as group:
        result = subprocess.run(
            [sys.executable, "-c", KERNEL], env=env, capture_output=True, text=True, timeout=300,
            preexec_fn=limit_resources(MEMORY_LIMIT_BYTES, group, processes=CUDA_PROCESS_LIMIT),
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "False", "False"]


def test_is_cuda_array_is_added_when_numba_cuda_is_imported_later() -> None:
    code = (
        "import sys\nfrom autograder.child.cuda_simulator import prepare\nprepare()\n"
        "assert 'numba' not in sys.modules\nimport numba.cuda\n"
        "print(numba.cuda.is_cuda_array(numba.cuda.to_device([1.0])), type(numba.cuda.__loader__).__name__)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NUMBA_ENABLE_CUDASIM": "1"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "SourceFileLoader"]
