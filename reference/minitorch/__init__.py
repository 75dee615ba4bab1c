"""minitorch: a teaching deep-learning library, built module by module.

The compiled backends of Module 3 are imported on first use
(``minitorch.FastOps``), so the earlier modules never pay for numba.
"""

import importlib
from typing import Any

from . import operators
from .autodiff import Context, Variable, backpropagate, central_difference, topological_sort
from .datasets import Graph, circle, datasets, diag, make_pts, simple, spiral, split, xor
from .module import Module, Parameter
from .nn import Max, argmax, avgpool2d, dropout, logsoftmax, max, maxpool2d, softmax, tile
from .operators import prod
from .optim import SGD, Optimizer
from .scalar import Scalar, ScalarHistory, ScalarLike, derivative_check
from .scalar_functions import ScalarFunction
from .tensor import History, Tensor, TensorLike
from .tensor_data import (
    MAX_DIMS,
    Index,
    IndexingError,
    OutIndex,
    Shape,
    Storage,
    Strides,
    TensorData,
    UserIndex,
    UserShape,
    UserStrides,
    broadcast_index,
    index_to_position,
    shape_broadcast,
    strides_from_shape,
    to_index,
)
from .tensor_functions import Function, grad_central_difference, grad_check, rand, tensor, zeros
from .tensor_ops import MapProto, SimpleBackend, SimpleOps, TensorBackend, TensorOps
from .testing import MathTest, MathTestVariable

__all__ = [
    "Context",
    "Max",
    "argmax",
    "avgpool2d",
    "dropout",
    "logsoftmax",
    "max",
    "maxpool2d",
    "softmax",
    "tile",
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
    "MAX_DIMS",
    "Function",
    "Index",
    "MapProto",
    "OutIndex",
    "ScalarLike",
    "Shape",
    "Storage",
    "Strides",
    "TensorLike",
    "UserIndex",
    "UserShape",
    "UserStrides",
    "circle",
    "diag",
    "make_pts",
    "prod",
    "simple",
    "spiral",
    "split",
    "strides_from_shape",
    "xor",
]

# Attributes imported on first use: name -> (module, attribute or None for the module itself).
_LAZY = {
    "fast_ops": (".fast_ops", None),
    "FastOps": (".fast_ops", "FastOps"),
    "cuda_ops": (".cuda_ops", None),
    "cuda_conv": (".cuda_conv", None),
    "fast_conv": (".fast_conv", None),
    "conv1d": (".fast_conv", "conv1d"),
    "conv2d": (".fast_conv", "conv2d"),
    "CudaOps": (".cuda_ops", "CudaOps"),
    "sum_practice": (".cuda_ops", "sum_practice"),
    "mm_practice": (".cuda_ops", "mm_practice"),
    "Conv1dFun": (".fast_conv", "Conv1dFun"),
    "Conv2dFun": (".fast_conv", "Conv2dFun"),
    "tensor_conv1d": (".fast_conv", "tensor_conv1d"),
    "tensor_conv2d": (".fast_conv", "tensor_conv2d"),
}


def __getattr__(name: str) -> Any:
    """Import the compiled backends only when they are asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module 'minitorch' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name, __name__)
    return module if attribute is None else getattr(module, attribute)
