"""Benchmark the tensor backends side by side: ``make bench``.

Every figure of a table is measured in this one run, one after another, so
the ratios hold on a noisy machine even when the absolute numbers move.
Prints four tables:

1. matrix multiply, float64, batch 2: GFLOP/s of numpy, the simple backend
   and the fast backend, and the fast backend's ratios;
2. map, zip and reduce on 1e6 and 1e7 elements, row-major ("aligned") and
   column-major ("permuted") inputs: GB/s of the fast backend and numpy;
3. compile time of every kernel the fast backend uses, with an empty cache
   and again with the cache the first process wrote;
4. time per epoch of the Task 3.5 network against the same network in
   PyTorch on the CPU (when torch is installed);
5. the CUDA matmul kernel in float32 and float64 (on a GPU; "no GPU" here).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

# The targets the tables print beside the ratios they bound (the README's performance section).
MATMUL_TARGET = (512, 0.5)  # at n=512, fast/numpy at least this
PERMUTED_TARGET = 0.5  # map and zip on column-major inputs: fast/numpy at least this
TRAINING_TARGET = 4.0  # Task 3.5: minitorch's epoch at most this many of PyTorch's on the CPU
IDLE_S = 0.3  # a pause before each timed turn: longer than the thread pools spin after their last task

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "reference"
sys.path.insert(0, str(LIBRARY))

import minitorch  # noqa: E402

FAST = minitorch.TensorBackend(minitorch.FastOps)
SIMPLE = minitorch.SimpleBackend


def best_seconds(fn: Callable[[], Any], repeat: int) -> float:
    """The fastest of ``repeat`` timed calls, after one untimed call (``repeat=0``: one timed call only)."""
    if repeat == 0:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started
    fn()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def best_side_by_side(fns: list[Callable[[], Any]], repeat: int, rounds: int = 3) -> list[float]:
    """The fastest call of each of ``fns``, timed in turns: ``rounds`` times ``repeat`` calls of each.

    A load that comes and goes on a shared machine then slows every one of them alike. Each turn starts
    after a pause: OpenBLAS's threads keep spinning for a while after numpy's matmul returns (and numba's
    after a parallel kernel), and would take the cores from whatever is timed next.
    """
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            time.sleep(IDLE_S)
            best[i] = min(best[i], best_seconds(fn, repeat))
    return best


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    """Print a plain aligned table."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


def simple_matmul(a: minitorch.Tensor, b: minitorch.Tensor) -> minitorch.Tensor:
    """Matrix multiply with the simple backend's zip and reduce, as Task 2.5's layers do it."""
    batch, n, m = a.shape
    p = b.shape[2]
    return (a.view(batch, n, m, 1) * b.view(batch, 1, m, p)).sum(2).view(batch, n, p)


def bench_matmul(sizes: list[int], simple_sizes: list[int]) -> None:
    """Print GFLOP/s of numpy and the fast backend at every size, then of the simple backend.

    The simple backend runs last, each size next to a fresh fast timing:
    minutes of pure Python slow this machine's cores for a while after.
    """
    inputs = {n: (np.random.rand(2, n, n), np.random.rand(2, n, n)) for n in sizes}
    fast_tensors = {n: (_as_tensor(a), _as_tensor(b)) for n, (a, b) in inputs.items()}
    rows = {}
    for n in sizes:
        a_np, b_np = inputs[n]
        a, b = fast_tensors[n]
        flops = 2 * 2 * n**3
        repeat = 5 if n <= 256 else 3
        numpy_s, fast_s = best_side_by_side([lambda: a_np @ b_np, lambda: a @ b], repeat)
        assert np.allclose((a @ b).to_numpy(), a_np @ b_np)
        rows[n] = [
            str(n),
            f"{flops / numpy_s / 1e9:.3g}",
            "-",
            f"{flops / fast_s / 1e9:.3g}",
            f"{numpy_s / fast_s:.2f}",
            "-",
            f">= {MATMUL_TARGET[1]:.2f}" if n == MATMUL_TARGET[0] else "",
        ]
    for n in simple_sizes:
        a_np, b_np = inputs[n]
        a, b = fast_tensors[n]
        ta, tb = _as_tensor(a_np, SIMPLE), _as_tensor(b_np, SIMPLE)
        flops = 2 * 2 * n**3
        simple_s = best_seconds(lambda: simple_matmul(ta, tb), 0)
        fast_s = best_seconds(lambda: a @ b, 5)
        rows[n][2], rows[n][5] = f"{flops / simple_s / 1e9:.4f}", f"{simple_s / fast_s:.0f}x"
    header = ["n", "numpy GFLOP/s", "simple GFLOP/s", "fast GFLOP/s", "fast/numpy", "fast vs simple", "target"]
    table("Matrix multiply, float64, batch 2 (a @ b, n x n)", header, list(rows.values()))


