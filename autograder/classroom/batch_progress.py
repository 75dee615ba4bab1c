"""What a batch has done: each submission's outcome, the whole batch's summary, and the progress shown meanwhile."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..safe_text import for_terminal
from .gradebook_schema import ScoreChange
from .intake import Entry

STATUSES = ("graded", "skipped", "rejected", "error")
FAILED = ("rejected", "error")  # listed first in the end-of-batch table
TABLE_COLUMNS = ("student", "score", "late days", "status")


@dataclass
class Outcome:
    """What the batch did with one submission."""

    entry: Entry
    status: str  # one of STATUSES
    score: float = 0.0
    max_score: float = 0.0
    final_score: float = 0.0
    seconds: float = 0.0
    message: str = ""
    late_days: int = 0  # after extensions, as settled when it was recorded (or found graded)


@dataclass
class BatchSummary:
    """The whole batch: one outcome per submission, and the wall time."""

    outcomes: list[Outcome]
    seconds: float
    jobs: int
    executor: str = "local"
    changes: list[ScoreChange] = field(default_factory=list)  # the term scores the batch moved

    def count(self, status: str) -> int:
        """How many submissions ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def per_minute(self) -> float:
        """Submissions graded (not skipped) per minute of wall time."""
        graded = len(self.outcomes) - self.count("skipped")
        return graded * 60.0 / self.seconds if self.seconds > 0 else 0.0


class BatchProgress:
    """A live bar (done, failed, running, ETA) on a terminal; a line per submission otherwise."""

    def __init__(self, total: int, echo: Callable[[str], None], live: bool, console: Any = None) -> None:
        self.total, self.echo = total, echo
        self.done = self.failed = self.running = 0
        self.capacity: int | None = None  # at most this many run at once (a cluster's threads), when known
        self.started = time.monotonic()
        self.bar = None
        if live:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            counts = "{task.completed}/{task.total} done, {task.fields[failed]} failed, {task.fields[running]} running"
            columns = (TextColumn("grading"), BarColumn(), TextColumn(counts), TimeElapsedColumn(), TextColumn("ETA"))
            self.bar = Progress(*columns, TimeRemainingColumn(), console=console)
            self.bar.start()
            self.task = self.bar.add_task("batch", total=total, failed=0, running=0)

    def begin(self) -> None:
        """A grading started."""
        self.running += 1
        self._refresh()

    def end(self, outcome: Outcome) -> None:
        """A grading finished with ``outcome``: count it; without a bar, print its line."""
        self.running -= 1
        self.done += 1
        self.failed += outcome.status in ("rejected", "error")
        if self.bar is None:
            score = f"{outcome.final_score:g}/{outcome.max_score:g}" if outcome.status == "graded" else ""
            self.echo(
                for_terminal(
                    f"[{self.done}/{self.total}] {outcome.entry.student_id}: {outcome.status} {score}"
                    f"{'  ' + outcome.message if outcome.message else ''}"
                )
            )
        self._refresh()

    def _refresh(self) -> None:
        if self.bar is not None:
            running = self.running if self.capacity is None else min(self.running, self.capacity)
            self.bar.update(self.task, completed=self.done, failed=self.failed, running=running)

    def stop(self) -> None:
        """Take the bar off the terminal."""
        if self.bar is not None:
            self.bar.stop()


class Tally:
    """What a batch has done so far: its outcomes and its progress, counted under a lock; and its stop flag."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # set on Ctrl-C: nothing more is recorded
        self.progress: BatchProgress | None = None  # shown once the batch has started
        self.outcomes: list[Outcome] = []

    def begin(self) -> None:
        """A grading started (called by the executor, in its thread)."""
        with self.lock:
            if self.progress is not None:
                self.progress.begin()

    def finish(self, outcome: Outcome) -> None:
        """A submission is done with."""
        self.outcomes.append(outcome)
        with self.lock:
            if self.progress is not None:
                self.progress.end(outcome)


def outcome_table(outcomes: list[Outcome]) -> list[str]:
    """The end of a batch: a line per submission (student, score, late days, status), aligned, with a header.

    The submissions that failed (rejected, or an error) come first, then the rest; each group by student id.
    Every cell passes through :func:`~autograder.safe_text.for_terminal`.
    """
    if not outcomes:
        return []
    rows = [list(TABLE_COLUMNS)]
    for outcome in sorted(outcomes, key=lambda o: (o.status not in FAILED, o.entry.student_id, o.entry.name)):
        scored = outcome.status in ("graded", "skipped") and outcome.max_score > 0
        score = f"{outcome.final_score:g}/{outcome.max_score:g}" if scored else ""
        late = str(outcome.late_days) if scored else ""
        rows.append([for_terminal(outcome.entry.student_id), score, late, outcome.status])
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS))]
    return [
        "  ".join(
            cell.ljust(w) if i in (0, 3) else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    ]
