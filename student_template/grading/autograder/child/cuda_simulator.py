"""Runs inside a grading child under numba's CUDA simulator: what the simulator needs, and what it lacks.

It is copied into the scratch tree as ``_autograder_cuda.py`` and the test
plugin calls :func:`prepare` before any test module is imported, when the
child's environment chooses the simulator. It depends on nothing but the
standard library: numba is not imported here, so a child that never uses
CUDA never pays for it.

- Thread stacks. The simulator runs every thread of a block as a Python
  thread, all alive at once (they wait for each other at
  ``cuda.syncthreads()``): the 32x32 blocks of public CUDA kernels are
  1,024 threads. With the system's default 8 MiB stacks they would reserve
  8 GiB, more than a child's address-space cap, and ``can't start new
  thread``. Simulated threads run Python code, which needs far less:
  :data:`THREAD_STACK_BYTES` each. (The process cap that counts threads is
  raised for CUDA tasks by the parent: ``limits.CUDA_PROCESS_LIMIT``.)
- ``numba.cuda.is_cuda_array``. Code written for a GPU calls it (a tensor
  moved to the device checks its storage first); the simulator (numba-cuda's,
  0.30) does not define it. Once ``numba.cuda`` is imported it gets one that answers
  as a GPU build does: true for a simulated device array or any object
  with ``__cuda_array_interface__``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from types import ModuleType
from typing import Any

THREAD_STACK_BYTES = 1024**2
SIMULATOR_VARIABLE = "NUMBA_ENABLE_CUDASIM"


def prepare() -> None:
    """Small thread stacks, and ``numba.cuda.is_cuda_array`` once ``numba.cuda`` is imported."""
    threading.stack_size(THREAD_STACK_BYTES)
    module = sys.modules.get("numba.cuda")
    if module is not None:
        add_missing(module)
    elif not any(isinstance(finder, _CompleteOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _CompleteOnImport())


def is_cuda_array(obj: Any) -> bool:
    """Whether ``obj`` is a (simulated) device array, as ``numba.cuda.is_cuda_array`` says on a GPU."""
    if hasattr(obj, "__cuda_array_interface__"):
        return True
    devicearray = sys.modules.get("numba.cuda.simulator.cudadrv.devicearray")
    fake = getattr(devicearray, "FakeCUDAArray", None)
    return isinstance(fake, type) and isinstance(obj, fake)


def add_missing(module: ModuleType) -> None:
    """Give the simulator's ``numba.cuda`` what a GPU build has and it lacks."""
    if not hasattr(module, "is_cuda_array"):
        module.is_cuda_array = is_cuda_array  # type: ignore[attr-defined]


class _CompleteOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: it wraps the loader of ``numba.cuda``, so :func:`add_missing` runs once it is loaded."""

    def find_spec(
        self, fullname: str, path: Any, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "numba.cuda":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                # numba-cuda's redirecting finder asks every finder, this one too: wrap once.
                if not isinstance(spec.loader, _Completing):
                    spec.loader = _Completing(spec.loader)
                return spec
        return None


class _Completing(importlib.abc.Loader):
    """A loader that runs another, then adds what the simulator lacks."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.inner.exec_module(module)
        add_missing(module)
        module.__loader__ = self.inner  # the module keeps numba's own loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
