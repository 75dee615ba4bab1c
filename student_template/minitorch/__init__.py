"""minitorch: a teaching deep-learning library, built module by module.

``import minitorch`` reads none of the library's files. Each public name
is imported from the file that defines it the first time it is used
(``minitorch.Tensor``, ``from minitorch import Tensor``), and so is each
file (``minitorch.nn``). A file that is unfinished or broken therefore
only breaks the code that uses it: a mistake in ``nn.py`` (Module 4)
never stops the Module 0 tests, and numba is only imported by the
compiled backends of Module 3.

To export a new name, add it to the table of its file below, and to the
imports under ``TYPE_CHECKING`` (what editors and type checkers read).
"""

import importlib
import importlib.util
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import operators
    from .autodiff import Context, Variable, backpropagate, central_difference, topological_sort
    from .cuda_ops import CudaOps, mm_practice, sum_practice
    from .datasets import Graph, circle, datasets, diag, make_pts, simple, spiral, split, xor
    from .fast_conv import Conv1dFun, Conv2dFun, conv1d, conv2d, tensor_conv1d, tensor_conv2d
    from .fast_ops import FastOps
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

# The public names, by the file that defines them: ``minitorch.Module`` comes from ``minitorch/module.py``.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "autodiff": ("Context", "Variable", "backpropagate", "central_difference", "topological_sort"),
    "datasets": ("Graph", "circle", "datasets", "diag", "make_pts", "simple", "spiral", "split", "xor"),
    "module": ("Module", "Parameter"),
    "nn": ("Max", "argmax", "avgpool2d", "dropout", "logsoftmax", "max", "maxpool2d", "softmax", "tile"),
    "operators": ("prod",),
    "optim": ("SGD", "Optimizer"),
    "scalar": ("Scalar", "ScalarHistory", "ScalarLike", "derivative_check"),
    "scalar_functions": ("ScalarFunction",),
    "tensor": ("History", "Tensor", "TensorLike"),
    "tensor_data": (
        "MAX_DIMS",
        "Index",
        "IndexingError",
        "OutIndex",
        "Shape",
        "Storage",
        "Strides",
        "TensorData",
        "UserIndex",
        "UserShape",
        "UserStrides",
        "broadcast_index",
        "index_to_position",
        "shape_broadcast",
        "strides_from_shape",
        "to_index",
    ),
    "tensor_functions": ("Function", "grad_central_difference", "grad_check", "rand", "tensor", "zeros"),
    "tensor_ops": ("MapProto", "SimpleBackend", "SimpleOps", "TensorBackend", "TensorOps"),
    "testing": ("MathTest", "MathTestVariable"),
}
# The compiled backends (Modules 3 and 4) import numba: ``from minitorch import *`` leaves them out.
_COMPILED: dict[str, tuple[str, ...]] = {
    "cuda_ops": ("CudaOps", "mm_practice", "sum_practice"),
    "fast_conv": ("Conv1dFun", "Conv2dFun", "conv1d", "conv2d", "tensor_conv1d", "tensor_conv2d"),
    "fast_ops": ("FastOps",),
}
_SOURCE = {name: file for table in (_EXPORTS, _COMPILED) for file, names in table.items() for name in names}

__all__ = ["operators", *(name for names in _EXPORTS.values() for name in names)]


def __getattr__(name: str) -> Any:
    """Import a public name, or a file of the package, the first time it is asked for.

    Raises:
        ImportError: If the file that should define ``name`` fails to import, or does not define it.
        AttributeError: If ``name`` is neither a public name nor a file of the package.
    """
    if name in _SOURCE:
        module = _import_file(_SOURCE[name])
        try:
            value = getattr(module, name)
        except AttributeError:
            message = f"cannot import name {name!r} from {module.__name__!r} ({module.__file__})"
            raise ImportError(message, name=module.__name__, path=module.__file__) from None
    elif not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        value = _import_file(name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # found: the next use does not come here
    return value


def _import_file(file: str) -> types.ModuleType:
    """Import ``minitorch/<file>.py``.

    An ``AttributeError`` raised while the file runs becomes an
    ``ImportError`` that tells it: ``from minitorch import X`` would
    otherwise replace it with a bare "cannot import name 'X'".
    """
    try:
        return importlib.import_module(f".{file}", __name__)
    except AttributeError as error:
        raise ImportError(f"{__name__}.{file} failed to import: AttributeError: {error}") from error


def __dir__() -> list[str]:
    """The names of the package, the ones not imported yet included."""
    return sorted({*globals(), *_SOURCE, *_EXPORTS, *_COMPILED, "operators"})


class _Package(types.ModuleType):
    """The package's module type: a file never hides the public name it shares.

    Importing ``minitorch/tensor.py`` makes Python set ``minitorch.tensor``
    to that file's module, which would hide the function ``minitorch.tensor``
    (``tensor_functions.py``); ``minitorch.datasets`` is the dict of datasets,
    not ``datasets.py``. Python still finds such a file in ``sys.modules``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _SOURCE:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
