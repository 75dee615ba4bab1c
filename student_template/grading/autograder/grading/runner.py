"""Run pytest in a child process and turn its events into test results.

The parent decides which tests it expects before the child starts. The child
streams events (see :mod:`autograder.child.pytest_plugin`); the parent watches them
while it waits, so it knows which test is running when a child hangs or dies.
A test that hangs past its budget is marked ``timeout``; a child that dies
marks its running test ``crashed`` (``memory`` when it ran out of memory);
the tests it never reached are run again in a fresh child.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..child.layers import ORDERS_FD
from ..child.pytest_plugin import COLLECT_ERROR, COLLECTED, DONE, EVENTS_FD, FINISH, REPORT, START, TAMPERED_EVENT
from ..manifest import ManifestError
from .child_events import EventReader
from .kernel_cache import TREE_VARIABLE
from .limits import process_cgroup
from .sandbox import Sandbox, python_executable
from .trusted import Recorded, recorded_values
from .workspace import PLUGIN_NAME

POLL_S = 0.05
TAMPERED = "pytest's reporting was patched while this test process ran: no result of it counts"
TAMPERED_HYPOTHESIS = (
    "Hypothesis or the grader's Hypothesis settings were changed while this test process ran: no result of it counts"
)
OUTPUT_LIMIT = 64 * 1024
NO_SPACE = "No space left on device"
EXCEPTION_WORD = re.compile(r"\b([A-Z]\w*)(?::|$)", re.MULTILINE)
# A child loads only the plugins it is given. Plugins installed beside pytest stay out: they would change how the
# course's tests run, and pytest rewrites the asserts of every module of an autoloaded plugin's package (all of
# Hypothesis) in each child, seconds of every child's start where the rewritten files cannot be cached.
HYPOTHESIS_PLUGIN = "_hypothesis_pytestplugin"


@dataclass(frozen=True)
class ChildPlan:
    """How the children of one kind run.

    Attributes:
        pristine: The tree each child gets a fresh copy of; children never write it.
        sandbox: How they are confined.
        env: Their environment, besides :func:`child_environment`.
        test_budget_s: Wall-clock budget of one test.
        budgets: Budgets of their own for some tests, by node id.
        secret: Whether what the children say is the course's secret (hidden tests,
            student tests run on the reference): messages are then reduced to the
            fixed vocabulary of :func:`reduce_message`, and their output is never shown.
        orders: The library's layers (:func:`~autograder.child.layers.encode_orders`), handed
            to each child through a pipe of its own; ``None`` passes no pipe.
    """

    pristine: Path
    sandbox: Sandbox
    env: Mapping[str, str] = field(default_factory=dict)
    test_budget_s: float = 60.0
    budgets: Mapping[str, float] = field(default_factory=dict)
    secret: bool = False
    orders: bytes | None = None

    def with_env(self, extra: Mapping[str, str]) -> ChildPlan:
        """The same plan with ``extra`` added to the environment."""
        return replace(self, env={**self.env, **extra})


@dataclass
class Outcome:
    """What became of one test node in one or more child runs."""

    nodeid: str
    status: str
    message: str | None = None
    duration_s: float = 0.0
    from_test: bool = False  # the message is the test's own output, not the grader's
    uncollected: bool = False  # its file failed to import: running it again changes nothing

    @property
    def passed(self) -> bool:
        """Whether the test passed."""
        return self.status == "passed"


@dataclass
class ChildRun:
    """The raw result of one child process."""

    events: list[dict[str, Any]] = field(default_factory=list)
    returncode: int | None = None
    timed_out: bool = False
    output_tail: str = ""
    wall_s: float | None = None  # measured by the parent; None where no child ran


def child_environment(tree: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """A small, explicit environment for a child: nothing leaks from the parent's."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tree),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(tree),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "HYPOTHESIS_STORAGE_DIRECTORY": str(tree / ".hypothesis"),
        TREE_VARIABLE: str(tree),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra)
    return env


