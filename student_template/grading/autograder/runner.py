"""Run pytest in a child process and turn its events into test results.

The parent decides which tests it expects before the child starts. The child
streams events (see :mod:`autograder.pytest_plugin`); the parent watches them
while it waits, so it knows which test is running when a child hangs or dies.
A test that hangs past its budget is marked ``timeout``; a child that dies
marks its running test ``crashed`` (``memory`` when it ran out of memory);
the tests it never reached are run again in a fresh child.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .kernel_cache import TREE_VARIABLE
from .manifest import ManifestError
from .pytest_plugin import EVENTS
from .sandbox import Sandbox, limit_resources, process_cgroup
from .workspace import PLUGIN_NAME

POLL_S = 0.05
TAMPERED = "pytest's reporting was patched while this test process ran: no result of it counts"
OUTPUT_LIMIT = 64 * 1024


@dataclass
class Outcome:
    """What became of one test node in one or more child runs."""

    nodeid: str
    status: str
    message: str | None = None
    duration_s: float = 0.0
    from_test: bool = False  # the message is the test's own output, not the grader's

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


def run_child(
    tree: Path,
    args: Sequence[str],
    env: Mapping[str, str],
    test_budget_s: float,
    total_budget_s: float,
    sandbox: Sandbox,
    budgets: Mapping[str, float] | None = None,
) -> ChildRun:
    """Run ``pytest args`` in ``tree``, confined, within per-test and total wall-clock budgets.

    ``budgets`` gives some tests a budget of their own (a child that runs
    several tasks' tests gives each test its task's budget).
    """
    events_path = tree / f".events-{uuid.uuid4().hex}.jsonl"
    events_path.touch()
    output_path = events_path.with_suffix(".out")
    command = [sys.executable, "-m", "pytest", "-q", "-p", PLUGIN_NAME, "-c", str(tree / "pytest.ini"), *args]
    full_env = child_environment(tree, {**env, EVENTS: str(events_path)})
    run = ChildRun()
    reader = _EventReader(events_path)
    started = time.monotonic()
    test_started = started
    budget = test_budget_s
    with output_path.open("wb") as output, process_cgroup() as group:
        process = subprocess.Popen(
            sandbox.command(command, tree), cwd=tree, env=full_env, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=limit_resources(sandbox.memory_bytes, group),
        )  # fmt: skip
        while True:
            returncode = process.poll()
            for event in reader.read():
                run.events.append(event)
                if event.get("event") == "start":
                    test_started = time.monotonic()
                    budget = (budgets or {}).get(str(event.get("nodeid")), test_budget_s)
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
    run.returncode = process.returncode
    run.output_tail = _tail(output_path)
    return run


class _EventReader:
    """Reads complete JSON lines from a file another process is appending to."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def read(self) -> list[dict[str, Any]]:
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read()
        self.offset += len(chunk)
        lines = (self.partial + chunk).split(b"\n")
        self.partial = lines.pop()
        events = []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
        return events


def run_command(tree: Path, argv: Sequence[str], env: Mapping[str, str], budget_s: float, sandbox: Sandbox) -> ChildRun:
    """Run any command confined like a test child, within a wall-clock budget."""
    run = ChildRun()
    output_path = tree / f".command-{uuid.uuid4().hex}.out"
    with output_path.open("wb") as output, process_cgroup() as group:
        process = subprocess.Popen(
            sandbox.command(argv, tree), cwd=tree, env=child_environment(tree, env), stdin=subprocess.DEVNULL,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=limit_resources(sandbox.memory_bytes, group),
        )  # fmt: skip
        try:
            process.wait(timeout=budget_s)
        except subprocess.TimeoutExpired:
            run.timed_out = True
        _kill_group(process)
        process.wait()
    run.returncode = process.returncode
    run.output_tail = _tail(output_path)
    return run


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


