"""Strided storage: how a tensor's multidimensional index maps to a flat array (Module 2).

A tensor is a flat ``storage`` plus a ``shape`` and ``strides``: element
``index`` lives at ``sum(index[i] * strides[i])``. Permuting or broadcasting
a tensor only changes shape and strides, never the storage.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

MAX_DIMS = 32

Storage: TypeAlias = npt.NDArray[np.float64]
OutIndex: TypeAlias = npt.NDArray[np.int32]
Index: TypeAlias = npt.NDArray[np.int32]
Shape: TypeAlias = npt.NDArray[np.int32]
Strides: TypeAlias = npt.NDArray[np.int32]
# The index helpers below run inside compiled kernels on numpy arrays, and in
# the simple backend's Python loops on lists of ints, which Python reads faster.
IntArray: TypeAlias = npt.NDArray[np.int32] | list[int]

UserIndex: TypeAlias = Sequence[int]
UserShape: TypeAlias = Sequence[int]
UserStrides: TypeAlias = Sequence[int]


class IndexingError(RuntimeError):
    """An index or a shape that does not fit the tensor."""


def index_to_position(index: IntArray, strides: IntArray) -> int:
    """The position in storage of a multidimensional index.

    Args:
        index: One index per dimension; it may be longer than ``strides``
            (the compiled kernels pass buffers of ``MAX_DIMS``), and only
            its first ``len(strides)`` entries count.
        strides: The tensor's strides.

    Returns:
        ``sum(index[i] * strides[i] for i in range(len(strides)))``.
    """
    # TODO: Implement for Task 2.1.
    raise NotImplementedError("Task 2.1: implement index_to_position.")


def to_index(ordinal: int, shape: IntArray, out_index: IntArray) -> None:
    """Turn an ordinal in ``range(size)`` into an index of ``shape``.

    The ordinals enumerate the indices in row-major order (the last
    dimension changes fastest), whatever the tensor's strides.

    Args:
        ordinal: A number in ``range(prod(shape))``.
        shape: The shape.
        out_index: Filled in with the index.
    """
    # TODO: Implement for Task 2.1.
    raise NotImplementedError("Task 2.1: implement to_index.")


def broadcast_index(big_index: IntArray, big_shape: IntArray, shape: IntArray, out_index: IntArray) -> None:
    """Map an index of a broadcast shape to the index of a smaller shape it came from.

    Dimensions are matched from the right; a dimension of size 1 in
    ``shape`` maps every index to 0, and the extra leading dimensions of
    ``big_shape`` are dropped.

    Args:
        big_index: An index of ``big_shape``.
        big_shape: The broadcast shape.
        shape: The original shape.
        out_index: Filled in with the index of ``shape``.
    """
    # TODO: Implement for Task 2.2.
    raise NotImplementedError("Task 2.2: implement broadcast_index.")


def shape_broadcast(shape1: UserShape, shape2: UserShape) -> tuple[int, ...]:
    """The shape two shapes broadcast to, by numpy's rules.

    Shapes are aligned on the right; missing leading dimensions count as 1;
    two dimensions agree if they are equal or one of them is 1.

    Args:
        shape1: First shape.
        shape2: Second shape.

    Returns:
        The broadcast shape.

    Raises:
        IndexingError: If a pair of dimensions disagrees.
    """
    # TODO: Implement for Task 2.2.
    raise NotImplementedError("Task 2.2: implement shape_broadcast.")


def strides_from_shape(shape: UserShape) -> tuple[int, ...]:
    """Contiguous (row-major) strides for a shape."""
    strides = [1]
    offset = 1
    for size in reversed(shape[1:]):
        offset *= size
        strides.append(offset)
    return tuple(reversed(strides))


class TensorData:
    """A flat storage viewed through a shape and strides.

    Args:
        storage: The values, flat.
        shape: Size of each dimension.
        strides: Storage step of each dimension; contiguous if omitted.
    """

    _storage: Storage
    _strides: Strides
    _shape: Shape
    strides: UserStrides
    shape: UserShape
    dims: int

    def __init__(
        self, storage: Sequence[float] | Storage, shape: UserShape, strides: UserStrides | None = None
    ) -> None:
        self._storage = storage if isinstance(storage, np.ndarray) else np.array(storage, dtype=np.float64)
        if strides is None:
            strides = strides_from_shape(shape)
        if not isinstance(strides, tuple) or not isinstance(shape, tuple):
            strides, shape = tuple(strides), tuple(shape)
        if len(strides) != len(shape):
            raise IndexingError(f"strides {strides} and shape {shape} must have the same length")
        self._strides = np.array(strides, dtype=np.int32)
        self._shape = np.array(shape, dtype=np.int32)
        self.strides = strides
        self.shape = shape
        self.dims = len(strides)
        self.size = math.prod(shape)
        if self.size != 0 and len(self._storage) < self.size and self.is_contiguous():
            raise IndexingError(f"storage of {len(self._storage)} values is too small for shape {shape}")

    def to_cuda_(self) -> None:
        """Move the storage to the CUDA device in place.

        The kernels of this library take numpy storage and copy it
        themselves; this is for code that manages device memory on its own.
        Without a GPU the device is numba's simulator, chosen when the
        compiled backends load (:func:`minitorch.jit.select_cuda_mode`).
        """
        from numba import cuda

        if not hasattr(self._storage, "copy_to_host"):
            self._storage = cuda.to_device(self._storage)

    def is_contiguous(self) -> bool:
        """Whether the strides decrease from the first dimension to the last (row-major order)."""
        last = 1e9
        for stride in self.strides:
            if stride > last:
                return False
            last = stride
        return True

    @staticmethod
    def shape_broadcast(shape_a: UserShape, shape_b: UserShape) -> tuple[int, ...]:
        """See :func:`shape_broadcast`."""
        return shape_broadcast(shape_a, shape_b)

    def index(self, index: int | UserIndex | Index) -> int:
        """The storage position of ``index``, checked against the shape."""
        if isinstance(index, int | np.integer):
            index = [int(index)]
        array = np.array(index, dtype=np.int32)
        if array.shape[0] != len(self.shape):
            raise IndexingError(f"index {tuple(index)} must have {len(self.shape)} entries for shape {self.shape}")
        for i, value in enumerate(array):
            if value >= self.shape[i] or value < 0:
                raise IndexingError(f"index {tuple(index)} is out of range for shape {self.shape}")
        return index_to_position(array, self._strides)

    def indices(self) -> Iterable[UserIndex]:
        """Every index of the shape, in row-major order."""
        out_index: OutIndex = np.zeros(len(self.shape), dtype=np.int32)
        for ordinal in range(self.size):
            to_index(ordinal, self._shape, out_index)
            yield tuple(int(i) for i in out_index)

    def sample(self) -> UserIndex:
        """A random index of the shape."""
        return tuple(random.randint(0, s - 1) for s in self.shape)

    def get(self, key: UserIndex) -> float:
        """The value at ``key``."""
        return float(self._storage[self.index(key)])

    def set(self, key: UserIndex, val: float) -> None:
        """Store ``val`` at ``key``."""
        self._storage[self.index(key)] = val

    def tuple(self) -> tuple[Storage, Shape, Strides]:
        """The storage, shape and strides, as the backends take them."""
        return (self._storage, self._shape, self._strides)

    def permute(self, *order: int) -> TensorData:
        """The same storage with its dimensions reordered.

        Args:
            *order: A permutation of ``range(dims)``: dimension ``i`` of the
                result is dimension ``order[i]`` of this tensor.

        Returns:
            A view sharing this storage.
        """
        if sorted(order) != list(range(len(self.shape))):
            raise IndexingError(f"{order} is not a permutation of the {len(self.shape)} dimensions")
        # TODO: Implement for Task 2.1.
        raise NotImplementedError("Task 2.1: implement permute.")

    def to_string(self) -> str:
        """The values as nested brackets, one row per line."""

        def render(prefix: tuple[int, ...]) -> str:
            depth = len(prefix)
            if depth == self.dims:
                return f"{self.get(prefix):3.2f}"
            parts = [render((*prefix, i)) for i in range(self.shape[depth])]
            separator = ", " if depth == self.dims - 1 else ",\n" + " " * (depth + 1)
            return "[" + separator.join(parts) + "]"

        return render(())


__all__ = [
    "MAX_DIMS", "IndexingError", "Index", "OutIndex", "Shape", "Storage", "Strides", "TensorData",
    "UserIndex", "UserShape", "UserStrides", "broadcast_index", "index_to_position", "shape_broadcast",
    "strides_from_shape", "to_index",
]  # fmt: skip
