"""Automatic differentiation over a graph of variables (Module 1).

A variable remembers the function and inputs that made it. ``backpropagate``
walks that graph from the output back to the leaves, in reverse topological
order, so that each node's derivative is complete before it is pushed on to
the node's parents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


def central_difference(f: Any, *vals: Any, arg: int = 0, epsilon: float = 1e-6) -> Any:
    r"""Estimate the derivative of ``f`` with respect to one argument.

    Uses the central difference
    $f'_i(x) \approx \frac{f(x + \epsilon e_i) - f(x - \epsilon e_i)}{2\epsilon}$.

    Args:
        f: A function of ``len(vals)`` numbers.
        *vals: The point at which to differentiate.
        arg: Index of the argument to differentiate with respect to.
        epsilon: Half the width of the difference.

    Returns:
        The estimate of ``df/dx_arg`` at ``vals``.
    """
    ### BEGIN SOLUTION task1_1
    up = list(vals)
    down = list(vals)
    up[arg] = up[arg] + epsilon
    down[arg] = down[arg] - epsilon
    return (f(*up) - f(*down)) / (2.0 * epsilon)
    ### END SOLUTION


class Variable(Protocol):
    """What ``topological_sort`` and ``backpropagate`` need of a node."""

    def accumulate_derivative(self, x: Any) -> None:
        """Add ``x`` to the derivative of this (leaf) variable."""

    @property
    def unique_id(self) -> int:
        """An id that no other variable has."""

    def is_leaf(self) -> bool:
        """Whether the variable was created by the user, not by a function."""

    def is_constant(self) -> bool:
        """Whether the variable needs no derivative at all."""

    @property
    def parents(self) -> Iterable[Variable]:
        """The inputs of the function that made this variable."""

    def chain_rule(self, d_output: Any) -> Iterable[tuple[Variable, Any]]:
        """Pairs of (input, derivative of the output with respect to it) times ``d_output``.

        One pair per input, constants included: the caller skips those.
        """


def topological_sort(variable: Variable) -> Iterable[Variable]:
    """Order the graph that ends in ``variable`` from the output to the leaves.

    Every variable comes before all of its parents. Constants are left out.

    Args:
        variable: The right-most variable of the graph.

    Returns:
        The non-constant variables, output first.
    """
    ### BEGIN SOLUTION task1_4
    # Depth-first post-order with an explicit stack: a training loss over many
    # points is a graph deeper than Python's recursion limit.
    finished: list[Variable] = []
    seen: set[int] = set()
    stack: list[tuple[Variable, bool]] = [(variable, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            finished.append(node)
            continue
        if node.unique_id in seen or node.is_constant():
            continue
        seen.add(node.unique_id)
        stack.append((node, True))
        if not node.is_leaf():
            stack.extend((parent, False) for parent in node.parents if parent.unique_id not in seen)
    return list(reversed(finished))
    ### END SOLUTION


def backpropagate(variable: Variable, deriv: Any) -> None:
    """Run backpropagation from ``variable`` and store derivatives in the leaves.

    Each node's derivative is summed over all paths from the output before
    it is passed on, which is why the nodes are visited in topological order.
    ``chain_rule`` pairs constant inputs with a derivative too; they are
    skipped here, so a constant never receives one.

    Args:
        variable: The right-most variable.
        deriv: The derivative of the final output with respect to ``variable``.
    """
    ### BEGIN SOLUTION task1_4
    derivatives: dict[int, Any] = {variable.unique_id: deriv}
    for node in topological_sort(variable):
        d_node = derivatives.pop(node.unique_id, 0.0)
        if node.is_leaf():
            node.accumulate_derivative(d_node)
            continue
        for parent, d_parent in node.chain_rule(d_node):
            if parent.is_constant():
                continue
            earlier = derivatives.get(parent.unique_id)
            derivatives[parent.unique_id] = d_parent if earlier is None else earlier + d_parent
    ### END SOLUTION


@dataclass
class Context:
    """Values a function's forward pass saves for its backward pass.

    Attributes:
        no_grad: If set, nothing is saved (no backward pass will follow).
        saved_values: What :meth:`save_for_backward` stored.
    """

    no_grad: bool = False
    saved_values: tuple[Any, ...] = field(default_factory=tuple)

    def save_for_backward(self, *values: Any) -> None:
        """Store values for the backward pass."""
        if self.no_grad:
            return
        self.saved_values = values

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The stored values (the name the tensor functions use)."""
        return self.saved_values
