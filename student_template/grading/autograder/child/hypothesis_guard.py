"""Runs inside every grading child: Hypothesis under the grader's settings, whatever student code does.

Copied into the tree as ``_autograder_hypothesis.py`` and used by the test
plugin (:mod:`autograder.child.pytest_plugin`), so it depends on nothing but the
standard library, pytest and Hypothesis. The grading profile is loaded again
before every test and each property test runs with the settings it is due
(the task's and the CUDA simulator's caps included); Hypothesis's mining of
local constants is turned off, so examples never depend on the student's
code or on the files a release holds.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

TASK_MAX_EXAMPLES = "AUTOGRADER_TASK_MAX_EXAMPLES"  # the plugin's variable of the same name
GRADING_PROFILE = "grading"
LOCAL_CONSTANTS_OFF = "local_constants_off"  # marks a function that stands in for Hypothesis's constant mining


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


def skip_argument_explanations() -> bool:
    """Stop Hypothesis from varying each argument of a shrunk failure to see which ones matter.

    That part of the explain phase (the shrinker's ``explain``) reruns a
    failing test about 300 times to write ``# or any other generated value``
    beside the example, which the failure message drops; it was most of the
    time a failing test took (0.3-1 s each, a stub's ``NotImplementedError``
    included). The other part, tracing which lines only failing examples
    ran, is kept: the message shows that line. Changes no verdict.

    Returns:
        Whether the switch is in place (False where this Hypothesis has no such step).
    """
    try:
        from hypothesis.internal.conjecture.shrinker import Shrinker
    except ImportError:
        return False
    if not callable(getattr(Shrinker, "explain", None)):
        return False
    Shrinker.explain = _no_argument_explanation  # type: ignore[method-assign]
    return True


def _no_argument_explanation(self: Any) -> None:
    """The shrinker's explain step, skipped (see :func:`skip_argument_explanations`)."""


def task_caps() -> dict[str, int]:
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

    def __init__(
        self, max_examples: int, caps: dict[str, int], cuda_cap: int | None, report: bool, shrink: bool = True
    ) -> None:
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
        self.caps, self.cuda_cap, self.report, self.shrink = caps, cuda_cap, report, shrink
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
        skip_argument_explanations()
        self._installed = True

    def collected(self, items: list[pytest.Item]) -> None:
        """Note each property test's state as collection left it, before any test ran."""
        for item in items:
            function = _test_function(item)
            if function is not None:
                self._collected.setdefault(id(function), (function, *_state_of(function)))

    def _graded(self, item: pytest.Item, own: Any, applied: bool) -> Any:
        """The settings a test runs with: the profile's, its own count and phases, the caps."""
        from hypothesis import settings

        base = own if isinstance(own, settings) else self.profile
        explicit = _explicit(base) if applied else {}
        caps = [count for marker, count in self.caps.items() if item.get_closest_marker(marker) is not None]
        simulated = self.cuda_cap is not None and item.get_closest_marker("cuda") is not None
        caps += [self.cuda_cap] if simulated and self.cuda_cap is not None else []
        phases = explicit.get("phases", self.profile.phases)
        return settings(
            base,
            max_examples=min([explicit.get("max_examples", self.profile.max_examples), *caps]),
            phases=[phase for phase in phases if phase not in self._skipped(simulated)],
            derandomize=True,
            database=None,
            deadline=self.profile.deadline,
            backend=self.profile.backend,
            suppress_health_check=[*dict.fromkeys([*base.suppress_health_check, *self.profile.suppress_health_check])],
        )

    def _skipped(self, simulated: bool) -> set[Any]:
        """Phases a graded test does not run: shrinking and explaining where shrinking is off or too slow.

        Off for the mutation score, which asks only whether a test fails; too slow under the CUDA simulator.
        Explaining a failure (which lines only failing examples ran, shown to the student) reruns the shrunk
        example, about half a second of every failing test, and needs the shrunk example.
        """
        from hypothesis import Phase

        return {Phase.shrink, Phase.explain} if simulated or not self.shrink else set()

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
