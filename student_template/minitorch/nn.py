"""Network layers built from tensor operations: pooling, max, softmax, dropout (Module 4).

Everything here is written with the Tensor API of Module 2 (views,
permutes, reductions and elementwise functions), so it runs on any
backend and gets its gradients from autodiff; only ``Max`` needs a
backward pass of its own.
"""

from __future__ import annotations

from .autodiff import Context
from .tensor import Tensor
from .tensor_functions import Function, rand


def tile(input: Tensor, kernel: tuple[int, int]) -> tuple[Tensor, int, int]:
    """Cut each image into non-overlapping ``kh x kw`` tiles, each laid out in a last dimension.

    Args:
        input: Shape ``(batch, channel, height, width)``; ``height`` and
            ``width`` must be multiples of the kernel's.
        kernel: ``(kh, kw)``.

    Returns:
        The tiles, shape ``(batch, channel, height // kh, width // kw, kh * kw)``,
        and the new height and width.
    """
    batch, channel, height, width = input.shape
    kh, kw = kernel
    if height % kh or width % kw:
        raise ValueError(f"tile: a {kh}x{kw} kernel does not divide an image of {height}x{width}")
    # TODO: Implement for Task 4.3.
    raise NotImplementedError("Task 4.3: implement tile.")


def avgpool2d(input: Tensor, kernel: tuple[int, int]) -> Tensor:
    """Average over each ``kh x kw`` tile: shape ``(batch, channel, height // kh, width // kw)``."""
    # TODO: Implement for Task 4.3.
    raise NotImplementedError("Task 4.3: implement avgpool2d.")


def argmax(input: Tensor, dim: int) -> Tensor:
    """1.0 where an element is the largest along ``dim``, else 0.0 (every tied maximum gets 1.0)."""
    # TODO: Implement for Task 4.4.
    raise NotImplementedError("Task 4.4: implement argmax.")


class Max(Function):
    """The largest element along ``dim`` (kept as size 1).

    Its gradient goes to the largest element; tied maxima share it equally,
    so the gradient still sums to the upstream one.
    """

    @staticmethod
    def forward(ctx: Context, input: Tensor, dim: Tensor) -> Tensor:
        # TODO: Implement for Task 4.4.
        raise NotImplementedError("Task 4.4: implement forward.")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        # TODO: Implement for Task 4.4.
        raise NotImplementedError("Task 4.4: implement backward.")


def max(input: Tensor, dim: int) -> Tensor:
    """The largest element along ``dim`` (kept as size 1), differentiable."""
    return Max.apply(input, input._ensure_tensor(dim))


def softmax(input: Tensor, dim: int) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed after subtracting the maximum (no overflow)."""
    # TODO: Implement for Task 4.4.
    raise NotImplementedError("Task 4.4: implement softmax.")


def logsoftmax(input: Tensor, dim: int) -> Tensor:
    """``x - log(sum(exp(x)))`` along ``dim``, with the log-sum-exp trick (no overflow)."""
    # TODO: Implement for Task 4.4.
    raise NotImplementedError("Task 4.4: implement logsoftmax.")


def maxpool2d(input: Tensor, kernel: tuple[int, int]) -> Tensor:
    """The largest value of each ``kh x kw`` tile: shape ``(batch, channel, height // kh, width // kw)``."""
    # TODO: Implement for Task 4.4.
    raise NotImplementedError("Task 4.4: implement maxpool2d.")


def dropout(input: Tensor, rate: float, ignore: bool = False) -> Tensor:
    """Zero each element with probability ``rate``; ``ignore`` (evaluation) turns it off.

    The mask comes from :func:`minitorch.rand`, so seeding Python's ``random`` makes it repeatable.

    The kept elements are not rescaled (as the course has always done it):
    ``rate=0`` returns the input, ``rate=1`` all zeros.
    """
    # TODO: Implement for Task 4.4.
    raise NotImplementedError("Task 4.4: implement dropout.")


__all__ = ["Max", "argmax", "avgpool2d", "dropout", "logsoftmax", "max", "maxpool2d", "softmax", "tile"]
