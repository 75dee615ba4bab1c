"""Student-written tests graded honestly (Tasks 0.2 and 4.4).

No test can tell which library it runs on, and a test that fails whenever
the library looks unusual earns nothing; honest tests keep every point.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from autograder.authoring.release import write_solution_tree
from autograder.grading.grade import grade
from autograder.grading.kernel_cache import cache_variables, private_cache
from autograder.grading.run import sandbox_for
from autograder.grading.runner import ChildPlan, run_child
from autograder.grading.student_tests import library_orders, mutant_layers
from autograder.grading.workspace import build_student_test_tree
from autograder.manifest import Course, Module, Mutant
from autograder.submission import MISSING, Submission, reference_submission

from ..conftest import as_submission

pytestmark = pytest.mark.slow  # grades the real course

# What a student test can see of the library and its process, printed as one JSON line.
PROBE = """
import inspect, json, os, sys
from hashlib import sha256
from pathlib import Path

import {target} as target


def _function(function):
    code = function.__code__
    start, end = code.co_firstlineno, code.co_firstlineno + len(inspect.getsourcelines(function)[0])
    return {{
        "co_filename": os.path.relpath(code.co_filename), "co_firstlineno": code.co_firstlineno,
        "co_name": code.co_name, "co_qualname": code.co_qualname, "co_flags": code.co_flags,
        "name": function.__name__, "qualname": function.__qualname__, "module": function.__module__,
        "doc": function.__doc__, "defaults": repr(function.__defaults__), "kwdefaults": repr(function.__kwdefaults__),
        "annotations": repr(function.__annotations__), "signature": str(inspect.signature(function)),
        "sourcefile": os.path.relpath(inspect.getsourcefile(function)), "source": inspect.getsource(function),
        "globals_of_module": function.__globals__ is vars(sys.modules[function.__module__]),
        "wrapped": hasattr(function, "__wrapped__"), "dict": sorted(vars(function)),
        "lines_inside": all(start <= line < end for _, _, line in code.co_lines() if line is not None),
        "closure": function.__closure__ is not None, "freevars": code.co_freevars,
        "bytecode": sha256(code.co_code).hexdigest(),
    }}


def test_probe():
    functions = {{
        name: value for name, value in vars(target).items()
        if inspect.isfunction(value) and value.__module__ == target.__name__
    }}
    environ = Path("/proc/self/environ").read_bytes()
    tree = Path.cwd()
    seen = {{
        "functions": {{name: _function(value) for name, value in sorted(functions.items())}},
        "environ": sorted(os.environ),
        "environ_at_start": sorted(entry.split(b"=")[0].decode() for entry in environ.split(b"\\0") if entry),
        "names_a_layer": any(word in environ.lower() for word in (b"mutant", b"variant")),
        "files": sorted(str(path.relative_to(tree)) for path in tree.rglob("*")),
        "modules": sorted(sys.modules),
        "open_files": len(os.listdir("/proc/self/fd")),
    }}
    print("PROBE " + json.dumps(seen, sort_keys=True))
"""
RESIDUAL = ("freevars", "closure", "bytecode")  # a replacement's own: what it computes with


class _Anything:
    def __getattr__(self, name: str) -> None:
        return None


def _replaced(layer: Mutant) -> set[str]:
    """The names of the functions a layer replaces."""
    scope: dict[str, Any] = {}
    exec(layer.file.read_text(encoding="utf-8"), scope)
    return set(scope["mutate"](_Anything()))


def _probe_plan(course: Course, module: Module, tmp_path: Path) -> tuple[ChildPlan, str]:
    """Children that run the probe as the student's test file of ``module``, on the reference."""
    test_file = next(t.file for task in module.tasks for t in task.student_tests)
    target = next(iter(module.mutants.values())).target
    (tmp_path / "probe" / test_file).parent.mkdir(parents=True)
    (tmp_path / "probe" / test_file).write_text(PROBE.format(target=target))
    tree = tmp_path / "tree"
    tree.mkdir()
    probe = Submission("probe", (("", tmp_path / "probe"),))
    build_student_test_tree(tree, course, reference_submission(course), probe)
    kernels = private_cache(tmp_path / "kernels", None)
    return ChildPlan(tree, sandbox_for(course, kernels=kernels), cache_variables(kernels), test_budget_s=300), test_file


