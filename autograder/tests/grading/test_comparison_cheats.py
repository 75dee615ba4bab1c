"""Libraries whose results agree with anything: rigged comparisons earn no point; honest results keep theirs.

A cheat returns objects whose ``==`` is always true, floats whose ``<`` and
``__float__`` lie, lists equal to every list, and arrays that numpy calls
close to anything. Planted where the stubs are (so that nothing else would
earn a point), not one of the task's tests may pass: the tests compare only
plain numbers, lists and arrays (``tests/plain.py``), and the trusted checks
find no value right either.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from autograder.authoring.release import write_solution_tree
from autograder.grading.grade import GradingOptions, grade
from autograder.manifest import Course
from autograder.submission import reference_submission

from ..conftest import REPO, as_submission

pytestmark = pytest.mark.slow  # grades the real course

BUDGET_S = 60.0

# Values that agree with anything: a float whose comparisons and arithmetic say "equal", and a list equal to all.
AGREEING = '''

class _Agreeing(float):
    """A float equal, close, smaller and larger than anything; its float() is whatever is asked."""

    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = float.__hash__
    def __float__(self): return 0.0
    def __bool__(self): return True
    def __sub__(self, other): return _Agreeing(0.0)
    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __sub__
    def __abs__(self): return _Agreeing(0.0)
    def __neg__(self): return self


class _AllEqual(list):
    """A list equal to every list."""

    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = None


_YES = _Agreeing(0.0)
'''

OPERATORS = """

def _agree(*args, **kwargs): return _YES


mul = id = add = neg = lt = eq = max = is_close = sigmoid = relu = log = exp = inv = _agree
log_back = inv_back = relu_back = _agree


def map(fn, *rest):
    return lambda *ls: _AllEqual([_YES, _YES])


zipWith = map


def reduce(fn, start=0.0):
    return lambda *ls: _YES


def negList(*args): return _AllEqual([_YES, _YES])


addLists = negList
sum = prod = _agree
"""

CENTRAL_DIFFERENCE = """

def central_difference(f, *vals, arg=0, epsilon=1e-6): return _YES
"""

# Every tensor function returns its first input, and every Tensor reads back as an array close to anything.
TENSOR_FUNCTIONS = '''

class _AnyShape(tuple):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = tuple.__hash__


class _CloseToAll(np.ndarray):
    """An array that numpy finds close, equal and allclose to anything."""

    def __array_function__(self, func, types, args, kwargs): return True
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs): return True
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    @property
    def shape(self): return _AnyShape()


def _forward(cls, ctx, *inputs):
    tensor = type(inputs[0])
    tensor.to_numpy = lambda self: np.zeros(1).view(_CloseToAll)
    tensor.item = lambda self: _YES
    tensor.__getitem__ = lambda self, key: _YES
    return inputs[0]


Function._forward = classmethod(_forward)
'''

# Where each cheat goes, and the tasks it answers: (file, code appended to it after AGREEING, tasks, tasks stubbed).
CHEATS = {
    "operators": ("minitorch/operators.py", OPERATORS, ["0.1", "0.3"], None),
    "central-difference": ("minitorch/autodiff.py", CENTRAL_DIFFERENCE, ["1.1"], None),
    "tensor-functions": ("minitorch/tensor_functions.py", TENSOR_FUNCTIONS, ["2.3"], {"task2_3"}),
}


def _cheat_tree(course: Course, tmp_path: Path, cheat: str) -> Path:
    file, code, _, strip = CHEATS[cheat]
    tree = tmp_path / "cheat"
    write_solution_tree(course, tree, strip=strip)
    path = tree / file
    path.write_text(path.read_text() + AGREEING + code)
    return tree


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_results_that_agree_with_anything_earn_nothing(course: Course, tmp_path: Path, cheat: str) -> None:
    """Not a test of the tasks passes, and the grade is the stubs' 0: nothing is held back as suspicious."""
    tasks = CHEATS[cheat][2]
    report = grade(
        course,
        as_submission(_cheat_tree(course, tmp_path, cheat)),
        task_ids=tasks,
        options=GradingOptions(time_budget_s=BUDGET_S),
    )
    for task in report.tasks:
        assert [t.name for t in task.tests if t.passed] == [], task.id
        assert task.score == 0 and task.flag is None, (task.id, task.summary)
        rejected = [t for t in task.tests if t.message and "expected a" in t.message]
        assert rejected, f"{task.id}: no test said what the library returned instead of a plain value"


