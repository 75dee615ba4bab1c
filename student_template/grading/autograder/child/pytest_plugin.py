"""The pytest plugin that runs inside every grading child process.

It is copied into the scratch tree as ``_autograder_plugin.py`` and loaded
with ``-p _autograder_plugin``, so it depends on nothing but the standard
library, pytest and hypothesis. It reads its orders from environment
variables set by the parent (taking the selection and the library's layers,
see :mod:`autograder.child.layers`, out of the environment before any test module
is imported) and writes one JSON object per line to the pipe the parent
passes it (its file descriptor is in the environment):

- ``collected``: the node ids selected for this run;
- ``collect_error``: a test file that could not be imported, with the error
  that stopped it where it was raised (``failures.import_failure``);
- ``start`` / ``report`` / ``finish``: one test's phases (a failure that is a
  file failing to import says so: ``import_error``);
- ``done``: the session ended normally, with pytest's exit status.

The parent treats any expected test without a ``finish`` as unfinished, so a
child that dies mid-test cannot hide it.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EVENTS_FD = "AUTOGRADER_EVENTS_FD"  # the pipe the parent reads
SELECT = "AUTOGRADER_SELECT"
EXCLUDE = "AUTOGRADER_EXCLUDE"
ORDERS_FD = "AUTOGRADER_ORDERS_FD"  # the library's layers (layers.py's variable)
LAYERS_MODULE = "_autograder_layers"  # autograder/child/layers.py in the tree
MAX_EXAMPLES = "AUTOGRADER_MAX_EXAMPLES"
CUDA_MAX_EXAMPLES = "AUTOGRADER_CUDA_MAX_EXAMPLES"
TASK_MAX_EXAMPLES = "AUTOGRADER_TASK_MAX_EXAMPLES"
NO_SHRINK = "AUTOGRADER_NO_SHRINK"  # "1": failing examples are not shrunk (the mutation score: does a test fail?)
STUDENT_TESTS = "AUTOGRADER_STUDENT_TESTS"  # the tests are the student's: their settings are re-applied, not reported
GUARD_MODULE = "_autograder_hypothesis"  # autograder/child/hypothesis_guard.py in the tree
CUDA_MODULE = "_autograder_cuda"  # autograder/child/cuda_simulator.py in the tree
# The events a child writes to the parent, one JSON object per line: this file owns the protocol
# (the parent reads it in grading/runner.py and grading/student_tests.py with these names).
COLLECTED, COLLECT_ERROR, START, REPORT = "collected", "collect_error", "start", "report"
FINISH, DONE, TAMPERED_EVENT = "finish", "done", "tampered"
FAILURES_MODULE = "_autograder_failures"  # autograder/child/failures.py in the tree: how a failure is told


def _reporting_machinery() -> list[tuple[object, str]]:
    """The pytest internals a test outcome passes through on its way to us."""
    from _pytest import reports, runner

    return [
        (runner, "call_and_report"),
        (runner, "runtestprotocol"),
        (runner, "pytest_runtest_makereport"),
        (runner, "check_interactive_exception"),
        (reports.TestReport, "__init__"),
        (reports.TestReport, "from_item_and_call"),
        (reports.BaseReport, "passed"),
        (reports.BaseReport, "failed"),
        (reports.BaseReport, "skipped"),
        (runner.CallInfo, "from_call"),
    ]


def hypothesis_machinery() -> list[tuple[object, str]]:
    """The Hypothesis internals that choose a property test's settings and examples and run them."""
    import hypothesis
    from hypothesis import core
    from hypothesis.internal.conjecture import engine

    owners: list[tuple[object, tuple[str, ...]]] = [
        (hypothesis, ("given", "settings")),
        (core, ("given", "get_random_for_wrapped_test")),
        (core.StateForActualGivenExecution, ("run_engine", "execute_once")),
        (engine.ConjectureRunner, ("run",)),
        (hypothesis.settings, ("__init__", "__call__", "register_profile", "load_profile", "get_profile")),
    ]
    return [(owner, name) for owner, names in owners for name in names]