def bench_elementwise(sizes: list[int], simple_size: int) -> None:
    """Print GB/s of fast map, zip and reduce against numpy, then fast map against simple map."""
    rows = []
    for size in sizes:
        side = int(round(size**0.5))
        values = np.random.rand(side, side)
        layouts = {"aligned": values, "permuted": values.T.copy().T}
        for layout, array in layouts.items():
            x = _as_tensor(array)
            y = _as_tensor(array)
            bytes_map, bytes_zip, bytes_reduce = 16 * array.size, 24 * array.size, 8 * array.size
            out = np.empty_like(values)
            cases = [
                ("map (neg)", lambda: -x, lambda: np.negative(array, out=out), bytes_map),
                ("zip (add)", lambda: x + y, lambda: np.add(array, array, out=out), bytes_zip),
                ("reduce (sum dim 1)", lambda: x.sum(1), lambda: array.sum(axis=1), bytes_reduce),
            ]
            for name, fast_fn, numpy_fn, moved in cases:
                fast_s, numpy_s = best_side_by_side([fast_fn, numpy_fn], 5)
                bounded = layout == "permuted" and not name.startswith("reduce")
                rows.append(
                    [
                        name,
                        f"{array.size:.0e}",
                        layout,
                        f"{moved / fast_s / 1e9:.1f}",
                        f"{moved / numpy_s / 1e9:.1f}",
                        f"{numpy_s / fast_s:.2f}",
                        f">= {PERMUTED_TARGET:.2f}" if bounded else "",
                    ]
                )
    header = ["op", "elements", "layout", "fast GB/s", "numpy GB/s", "fast/numpy", "target"]
    table("Map, zip, reduce (bytes read and written per second)", header, rows)
    small = _as_tensor(np.random.rand(simple_size), SIMPLE)
    big = _as_tensor(np.random.rand(simple_size))
    simple_s = best_seconds(lambda: -small, 0)
    fast_s = best_seconds(lambda: -big, 5)
    ratio = simple_s / fast_s
    print(f"map of {simple_size:.0e} elements: simple {simple_s:.2f} s, fast {fast_s * 1e3:.2f} ms: {ratio:.0f}x")