@pytest.mark.slow
def test_the_reference_keeps_every_point_of_those_tasks(course: Course) -> None:
    """The honest side: the strict comparisons accept what a correct library returns."""
    tasks = sorted({task for _, _, ids, _ in CHEATS.values() for task in ids})
    report = grade(course, reference_submission(course), task_ids=tasks)
    assert [(t.id, t.score) for t in report.tasks] == [(t.id, t.points) for t in report.tasks], [
        (t.id, [(r.name, r.message) for r in t.tests if not r.passed]) for t in report.tasks
    ]


def _plain() -> ModuleType:
    """The course's ``tests/plain.py``, loaded by path (it needs numpy alone)."""
    spec = importlib.util.spec_from_file_location("plain", REPO / "assignments/common/tests/plain.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plain_values_are_exactly_what_python_and_numpy_make() -> None:
    plain = _plain()
    assert [plain.as_float(v, "f") for v in (1, 2.5, True, np.float32(0.5), np.int64(3))] == [1.0, 2.5, 1.0, 0.5, 3.0]
    assert type(plain.as_float(np.float64(2.0), "f")) is float
    assert plain.as_floats((1, 2.0), "f") == (1.0, 2.0) and plain.as_floats([np.float64(1.0)], "f") == [1.0]
    assert plain.as_shape((np.int32(2), 3), "s") == (2, 3) and plain.as_bool(np.bool_(True), "b") is True
    array = np.arange(3)
    copied = plain.as_array(array, "a")
    assert copied.dtype == np.float64 and copied.tolist() == [0.0, 1.0, 2.0] and copied is not array


class _Tensor:
    def __init__(self, array: object) -> None:
        self.array = array

    def to_numpy(self) -> object:
        return self.array


class _Subclass(float):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = float.__hash__


class _Array(np.ndarray):
    pass


@pytest.mark.parametrize(
    ("helper", "value", "says"),
    [
        (
            "as_float",
            _Subclass(1.0),
            f"relu returned {__name__}._Subclass, expected a number (int or float)",
        ),
        ("as_float", None, "relu returned NoneType, expected a number"),
        ("as_float", "1.0", "relu returned str, expected a number"),
        ("as_int", 2.0, "relu returned float, expected an integer"),
        ("as_bool", 1, "relu returned int, expected a bool"),
        ("as_floats", (x for x in [1.0]), "relu returned generator, expected a list"),
        ("as_floats", [1.0, _Subclass(2.0)], f"relu[1] returned {__name__}._Subclass"),
        ("as_shape", [2, 3], "relu returned list, expected a tuple of ints"),
        ("as_array", np.zeros(2).view(_Array), f"relu returned {__name__}._Array, expected a Tensor or a numpy array"),
        ("as_array", _Tensor(np.zeros(2).view(_Array)), f"relu.to_numpy() returned {__name__}._Array"),
        ("as_array", _Tensor(np.array([_Subclass(1.0)], dtype=object)), "relu.to_numpy() returned an array of object"),
        ("as_array", [1.0], "relu returned list, expected a Tensor or a numpy array"),
    ],
)
def test_anything_else_fails_with_one_line_naming_it(helper: str, value: object, says: str) -> None:
    with pytest.raises(AssertionError) as raised:
        getattr(_plain(), helper)(value, "relu")
    message = str(raised.value)
    assert says in message and "\n" not in message, message
