"""Convolutions on the CUDA backend: the kernels of ``fast_conv`` as numba.cuda kernels (Task 4.4b, extra credit).

The same convolutions as :mod:`minitorch.fast_conv`, with the same kernel
arguments and the same meaning of ``reverse``, so the forward and backward
passes are the same too: each is one kernel call, the backward pass two.
Each thread computes one output position, looping over the input channels
and the kernel. Without a GPU they run under numba's CUDA simulator, like
Module 3's kernels (see :mod:`minitorch.cuda_ops`).

This file needs nothing of your other files but their public names
(``Function``, the Tensor API): it runs whatever your ``cuda_ops.py`` and
``fast_conv.py`` call their helpers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .autodiff import Context
from .jit import cuda_tile, select_cuda_mode
from .tensor_functions import Function

select_cuda_mode()  # the simulator when there is no GPU; it must come before numba.cuda is imported
from numba import cuda  # noqa: E402

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_data import Shape, Storage, Strides

THREADS_PER_BLOCK = cuda_tile() ** 2


def _conv1d_kernel(
    out: Storage, out_shape: Shape, out_strides: Strides, out_size: int,
    input: Storage, input_shape: Shape, input_strides: Strides,
    weight: Storage, weight_shape: Shape, weight_strides: Strides,
    reverse: bool,
) -> None:  # fmt: skip
    """Thread ``i`` writes output position ``i`` of a 1-D convolution (see ``fast_conv._tensor_conv1d``).

    Args:
        out: Output storage, shape ``(batch, out_channels, out_width)``.
        out_shape: Output shape.
        out_strides: Output strides.
        out_size: Output size.
        input: Input storage, shape ``(batch, in_channels, width)``.
        input_shape: Input shape.
        input_strides: Input strides.
        weight: Weight storage, shape ``(out_channels, in_channels, kernel_width)``.
        weight_shape: Weight shape.
        weight_strides: Weight strides.
        reverse: Anchor the kernel at its right end.
    """
    # TODO: Implement for Task 4.4b.
    raise NotImplementedError("Task 4.4b: implement _conv1d_kernel.")


def _conv2d_kernel(
    out: Storage, out_shape: Shape, out_strides: Strides, out_size: int,
    input: Storage, input_shape: Shape, input_strides: Strides,
    weight: Storage, weight_shape: Shape, weight_strides: Strides,
    reverse: bool,
) -> None:  # fmt: skip
    """Thread ``i`` writes output position ``i`` of a 2-D convolution (see ``fast_conv._tensor_conv2d``).

    Args:
        out: Output storage, shape ``(batch, out_channels, out_height, out_width)``.
        out_shape: Output shape.
        out_strides: Output strides.
        out_size: Output size.
        input: Input storage, shape ``(batch, in_channels, height, width)``.
        input_shape: Input shape.
        input_strides: Input strides.
        weight: Weight storage, shape ``(out_channels, in_channels, kh, kw)``.
        weight_shape: Weight shape.
        weight_strides: Weight strides.
        reverse: Anchor the kernel at its bottom-right corner.
    """
    # TODO: Implement for Task 4.4b.
    raise NotImplementedError("Task 4.4b: implement _conv2d_kernel.")


_conv1d = cuda.jit()(_conv1d_kernel)
_conv2d = cuda.jit()(_conv2d_kernel)


def _launcher(kernel: Any) -> Any:
    """Call ``kernel`` like the CPU kernels are called, one thread per output position (``args[3]``)."""

    def launch(*args: Any) -> None:
        blocks = max(1, (args[3] + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK)
        kernel[blocks, THREADS_PER_BLOCK](*args)

    return launch


cuda_conv1d = _launcher(_conv1d)
cuda_conv2d = _launcher(_conv2d)


def _forward(ctx: Context, input: Tensor, weight: Tensor, kernel: Any) -> Tensor:
    """A convolution of ``(batch, in_channels, *size)`` by ``(out_channels, in_channels, *kernel_size)``."""
    ctx.save_for_backward(input, weight)
    if input.shape[1] != weight.shape[1]:
        raise ValueError(f"conv: input has {input.shape[1]} channels, weight expects {weight.shape[1]}")
    out = input.zeros((input.shape[0], weight.shape[0], *input.shape[2:]))
    kernel(*out.tuple(), out.size, *input.tuple(), *weight.tuple(), False)
    return out


def _backward(ctx: Context, grad_output: Tensor, kernel: Any) -> tuple[Tensor, Tensor]:
    """Both gradients of :func:`_forward`, each itself a convolution (see ``fast_conv.conv1d_backward``)."""
    input: Tensor = ctx.saved_values[0]
    weight: Tensor = ctx.saved_values[1]
    swap = (1, 0, *range(2, len(input.shape)))  # channels first: batch and channels change places
    # d/dweight: the input (channels as batch) convolved by the output gradient, as wide as the kernel.
    grad_weight = grad_output.zeros((input.shape[1], weight.shape[0], *weight.shape[2:]))
    kernel(
        *grad_weight.tuple(), grad_weight.size,
        *input.permute(*swap).tuple(), *grad_output.permute(*swap).tuple(), False,
    )  # fmt: skip
    # d/dinput: the output gradient convolved by the weight, reversed.
    grad_input = grad_output.zeros(input.shape)
    kernel(*grad_input.tuple(), grad_input.size, *grad_output.tuple(), *weight.permute(*swap).tuple(), True)
    return grad_input, grad_weight.permute(*swap)


class Conv1dCudaFun(Function):
    """:class:`minitorch.fast_conv.Conv1dFun` with its kernels on the GPU."""

    @staticmethod
    def forward(ctx: Context, input: Tensor, weight: Tensor) -> Tensor:
        return _forward(ctx, input, weight, cuda_conv1d)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        return _backward(ctx, grad_output, cuda_conv1d)


class Conv2dCudaFun(Function):
    """:class:`minitorch.fast_conv.Conv2dFun` with its kernels on the GPU."""

    @staticmethod
    def forward(ctx: Context, input: Tensor, weight: Tensor) -> Tensor:
        return _forward(ctx, input, weight, cuda_conv2d)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        return _backward(ctx, grad_output, cuda_conv2d)


conv1d = Conv1dCudaFun.apply
conv2d = Conv2dCudaFun.apply

__all__ = ["Conv1dCudaFun", "Conv2dCudaFun", "conv1d", "conv2d", "cuda_conv1d", "cuda_conv2d"]