def _as_tensor(array: np.ndarray, backend: minitorch.TensorBackend = FAST) -> minitorch.Tensor:
    """A tensor over ``array``'s memory, with its strides (row- or column-major)."""
    strides = tuple(s // array.itemsize for s in array.strides)
    data = minitorch.TensorData(array.ravel(order="K"), array.shape, strides)
    return minitorch.Tensor(data, backend=backend)


WARMUP = """
import sys, time
started = time.perf_counter()
sys.path.insert(0, {library!r})
import minitorch
backend = minitorch.TensorBackend(minitorch.FastOps)
a = minitorch.rand((4, 5), backend=backend, requires_grad=True)
b = minitorch.rand((5, 3), backend=backend, requires_grad=True)
out = ((a @ b).relu().sigmoid().log().exp() * 2.0 - (a.sum(1) < 0.5).sum() + (a == a).sum()).sum()
out.backward()
(a.permute(1, 0).contiguous().view(20) / 3.0).mean()
a.is_close(a).all()
print(time.perf_counter() - started)
"""


def bench_compile() -> None:
    """Print the start-up time of a new process using every fast kernel, with an empty cache and a warm one."""
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        code = WARMUP.format(library=str(LIBRARY))
        times = []
        for _ in ("cold", "warm"):
            done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            times.append(float(done.stdout.strip().splitlines()[-1]))
        kernels = sum(1 for _ in Path(cache).rglob("*.nbc"))
    rows = [["cold (empty cache)", f"{times[0]:.2f}"], ["warm (cache hit)", f"{times[1]:.2f}"]]
    table(
        f"Compile: a new process using every fast kernel ({kernels} compiled kernels cached)", ["run", "seconds"], rows
    )
    print(f"warm/cold: {times[1] / times[0]:.3f}")


def bench_training(epochs: int) -> None:
    """Print the time per epoch of the Task 3.5 network, and of the same network in PyTorch when installed."""
    from project.run_fast_tensor import FastTrain

    random.seed(1)
    data = minitorch.datasets["Split"](50)
    trainer = FastTrain(100, FAST)
    trainer.train(data, 0.05, 2, log_fn=None)  # compile or load every kernel first
    try:
        import torch
    except ImportError:
        torch = None
    # In turns, a quarter of the epochs at a time, so that a load that comes and goes slows both alike.
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(4):
        mine += trainer.train(data, 0.05, max(1, epochs // 4), log_fn=None).seconds
        theirs += _torch_epochs(torch, data, max(1, epochs // 4)) if torch is not None else []
    ours = float(np.median(mine))
    rows = [["minitorch fast (cpu)", f"{ours * 1e3:.1f}", "1.00", ""]]
    target = f"<= {TRAINING_TARGET:.2f}"
    if torch is None:
        rows.append(["PyTorch (cpu)", "not installed", "-", target])
    else:
        torch_s = float(np.median(theirs))
        rows.append([f"PyTorch {torch.__version__} (cpu)", f"{torch_s * 1e3:.1f}", f"{ours / torch_s:.2f}", target])
    table(
        "Task 3.5 network (2-100-100-1, batch 10, 50 points of Split): median time per epoch",
        ["", "ms/epoch", "minitorch/this", "target"],
        rows,
    )


def _torch_epochs(torch: Any, data: minitorch.Graph, epochs: int) -> list[float]:
    """The seconds of each of ``epochs`` epochs of the same network in PyTorch."""
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 100), torch.nn.ReLU(), torch.nn.Linear(100, 100), torch.nn.ReLU(),
        torch.nn.Linear(100, 1), torch.nn.Sigmoid(),
    ).double()  # fmt: skip
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    X = torch.tensor(data.X, dtype=torch.float64)
    y = torch.tensor(data.y, dtype=torch.float64)
    seconds = []
    order = list(range(data.N))
    for _ in range(epochs):
        started = time.perf_counter()
        random.shuffle(order)
        for first in range(0, data.N, 10):
            batch = order[first : first + 10]
            optimizer.zero_grad()
            out = model(X[batch]).view(-1)
            loss = -(out * y[batch] + (out - 1.0) * (y[batch] - 1.0)).log()
            (loss / data.N).sum().backward()
            optimizer.step()
        seconds.append(time.perf_counter() - started)
    return seconds


def bench_cuda(sizes: list[int]) -> None:
    """Print GFLOP/s of the CUDA matmul kernel (float32, float64) against numpy and the fast backend.

    Only on a GPU: under the simulator a kernel costs about a millisecond per
    thread, which measures nothing worth printing. Data stays on the device;
    the kernel time excludes transfers.
    """
    from minitorch.jit import gpu_present

    if not gpu_present():
        print("\nCUDA matmul: no GPU on this machine (the CUDA tests run under the simulator)")
        return
    from minitorch import cuda_ops
    from numba import cuda

    if cuda_ops.simulated() or not cuda.is_available():
        print("\nCUDA matmul: a GPU is present but numba cannot use it")
        return
    rows = []
    for n in sizes:
        flops = 2 * n**3
        base = np.random.rand(1, n, n)
        numpy_s = best_seconds(lambda: base[0] @ base[0], 2)
        fast_s = best_seconds(lambda: _as_tensor(base) @ _as_tensor(base), 2) if n <= 2048 else float("nan")
        row = [str(n), f"{flops / numpy_s / 1e9:.3g}", f"{flops / fast_s / 1e9:.3g}"]
        for dtype in (np.float32, np.float64):
            a = cuda.to_device(base.astype(dtype).ravel())
            out = cuda.device_array(n * n, dtype=dtype)
            shape = cuda.to_device(np.array([1, n, n], dtype=np.int32))
            strides = cuda.to_device(np.array([n * n, n, 1], dtype=np.int32))
            grid = ((n + cuda_ops.TILE - 1) // cuda_ops.TILE, (n + cuda_ops.TILE - 1) // cuda_ops.TILE, 1)
            kernel = cuda_ops.tensor_matrix_multiply[grid, (cuda_ops.TILE, cuda_ops.TILE)]

            def run() -> None:
                kernel(out, shape, strides, n * n, a, shape, strides, a, shape, strides)  # noqa: B023
                cuda.synchronize()

            row.append(f"{flops / best_seconds(run, 3) / 1e9:.3g}")
        rows.append(row)
    header = ["n", "numpy GFLOP/s (CPU)", "fast GFLOP/s (CPU)", "CUDA float32", "CUDA float64"]
    table(f"CUDA matmul (tiled, TILE={cuda_ops.TILE}), n x n", header, rows)


def main() -> None:
    """Run every table (``--quick``: small sizes only)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    args = parser.parse_args()
    sys.path.insert(0, str(LIBRARY))
    started = time.perf_counter()
    import numba

    threads = numba.get_num_threads()
    print(f"numpy {np.__version__}, {os.cpu_count()} cores, numba threads {threads}")
    if args.quick:
        bench_matmul([32, 64], [32])
        bench_elementwise([10_000], 1_000)
        bench_training(3)
        bench_cuda([256])
    else:
        bench_matmul([64, 128, 256, 512], [64, 128])
        bench_elementwise([1_000_000, 10_000_000], 1_000_000)
        bench_compile()
        bench_training(50)
        bench_cuda([256, 512, 1024, 2048, 4096])
    print(f"\nbench took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
