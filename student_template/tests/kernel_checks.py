"""What the grader checks of a compiled kernel beyond its results: parallel loops and speed.

The parallel check reads numba's own parallel diagnostics, which the public
course had teaching assistants read by hand: the kernel's Python function
goes through numba's front end again (with the kernel's own options, up to
the passes that convert ``prange`` loops, without generating machine code)
and must contain at least one ``prange`` loop that numba turned into a
parallel loop.

The speed check times the kernel against the simple backend's plain Python
loop, both in this process one after the other, so that a noisy machine
slows both alike. The Python loops live here, not in the student's simple
backend, so that nothing a submission does can move the bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numba.core import compiler
from numba.core.compiler_machinery import AnalysisPass, PassManager, register_pass


def _dispatcher(kernel: Any, name: str) -> Any:
    from numba.core.dispatcher import Dispatcher

    if not isinstance(kernel, Dispatcher):
        raise AssertionError(f"{name} is not compiled by numba: build it with njit(parallel=True)")
    return kernel


@register_pass(mutates_CFG=False, analysis_only=True)
class KeepParallelDiagnostics(AnalysisPass):  # type: ignore[misc]
    """The last step of ``FrontEnd``: the compilation's result is its parallel diagnostics."""

    _name = "keep_parallel_diagnostics"

    def __init__(self) -> None:
        AnalysisPass.__init__(self)

    def run_pass(self, state: Any) -> bool:
        """Keep the diagnostics as the result, so that nothing after this pass is needed."""
        state.cr = state.metadata["parfor_diagnostics"]
        return False


class FrontEnd(compiler.CompilerBase):  # type: ignore[misc]
    """numba's passes up to and including the ones that find and convert ``prange`` loops.

    No machine code is generated, which is most of a compilation's time.
    """

    def define_pipelines(self) -> list[Any]:
        """One pipeline: numba's untyped and typed passes, then ``KeepParallelDiagnostics``."""
        manager = PassManager("parallel diagnostics")
        manager.passes.extend(compiler.DefaultPassBuilder.define_untyped_pipeline(self.state).passes)
        manager.passes.extend(compiler.DefaultPassBuilder.define_typed_pipeline(self.state).passes)
        manager.add_pass(KeepParallelDiagnostics, "keep the parallel diagnostics")
        manager.finalize()
        return [manager]


def _parallel_diagnostics(dispatcher: Any, args: Sequence[Any]) -> Any:
    """numba's parallel diagnostics of ``dispatcher`` called with ``args``, with the kernel's own options."""
    flags = compiler.Flags()
    options = {key: value for key, value in dispatcher.targetoptions.items() if key != "cache"}
    dispatcher.targetdescr.options.parse_as_flags(flags, options)
    types = tuple(dispatcher.typeof_pyval(arg) for arg in args)
    target = dispatcher.targetdescr
    typing, context, function = target.typing_context, target.target_context, dispatcher.py_func
    return compiler.compile_extra(typing, context, function, types, None, flags, {}, pipeline_class=FrontEnd)


def parallel_loops(kernel: Any, name: str, *args: Any) -> int:
    """How many of ``kernel``'s loops numba runs in parallel when called with ``args``.

    Raises:
        AssertionError: When the kernel is not a numba kernel, or is compiled
            without ``parallel=True``.
    """
    dispatcher = _dispatcher(kernel, name)
    if not dispatcher.targetoptions.get("parallel"):
        raise AssertionError(f"{name} is compiled without parallel=True, so prange runs as a plain loop")
    diagnostics = _parallel_diagnostics(dispatcher, args)
    return sum(
        1 for parfor in diagnostics.initial_parfors if any(tuple(p[:2]) == ("prange", "user") for p in parfor.patterns)
    )


def assert_parallel(kernel: Any, name: str, *args: Any) -> None:
    """Fail, saying why, unless ``kernel`` has a parallel ``prange`` loop."""
    loops = parallel_loops(kernel, name, *args)
    assert loops > 0, (
        f"{name} has no parallel loop: numba's parallel diagnostics list no prange loop "
        "(use numba.prange for the loop over output positions)"
    )


def best_seconds(fn: Callable[[], Any], repeat: int = 3) -> float:
    """The fastest of ``repeat`` timed calls (after one untimed call)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def python_map(
    fn: Callable[[float], float],
    out: np.ndarray, out_shape: Sequence[int], out_strides: Sequence[int],
    in_storage: np.ndarray, in_shape: Sequence[int], in_strides: Sequence[int],
) -> None:  # fmt: skip
    """The simple backend's map in plain Python: index arithmetic for every element."""
    out_shape, out_strides = [int(s) for s in out_shape], [int(s) for s in out_strides]
    in_shape, in_strides = [int(s) for s in in_shape], [int(s) for s in in_strides]
    offset = len(out_shape) - len(in_shape)
    for ordinal in range(len(out)):
        rest, out_position, in_position = ordinal, 0, 0
        for d in range(len(out_shape) - 1, -1, -1):
            index = rest % out_shape[d]
            rest //= out_shape[d]
            out_position += index * out_strides[d]
            if d >= offset and in_shape[d - offset] > 1:
                in_position += index * in_strides[d - offset]
        out[out_position] = fn(in_storage[in_position])


def python_matmul(out: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """The simple backend's matrix multiply, one multiply-add per step, in plain Python."""
    batches, rows, inner = a.shape
    cols = b.shape[2]
    for n in range(batches):
        for i in range(rows):
            for j in range(cols):
                total = 0.0
                for k in range(inner):
                    total += a[n, i, k] * b[n, k, j]
                out[n, i, j] = total


def kernel_args(*arrays: np.ndarray) -> list[Any]:
    """Flat storage, shape and strides of each array, as the low-level kernels take them.

    The storage is the array's memory in memory order (a view, so that a
    kernel's writes to an output land in the array).
    """
    args: list[Any] = []
    for array in arrays:
        args += [
            array.ravel(order="K"),
            np.array(array.shape, dtype=np.int32),
            np.array([s // array.itemsize for s in array.strides], dtype=np.int32),
        ]
    return args
