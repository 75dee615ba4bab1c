"""minitorch: a teaching deep-learning library, built module by module."""

from . import operators
from .autodiff import Context, Variable, backpropagate, central_difference, topological_sort
from .datasets import Graph, datasets
from .module import Module, Parameter
from .optim import SGD, Optimizer
from .scalar import Scalar, ScalarHistory, derivative_check
from .scalar_functions import ScalarFunction
from .tensor_data import IndexingError, TensorData, broadcast_index, index_to_position, shape_broadcast, to_index
from .testing import MathTest, MathTestVariable

__all__ = [
    "Context",
    "IndexingError",
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
    "TensorData",
    "Variable",
    "backpropagate",
    "broadcast_index",
    "central_difference",
    "datasets",
    "derivative_check",
    "index_to_position",
    "operators",
    "shape_broadcast",
    "to_index",
    "topological_sort",
]
