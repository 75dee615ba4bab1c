"""minitorch: a teaching deep-learning library, built module by module."""

from . import operators
from .autodiff import Context, Variable, backpropagate, central_difference, topological_sort
from .datasets import Graph, datasets
from .module import Module, Parameter
from .optim import SGD, Optimizer
from .scalar import Scalar, ScalarHistory, derivative_check
from .scalar_functions import ScalarFunction
from .testing import MathTest, MathTestVariable

__all__ = [
    "Context",
    "Graph",
    "MathTest",
    "MathTestVariable",
    "Module",
    "Optimizer",
    "SGD",
    "Parameter",
    "Scalar",
    "ScalarFunction",
    "ScalarHistory",
    "Variable",
    "backpropagate",
    "central_difference",
    "datasets",
    "derivative_check",
    "operators",
    "topological_sort",
]
