"""minitorch: a teaching deep-learning library, built module by module."""

from . import operators
from .datasets import Graph, datasets
from .module import Module, Parameter

__all__ = ["Graph", "Module", "Parameter", "datasets", "operators"]