@contextlib.contextmanager
def child_folder() -> Iterator[Path]:
    """A fresh folder for one child's tree (``FOLDER/tree``), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-child-"))
    try:
        yield folder / "tree"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_child(plan: ChildPlan, args: Sequence[str], total_budget_s: float) -> ChildRun:
    """Run ``pytest args`` in a fresh copy of the plan's tree, confined, within its budgets."""
    with child_folder() as tree:
        plugins = ["-p", HYPOTHESIS_PLUGIN, "-p", PLUGIN_NAME]
        command = [python_executable(), "-m", "pytest", "-q", *plugins, "-c", str(tree / "pytest.ini"), *args]
        return _run(plan, tree, command, total_budget_s)


def run_command(plan: ChildPlan, argv: Sequence[str], budget_s: float) -> ChildRun:
    """Run any command in a fresh copy of the plan's tree, confined like a test child, within ``budget_s``."""
    with child_folder() as tree:
        return _run(replace(plan, test_budget_s=budget_s), tree, argv, budget_s)


def _run(plan: ChildPlan, tree: Path, argv: Sequence[str], total_budget_s: float) -> ChildRun:
    """Start the child, read its events as they come, stop it when a budget runs out."""
    plan.sandbox.prepare(plan.pristine, tree)
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    env = child_environment(tree, {**plan.env, EVENTS_FD: str(write_end)})
    passed = [write_end]
    if plan.orders is not None:
        passed.append(_orders_pipe(plan.orders))
        env[ORDERS_FD] = str(passed[-1])
    run = ChildRun()
    reader = EventReader(read_end)
    started = time.monotonic()
    test_started, budget = started, plan.test_budget_s
    output_path = tree.parent / "output"
    with output_path.open("wb") as output, process_cgroup(plan.sandbox.processes) as group:
        try:
            process = subprocess.Popen(
                plan.sandbox.command(argv, plan.pristine, tree),
                cwd=tree,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=tuple(passed),
                preexec_fn=plan.sandbox.preexec(group),
            )
        finally:
            for fd in passed:
                os.close(fd)
        while True:
            returncode = process.poll()
            for event in reader.read():
                run.events.append(event)
                if event.get("event") == START:
                    test_started = time.monotonic()
                    budget = plan.budgets.get(str(event.get("nodeid")), plan.test_budget_s)
            if returncode is not None:
                break
            now = time.monotonic()
            if now - test_started > budget or now - started > total_budget_s:
                run.timed_out = True
                break
            time.sleep(POLL_S)
        _kill_group(process)
        process.wait()
    run.events.extend(reader.read())
    reader.close()
    run.wall_s = time.monotonic() - started
    run.returncode = process.returncode
    run.output_tail = "" if plan.secret else _tail(output_path)
    return run


def _orders_pipe(orders: bytes) -> int:
    """A pipe that holds ``orders`` and then ends: its read end, for the child."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, orders)  # encode_orders keeps them within what a pipe holds
    finally:
        os.close(write_end)
    return read_end


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass  # the group is already gone


def _tail(path: Path) -> str:
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - OUTPUT_LIMIT))
        return handle.read().decode("utf-8", errors="replace")


def reduce_message(message: str | None) -> str:
    """What a secret child may tell: the name of one of Python's own exceptions, or "an exception".

    Only names of builtin exception classes are taken, so a student cannot
    smuggle text out through the name of a class of theirs.
    """
    first = (message or "").strip().split("\n", 1)[0]  # the error; the lines after it quote source and inputs
    for text in (first, message or ""):
        for word in reversed(EXCEPTION_WORD.findall(text)):
            found = getattr(builtins, word, None)
            if isinstance(found, type) and issubclass(found, BaseException):
                return str(word)
    return "an exception"


def voided(outcome: Outcome) -> bool:
    """Whether an outcome is void because its child's machinery was tampered with."""
    return outcome.message in (TAMPERED, TAMPERED_HYPOTHESIS)


