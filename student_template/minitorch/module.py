"""Modules: trees of parameters and submodules (Module 0, Task 0.4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Module:
    """A node in a tree of modules, holding parameters and child modules.

    Assigning a :class:`Parameter` or a :class:`Module` to an attribute
    registers it, so that the whole tree can be walked, switched between
    training and evaluation mode, and asked for its parameters.

    Attributes:
        training: Whether the module is in training mode.
    """

    _modules: dict[str, Module]
    _parameters: dict[str, Parameter]
    training: bool

    def __init__(self) -> None:
        self.__dict__["_modules"] = {}
        self.__dict__["_parameters"] = {}
        self.__dict__["training"] = True

    def modules(self) -> Sequence[Module]:
        """Return the direct child modules of this module."""
        return list(self.__dict__["_modules"].values())

    def children(self) -> Sequence[Module]:
        """Return the direct child modules of this module (alias of :meth:`modules`)."""
        return self.modules()

    def train(self) -> None:
        """Set this module and every descendant to training mode."""
        # TODO: Implement for Task 0.4.
        raise NotImplementedError("Task 0.4: implement train.")

    def eval(self) -> None:
        """Set this module and every descendant to evaluation mode."""
        # TODO: Implement for Task 0.4.
        raise NotImplementedError("Task 0.4: implement eval.")

    def named_parameters(self) -> Sequence[tuple[str, Parameter]]:
        """Collect the parameters of this module and all its descendants.

        Returns:
            ``(name, parameter)`` pairs. A descendant's parameter is named by
            the path of attribute names leading to it, joined by dots, for
            example ``"layer1.weights"``. This module's own parameters come
            first, then each child's in the order the children were assigned.
        """
        # TODO: Implement for Task 0.4.
        raise NotImplementedError("Task 0.4: implement named_parameters.")

    def parameters(self) -> Sequence[Parameter]:
        """Return the parameters of this module and all its descendants."""
        # TODO: Implement for Task 0.4.
        raise NotImplementedError("Task 0.4: implement parameters.")

    def add_parameter(self, k: str, v: Any) -> Parameter:
        """Register a value as a parameter of this module.

        Args:
            k: Local name of the parameter.
            v: Value to wrap.

        Returns:
            The new :class:`Parameter`.
        """
        parameter = Parameter(v, k)
        self.__dict__["_parameters"][k] = parameter
        return parameter

    def __setattr__(self, key: str, val: Any) -> None:
        if isinstance(val, Parameter):
            self.__dict__["_parameters"][key] = val
        elif isinstance(val, Module):
            self.__dict__["_modules"][key] = val
        else:
            super().__setattr__(key, val)

    def __getattr__(self, key: str) -> Any:
        if key in self.__dict__["_parameters"]:
            return self.__dict__["_parameters"][key]
        if key in self.__dict__["_modules"]:
            return self.__dict__["_modules"][key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Apply the module: ``module(x)`` calls ``module.forward(x)``."""
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}("]
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        if len(lines) == 1:
            return lines[0] + ")"
        return "\n".join(lines) + "\n)"


class Parameter:
    """A value that a :class:`Module` owns and an optimizer updates.

    Args:
        x: The wrapped value (a number, a ``Scalar`` or a ``Tensor``).
        name: Optional name, shown in ``repr``.
    """

    def __init__(self, x: Any, name: str | None = None) -> None:
        self.value = x
        self.name = name
        self._mark_requires_grad()

    def update(self, x: Any) -> None:
        """Replace the wrapped value."""
        self.value = x
        self._mark_requires_grad()

    def _mark_requires_grad(self) -> None:
        if hasattr(self.value, "requires_grad_"):
            self.value.requires_grad_(True)
            if self.name:
                self.value.name = self.name

    def __repr__(self) -> str:
        return repr(self.value)

    def __str__(self) -> str:
        return str(self.value)