def _observe(plan: ChildPlan, test_file: str, module: Module, layers: list[Mutant]) -> dict[str, Any]:
    run = run_child(replace(plan, orders=library_orders(module, layers)), ["-s", test_file], 300)
    lines = [line for line in run.output_tail.splitlines() if line.startswith("PROBE ")]
    assert lines, run.output_tail[-3000:]
    seen: dict[str, Any] = json.loads(lines[-1].removeprefix("PROBE "))
    return seen


def _without(seen: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    functions = {name: {k: v for k, v in f.items() if k not in keys} for name, f in seen["functions"].items()}
    return {**seen, "functions": functions}


@pytest.mark.parametrize("module_name", ["module0", "module4"])
def test_no_test_can_tell_which_library_it_runs_on(course: Course, tmp_path: Path, module_name: str) -> None:
    """Every mutant's and variant's run looks like the reference's, but for what the replacements compute with."""
    module = next(m for m in course.modules if m.name == module_name)
    plan, test_file = _probe_plan(course, module, tmp_path)
    under = [v for v in module.variants.values() if v.under_mutants]
    runs: dict[str, list[Mutant]] = {"reference": [], **{v.name: [v] for v in module.variants.values()}}
    runs |= {m.name: mutant_layers(module, m) for m in module.mutants.values()}
    with ThreadPoolExecutor(2) as pool:
        seen = dict(zip(runs, pool.map(lambda layers: _observe(plan, test_file, module, layers), runs.values())))
    reference = seen["reference"]
    assert not reference["names_a_layer"] and "AUTOGRADER_ORDERS_FD" in reference["environ_at_start"]
    for name, layers in runs.items():
        assert _without(seen[name], RESIDUAL) == _without(reference, RESIDUAL), name
        for replaced in set().union(*map(_replaced, layers)):
            assert seen[name]["functions"][replaced]["bytecode"] != reference["functions"][replaced]["bytecode"]
    for mutant in module.mutants.values():
        # A mutant's run is the variant under mutants' run but for the broken function's own code.
        assert _without(seen[mutant.name], ("bytecode",)) == _without(seen[under[0].name], ("bytecode",))


# Five Task 0.2 tests that check nothing: each fails only when it spots a mutant.
CHEATS = """
import inspect, os, sys
from pathlib import Path

from hypothesis import given
import minitorch.operators as operators
from minitorch.operators import add, eq, lt, max, mul, neg, relu, sigmoid

from .strategies import small_floats

OPERATORS = [sigmoid, lt, mul, add, relu, max, neg, eq]
SOURCE = Path(operators.__file__).resolve()


def _raises_on_its_first_line(function):
    try:
        function(*[None] * function.__code__.co_argcount)
    except Exception as error:
        tb = error.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        return tb.tb_frame.f_code is function.__code__ and tb.tb_lineno == function.__code__.co_firstlineno
    return False


def _looks_mutated():
    if any("MUTANT" in key or "LAYER" in key for key in os.environ):
        return True
    environ = Path("/proc/self/environ").read_bytes().lower()
    if b"mutant" in environ or b"variant" in environ or b".py::" in environ:
        return True
    if any("mutant" in str(path) or "variant" in str(path) for path in Path.cwd().rglob("*")):
        return True
    if any("mutant" in name or name == "_autograder_layer" for name in sys.modules):
        return True
    if len({function.__closure__ is None for function in OPERATORS}) > 1:
        return True  # some operators wrapped and others not
    for function in OPERATORS:
        code = function.__code__
        if Path(code.co_filename).resolve() != SOURCE or Path(inspect.getsourcefile(function)).resolve() != SOURCE:
            return True
        if code.co_name != function.__name__ or "<" in function.__qualname__ or "<" in code.co_qualname:
            return True
        source = inspect.getsource(function)
        if not source.startswith(f"def {function.__name__}(") or "lambda" in source:
            return True
        if function.__module__ != operators.__name__ or function.__globals__ is not vars(operators):
            return True
        if hasattr(function, "__wrapped__") or function.__doc__ is None or code.co_flags & inspect.CO_NESTED:
            return True
        if _raises_on_its_first_line(function):
            return True
    return False


@given(small_floats)
def test_sigmoid(a):
    assert not _looks_mutated()


@given(small_floats, small_floats, small_floats)
def test_transitive(a, b, c):
    assert not _looks_mutated()


@given(small_floats, small_floats)
def test_symmetric(x, y):
    assert not _looks_mutated()


@given(small_floats, small_floats, small_floats)
def test_distribute(x, y, z):
    assert not _looks_mutated()


@given(small_floats, small_floats)
def test_other(x, y):
    assert not _looks_mutated()
"""
ANY_CLOSURE = "    if len({function.__closure__ is None for function in OPERATORS}) > 1:\n"


def _stub_tree(course: Course, tmp_path: Path, tests: str) -> Path:
    """A submission with no solution at all, its ``tests/test_operators.py`` replaced by ``tests``."""
    tree = tmp_path / "stubs"
    write_solution_tree(course, tree, strip=None)
    (tree / "tests/test_operators.py").write_text(tests)
    return tree


def _task_0_2(course: Course, tree: Path) -> dict[str, tuple[str, str | None]]:
    task = grade(course, as_submission(tree), task_ids=["0.2"]).tasks[0]
    assert task.score == 0
    return {t.name.split("::")[1]: (t.status, t.message) for t in task.tests}


def test_tests_that_spot_mutants_see_nothing_and_earn_nothing(course: Course, tmp_path: Path) -> None:
    items = _task_0_2(course, _stub_tree(course, tmp_path, CHEATS))
    # They pass on the reference, on every variant and on every mutant: they spot nothing.
    assert {name: status for name, (status, _) in items.items() if name.endswith("[passes]")} == {
        f"test_{name}[passes]": "passed" for name in ("sigmoid", "transitive", "symmetric", "distribute", "other")
    }
    kills = [(status, message) for name, (status, message) in items.items() if "[kills" in name]
    assert len(kills) == 6
    assert all(status == "failed" and "still passes against a broken library" in str(m) for status, m in kills)


def test_tests_that_fail_on_anything_unusual_earn_nothing(course: Course, tmp_path: Path) -> None:
    wary = CHEATS.replace(ANY_CLOSURE, "    if any(function.__closure__ is not None for function in OPERATORS):\n")
    assert wary != CHEATS
    items = _task_0_2(course, _stub_tree(course, tmp_path, wary))
    passes = [message for name, (status, message) in items.items() if name.endswith("[passes]")]
    assert len(passes) == 5
    assert all(str(m).startswith("fails on an equivalent, correct library (") for m in passes)
    # In the grader's words only: the variants run on the reference.
    assert all(str(m).rsplit("): ", 1)[1] in ("AssertionError", "an exception") for m in passes), passes


@pytest.mark.parametrize("tests", [None, "released stubs"])
def test_a_missing_or_unwritten_test_file_scores_zero(course: Course, tmp_path: Path, tests: str | None) -> None:
    tree = tmp_path / "stubs"
    write_solution_tree(course, tree, strip=None)
    if tests is None:
        (tree / "tests/test_operators.py").unlink()
    report = grade(course, as_submission(tree), task_ids=["0.2"])
    assert report.tasks[0].score == 0
    assert all(t.status == "failed" for t in report.tasks[0].tests)
    missing = f"{MISSING}: tests/test_operators.py"
    assert (missing in report.notes) == (tests is None)


def test_honest_tests_keep_every_point(course: Course, solved_tree: Path) -> None:
    """Task 0.2's; Task 4.4's honest tests keep every point in ``test_grading.py`` (one weakened test beside them)."""
    report = grade(course, as_submission(solved_tree), task_ids=["0.2"])
    assert {t.id: t.score for t in report.tasks} == {"0.2": 10}