def _tampered(run: ChildRun) -> str | None:
    """Why none of a child's results count, or None: its reporting or Hypothesis was tampered with."""
    whats = [event.get("what") for event in run.events if event.get("event") == TAMPERED_EVENT]
    if not whats:
        return None
    return TAMPERED_HYPOTHESIS if all(what == "hypothesis" for what in whats) else TAMPERED


def outcomes_from_run(run: ChildRun, expected: Sequence[str]) -> tuple[dict[str, Outcome], list[str]]:
    """Fold one child's events into outcomes for the expected nodes.

    Returns:
        The outcomes of the tests the child finished, and the expected node
        ids it never reached (to be run again). A test that started but did
        not finish gets ``timeout`` or ``crashed``.
    """
    phases: dict[str, list[dict[str, Any]]] = {}
    finished: set[str] = set()
    collect_errors: list[tuple[str, str]] = []
    tampered = _tampered(run) or (TAMPERED if implausible(run, expected) else None)
    running: str | None = None
    for event in run.events:
        kind = event.get("event")
        if kind == START:
            running = event.get("nodeid")
        elif kind == REPORT:
            phases.setdefault(str(event.get("nodeid")), []).append(event)
        elif kind == FINISH:
            finished.add(str(event.get("nodeid")))
            running = None
        elif kind == COLLECT_ERROR:
            collect_errors.append((str(event.get("nodeid")), str(event.get("message"))))
    outcomes: dict[str, Outcome] = {}
    unreached: list[str] = []
    done = any(e.get("event") == DONE for e in run.events)
    for nodeid in expected:
        if tampered is not None:
            outcomes[nodeid] = Outcome(nodeid, "error", tampered)
        elif nodeid in finished:
            outcomes[nodeid] = _fold_phases(nodeid, phases.get(nodeid, []))
        elif nodeid == running:
            outcomes[nodeid] = _died_in(nodeid, run)
        elif done and (own := _own_collect_errors(nodeid, collect_errors)):
            outcomes[nodeid] = _uncollected(nodeid, own)
        elif done and not collect_errors:
            outcomes[nodeid] = Outcome(nodeid, "error", "the test was not collected")
        else:
            # Not reached, or not collected because pytest stops when a named file fails to import:
            # run again without the tests of that file.
            unreached.append(nodeid)
    return outcomes, unreached


