"""What the compiled backends share: functions callable in kernels, the kernel cache, matmul operands.

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
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numba
from numba.extending import register_jitable

from . import operators
from .tensor_data import TensorData, broadcast_index, index_to_position, shape_broadcast, to_index

if TYPE_CHECKING:
    from .tensor import Tensor

Fn = TypeVar("Fn", bound=Callable[..., Any])

# Sources whose code ends up inside compiled kernels. numba's cache checks
# only the file that defines a kernel, so a change to one of these would
# otherwise leave stale kernels in the cache.
KERNEL_SOURCES = ("fast_ops.py", "fast_conv.py", "cuda_ops.py", "jit.py", "tensor_data.py", "operators.py")

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


def parallel_kernel(fn: Fn) -> Fn:
    """Compile ``fn`` as a parallel CPU kernel (``prange`` loops split across the cores), cached on disk."""
    return numba.njit(parallel=True, fastmath=True, cache=True)(fn)  # type: ignore[return-value]


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


def gpu_present() -> bool:
    """Whether this machine shows an NVIDIA GPU (its device node or its driver's tool), without importing CUDA."""
    return os.path.exists("/dev/nvidiactl") or shutil.which("nvidia-smi") is not None


def select_cuda_mode() -> str:
    """Choose, before ``numba.cuda`` is first imported, whether CUDA kernels run on a GPU or the simulator.

    ``$NUMBA_ENABLE_CUDASIM`` decides when it is set (the grader sets it);
    otherwise the simulator is switched on when no GPU is present. Once
    ``numba.cuda`` is imported the choice is fixed, and this only reports it.

    Returns:
        ``"simulator"`` or ``"gpu"``.
    """
    if "numba.cuda" not in sys.modules and "NUMBA_ENABLE_CUDASIM" not in os.environ and not gpu_present():
        numba.config.ENABLE_CUDASIM = 1  # type: ignore[attr-defined]
    return "simulator" if numba.config.ENABLE_CUDASIM else "gpu"  # type: ignore[attr-defined]


def cuda_tile() -> int:
    """The edge of a square block of CUDA threads: ``$MINITORCH_CUDA_TILE``, else 4 under the simulator, 32 on a GPU.

    A simulated thread is a Python thread, so blocks are small there.
    1-D kernels use blocks of ``cuda_tile() ** 2`` threads.
    """
    return int(os.environ.get("MINITORCH_CUDA_TILE") or (4 if select_cuda_mode() == "simulator" else 32))


def matmul_operands(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Check and prepare a batched matrix product for a backend's kernel.

    Args:
        a: Shape ``(n, m)`` or ``(batch, n, m)``.
        b: Shape ``(m, p)`` or ``(batch, m, p)``; a batch of 1 broadcasts.

    Returns:
        ``a`` and ``b`` as 3-D tensors (a 2-D one is a batch of one, over the
        same storage: no copy), and a zero output of shape ``(batch, n, p)``.

    Raises:
        ValueError: Tensors that are not 2-D or 3-D, or inner sizes that differ.
    """
    a3, b3 = _as_batch(a), _as_batch(b)
    if a3.dims != 3 or b3.dims != 3:
        raise ValueError(f"matrix multiply takes 2-D or 3-D tensors, got shapes {a.shape} and {b.shape}")
    if a3.shape[2] != b3.shape[1]:
        raise ValueError(f"matrix multiply: inner sizes differ, shapes {a.shape} and {b.shape}")
    batch = shape_broadcast(a3.shape[:1], b3.shape[:1])
    return a3, b3, a3.zeros((*batch, a3.shape[1], b3.shape[2]))


def matmul_result(out: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """The kernel's ``(batch, n, p)`` output, as ``(n, p)`` over the same storage when ``a`` and ``b`` are 2-D.

    A plain view of the data, not :meth:`Tensor.view`: the backend's result has no history to record.
    """
    if not a.dims == b.dims == 2:
        return out
    data = out._tensor
    return out._new(TensorData(data._storage, data.shape[1:], data.strides[1:]))


def _as_batch(t: Tensor) -> Tensor:
    if t.dims != 2:
        return t
    data = t._tensor
    return t._new(TensorData(data._storage, (1, *data.shape), (0, *data.strides)))


# The scalar operators call one another, and the kernels call the index helpers.
for _fn in [*vars(operators).values(), to_index, index_to_position, broadcast_index]:
    if inspect.isfunction(_fn) and _fn.__module__ in (operators.__name__, to_index.__module__):
        jitable(_fn)
use_project_cache()

__all__ = [
    "KERNEL_SOURCES",
    "gpu_present",
    "jitable",
    "matmul_operands",
    "matmul_result",
    "parallel_kernel",
    "select_cuda_mode",
    "use_project_cache",
]


# Loading a compiled backend makes ``numba.cuda`` reachable, as in the public
# package: code written for it calls ``numba.cuda.is_available()`` after
# ``minitorch.FastOps``. The simulator, when there is no GPU, is chosen first.
select_cuda_mode()
import numba.cuda  # noqa: E402, F401
