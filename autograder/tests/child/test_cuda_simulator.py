"""A CUDA task's child under the simulator: a 32x32 block fits its caps, is_cuda_array exists, races always show."""

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


PREAMBLE = """
import numpy as np
from autograder.child.cuda_simulator import prepare
prepare()
from numba import cuda
"""


def _simulate(code: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NUMBA_ENABLE_CUDASIM": "1"}
    return subprocess.run([sys.executable, "-c", PREAMBLE + code], env=env, capture_output=True, text=True, timeout=300)


SUMS = """
@cuda.jit
def block_sums(out, a, synced):
    cache = cuda.shared.array(16, np.float64)
    t = cuda.threadIdx.x
    cache[t] = a[t]
    if synced:
        cuda.syncthreads()
    stride = 1
    while stride < 16:
        if t % (2 * stride) == 0:
            cache[t] += cache[t + stride]
        stride *= 2
        cuda.syncthreads()
    if t == 0:
        out[0] = cache[0]

a = np.linspace(-1.0, 2.0, 16)
for synced in (True, False, False, False):
    out = np.zeros(1)
    block_sums[1, 16](out, a, synced)
    print(np.allclose(out, a.sum()))
"""


def test_a_missing_syncthreads_gives_wrong_sums_in_every_run() -> None:
    """Threads take turns in a fixed order, and unwritten shared cells are NaN: the race shows every time.

    (The simulator alone gets this block right: its threads happened to load before they added, or an
    unwritten cell held memory of a freed copy of the input.)
    """
    result = _simulate(SUMS)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "False", "False", "False"]


BLOCK_RULES = """
@cuda.jit
def two_tiles(out, unwritten):
    a = cuda.shared.array(8, np.float64)
    b = cuda.shared.array(8, np.float64)
    spare = cuda.shared.array(8, np.float64)
    t = cuda.threadIdx.x
    if t >= 4:
        return  # ended threads do not hold the barrier
    a[t] = t
    b[t] = 10.0 * t
    cuda.syncthreads()
    out[t] = a[3 - t] + b[t]
    unwritten[t] = spare[t]

out, unwritten = np.zeros(4), np.zeros(4)
two_tiles[1, 8](out, unwritten)
print(out.tolist() == [3.0, 12.0, 21.0, 30.0], np.isnan(unwritten).all())

@cuda.jit
def fails(out):
    t = cuda.threadIdx.x
    if t == 5:
        raise ValueError("thread five")
    cuda.syncthreads()
    out[t] = t

for attempt in range(20):
    try:
        fails[2, 8](np.zeros(8))
    except ValueError as error:
        message = str(error)
print("raised", "thread five" in message)

import threading, time
deadline = time.monotonic() + 30
while threading.active_count() > 1 + 8 and time.monotonic() < deadline:  # the kept workers of two_tiles
    time.sleep(0.01)
two_tiles[1, 8](out, unwritten)
print(out.tolist() == [3.0, 12.0, 21.0, 30.0], threading.active_count() <= 1 + 8)
"""


def test_a_block_keeps_the_simulators_rules() -> None:
    """Shared arrays of two lines differ, an unwritten one holds NaN, ended threads pass, an exception ends it.

    A failed block's threads all end, so failures do not pile up threads against the child's cap.
    """
    result = _simulate(BLOCK_RULES)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "True", "raised", "True", "True", "True"]


INTERRUPTED = """
import signal, threading, time
from autograder.child.cuda_simulator import POOL

@cuda.jit
def slow(out):
    t = cuda.threadIdx.x
    if t == 0:
        signal.setitimer(signal.ITIMER_REAL, 0.05)  # from inside the block: the launch is surely waiting on it
    total = 0.0
    for i in range(300000):
        total += i
    cuda.syncthreads()
    out[t] = total

@cuda.jit
def ids(out):
    out[cuda.threadIdx.x] = cuda.threadIdx.x

class Stop(Exception):
    pass

def stop(*_):
    raise Stop(POOL.busy)

signal.signal(signal.SIGALRM, stop)
try:
    slow[1, 8](np.zeros(8))
except Stop as stopped:
    print("interrupted", "busy" if stopped.args[0] else "idle")
print("free", not POOL.busy)
out = np.zeros(8)
ids[1, 8](out)
kept = POOL.workers
ids[1, 8](out)
print(out.tolist() == list(range(8)), POOL.workers is kept and len(kept) == 8)
deadline = time.monotonic() + 30
while threading.active_count() > 1 + 8 and time.monotonic() < deadline:  # the interrupted block's threads end
    time.sleep(0.01)
print("ended", threading.active_count() <= 1 + 8)
"""


def test_a_launch_interrupted_by_a_signal_frees_the_pool_and_ends_its_threads() -> None:
    """A launch cut short (a signal handler raised while it waited) gives its block up; the next ones are kept."""
    result = _simulate(INTERRUPTED)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["interrupted", "busy", "free", "True", "True", "True", "ended", "True"]
