"""`make batch EXECUTOR=dask`: a class graded on a Dask cluster as it is locally, even when a worker dies.

Each test starts its own two-worker ``LocalCluster`` (worker processes, one
thread each) and grades a small class on Tasks 0.1 and 0.4, like test_batch,
with a copy of the course: the workers check that they grade with the same
course as the batch, so an edit of the checkout mid-test must not reach them.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autograder.classroom.batch import BatchOptions, BatchSummary, run_batch
from autograder.classroom.executors import ExecutorError
from autograder.classroom.gradebook import Gradebook
from autograder.cli import main
from autograder.manifest import Course, load_course
from autograder.results import GradeReport

from ..conftest import REPO
from .test_batch import RELU, sabotage, student_tree, zip_folder

pytestmark = pytest.mark.slow  # grades the real course

distributed = pytest.importorskip("distributed")

TASKS = ["0.1", "0.4"]
BUDGET_S = 15.0
SCOPE = "tasks 0.1,0.4"
EXPECTED = {"ada": 20.0, "bob": 0.0, "cyd": 10.0, "ivy": None}  # None: rejected (a corrupt zip)
SLOW = "amy"  # the reference, asleep for a few seconds each time operators.py is imported
SLOW_S = 3


def _classroom(course: Course, root: Path, students: Iterable[str]) -> Path:
    folder = root / "submissions"
    folder.mkdir(parents=True)
    solved = student_tree(course, root / "solved")
    for student in students:
        if student == "ada":
            shutil.copytree(solved, folder / "ada")
        elif student == "bob":
            shutil.copytree(course.template, folder / "bob")
        elif student == "cyd":
            zip_folder(student_tree(course, root / "cyd", {"task0_1"}), folder / "cyd.zip")
        elif student == "ivy":
            (folder / "ivy.zip").write_bytes(b"PK\x03\x04 not really a zip archive" * 10)
        else:
            shutil.copytree(solved, folder / SLOW)
            sabotage(folder / SLOW, RELU, f"import time\ntime.sleep({SLOW_S})\n")
    return folder


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """The course, its reference and template copied: what the tests grade with stays as it is."""
    root = tmp_path_factory.mktemp("course")
    for name in ("assignments", "reference", "student_template"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns(".numba_cache", "__pycache__"))
    return load_course(root / "assignments")


@pytest.fixture
def cluster() -> Iterator[Any]:
    # No dashboard; the scheduler's HTTP server (health, metrics) runs anyway, on a port of its own.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local_cluster:
        yield local_cluster


def _batch(course: Course, folder: Path, out: Path, **kwargs: Any) -> BatchSummary:
    options = BatchOptions(jobs=2, task_ids=TASKS, live=False, time_budget_s=BUDGET_S, **kwargs)
    return run_batch(course, folder, out / "gradebook.sqlite", options, echo=lambda line: None)


def _rows(out: Path) -> dict[str, tuple[str, float, int]]:
    """Each student's latest grading: status, score, and the threads its kernels had."""
    with Gradebook(out / "gradebook.sqlite") as book:
        latest = book.latest(SCOPE)
    return {s: (g.status, g.score, int(g.report.environment["threads"]) if g.report else 0) for s, g in latest.items()}


def _rows_per_student(out: Path) -> dict[str, int]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        return dict(db.execute("SELECT student_id, count(*) FROM submissions GROUP BY student_id").fetchall())


def _check_expected(rows: dict[str, tuple[str, float, int]], expected: dict[str, float | None]) -> None:
    assert set(rows) == set(expected)
    for student, score in expected.items():
        status = "rejected" if score is None else "graded"
        assert rows[student][:2] == (status, score or 0.0), (student, rows[student])


