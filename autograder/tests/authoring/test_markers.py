from __future__ import annotations

import ast

import pytest

from autograder.authoring.markers import MarkerError, find_regions, strip_solutions

TASKS = {"task0_1", "task0_3"}

SOURCE = '''\
def mul(x, y):
    """Multiply."""
    ### BEGIN SOLUTION task0_1
    return x * y
    ### END SOLUTION


def total(ls):
    """Sum."""
    acc = 0
    ### BEGIN SOLUTION task0_3 add every element to acc
    for x in ls:
        acc += x
    ### END SOLUTION
    return acc
'''


def test_strip_replaces_regions_with_the_stub_form() -> None:
    out = strip_solutions(SOURCE, "ops.py", TASKS)
    assert "return x * y" not in out and "acc += x" not in out
    assert '    # TODO: Implement for Task 0.1.\n    raise NotImplementedError("Task 0.1: implement mul.")\n' in out
    assert 'raise NotImplementedError("Task 0.3: add every element to acc")' in out
    assert '"""Multiply."""' in out and "def total(ls):" in out
    assert "SOLUTION" not in out
    namespace: dict[str, object] = {}
    exec(compile(out, "ops.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="Task 0.1"):
        namespace["mul"](2, 3)  # type: ignore[operator]


def test_strip_only_one_task_keeps_the_other_solutions() -> None:
    out = strip_solutions(SOURCE, "ops.py", TASKS, only={"task0_3"})
    assert "return x * y" in out
    assert "acc += x" not in out
    assert "SOLUTION" not in out
    ast.parse(out)


def test_regions_know_their_function() -> None:
    regions = find_regions(SOURCE, "ops.py", TASKS)
    assert [(r.task, r.function, r.begin, r.end) for r in regions] == [
        ("task0_1", "mul", 3, 5),
        ("task0_3", "total", 11, 14),
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    ### BEGIN SOLUTION task0_1\n    return 1\n", "ops.py:2: BEGIN SOLUTION is never closed"),
        (
            "def f():\n    ### BEGIN SOLUTION task0_1\n    ### BEGIN SOLUTION task0_1\n    return 1\n"
            "    ### END SOLUTION\n",
            "ops.py:3: nested BEGIN SOLUTION (region opened at line 2)",
        ),
        ("def f():\n    ### BEGIN SOLUTION task9_9\n    return 1\n    ### END SOLUTION\n", "ops.py:2: unknown task"),
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", "ops.py:2: BEGIN SOLUTION without"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", "ops.py:3: END SOLUTION without a BEGIN"),
        ("### BEGIN SOLUTION task0_1\nX = 1\n### END SOLUTION\n", "ops.py:1: solution region is outside a function"),
        ("def f():\n    # BEGIN SOLUTION task0_1\n    return 1\n", "ops.py:2: malformed solution marker"),
    ],
)
def test_bad_markers_name_file_and_line(source: str, expected: str) -> None:
    with pytest.raises(MarkerError) as error:
        strip_solutions(source, "ops.py", TASKS)
    assert str(error.value).startswith(expected)
    assert "\n" not in str(error.value)


def test_region_dedented_out_of_the_function_is_rejected() -> None:
    source = "def f():\n    x = 1\n### BEGIN SOLUTION task0_1\n    return x\n### END SOLUTION\n"
    with pytest.raises(MarkerError, match="ops.py:3: solution marker is indented less than the body of f"):
        strip_solutions(source, "ops.py", TASKS)
