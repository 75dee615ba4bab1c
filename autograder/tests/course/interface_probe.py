"""Compare a ``minitorch`` with the record of the public interface; run as a script, in a fresh process.

    python autograder/tests/course/interface_probe.py LIBRARY RECORD

``LIBRARY`` is the folder that holds ``minitorch/`` (``reference``);
``RECORD`` is ``public_interface.toml``. Prints one JSON object: section of
the record -> what differs there (empty lists when nothing does). A fresh
process matters: whether ``numba.cuda`` is reachable depends on what was
imported before.
"""

from __future__ import annotations

import inspect
import json
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any


def resolve(root: Any, dotted: str) -> Any:
    """``root.a.b`` for ``dotted`` ``"a.b"``."""
    for part in dotted.split("."):
        root = getattr(root, part)
    return root


def callable_of(root: Any, dotted: str) -> tuple[Callable[..., Any], bool]:
    """The function named ``dotted``, and whether its first parameter is ``self`` (to be left out)."""
    owner_path, _, name = dotted.rpartition(".")
    owner = resolve(root, owner_path) if owner_path else root
    if inspect.isclass(owner):
        raw = inspect.getattr_static(owner, name)
        if isinstance(raw, staticmethod):
            return raw.__func__, False
        if isinstance(raw, classmethod):
            return getattr(owner, name), False
        found = getattr(owner, name)
        return found, not inspect.isclass(found)
    found = getattr(owner, name)
    return getattr(found, "py_func", found), False


def parameters(fn: Callable[..., Any], drop_self: bool) -> list[tuple[str, bool]]:
    """(name, has a default) per parameter; star parameters are named ``*x`` and ``**x``."""
    prefix = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    found = [
        (prefix.get(p.kind, "") + p.name, p.default is not inspect.Parameter.empty or p.kind in prefix)
        for p in inspect.signature(fn).parameters.values()
    ]
    return found[1:] if drop_self else found


def signature_problems(root: Any, record: dict[str, list[str]]) -> list[str]:
    """Each recorded parameter list must open ours; what ours adds must have defaults."""
    problems = []
    for dotted, want in record.items():
        try:
            got = parameters(*callable_of(root, dotted))
        except (AttributeError, ValueError, TypeError) as error:
            problems.append(f"{dotted}: {error}")
            continue
        names = [name for name, _ in got]
        extra = [name for name, has_default in got[len(want) :] if not has_default]
        if names[: len(want)] != want or extra:
            problems.append(f"{dotted}({', '.join(names)}): the public one is ({', '.join(want)})")
    return problems


def arity_problems(root: Any, record: dict[str, int]) -> list[str]:
    """Each operator takes the recorded number of arguments, positionally."""
    problems = []
    for dotted, want in record.items():
        required = [name for name, has_default in parameters(*callable_of(root, dotted)) if not has_default]
        if len(required) != want:
            problems.append(f"{dotted} takes {len(required)} required arguments, the public one {want}")
    return problems


def kernel_problems(root: Any, record: dict[str, list[str]]) -> list[str]:
    """The low-level function each kernel factory returns has the recorded parameters."""
    problems = []
    for dotted, want in record.items():
        fn = root.operators.neg if dotted.endswith("map") else root.operators.add
        kernel = resolve(root, dotted)(fn)
        got = [name for name, _ in parameters(getattr(kernel, "py_func", kernel), False)]
        if got != want:
            problems.append(f"{dotted}(fn) returns ({', '.join(got)}); the public one ({', '.join(want)})")
    return problems


def has_member(subject: Any, name: str) -> bool:
    """Whether ``subject`` has ``name``, without running a property (some assert on state)."""
    try:
        inspect.getattr_static(subject, name)
    except AttributeError:
        return False
    return True


def member_problems(root: Any, record: dict[str, list[str]]) -> list[str]:
    """Each recorded object (a name, or an expression over the package's names) has the recorded members."""
    problems = []
    for expression, members in record.items():
        subject = getattr(root, expression) if expression.isidentifier() else eval(expression, vars(root))  # noqa: S307
        missing = [m for m in members if not has_member(subject, m)]
        if missing:
            problems.append(f"{expression} lacks {', '.join(missing)}")
    return problems


def testing_problems(root: Any, record: dict[str, Any]) -> list[str]:
    """The helpers of ``minitorch.testing`` return the public shapes."""
    problems = []
    want = [record["one_arg"], record["two_arg"], record["reductions"]]
    for owner in (root.MathTest, root.MathTestVariable):
        for helper, width in (("_tests", record["tests_width"]), ("_comp_testing", record["comp_width"])):
            lists = getattr(owner, helper)()
            label = f"{owner.__name__}.{helper}()"
            if len(lists) != record["lists"]:
                problems.append(f"{label} returns {len(lists)} lists, the public one {record['lists']}")
                continue
            for got, names in zip(lists, want, strict=True):
                if any(len(item) != width for item in got) or sorted(i[0] for i in got) != sorted(names):
                    problems.append(f"{label}: {[i[0] for i in got]} as {width}-tuples, expected {names}")
        for name, base, own in owner._comp_testing()[0]:
            if base is not getattr(root.MathTest, name) or own is not getattr(owner, name):
                problems.append(f"{owner.__name__}._comp_testing(): {name} is not (float fn, {owner.__name__} fn)")
    return problems


def convention_problems(root: Any, record: dict[str, Any]) -> list[str]:
    """chain_rule keeps constants; tile returns three values."""
    problems = []
    x = root.Scalar(3.0)
    back = list((x * 2.0).chain_rule(1.0))
    paired = len(back) == 2 and back[0][0] is x and back[0][1] == 2.0 and back[1][1] == 3.0
    if record["chain_rule_keeps_constants"] and not paired:
        problems.append(f"(x * 2.0).chain_rule(1.0) = {back}: one pair per input, the constant 2.0 included")
    tiled = root.tile(root.zeros((1, 1, 4, 4)), (2, 2))
    if not isinstance(tiled, tuple) or len(tiled) != record["tile_returns"]:
        problems.append(f"tile returns {type(tiled).__name__}, not (tensor, new_height, new_width)")
    return problems


def main(library: Path, record_path: Path) -> dict[str, list[str]]:
    """Every section's problems, the numba.cuda one checked before anything else imports CUDA."""
    sys.path.insert(0, str(library))
    import minitorch
    import numba

    record = tomllib.loads(record_path.read_text())
    conventions = record["conventions"]
    getattr(minitorch, conventions["numba_cuda_after"])
    report = {"numba.cuda": [] if hasattr(numba, "cuda") else [f"numba.cuda unreachable after {conventions}"]}
    names = record["top_level"]["names"] + record["top_level"]["compiled"]
    report["top_level"] = [f"minitorch.{n} is missing" for n in names if not hasattr(minitorch, n)]
    report["arity"] = arity_problems(minitorch, record["arity"])
    report["signatures"] = signature_problems(minitorch, record["signatures"])
    report["kernels"] = kernel_problems(minitorch, record["kernels"])
    report["members"] = member_problems(minitorch, record["members"])
    missing = set(record["datasets"]["names"]) - set(minitorch.datasets)
    report["datasets"] = [f"minitorch.datasets lacks {sorted(missing)}"] if missing else []
    report["testing"] = testing_problems(minitorch, record["testing"])
    report["conventions"] = convention_problems(minitorch, conventions)
    return report


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]))))
