"""Optimizers: update parameters from their derivatives."""

from __future__ import annotations

from collections.abc import Sequence

from .module import Parameter


class Optimizer:
    """Holds the parameters it updates.

    Args:
        parameters: The parameters to optimize.
    """

    def __init__(self, parameters: Sequence[Parameter]) -> None:
        self.parameters = parameters


class SGD(Optimizer):
    """Stochastic gradient descent: ``value -= lr * derivative``.

    Args:
        parameters: The parameters to optimize.
        lr: The learning rate.
    """

    def __init__(self, parameters: Sequence[Parameter], lr: float = 1.0) -> None:
        super().__init__(parameters)
        self.lr = lr

    def zero_grad(self) -> None:
        """Forget every parameter's derivative before the next backward pass."""
        for p in self.parameters:
            value = p.value
            if hasattr(value, "derivative") and value.derivative is not None:
                value.derivative = None
            if hasattr(value, "grad") and value.grad is not None:
                value.grad = None

    def step(self) -> None:
        """Move every parameter against its derivative."""
        for p in self.parameters:
            value = p.value
            if hasattr(value, "derivative") and value.derivative is not None:
                p.update(type(value)(value.data - self.lr * value.derivative))
            elif hasattr(value, "grad") and value.grad is not None:
                p.update(value - self.lr * value.grad)
