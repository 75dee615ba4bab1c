"""The backend harness: one tensor test suite, run on every backend the library has.

A suite test takes a ``backend`` argument and is parametrized with
:func:`backend_params`. Each backend brings its own task markers, so the
same test grades Task 2.3 on the simple backend and Task 3.1 on the fast one.
A new backend is tested by adding one :class:`BackendCase` to ``CASES``.

A backend whose module is absent from the library (an earlier module's
release) is left out; one whose module is present but unfinished is still
collected, and its tests fail when they build the backend.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any, Literal

import pytest

Kind = Literal["forward", "backward", "matmul"]


@dataclass(frozen=True)
class BackendCase:
    """One backend: where its ops class lives and which tasks its tests grade."""

    name: str
    module: str
    ops: str
    markers: dict[str, str]
    cuda: bool = False


CASES = [
    BackendCase("simple", "minitorch.tensor_ops", "SimpleOps", {"forward": "task2_3", "backward": "task2_4"}),
    BackendCase(
        "fast",
        "minitorch.fast_ops",
        "FastOps",
        {"forward": "task3_1", "backward": "task3_1", "matmul": "task3_2"},
    ),
    BackendCase(
        "cuda",
        "minitorch.cuda_ops",
        "CudaOps",
        {"forward": "task3_3", "backward": "task3_3", "matmul": "task3_4"},
        cuda=True,
    ),
]


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def backend_params(kind: Kind) -> list[Any]:
    """``pytest.param`` per backend that supports ``kind``, marked with its task."""
    params = []
    for case in CASES:
        marker = case.markers.get(kind)
        if marker is None or not _present(case.module):
            continue
        marks = [getattr(pytest.mark, marker)]
        if case.cuda:
            marks.append(pytest.mark.cuda)
        params.append(pytest.param(case.name, marks=marks, id=case.name))
    return params


@functools.cache
def get_backend(name: str) -> Any:
    """The ``TensorBackend`` called ``name``, built once per process."""
    import minitorch

    case = next(c for c in CASES if c.name == name)
    if case.cuda:
        from minitorch.jit import select_cuda_mode

        select_cuda_mode()
    ops = getattr(importlib.import_module(case.module), case.ops)
    return minitorch.TensorBackend(ops)
