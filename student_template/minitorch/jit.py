"""What the compiled backends share: Python functions made callable in kernels, and the kernel cache.

Both the fast CPU backend (``fast_ops``) and the CUDA backend (``cuda_ops``)
call the scalar operators of Module 0 and the index helpers of Module 2
from inside compiled code. :func:`jitable` registers such a function once
with numba for every target (CPU and CUDA, and plain Python under the CUDA
simulator); the function itself is unchanged for Python callers.
"""

from __future__ import annotations

import hashlib
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numba
from numba.extending import register_jitable

from . import operators
from .tensor_data import broadcast_index, index_to_position, to_index

Fn = TypeVar("Fn", bound=Callable[..., Any])

# Sources whose code ends up inside compiled kernels. numba's cache checks
# only the file that defines a kernel, so a change to one of these would
# otherwise leave stale kernels in the cache.
KERNEL_SOURCES = ("fast_ops.py", "cuda_ops.py", "jit.py", "tensor_data.py", "operators.py")

_registered: set[Callable[..., Any]] = set()


def jitable(fn: Fn) -> Fn:
    """Make a Python function callable inside compiled kernels; return it unchanged.

    ``register_jitable`` rather than ``njit``: a kernel that closes over an
    ``njit`` function is never found in numba's cache by a new process; one
    that closes over a registered plain function is. The compiler inlines
    such small functions into the kernel's loops (numba's own IR inlining,
    ``inline="always"``, is no faster here and warns about its own checks).
    """
    if fn not in _registered:
        register_jitable(fn)
        _registered.add(fn)
    return fn


def use_project_cache() -> None:
    """Keep compiled kernels in one cache folder per version of the kernel sources.

    The folder is ``$NUMBA_CACHE_DIR`` (or ``.numba_cache`` next to the
    package) plus a digest of :data:`KERNEL_SOURCES`: editing any of them
    starts a fresh cache instead of loading kernels built from old code.
    """
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for name in KERNEL_SOURCES:
        source = package / name
        digest.update(source.read_bytes() if source.is_file() else b"")
    base = os.environ.get("NUMBA_CACHE_DIR") or str(package.parent / ".numba_cache")
    numba.config.CACHE_DIR = str(Path(base) / digest.hexdigest()[:16])  # type: ignore[attr-defined]


# The scalar operators call one another, and the kernels call the index helpers.
for _fn in [*vars(operators).values(), to_index, index_to_position, broadcast_index]:
    if inspect.isfunction(_fn) and _fn.__module__ in (operators.__name__, to_index.__module__):
        jitable(_fn)
use_project_cache()

__all__ = ["KERNEL_SOURCES", "jitable", "use_project_cache"]
