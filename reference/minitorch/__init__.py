"""minitorch: a teaching deep-learning library, built module by module."""

from . import operators
from .autodiff import Context, Variable, backpropagate, central_difference, topological_sort
from .datasets import Graph, datasets
from .module import Module, Parameter
from .optim import SGD, Optimizer
from .scalar import Scalar, ScalarHistory, derivative_check
from .scalar_functions import ScalarFunction
from .tensor import History, Tensor
from .tensor_data import IndexingError, TensorData, broadcast_index, index_to_position, shape_broadcast, to_index
from .tensor_functions import grad_central_difference, grad_check, rand, tensor, zeros
from .tensor_ops import SimpleBackend, SimpleOps, TensorBackend, TensorOps
from .testing import MathTest, MathTestVariable

__all__ = [
    "Context",
    "History",
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
    "SimpleBackend",
    "SimpleOps",
    "Tensor",
    "TensorBackend",
    "TensorData",
    "TensorOps",
    "Variable",
    "backpropagate",
    "broadcast_index",
    "central_difference",
    "datasets",
    "derivative_check",
    "grad_central_difference",
    "grad_check",
    "index_to_position",
    "operators",
    "rand",
    "shape_broadcast",
    "tensor",
    "to_index",
    "zeros",
    "topological_sort",
]
