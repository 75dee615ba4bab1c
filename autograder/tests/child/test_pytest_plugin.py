"""The child's pytest plugin, run by pytest itself (``pytester``) on small test files.

Each run is a fresh Python process that loads the plugin the way a grading
child does (``-p _autograder_plugin``), with the events pipe in the
environment, and prints the events it received.
"""

from __future__ import annotations

import json
import shutil
import sys
from typing import Any

import pytest

from autograder.child import failures, hypothesis_guard, pytest_plugin

pytest_plugins = ["pytester"]

# Loads the plugin the way a grading child does and prints the events: one JSON object per line.
RUNNER = """
import json, os, sys
import pytest
read, write = os.pipe()
os.environ["{events}"] = str(write)
status = pytest.main(["-p", "_autograder_plugin", "-q", "-p", "no:cacheprovider", *sys.argv[1:]])
with os.fdopen(read) as pipe:
    print("EVENTS " + json.dumps([json.loads(line) for line in pipe]))
"""

TESTS = """
def test_passes():
    assert 1 + 1 == 2

def test_fails():
    assert 1 + 1 == 3, "arithmetic"
"""


@pytest.fixture
def child(pytester: pytest.Pytester) -> pytest.Pytester:
    """A folder laid out as a grading child's: the plugin and its Hypothesis guard under their tree names."""
    shutil.copyfile(pytest_plugin.__file__, pytester.path / "_autograder_plugin.py")
    shutil.copyfile(hypothesis_guard.__file__, pytester.path / f"{pytest_plugin.GUARD_MODULE}.py")
    shutil.copyfile(failures.__file__, pytester.path / f"{pytest_plugin.FAILURES_MODULE}.py")
    pytester.makefile(".py", run_child=RUNNER.format(events=pytest_plugin.EVENTS_FD))
    return pytester


def _events(pytester: pytest.Pytester, *args: str) -> list[dict[str, Any]]:
    result = pytester.run(sys.executable, "run_child.py", *args)
    lines = [line for line in result.outlines if line.startswith("EVENTS ")]
    assert lines, "\n".join(result.outlines + result.errlines)
    events: list[dict[str, Any]] = json.loads(lines[-1].removeprefix("EVENTS "))
    return events


def _outcomes(events: list[dict[str, Any]]) -> dict[str, str]:
    return {e["nodeid"].split("::")[-1]: e["outcome"] for e in events if e["event"] == "report" and e["when"] == "call"}


def test_every_test_has_a_start_a_report_and_a_finish(child: pytest.Pytester) -> None:
    child.makepyfile(test_sample=TESTS)
    events = _events(child, "test_sample.py")
    kinds = [e["event"] for e in events]
    assert kinds[0] == "collected" and kinds[-1] == "done"
    assert [i["name"] for i in events[0]["items"]] == ["test_passes", "test_fails"]
    assert _outcomes(events) == {"test_passes": "passed", "test_fails": "failed"}
    for name in ("test_passes", "test_fails"):
        mine = [e["event"] for e in events if e.get("nodeid", "").endswith(name)]
        assert mine == ["start", "report", "report", "report", "finish"], mine
    failure = next(e for e in events if e["event"] == "report" and e["outcome"] == "failed")
    assert "arithmetic" in failure["message"]


def test_a_file_that_fails_to_import_names_the_file_and_line(child: pytest.Pytester) -> None:
    child.makepyfile(broken="VALUE = 1\nraise ValueError('half written')\n")
    child.makepyfile(test_uses_broken="import broken\n\ndef test_one():\n    pass\n")
    events = _events(child, "test_uses_broken.py")
    errors = [e for e in events if e["event"] == "collect_error"]
    assert len(errors) == 1 and errors[0]["nodeid"] == "test_uses_broken.py"
    assert errors[0]["message"].startswith("broken.py:2: ValueError: half written"), errors[0]["message"]