def test_dask_grades_a_class_as_the_local_executor_does(course: Course, cluster: Any, tmp_path: Path) -> None:
    folder = _classroom(course, tmp_path / "class", EXPECTED)
    lines: list[str] = []
    on_dask_options = BatchOptions(
        task_ids=TASKS, live=False, time_budget_s=BUDGET_S, executor="dask", scheduler=cluster.scheduler_address
    )
    on_dask = run_batch(course, folder, tmp_path / "dask" / "gradebook.sqlite", on_dask_options, echo=lines.append)
    local = _batch(course, folder, tmp_path / "local")
    assert on_dask.executor == "dask" and local.executor == "local"
    assert f"on dask {cluster.scheduler_address} (2 workers)" in lines[-1], lines
    statuses = [(o.entry.student_id, o.status, o.score, o.final_score) for o in on_dask.outcomes]
    messages = [(o.entry.student_id, o.message) for o in on_dask.outcomes + local.outcomes if o.status == "error"]
    assert statuses == [(o.entry.student_id, o.status, o.score, o.final_score) for o in local.outcomes], messages
    dask_rows, local_rows = _rows(tmp_path / "dask"), _rows(tmp_path / "local")
    _check_expected(dask_rows, EXPECTED)
    assert {s: r[:2] for s, r in dask_rows.items()} == {s: r[:2] for s, r in local_rows.items()}
    # Two one-thread workers on this machine: its cores are shared between their two gradings.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    assert dask_rows["ada"][2] == max(1, cores // 2), dask_rows
    # The report came back from a worker as its object: nothing of it was lost on the way, or in the gradebook.
    with Gradebook(tmp_path / "dask" / "gradebook.sqlite") as book:
        report = book.latest(SCOPE)["cyd"].report
    assert report is not None and GradeReport.from_dict(report.to_dict()) == report
    # What the dask run graded is in its gradebook: a rerun grades nothing again.
    again = run_batch(course, folder, tmp_path / "dask" / "gradebook.sqlite", on_dask_options, echo=lambda line: None)
    assert again.count("skipped") == len(EXPECTED), [(o.entry.name, o.status) for o in again.outcomes]


def _executing(dask_worker: Any) -> list[str]:
    return [str(task.key) for task in dask_worker.state.executing]


def test_a_worker_killed_mid_grading_loses_nothing_and_records_nothing_twice(
    course: Course, cluster: Any, tmp_path: Path
) -> None:
    expected = {"ada": 20.0, "ivy": None, SLOW: 20.0}
    folder = _classroom(course, tmp_path / "class", expected)
    out = tmp_path / "out"
    finished: dict[str, Any] = {}

    def grade_class() -> None:
        try:
            finished["summary"] = _batch(course, folder, out, executor="dask", scheduler=cluster.scheduler_address)
        except BaseException as error:  # noqa: BLE001 - reported by the test's thread below
            finished["error"] = error

    batch = threading.Thread(target=grade_class, daemon=True)
    batch.start()
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        victim = None
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline and batch.is_alive():
            running = client.run(_executing)
            victim = next((w for w, keys in running.items() if any(k.startswith(f"grade-{SLOW}-") for k in keys)), None)
            time.sleep(0.2)
        assert victim is not None, f"{SLOW}'s grading never started: {finished}"
        time.sleep(1.0)  # well into the grading: operators.py sleeps SLOW_S s at each import
        pids = client.run(os.getpid)
        os.kill(pids[victim], signal.SIGKILL)
        batch.join(timeout=240)
        assert not batch.is_alive(), "the batch did not finish after a worker died"
        assert "error" not in finished, finished
        assert victim not in client.run(os.getpid), "the worker was not killed"
    summary: BatchSummary = finished["summary"]
    assert sorted(o.entry.student_id for o in summary.outcomes) == sorted(expected)  # one outcome each
    outcomes = {o.entry.student_id: (o.status, o.score) for o in summary.outcomes}
    messages = [(o.entry.student_id, o.message) for o in summary.outcomes if o.status == "error"]
    assert outcomes == {s: ("rejected", 0.0) if v is None else ("graded", v) for s, v in expected.items()}, messages
    _check_expected(_rows(out), expected)
    assert _rows_per_student(out) == dict.fromkeys(expected, 1)
    with Gradebook(out / "gradebook.sqlite") as book:
        run = book.runs()[-1]
    assert (run["graded"], run["skipped"], run["failed"]) == (2, 0, 1), run


def test_scheduler_problems_are_one_line_errors(
    course: Course, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    out = tmp_path / "out"
    command = ["--course", str(course.root), "batch", "--submissions", str(folder), "--out", str(out)]
    assert main([*command, "--executor", "dask"]) == 2
    assert capsys.readouterr().err.strip().endswith("needs the scheduler's address: --scheduler tcp://host:8786")
    monkeypatch.setattr("autograder.classroom.executors.CONNECT_TIMEOUT_S", 1.0)
    assert main([*command, "--scheduler", "tcp://127.0.0.1:1"]) == 2  # nothing listens on port 1
    error = capsys.readouterr().err
    assert error.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:1") and error.count("\n") == 1
    assert not (out / "gradebook.sqlite").exists()
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    with pytest.raises(ExecutorError, match=r"pip install 'minitorch-course\[cluster\]'"):
        options = BatchOptions(executor="dask", scheduler="tcp://127.0.0.1:1")
        run_batch(course, folder, out / "gradebook.sqlite", options)
