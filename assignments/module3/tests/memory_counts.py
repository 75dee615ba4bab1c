"""Count what CUDA kernels do with memory, under numba-cuda's simulator: the rules of Module 3, measured.

Inside :func:`counting`, every kernel launch is recorded as a :class:`Launch`:
its grid, its block, how many times each argument array was read
(``loads``) and written (``stores``) from global memory, by the argument's
position, and how many times its threads asked for shared memory. Each
array argument is handed to the kernel inside a :class:`Counted`, which
counts every element read and written and passes it to the array; shared
and local arrays are plain NumPy arrays the kernel makes itself, not counted
(a launch records how many shared arrays it made).

Counting needs the simulator (each GPU thread is a Python thread there): on
a GPU, kernels are machine code, and :func:`counting` says so.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Launch:
    """One kernel launch: its name, grid and block, and its memory traffic."""

    kernel: str
    grid: tuple[int, int, int]
    block: tuple[int, int, int]
    loads: Counter[int] = field(default_factory=Counter)  # global reads by argument position
    stores: Counter[int] = field(default_factory=Counter)  # global writes by argument position
    shared: int = 0  # shared arrays the kernel made (by the lines of code asking for one)

    @property
    def blocks(self) -> int:
        """Blocks launched."""
        return self.grid[0] * self.grid[1] * self.grid[2]

    @property
    def threads(self) -> int:
        """Threads per block."""
        return self.block[0] * self.block[1] * self.block[2]


class Counted:
    """An argument array as a kernel sees it: every element read and write counted, then done on the array."""

    def __init__(self, array: np.ndarray, position: int, launch: Launch, lock: threading.Lock) -> None:
        self._array, self._position, self._launch, self._lock = array, position, launch, lock

    def __getitem__(self, index: Any) -> Any:
        with self._lock:
            self._launch.loads[self._position] += 1
        return self._array[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        with self._lock:
            self._launch.stores[self._position] += 1
        self._array[index] = value

    def __len__(self) -> int:
        return len(self._array)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._array, name)  # shape, size, dtype, ndim: what kernels read of an array itself


def _simulator() -> Any:
    """numba-cuda's simulator module of kernels (importing ``numba.cuda`` first chooses it)."""
    from numba import config

    if not config.ENABLE_CUDASIM:
        raise RuntimeError("counting memory accesses needs numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1)")
    from numba.cuda.simulator import kernel, kernelapi

    return kernel, kernelapi


@contextmanager
def counting() -> Iterator[list[Launch]]:
    """Record every kernel launched inside the block, in launch order, with its counts.

    Raises:
        RuntimeError: Kernels do not run under the simulator here.
    """
    kernel, kernelapi = _simulator()
    launches: list[Launch] = []
    lock = threading.Lock()
    launching = kernel.FakeCUDAKernel.__call__
    making = kernelapi.FakeCUDAShared.__init__
    shared_memories: list[Any] = []  # each launch's, made as it starts

    @functools.wraps(launching)
    def launch(self: Any, *args: Any) -> Any:
        if self._device or kernel._kernel_context:  # a device function, or a call from a running kernel
            return launching(self, *args)
        grid, block = kernel.normalize_kernel_dimensions(self.grid_dim, self.block_dim)
        record = Launch(getattr(self.fn, "__name__", "kernel"), tuple(grid), tuple(block))
        launches.append(record)
        wrapped = [Counted(a, i, record, lock) if isinstance(a, np.ndarray) and a.ndim > 0 else a
                   for i, a in enumerate(args)]  # fmt: skip
        shared_memories.clear()
        try:
            return launching(self, *wrapped)
        finally:
            # The simulator keys a shared array by the line asking for it: counted after, never wrapped.
            record.shared = sum(len(memory._allocations) for memory in shared_memories)

    @functools.wraps(making)
    def make(self: Any, *args: Any, **kwargs: Any) -> None:
        making(self, *args, **kwargs)
        shared_memories.append(self)

    kernel.FakeCUDAKernel.__call__, kernelapi.FakeCUDAShared.__init__ = launch, make
    try:
        yield launches
    finally:
        kernel.FakeCUDAKernel.__call__, kernelapi.FakeCUDAShared.__init__ = launching, making


def the_launch(launches: list[Launch], name: str) -> Launch:
    """The one launch of kernel ``name`` among ``launches`` (an assertion names what was launched instead)."""
    found = [launch for launch in launches if launch.kernel == name]
    assert len(found) == 1, f"expected one launch of `{name}`, got {[launch.kernel for launch in launches]}"
    return found[0]
