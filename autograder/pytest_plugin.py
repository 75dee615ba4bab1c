"""The pytest plugin that runs inside every grading child process.

It is copied into the scratch tree as ``_autograder_plugin.py`` and loaded
with ``-p _autograder_plugin``, so it depends on nothing but the standard
library, pytest and hypothesis. It reads its orders from environment
variables set by the parent (taking the selection and the library's layers,
see :mod:`autograder.layers`, out of the environment before any test module
is imported) and writes one JSON object per line to the pipe the parent
passes it (its file descriptor is in the environment):

- ``collected``: the node ids selected for this run;
- ``collect_error``: a test file that could not be imported;
- ``start`` / ``report`` / ``finish``: one test's phases;
- ``done``: the session ended normally, with pytest's exit status.

The parent treats any expected test without a ``finish`` as unfinished, so a
child that dies mid-test cannot hide it.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Callable
from typing import Any

import pytest

EVENTS_FD = "AUTOGRADER_EVENTS_FD"  # the pipe the parent reads
SELECT = "AUTOGRADER_SELECT"
EXCLUDE = "AUTOGRADER_EXCLUDE"
ORDERS_FD = "AUTOGRADER_ORDERS_FD"  # the library's layers (layers.py's variable)
LAYERS_MODULE = "_autograder_layers"  # autograder/layers.py in the tree
MAX_EXAMPLES = "AUTOGRADER_MAX_EXAMPLES"
CUDA_MAX_EXAMPLES = "AUTOGRADER_CUDA_MAX_EXAMPLES"
TASK_MAX_EXAMPLES = "AUTOGRADER_TASK_MAX_EXAMPLES"
MESSAGE_LIMIT = 1500
RESOURCE_ERRORS = re.compile(r"\[Errno (28|27)\]")  # ENOSPC, EFBIG


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


class GradingReporter:
    """Streams collection and test outcomes to the parent's events file.

    It snapshots the pytest functions that produce reports before any student
    code is imported, and flags every later report as tampered with if one of
    them was replaced (a student module patching pytest to pass every test).
    """

    def __init__(self, fd: int, select: set[str] | None, exclude: set[str]) -> None:
        self._out = os.fdopen(fd, "w", encoding="utf-8")
        self._machinery = [(owner, name, owner.__dict__.get(name)) for owner, name in _reporting_machinery()]
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

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._emit(event="collect_error", nodeid=report.nodeid, message=_short(report))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        items = [
            {
                "nodeid": item.nodeid,
                "name": getattr(item, "originalname", item.name),
                "markers": sorted({mark.name for mark in item.iter_markers()}),
            }
            for item in session.items
        ]
        self._emit(event="collected", items=items)

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._emit(event="start", nodeid=nodeid)

    def _tampered(self) -> bool:
        changed = any(owner.__dict__.get(name) is not original for owner, name, original in self._machinery)
        return changed or any(getattr(GradingReporter, k) is not v for k, v in self._own_methods.items())

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self._tampered():
            self._emit(event="tampered", nodeid=report.nodeid)
        skip_reason = None
        if report.skipped and isinstance(report.longrepr, tuple):
            skip_reason = str(report.longrepr[2])
        self._emit(
            event="report",
            nodeid=report.nodeid,
            when=report.when,
            outcome=report.outcome,
            duration=report.duration,
            message=_short(report) if report.failed else skip_reason,
        )

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self._emit(event="finish", nodeid=nodeid)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._emit(event="done", exitstatus=int(exitstatus))
        self._out.close()


@pytest.fixture
def record(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Record values for the grader to judge (trusted checks, :mod:`autograder.trusted`).

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


def _short(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The failure as a student needs it: the error line and any falsifying example."""
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    text = report.longreprtext
    lines = [crash.message] if crash is not None else text.strip().splitlines()[-3:]
    lines += [
        line.strip() for line in text.splitlines() if line.strip().startswith(("Falsifying example", "E   Falsifying"))
    ]
    # A full disk or file-size cap is the grader's limit, whatever exception group it hides in.
    lines += [line.strip(" E") for line in text.splitlines() if RESOURCE_ERRORS.search(line)][:1]
    message = "\n".join(dict.fromkeys(line for line in lines if line))
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 3] + "..."


def _load_hypothesis_profile() -> None:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "grading",
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        max_examples=int(os.environ.get(MAX_EXAMPLES, "100")),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.load_profile("grading")


def _task_caps() -> dict[str, int]:
    """``task3_1=25,task3_3=10`` from the environment, as a dict."""
    caps = {}
    for part in os.environ.get(TASK_MAX_EXAMPLES, "").split(","):
        marker, _, count = part.partition("=")
        if marker and count.isdigit():
            caps[marker] = int(count)
    return caps


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Cap Hypothesis examples for the duration of a test: by its task, and for ``cuda`` tests.

    A task's ``max_examples`` in the manifest caps its tests. Under the CUDA
    simulator ``cuda`` tests get a lower cap and no shrinking: shrinking
    reruns a failing kernel hundreds of times, which costs minutes there;
    the failing example is still shown. A property test keeps its settings
    on the test function, which every parametrized copy shares, so the cap
    is put there and taken off again.
    """
    test = getattr(item, "obj", None)
    current = getattr(test, "_hypothesis_internal_use_settings", None)
    caps = [count for marker, count in _task_caps().items() if item.get_closest_marker(marker) is not None]
    simulated = os.environ.get(CUDA_MAX_EXAMPLES) and item.get_closest_marker("cuda") is not None
    if simulated:
        caps.append(int(os.environ[CUDA_MAX_EXAMPLES]))
    if not caps or current is None:
        yield
        return
    from hypothesis import Phase, settings

    phases = [phase for phase in current.phases if not (simulated and phase is Phase.shrink)]
    capped = settings(current, max_examples=min(current.max_examples, *caps), phases=phases)
    test._hypothesis_internal_use_settings = capped  # type: ignore[union-attr]
    try:
        yield
    finally:
        test._hypothesis_internal_use_settings = current  # type: ignore[union-attr]


def pytest_configure(config: pytest.Config) -> None:
    """Take the orders out of the environment, install the profile, the library's layers and the reporter.

    This runs before any test module is imported, so no test sees the orders.
    """
    select = os.environ.pop(SELECT, None)
    exclude = _names(os.environ.pop(EXCLUDE, ""))
    _load_hypothesis_profile()
    if os.environ.get(ORDERS_FD):
        layers = importlib.import_module(LAYERS_MODULE)
        layers.apply_orders(layers.take_orders())
    if os.environ.get(EVENTS_FD):
        # The pipe's number leaves the environment before any student code is imported.
        reporter = GradingReporter(int(os.environ.pop(EVENTS_FD)), None if select is None else _names(select), exclude)
        config.pluginmanager.register(reporter, "autograder-reporter")