def _own_collect_errors(nodeid: str, collect_errors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The collection errors of a test's own file, or of a folder above it (a conftest.py)."""
    file = nodeid.split("::")[0]
    return [(where, m) for where, m in collect_errors if not where or file == where or file.startswith(f"{where}/")]


def _uncollected(nodeid: str, errors: list[tuple[str, str]]) -> Outcome:
    """A test whose file failed to import: the error, where it was raised."""
    file = nodeid.split("::")[0]
    message = "; ".join(message if where == file else f"{message} (collecting {where})" for where, message in errors)
    return Outcome(nodeid, "error", _clip(message), from_test=True, uncollected=True)


def implausible(run: ChildRun, expected: Sequence[str]) -> bool:
    """Whether a child's events cannot be what honest machinery reported.

    Honest pytest runs only the tests it was given, finishes each once, and
    its reported durations fit in the child's wall time.
    """
    wanted = set(expected)
    finished = [str(e.get("nodeid")) for e in run.events if e.get("event") == FINISH]
    if len(finished) != len(set(finished)) or not set(finished) <= wanted:
        return True
    try:
        reported = sum(float(e.get("duration") or 0.0) for e in run.events if e.get("event") == REPORT)
    except (TypeError, ValueError):
        return True
    return run.wall_s is not None and not 0.0 <= reported <= run.wall_s + 1.0


def _fold_phases(nodeid: str, reports: list[dict[str, Any]]) -> Outcome:
    duration = sum(float(r.get("duration") or 0.0) for r in reports)
    by_phase = {r.get("when"): r for r in reports}
    for when in ("setup", "call", "teardown"):
        report = by_phase.get(when)
        if report is None:
            continue
        if report.get("outcome") == "failed":
            # A test that could not import the library errs; it did not fail.
            status = "failed" if when == "call" and not report.get("import_error") else "error"
            if "MemoryError" in str(report.get("message")):
                status = "memory"
            prefix = "" if when == "call" else f"error in {when}: "
            message = _clip(prefix + str(report.get("message") or ""))
            return Outcome(nodeid, status, message, duration, from_test=True)
        if report.get("outcome") == "skipped":
            message = _clip(str(report.get("message") or "skipped"))
            return Outcome(nodeid, "skipped", message, duration, from_test=True)
    if "call" not in by_phase:
        return Outcome(nodeid, "error", "the test reported no result", duration)
    return Outcome(nodeid, "passed", None, duration)


def _died_in(nodeid: str, run: ChildRun) -> Outcome:
    if run.timed_out:
        return Outcome(nodeid, "timeout", "the test ran past its time budget and was stopped")
    code = run.returncode
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        reason = f"the test process was killed by {name}"
    else:
        reason = f"the test process exited with status {code} during the test"
    if "MemoryError" in run.output_tail:
        return Outcome(nodeid, "memory", "the test ran out of memory")
    return Outcome(nodeid, "crashed", reason)


def _clip(message: str, limit: int = 1500) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def run_tests(
    plan: ChildPlan,
    expected: Sequence[str],
    total_budget_s: float,
    max_restarts: int = 20,
    values: dict[tuple[str, str], Recorded] | None = None,
) -> dict[str, Outcome]:
    """Run the expected node ids until each has an outcome, restarting after deaths (each time in a fresh tree).

    ``values``, when given, receives what trusted checks recorded (see :mod:`autograder.grading.trusted`).
    """
    outcomes: dict[str, Outcome] = {}
    remaining = list(expected)
    deadline = time.monotonic() + total_budget_s
    restarts = 0
    while remaining:
        left = deadline - time.monotonic()
        if left <= 0 or restarts > max_restarts:
            for nodeid in remaining:
                outcomes[nodeid] = Outcome(nodeid, "timeout", "not run: the task's time budget was used up")
            break
        run = run_child(plan, remaining, left)
        if values is not None:
            values.update({k: v for k, v in recorded_values(run.events).items() if k not in values})
        found, unreached = outcomes_from_run(run, remaining)
        outcomes.update({nodeid: _checked(outcome, plan) for nodeid, outcome in found.items()})
        if not found:
            detail = "" if plan.secret else f": {run.output_tail.strip()[-600:]}"
            reason = _clip(f"the test process ended before running any test{detail}")
            for nodeid in unreached:
                outcomes[nodeid] = Outcome(nodeid, "error", reason)
            break
        remaining = unreached
        restarts += 1
    return outcomes


def _checked(outcome: Outcome, plan: ChildPlan) -> Outcome:
    """An outcome as the report may show it: a full disk named as the quota; a secret child's words reduced."""
    message = outcome.message or ""
    if outcome.status in ("failed", "error") and NO_SPACE in message:
        quota = plan.sandbox.tree_quota_bytes // 1024**2
        text = f"the test filled its disk quota ({quota} MiB for the grading tree): {message}"
        outcome = replace(outcome, status="error", message=_clip(text))
    if plan.secret and outcome.from_test and outcome.message is not None:
        outcome = replace(outcome, message=reduce_message(outcome.message))
    return outcome


def collect(plan: ChildPlan, args: Sequence[str], budget_s: float) -> list[dict[str, Any]]:
    """Collect without running: the selected items with their names and markers.

    Raises:
        ManifestError: If collection fails on the course's own tree (a
            broken test file, or a released tree out of date).
    """
    run = run_child(replace(plan, test_budget_s=budget_s), ["--collect-only", *args], budget_s)
    errors = [e for e in run.events if e.get("event") == COLLECT_ERROR]
    collected = [e for e in run.events if e.get("event") == COLLECTED]
    if errors or not collected:
        detail = "; ".join(str(e.get("message")) for e in errors) or run.output_tail.strip()[-800:]
        where = plan.pristine
        raise ManifestError(
            f"{where}: collecting the course's tests failed (is the student tree up to date?): {detail}"
        )
    return list(collected[-1]["items"])
