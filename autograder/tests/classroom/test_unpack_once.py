"""A batch unpacks each archive once: for its hash, its grading and the similarity report alike."""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from autograder.classroom import batch, class_report, grading_job, intake
from autograder.cli import main
from autograder.manifest import Course
from autograder.results import GradeReport, TaskResult, TestResult

from ..conftest import REPO


def _fake_grade(course: Course, submission: Any, **options: Any) -> GradeReport:
    """A grading in no time: every task passed (what is counted here is unpacking, not grading)."""
    tasks = [TaskResult(t, t, 10.0, [TestResult("t", "passed")]) for t in options["task_ids"]]
    return GradeReport(submission.label, course.name, course.version, tasks)


def test_each_archive_is_unpacked_once_per_batch(
    course: Course, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copytree(course.template, folder / "ada")  # a folder: nothing to unpack
    with zipfile.ZipFile(folder / "bob.zip", "w") as archive:
        for path in sorted(course.template.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(course.template).as_posix())
    with tarfile.open(folder / "cyd.tar.gz", "w:gz") as archive:
        archive.add(course.template, arcname="cyd-main")
    (folder / "dee.zip").write_bytes(b"PK\x03\x04 not a zip" * 10)
    unpacked: Counter[str] = Counter()
    real = intake.unpack

    def counting(entry: intake.Entry, scratch: Path, *more: Any) -> Path:
        if entry.kind in ("zip", "tar"):
            unpacked[entry.name] += 1
        return real(entry, scratch, *more)

    for module in (intake, batch, grading_job, class_report):
        monkeypatch.setattr(module, "unpack", counting, raising=False)
    monkeypatch.setattr(grading_job, "grade", _fake_grade)
    out = tmp_path / "out"
    args = ["--course", str(REPO / "assignments"), "batch", "--submissions", str(folder), "--out", str(out)]
    assert main([*args, "--task", "0.1", "--jobs", "2", "--allow-unconfined"]) == 0
    assert unpacked == {"bob.zip": 1, "cyd.tar.gz": 1, "dee.zip": 1}
    report = (out / "report" / "report.md").read_text()
    assert "- not compared: dee.zip: corrupt archive" in report
    assert "ada and bob" not in report  # the template is boilerplate: compared, and nothing alike
