"""The block size of a CUDA module, whatever its author called it.

The tests choose sizes around the block size, so that the last block is
partly outside the data. This course's ``cuda_ops.py`` names it ``TILE``
(the edge of a square block) and ``THREADS_PER_BLOCK`` (``TILE * TILE``,
the threads of a 1-D block). The public MiniTorch course names one number
``THREADS_PER_BLOCK`` for both: 1-D blocks of 32 threads and square blocks
of 32 x 32. Other code says ``BLOCK_DIM``, ``BLOCK_SIZE`` or ``TPB``, or
has one such constant under another name; a number that is not a tile's
edge is, like the public course's, both a 1-D block and a square block's
edge (when its square fits a block). Without any, 32 is assumed.
"""

from __future__ import annotations

import math
import re
from types import ModuleType
from typing import Any

import numpy as np

from .plain import as_array

MAX_THREADS = 1024  # the most threads a CUDA block may have
PUBLIC_BLOCK = 32
THREAD_NAMES = ("THREADS_PER_BLOCK", "BLOCK_SIZE", "BLOCK_DIM", "TPB")
TILE_NAMES = ("TILE", "TILE_SIZE")  # a square block's edge only
EDGE_NAMES = (*TILE_NAMES, "BLOCK_DIM", "TPB", "THREADS_PER_BLOCK", "BLOCK_SIZE")
BLOCKISH = re.compile(r"BLOCK|TILE|THREAD|TPB")


def block_threads(module: ModuleType) -> int:
    """The threads of a 1-D block of ``module``'s kernels (a sum per block in ``sum_practice``)."""
    found = _setting(module, THREAD_NAMES)
    if found is not None:
        return found
    tile = _setting(module, TILE_NAMES)
    if tile is not None:
        return tile * tile
    return _lone_setting(module) or PUBLIC_BLOCK


def block_edge(module: ModuleType) -> int:
    """The edge of a square block of ``module``'s kernels (the largest ``mm_practice`` matrix)."""
    found = _setting(module, EDGE_NAMES) or _lone_setting(module) or PUBLIC_BLOCK
    return found if found * found <= MAX_THREADS else math.isqrt(found)


def _setting(module: ModuleType, names: tuple[str, ...]) -> int | None:
    for name in names:
        value = getattr(module, name, None)
        if type(value) is int and 1 <= value <= MAX_THREADS:
            return value
    return None


def _lone_setting(module: ModuleType) -> int | None:
    """The value of the module's constants that look like a block size, when they all agree."""
    values = {
        value
        for name, value in vars(module).items()
        if name.isupper() and BLOCKISH.search(name) and type(value) is int and 1 <= value <= MAX_THREADS
    }
    return values.pop() if len(values) == 1 else None


def block_sums(result: Any) -> np.ndarray:
    """``sum_practice``'s output as a float64 array: a Tensor, or a ``TensorData`` on the device.

    This course's wrapper returns a Tensor with one sum per block. The public
    course's returns the ``TensorData`` it launched into: two sums (its output
    holds two blocks), copied back from the device here.
    """
    if not hasattr(type(result), "to_numpy") and callable(getattr(type(result), "tuple", None)):
        storage = result.tuple()[0]
        result = storage.copy_to_host() if callable(getattr(type(storage), "copy_to_host", None)) else storage
    return as_array(result, "sum_practice(a)")
