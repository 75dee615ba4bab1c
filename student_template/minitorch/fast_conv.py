"""Convolutions on the fast CPU backend: 1-D and 2-D, forward and backward (Module 4).

A convolution slides each output channel's kernel along the input and sums
the products over the input channels and the kernel's positions; positions
past the edge of the input count as 0, so the output has the input's
width (and height). With ``reverse`` the kernel is anchored at its right
(bottom) end instead of its left (top) one: that is the convolution the
backward pass needs for the input's gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from numba import prange

from .autodiff import Context
from .jit import parallel_kernel
from .tensor_functions import Function

if TYPE_CHECKING:
    from .tensor import Tensor
    from .tensor_data import Shape, Storage, Strides


def _tensor_conv1d(
    out: Storage, out_shape: Shape, out_strides: Strides, out_size: int,
    input: Storage, input_shape: Shape, input_strides: Strides,
    weight: Storage, weight_shape: Shape, weight_strides: Strides,
    reverse: bool,
) -> None:  # fmt: skip
    """1-D convolution: ``out[b, o, w] = sum over i, k of input[b, i, w + k] * weight[o, i, k]``.

    With ``reverse``, ``input[b, i, w - k]`` instead. Input positions outside
    ``[0, width)`` count as 0. Each output position is one parallel
    iteration; the output's width may differ from the input's.

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
    # TODO: Implement for Task 4.1.
    raise NotImplementedError("Task 4.1: implement _tensor_conv1d.")


tensor_conv1d = parallel_kernel(_tensor_conv1d)


def _tensor_conv2d(
    out: Storage, out_shape: Shape, out_strides: Strides, out_size: int,
    input: Storage, input_shape: Shape, input_strides: Strides,
    weight: Storage, weight_shape: Shape, weight_strides: Strides,
    reverse: bool,
) -> None:  # fmt: skip
    """2-D convolution: ``out[b, o, y, x] = sum over i, ky, kx of input[b, i, y + ky, x + kx] * weight[o, i, ky, kx]``.

    With ``reverse``, ``input[b, i, y - ky, x - kx]``. Input positions outside
    the image count as 0; the output's height and width may differ from the
    input's.

    Args:
        out: Output storage, shape ``(batch, out_channels, out_height, out_width)``.
        out_shape: Output shape.
        out_strides: Output strides.
        out_size: Output size.
        input: Input storage, shape ``(batch, in_channels, height, width)``.
        input_shape: Input shape.
        input_strides: Input strides.
        weight: Weight storage, shape ``(out_channels, in_channels, kernel_height, kernel_width)``.
        weight_shape: Weight shape.
        weight_strides: Weight strides.
        reverse: Anchor the kernel at its bottom-right corner.
    """
    # TODO: Implement for Task 4.2.
    raise NotImplementedError("Task 4.2: implement _tensor_conv2d.")


tensor_conv2d = parallel_kernel(_tensor_conv2d)


Kernel = Callable[..., None]


def conv1d_forward(ctx: Context, input: Tensor, weight: Tensor, kernel: Kernel) -> Tensor:
    """The forward pass of a 1-D convolution, computed by ``kernel`` (the CPU one or the CUDA one)."""
    ctx.save_for_backward(input, weight)
    batch, in_channels, width = input.shape
    out_channels, weight_channels, _ = weight.shape
    if in_channels != weight_channels:
        raise ValueError(f"conv1d: input has {in_channels} channels, weight expects {weight_channels}")
    out = input.zeros((batch, out_channels, width))
    kernel(*out.tuple(), out.size, *input.tuple(), *weight.tuple(), False)
    return out


