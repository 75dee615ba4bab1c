"""The pytest plugin that runs inside every grading child process.

It is copied into the scratch tree as ``_autograder_plugin.py`` and loaded
with ``-p _autograder_plugin``, so it depends on nothing but the standard
library, pytest and hypothesis. It reads its orders from environment
variables set by the parent and writes one JSON object per line to the
pipe the parent passes it (its file descriptor is in the environment):

- ``collected``: the node ids selected for this run;
- ``collect_error``: a test file that could not be imported;
- ``start`` / ``report`` / ``finish``: one test's phases;
- ``done``: the session ended normally, with pytest's exit status.

The parent treats any expected test without a ``finish`` as unfinished, so a
child that dies mid-test cannot hide it.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest

EVENTS_FD = "AUTOGRADER_EVENTS_FD"  # the pipe the parent reads
SELECT = "AUTOGRADER_SELECT"
EXCLUDE = "AUTOGRADER_EXCLUDE"
MUTANT = "AUTOGRADER_MUTANT"
MAX_EXAMPLES = "AUTOGRADER_MAX_EXAMPLES"
CUDA_MAX_EXAMPLES = "AUTOGRADER_CUDA_MAX_EXAMPLES"
TASK_MAX_EXAMPLES = "AUTOGRADER_TASK_MAX_EXAMPLES"
STUDENT_TESTS = "AUTOGRADER_STUDENT_TESTS"  # the tests are the student's: their settings are re-applied, not reported
GRADING_PROFILE = "grading"
LOCAL_CONSTANTS_OFF = "local_constants_off"  # marks a function that stands in for Hypothesis's constant mining
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


def _hypothesis_machinery() -> list[tuple[object, str]]:
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

    def __init__(self, fd: int, guard: HypothesisGuard | None = None) -> None:
        self._out = os.fdopen(fd, "w", encoding="utf-8")
        self._machinery = [(owner, name, owner.__dict__.get(name)) for owner, name in _reporting_machinery()]
        self._hypothesis = [(owner, name, owner.__dict__.get(name)) for owner, name in _hypothesis_machinery()]
        self._guard = guard
        self._own_methods = {
            name: getattr(GradingReporter, name) for name in vars(GradingReporter) if name.startswith("pytest_")
        }
        select = os.environ.get(SELECT)
        self._select = None if select is None else _names(select)
        self._exclude = _names(os.environ.get(EXCLUDE, ""))

    def _emit(self, **event: Any) -> None:
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
            self._emit(event="tampered", nodeid=report.nodeid, what=tampered)
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


_guard: HypothesisGuard | None = None  # set up by pytest_configure


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


def _apply_mutant(spec: str) -> None:
    """Replace functions of a library module by a mutant's broken versions.

    Every module of the library that imported one of the replaced functions by
    name gets the broken version too, so ``from minitorch.operators import
    sigmoid`` in a test sees the mutant.
    """
    file, target = spec.split("::")
    module = importlib.import_module(target)
    loader_spec = importlib.util.spec_from_file_location("_autograder_mutant", file)
    assert loader_spec is not None and loader_spec.loader is not None
    mutant = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(mutant)
    replacements = mutant.mutate(module)
    package = target.split(".")[0]
    for name, broken in replacements.items():
        original = getattr(module, name)
        broken.__name__ = getattr(original, "__name__", name)
        broken.__qualname__ = getattr(original, "__qualname__", name)
        broken.__module__ = target
        broken.__doc__ = getattr(original, "__doc__", None)
        for loaded_name, loaded in list(sys.modules.items()):
            in_package = loaded_name == package or loaded_name.startswith(package + ".")
            if in_package and getattr(loaded, name, None) is original:
                setattr(loaded, name, broken)


def _no_local_constants() -> Any:
    """The constants Hypothesis found in local modules: none."""
    from hypothesis.internal.constants_ast import Constants

    return Constants()


setattr(_no_local_constants, LOCAL_CONSTANTS_OFF, True)  # the course's conftest leaves a marked switch alone


def turn_off_local_constants() -> bool | None:
    """Stop Hypothesis from seeding examples with literals mined from local modules.

    Recent Hypothesis versions parse every local module in ``sys.modules``
    (the student's library, any file of the tree that is not a test) and now
    and then draw one of their literals as an example, so the examples would
    depend on the student's code and on the release. The provider asks the
    private ``providers._get_local_constants()`` for them: a function that
    finds none takes its place (the grader's ``test_determinism.py`` fails
    if a Hypothesis upgrade moves it).

    Returns:
        None where this Hypothesis mines no constants; else whether the
        switch had to be put in place (it was not there, or was replaced).
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:
        return None
    if not hasattr(providers, "_get_local_constants"):
        return None
    if providers._get_local_constants is _no_local_constants:
        return False
    providers._get_local_constants = _no_local_constants
    getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", {}).clear()  # constants drawn before
    return True


def _task_caps() -> dict[str, int]:
    """``task3_1=25,task3_3=10`` from the environment, as a dict."""
    caps = {}
    for part in os.environ.get(TASK_MAX_EXAMPLES, "").split(","):
        marker, _, count = part.partition("=")
        if marker and count.isdigit():
            caps[marker] = int(count)
    return caps


def _test_function(item: pytest.Item) -> Any:
    """The property test an item runs (the function its parametrized copies share), or None."""
    test = getattr(item, "obj", None)
    function = getattr(test, "__func__", test)
    return function if getattr(function, "is_hypothesis_test", False) else None


# What Hypothesis reads off a property test: its settings, a forced seed, a failure to replay, whether @settings ran.
TEST_STATE = (
    "_hypothesis_internal_use_settings",
    "_hypothesis_internal_use_seed",
    "_hypothesis_internal_use_reproduce_failure",
    "_hypothesis_internal_settings_applied",
)


def _state_of(function: Any) -> tuple[Any, ...]:
    return tuple(getattr(function, name, None) for name in TEST_STATE)


def _set_state(function: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(TEST_STATE, state, strict=True):
        if value is None and name == TEST_STATE[-1]:
            function.__dict__.pop(name, None)  # Hypothesis sets it only where @settings ran
        else:
            setattr(function, name, value)


def _explicit(own: Any) -> dict[str, Any]:
    """The example count and phases a test's own ``@settings`` chose: where they differ from what it was built on."""
    fallback = getattr(own, "_fallback", None)
    names = ("max_examples", "phases")
    return {n: getattr(own, n) for n in names if fallback is None or getattr(own, n) != getattr(fallback, n)}


class HypothesisGuard:
    """The Hypothesis settings the grader set, put back before every test.

    Student code runs before a test module's decorators do (the module
    imports the library first) and between tests, so it could load a profile
    of its own, change a test's settings, seed or replayed failure, or turn
    the mining of local constants back on. Before each test the guard loads
    the grading profile again and gives the test the settings it is due: the
    profile's, with the example count and phases of its own ``@settings``,
    within its task's cap and the simulator's. What it finds changed goes to
    ``changes``; where ``report`` is set (the tests are the course's, not the
    student's) the reporter then voids the child's results.
    """

    def __init__(self, max_examples: int, caps: dict[str, int], cuda_cap: int | None, report: bool) -> None:
        from hypothesis import HealthCheck, settings

        self.profile = settings(
            settings.get_profile("default"),
            derandomize=True,
            database=None,
            deadline=None,
            print_blob=True,
            max_examples=max_examples,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        self.caps, self.cuda_cap, self.report = caps, cuda_cap, report
        self.changes: list[str] = []
        self._installed = False
        self._collected: dict[int, tuple[Any, ...]] = {}

    def _note(self, change: str) -> None:
        if self._installed and change not in self.changes:
            self.changes.append(change)

    def install(self) -> None:
        """Load the grading profile and turn off local constants (again), noting what had been changed."""
        from hypothesis import settings

        try:
            registered = settings.get_profile(GRADING_PROFILE)
            loaded = getattr(settings, "_current_profile", None) == GRADING_PROFILE and settings.default is self.profile
        except Exception:  # noqa: BLE001 (a profile of any kind of brokenness is a changed profile)
            registered, loaded = None, False
        if registered is not self.profile or not loaded:
            self._note("the grading profile")
            if registered is not self.profile:
                settings.register_profile(GRADING_PROFILE, self.profile)
        settings.load_profile(GRADING_PROFILE)
        if turn_off_local_constants():
            self._note("the mining of local constants")
        self._installed = True

    def collected(self, items: list[pytest.Item]) -> None:
        """Note each property test's state as collection left it, before any test ran."""
        for item in items:
            function = _test_function(item)
            if function is not None:
                self._collected.setdefault(id(function), (function, *_state_of(function)))

    def _graded(self, item: pytest.Item, own: Any, applied: bool) -> Any:
        """The settings a test runs with: the profile's, its own count and phases, the caps."""
        from hypothesis import Phase, settings

        base = own if isinstance(own, settings) else self.profile
        explicit = _explicit(base) if applied else {}
        caps = [count for marker, count in self.caps.items() if item.get_closest_marker(marker) is not None]
        simulated = self.cuda_cap is not None and item.get_closest_marker("cuda") is not None
        caps += [self.cuda_cap] if simulated and self.cuda_cap is not None else []
        phases = explicit.get("phases", self.profile.phases)
        return settings(
            base,
            max_examples=min([explicit.get("max_examples", self.profile.max_examples), *caps]),
            phases=[phase for phase in phases if not (simulated and phase is Phase.shrink)],
            derandomize=True,
            database=None,
            deadline=self.profile.deadline,
            backend=self.profile.backend,
            suppress_health_check=[*dict.fromkeys([*base.suppress_health_check, *self.profile.suppress_health_check])],
        )

    @contextlib.contextmanager
    def applied(self, item: pytest.Item) -> Iterator[None]:
        """Run one test under the grader's settings, and put the test's own state back afterwards."""
        self.install()
        function = _test_function(item)
        if function is None:
            yield
            return
        current = _state_of(function)
        _, own, seed, replay, applied = self._collected.get(id(function), (function, *current))
        changed = any(now is not then for now, then in zip(current, (own, seed, replay, applied), strict=True))
        rooted = own is self.profile or getattr(own, "_fallback", None) is self.profile
        if changed or not rooted or seed is not None or replay is not None:
            self._note("a test's Hypothesis settings")
        _set_state(function, (self._graded(item, own, bool(applied)), None, None, applied))
        try:
            yield
        finally:
            _set_state(function, current)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Run every test under the grading profile, and every property test with the settings it is due.

    A task's ``max_examples`` in the manifest caps its tests. Under the CUDA
    simulator ``cuda`` tests get a lower cap and no shrinking: shrinking
    reruns a failing kernel hundreds of times, which costs minutes there;
    the failing example is still shown. A property test keeps its settings
    on the test function, which every parametrized copy shares, so they are
    put there and taken off again (:class:`HypothesisGuard`).
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
    """Install the grading profile, the mutant if any, and the reporter.

    The orders in the environment are read here, once, before any student
    code runs: code that later changes the environment changes nothing.
    """
    global _guard
    cuda_cap = os.environ.get(CUDA_MAX_EXAMPLES)
    max_examples = int(os.environ.get(MAX_EXAMPLES, "100"))
    report = not os.environ.get(STUDENT_TESTS)
    _guard = HypothesisGuard(max_examples, _task_caps(), int(cuda_cap) if cuda_cap else None, report)
    _guard.install()
    if os.environ.get(MUTANT):
        _apply_mutant(os.environ[MUTANT])
    if os.environ.get(EVENTS_FD):
        config.pluginmanager.register(GradingReporter(int(os.environ[EVENTS_FD]), _guard), "autograder-reporter")