class GradingReporter:
    """Streams collection and test outcomes to the parent's events file.

    It snapshots the pytest functions that produce reports, and the
    Hypothesis functions that run property tests, before any student code is
    imported, and flags every later report as tampered with if one of them
    was replaced (a student module patching pytest to pass every test, or
    Hypothesis to run no example), or if ``guard`` found the grading
    settings changed where the tests are the course's.
    """

    def __init__(
        self, fd: int, select: set[str] | None, exclude: set[str], guard: Any = None, root: Path | None = None
    ) -> None:
        self._out = os.fdopen(fd, "w", encoding="utf-8")
        self._root = root or Path.cwd()
        self._located: dict[tuple[str, str], str] = {}  # (node id, phase) -> where an import failed
        self._errors: dict[tuple[str, str], BaseException] = {}  # (node id, phase) -> the error that failed it
        self._failures = importlib.import_module(FAILURES_MODULE)
        self._machinery = [(owner, name, owner.__dict__.get(name)) for owner, name in _reporting_machinery()]
        self._hypothesis = [(owner, name, owner.__dict__.get(name)) for owner, name in hypothesis_machinery()]
        self._guard = guard
        self._own_methods = {
            name: getattr(GradingReporter, name) for name in vars(GradingReporter) if name.startswith("pytest_")
        }
        self._select = select
        self._exclude = exclude

    def _emit(self, **event: Any) -> None:
        self.send(event)

    def send(self, event: dict[str, Any]) -> None:
        """Write one event to the parent's pipe."""
        self._out.write(json.dumps(event) + "\n")
        self._out.flush()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep: list[pytest.Item] = []
        drop: list[pytest.Item] = []
        for item in items:
            name = getattr(item, "originalname", item.name)
            wanted = (self._select is None or name in self._select) and name not in self._exclude
            (keep if wanted else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_exception_interact(
        self, node: pytest.Item | pytest.Collector, call: pytest.CallInfo[Any], report: Any
    ) -> None:
        if isinstance(report, pytest.CollectReport) and call.excinfo is not None:
            located = self._failures.import_failure(call.excinfo.value, self._root, collecting=True)
            if located is not None:
                self._located[(report.nodeid, "collect")] = located

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if call.excinfo is not None and report.failed:
            self._errors[(item.nodeid, call.when)] = call.excinfo.value
            located = self._failures.import_failure(call.excinfo.value, self._root, collecting=False)
            if located is not None:
                self._located[(item.nodeid, call.when)] = located
        return report

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            located = self._located.pop((report.nodeid, "collect"), None)
            message = located or self._failures.failure_message(report, None, self._root)
            self._emit(event=COLLECT_ERROR, nodeid=report.nodeid, message=message)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        items = [
            {
                "nodeid": item.nodeid,
                "name": getattr(item, "originalname", item.name),
                "markers": sorted({mark.name for mark in item.iter_markers()}),
            }
            for item in session.items
        ]
        self._emit(event=COLLECTED, items=items)

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._emit(event=START, nodeid=nodeid)

    def _tampered(self) -> str | None:
        """What was tampered with: ``reporting``, ``hypothesis`` (its functions or the grading settings), or None."""
        changed = any(owner.__dict__.get(name) is not original for owner, name, original in self._machinery)
        if changed or any(getattr(GradingReporter, k) is not v for k, v in self._own_methods.items()):
            return "reporting"
        if any(owner.__dict__.get(name) is not original for owner, name, original in self._hypothesis):
            return "hypothesis"
        guard = self._guard
        return "hypothesis" if guard is not None and guard.report and guard.changes else None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        tampered = self._tampered()
        if tampered is not None:
            self._emit(event=TAMPERED_EVENT, nodeid=report.nodeid, what=tampered)
        skip_reason = None
        if report.skipped and isinstance(report.longrepr, tuple):
            skip_reason = str(report.longrepr[2])
        located = self._located.pop((report.nodeid, report.when), None)
        error = self._errors.pop((report.nodeid, report.when), None)
        message = self._failures.failure_message(report, error, self._root) if report.failed else skip_reason
        if located is not None and message is not None:  # an import failed: where, then the rest of the message
            message = self._failures.clip("\n".join([located, *message.splitlines()[1:]]))
        self._emit(
            event=REPORT,
            nodeid=report.nodeid,
            when=report.when,
            outcome=report.outcome,
            duration=report.duration,
            message=message,
            import_error=located is not None,
        )

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self._emit(event=FINISH, nodeid=nodeid)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._emit(event=DONE, exitstatus=int(exitstatus))
        self._out.close()


@pytest.fixture
def record(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Record values for the grader to judge (trusted checks, :mod:`autograder.grading.trusted`).

    ``record(key, compute, tolerance=1e-6, agree=1.0)`` calls ``compute()`` and
    sends what it returned, as plain data, or the error that stopped it. The
    check itself passes or fails nothing; the parent compares the values.
    """
    reporter = request.config.pluginmanager.get_plugin("autograder-reporter")
    nodeid = request.node.nodeid

    def record_value(key: str, compute: Callable[[], Any], tolerance: float = 1e-6, agree: float = 1.0) -> None:
        event: dict[str, Any] = {"event": "value", "nodeid": nodeid, "key": key, "tolerance": tolerance, "agree": agree}
        try:
            event["value"] = _plain(compute())
        except Exception as error:
            event["error"] = f"{type(error).__name__}: {error}"[:300]
        if isinstance(reporter, GradingReporter):
            reporter.send(event)

    return record_value


def _plain(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data, from exact builtin types and numpy's own types only."""
    kind = type(value)
    if depth > 8:
        raise TypeError("a value nested too deep to record")
    if value is None or kind in (bool, int, float, str):
        return value
    if kind in (list, tuple):
        return [_plain(item, depth + 1) for item in value]
    if kind is dict:
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if kind.__module__ == "numpy" and hasattr(value, "tolist"):
        return _plain(value.tolist(), depth + 1)
    raise TypeError(f"a {kind.__name__} is not a number, list or array")


def _names(value: str) -> set[str]:
    return {name for name in value.split(",") if name}


_guard: Any = None  # the HypothesisGuard pytest_configure sets up


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Run every test under the grading profile, and every property test with the settings it is due.

    A task's ``max_examples`` in the manifest caps its tests. Under the CUDA
    simulator ``cuda`` tests get a lower cap and no shrinking: shrinking
    reruns a failing kernel hundreds of times, which costs minutes there;
    the failing example is still shown (see ``hypothesis_guard.py``).
    """
    if _guard is None:
        yield
        return
    with _guard.applied(item):
        yield


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note the property tests' settings as collection left them."""
    if _guard is not None:
        _guard.collected(session.items)


def pytest_configure(config: pytest.Config) -> None:
    """Take the orders out of the environment, install the profile, the library's layers and the reporter.

    Under the CUDA simulator the child is also prepared for it (``cuda_simulator.py``).

    This runs before any test module is imported, so no test sees the orders.
    """
    global _guard
    select = os.environ.pop(SELECT, None)
    exclude = _names(os.environ.pop(EXCLUDE, ""))
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        importlib.import_module(CUDA_MODULE).prepare()
    guards = importlib.import_module(GUARD_MODULE)
    cuda_cap = os.environ.get(CUDA_MAX_EXAMPLES)
    max_examples = int(os.environ.get(MAX_EXAMPLES, "100"))
    report = not os.environ.get(STUDENT_TESTS)
    caps = (guards.task_caps(), int(cuda_cap) if cuda_cap else None)
    _guard = guards.HypothesisGuard(max_examples, *caps, report, shrink=os.environ.get(NO_SHRINK) != "1")
    _guard.install()
    if os.environ.get(ORDERS_FD):
        layers = importlib.import_module(LAYERS_MODULE)
        layers.apply_orders(layers.take_orders())
    if os.environ.get(EVENTS_FD):
        # The pipe's number leaves the environment before any student code is imported.
        names = None if select is None else _names(select)
        reporter = GradingReporter(int(os.environ.pop(EVENTS_FD)), names, exclude, _guard, config.rootpath)
        config.pluginmanager.register(reporter, "autograder-reporter")