def conv1d_backward(ctx: Context, grad_output: Tensor, kernel: Kernel) -> tuple[Tensor, Tensor]:
    """Both gradients of a 1-D convolution, each itself a convolution computed by ``kernel``."""
    input: Tensor = ctx.saved_values[0]
    weight: Tensor = ctx.saved_values[1]
    batch, in_channels, width = input.shape
    out_channels, _, kernel_width = weight.shape
    # d/dweight[o, i, k] = sum over b, x of grad[b, o, x] * input[b, i, x + k]: a convolution
    # of the input (channels as batch) by the output gradient, kernel_width wide.
    grad_weight = grad_output.zeros((in_channels, out_channels, kernel_width))
    kernel(
        *grad_weight.tuple(), grad_weight.size,
        *input.permute(1, 0, 2).tuple(), *grad_output.permute(1, 0, 2).tuple(), False,
    )  # fmt: skip
    # d/dinput[b, i, x] = sum over o, k of grad[b, o, x - k] * weight[o, i, k]: reversed.
    grad_input = grad_output.zeros((batch, in_channels, width))
    kernel(*grad_input.tuple(), grad_input.size, *grad_output.tuple(), *weight.permute(1, 0, 2).tuple(), True)
    return grad_input, grad_weight.permute(1, 0, 2)


def conv2d_forward(ctx: Context, input: Tensor, weight: Tensor, kernel: Kernel) -> Tensor:
    """The forward pass of a 2-D convolution, computed by ``kernel`` (the CPU one or the CUDA one)."""
    ctx.save_for_backward(input, weight)
    batch, in_channels, height, width = input.shape
    out_channels, weight_channels, _, _ = weight.shape
    if in_channels != weight_channels:
        raise ValueError(f"conv2d: input has {in_channels} channels, weight expects {weight_channels}")
    out = input.zeros((batch, out_channels, height, width))
    kernel(*out.tuple(), out.size, *input.tuple(), *weight.tuple(), False)
    return out


def conv2d_backward(ctx: Context, grad_output: Tensor, kernel: Kernel) -> tuple[Tensor, Tensor]:
    """Both gradients of a 2-D convolution, as for :func:`conv1d_backward`."""
    input: Tensor = ctx.saved_values[0]
    weight: Tensor = ctx.saved_values[1]
    batch, in_channels, height, width = input.shape
    out_channels, _, kernel_height, kernel_width = weight.shape
    grad_weight = grad_output.zeros((in_channels, out_channels, kernel_height, kernel_width))
    kernel(
        *grad_weight.tuple(), grad_weight.size,
        *input.permute(1, 0, 2, 3).tuple(), *grad_output.permute(1, 0, 2, 3).tuple(), False,
    )  # fmt: skip
    grad_input = grad_output.zeros((batch, in_channels, height, width))
    kernel(*grad_input.tuple(), grad_input.size, *grad_output.tuple(), *weight.permute(1, 0, 2, 3).tuple(), True)
    return grad_input, grad_weight.permute(1, 0, 2, 3)


class Conv1dFun(Function):
    """1-D convolution of ``(batch, in_channels, width)`` by ``(out_channels, in_channels, kernel_width)``."""

    @staticmethod
    def forward(ctx: Context, input: Tensor, weight: Tensor) -> Tensor:
        return conv1d_forward(ctx, input, weight, tensor_conv1d)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        return conv1d_backward(ctx, grad_output, tensor_conv1d)


conv1d = Conv1dFun.apply


class Conv2dFun(Function):
    """2-D convolution of ``(batch, in_channels, h, w)`` by ``(out_channels, in_channels, kh, kw)``."""

    @staticmethod
    def forward(ctx: Context, input: Tensor, weight: Tensor) -> Tensor:
        return conv2d_forward(ctx, input, weight, tensor_conv2d)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, Tensor]:
        return conv2d_backward(ctx, grad_output, tensor_conv2d)


conv2d = Conv2dFun.apply

__all__ = [
    "Conv1dFun",
    "Conv2dFun",
    "conv1d",
    "conv1d_backward",
    "conv1d_forward",
    "conv2d",
    "conv2d_backward",
    "conv2d_forward",
    "tensor_conv1d",
    "tensor_conv2d",
]