def test_a_failure_names_its_input_and_the_line_of_the_library_where_it_arose(child: pytest.Pytester) -> None:
    (child.path / "minitorch").mkdir()
    (child.path / "minitorch/__init__.py").write_text("")
    (child.path / "minitorch/ops.py").write_text("def add(x):\n    return x + 'one'\n")
    test = (
        "from hypothesis import given, strategies as st\nfrom minitorch.ops import add\n\n"
        "@given(st.integers(min_value=5, max_value=9))\ndef test_add(x):\n    assert add(x) == x + 1\n"
    )
    child.makepyfile(test_ops=test)
    events = _events(child, "test_ops.py")
    failure = next(e for e in events if e["event"] == "report" and e["outcome"] == "failed")
    lines = failure["message"].splitlines()
    assert lines[0].startswith("TypeError: unsupported operand"), lines
    assert "input: x=5" in lines, lines
    assert "at minitorch/ops.py:2 in add: return x + 'one'" in lines, lines


STUB_AND_WRONG_VALUE = """
from pathlib import Path
from hypothesis import given, strategies as st
from minitorch.ops import mul, double

def _count():
    calls = Path("calls")
    calls.write_text(str(int(calls.read_text() or 0) + 1) if calls.exists() else "1")

@given(st.integers(0, 1000), st.integers(0, 1000))
def test_mul(x, y):
    _count()
    assert mul(x, y) == x * y

@given(st.integers(0, 1000))
def test_double(x):
    assert double(x) == 2 * x
"""


def test_a_failure_is_shrunk_and_traced_but_its_arguments_not_varied(child: pytest.Pytester) -> None:
    """The message keeps the shrunk input and the line only failing inputs ran; Hypothesis's dozens of reruns
    that vary each argument (to mark it "any other generated value", which the message drops) are skipped."""
    (child.path / "minitorch").mkdir()
    (child.path / "minitorch/__init__.py").write_text("")
    stub = "def mul(x, y):\n    raise NotImplementedError('Task 0.1: implement mul.')\n\n"
    wrong = "def double(x):\n    if x > 10:\n        return x + x + 1\n    return x + x\n"
    (child.path / "minitorch/ops.py").write_text(stub + wrong)
    child.makepyfile(test_ops=STUB_AND_WRONG_VALUE)
    events = _events(child, "test_ops.py")
    failures = {e["nodeid"].split("::")[-1]: e["message"].splitlines() for e in events if e.get("outcome") == "failed"}
    assert failures["test_mul"][1:] == [
        "input: x=0, y=0",
        "at minitorch/ops.py:2 in mul: raise NotImplementedError('Task 0.1: implement mul.')",
    ], failures["test_mul"]
    assert failures["test_double"][-2:] == [
        "input: x=11",
        "run only by failing inputs: minitorch/ops.py:6: return x + x + 1",
    ], failures["test_double"]
    calls = int((child.path / "calls").read_text())
    assert calls < 50, f"a test that fails on its first example ran {calls} times (about 300 with its arguments varied)"


def test_only_the_selected_tests_run(child: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    child.makepyfile(test_sample=TESTS)
    monkeypatch.setenv(pytest_plugin.SELECT, "test_fails")
    events = _events(child, "test_sample.py")
    assert [i["name"] for i in events[0]["items"]] == ["test_fails"]
    assert _outcomes(events) == {"test_fails": "failed"}


def test_patching_pytest_reporting_is_reported_as_tampering(child: pytest.Pytester) -> None:
    child.makepyfile(test_sample=TESTS)
    child.makepyfile(
        test_patches="""
        import _pytest.runner

        original = _pytest.runner.call_and_report

        def forged(*args, **kwargs):
            report = original(*args, **kwargs)
            report.outcome = "passed"
            return report

        _pytest.runner.call_and_report = forged

        def test_after_the_patch():
            assert False
        """
    )
    events = _events(child, "test_patches.py")
    assert any(e["event"] == "tampered" and e["what"] == "reporting" for e in events), events
    assert not any(e["event"] == "tampered" for e in _events(child, "test_sample.py")), "an honest run was flagged"
