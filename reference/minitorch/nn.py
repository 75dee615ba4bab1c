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
    ### BEGIN SOLUTION task4_3
    new_height, new_width = height // kh, width // kw
    # (b, c, h, w) -> (b, c, nh, kh, nw, kw): the rows of a tile are already apart by kh.
    split = input.contiguous().view(batch, channel, new_height, kh, new_width, kw)
    tiles = split.permute(0, 1, 2, 4, 3, 5).contiguous()
    return tiles.view(batch, channel, new_height, new_width, kh * kw), new_height, new_width
    ### END SOLUTION


def avgpool2d(input: Tensor, kernel: tuple[int, int]) -> Tensor:
    """Average over each ``kh x kw`` tile: shape ``(batch, channel, height // kh, width // kw)``."""
    ### BEGIN SOLUTION task4_3
    batch, channel, _, _ = input.shape
    tiles, new_height, new_width = tile(input, kernel)
    return tiles.mean(4).view(batch, channel, new_height, new_width)
    ### END SOLUTION


def argmax(input: Tensor, dim: int) -> Tensor:
    """1.0 where an element is the largest along ``dim``, else 0.0 (every tied maximum gets 1.0)."""
    ### BEGIN SOLUTION task4_4
    largest = input.f.max_reduce(input, dim)
    return input == largest
    ### END SOLUTION


class Max(Function):
    """The largest element along ``dim`` (kept as size 1).

    Its gradient goes to the largest element; tied maxima share it equally,
    so the gradient still sums to the upstream one.
    """

    @staticmethod
    def forward(ctx: Context, input: Tensor, dim: Tensor) -> Tensor:
        ### BEGIN SOLUTION task4_4
        d = int(dim.item())
        ctx.save_for_backward(input, d)
        return input.f.max_reduce(input, d)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        ### BEGIN SOLUTION task4_4
        input, d = ctx.saved_values
        hits = argmax(input, d)
        return grad_output * hits / hits.sum(d), 0.0
        ### END SOLUTION


def max(input: Tensor, dim: int) -> Tensor:
    """The largest element along ``dim`` (kept as size 1), differentiable."""
    return Max.apply(input, input._ensure_tensor(dim))


def softmax(input: Tensor, dim: int) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed after subtracting the maximum (no overflow)."""
    ### BEGIN SOLUTION task4_4
    shifted = input - max(input, dim).detach()
    e = shifted.exp()
    return e / e.sum(dim)
    ### END SOLUTION


def logsoftmax(input: Tensor, dim: int) -> Tensor:
    """``x - log(sum(exp(x)))`` along ``dim``, with the log-sum-exp trick (no overflow)."""
    ### BEGIN SOLUTION task4_4
    top = max(input, dim).detach()
    return input - ((input - top).exp().sum(dim).log() + top)
    ### END SOLUTION


def maxpool2d(input: Tensor, kernel: tuple[int, int]) -> Tensor:
    """The largest value of each ``kh x kw`` tile: shape ``(batch, channel, height // kh, width // kw)``."""
    ### BEGIN SOLUTION task4_4
    batch, channel, _, _ = input.shape
    tiles, new_height, new_width = tile(input, kernel)
    return max(tiles, 4).view(batch, channel, new_height, new_width)
    ### END SOLUTION


def dropout(input: Tensor, rate: float, ignore: bool = False) -> Tensor:
    """Zero each element with probability ``rate``; ``ignore`` (evaluation) turns it off.

    The mask comes from :func:`minitorch.rand`, so seeding Python's ``random`` makes it repeatable.

    The kept elements are not rescaled (as the course has always done it):
    ``rate=0`` returns the input, ``rate=1`` all zeros.
    """
    ### BEGIN SOLUTION task4_4
    if ignore or rate <= 0.0:
        return input
    if rate >= 1.0:
        return input * 0.0
    keep = rand(input.shape, backend=input.backend) > rate
    return input * keep
    ### END SOLUTION


__all__ = ["Max", "argmax", "avgpool2d", "dropout", "logsoftmax", "max", "maxpool2d", "softmax", "tile"]