def outcomes_from_run(run: ChildRun, expected: Sequence[str]) -> tuple[dict[str, Outcome], list[str]]:
    """Fold one child's events into outcomes for the expected nodes.

    Returns:
        The outcomes of the tests the child finished, and the expected node
        ids it never reached (to be run again). A test that started but did
        not finish gets ``timeout`` or ``crashed``.
    """
    phases: dict[str, list[dict[str, Any]]] = {}
    finished: set[str] = set()
    collect_errors: list[str] = []
    tampered = any(event.get("event") == "tampered" for event in run.events)
    running: str | None = None
    for event in run.events:
        kind = event.get("event")
        if kind == "start":
            running = event.get("nodeid")
        elif kind == "report":
            phases.setdefault(str(event.get("nodeid")), []).append(event)
        elif kind == "finish":
            finished.add(str(event.get("nodeid")))
            running = None
        elif kind == "collect_error":
            collect_errors.append(f"{event.get('nodeid')}: {event.get('message')}")
    outcomes: dict[str, Outcome] = {}
    unreached: list[str] = []
    done = any(e.get("event") == "done" for e in run.events)
    for nodeid in expected:
        if tampered:
            outcomes[nodeid] = Outcome(nodeid, "error", TAMPERED)
        elif nodeid in finished:
            outcomes[nodeid] = _fold_phases(nodeid, phases.get(nodeid, []))
        elif nodeid == running:
            outcomes[nodeid] = _died_in(nodeid, run)
        elif done:
            message = "; ".join(collect_errors) if collect_errors else "the test was not collected"
            outcomes[nodeid] = Outcome(nodeid, "error", _clip(message), from_test=bool(collect_errors))
        else:
            unreached.append(nodeid)
    return outcomes, unreached


def _fold_phases(nodeid: str, reports: list[dict[str, Any]]) -> Outcome:
    duration = sum(float(r.get("duration") or 0.0) for r in reports)
    by_phase = {r.get("when"): r for r in reports}
    for when in ("setup", "call", "teardown"):
        report = by_phase.get(when)
        if report is None:
            continue
        if report.get("outcome") == "failed":
            status = "failed" if when == "call" else "error"
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
    tree: Path,
    expected: Sequence[str],
    env: Mapping[str, str],
    test_budget_s: float,
    total_budget_s: float,
    sandbox: Sandbox,
    max_restarts: int = 20,
    budgets: Mapping[str, float] | None = None,
) -> dict[str, Outcome]:
    """Run the expected node ids until each has an outcome, restarting after deaths.

    ``budgets`` overrides ``test_budget_s`` for the tests it names.
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
        run = run_child(tree, remaining, env, test_budget_s, left, sandbox, budgets)
        found, unreached = outcomes_from_run(run, remaining)
        outcomes.update(found)
        if not found:
            reason = _clip(f"the test process ended before running any test: {run.output_tail.strip()[-600:]}")
            for nodeid in unreached:
                outcomes[nodeid] = Outcome(nodeid, "error", reason)
            break
        remaining = unreached
        restarts += 1
    return outcomes


def collect(
    tree: Path, args: Sequence[str], env: Mapping[str, str], budget_s: float, sandbox: Sandbox
) -> list[dict[str, Any]]:
    """Collect without running: the selected items with their names and markers.

    Raises:
        ManifestError: If collection fails on the course's own tree (a
            broken test file, or a released tree out of date).
    """
    run = run_child(tree, ["--collect-only", *args], env, budget_s, budget_s, sandbox)
    errors = [e for e in run.events if e.get("event") == "collect_error"]
    collected = [e for e in run.events if e.get("event") == "collected"]
    if errors or not collected:
        detail = "; ".join(str(e.get("message")) for e in errors) or run.output_tail.strip()[-800:]
        raise ManifestError(f"{tree}: collecting the course's tests failed (is the student tree up to date?): {detail}")
    return list(collected[-1]["items"])
