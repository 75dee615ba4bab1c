"""Task 1.5: the training script, its PNGs, and thresholds that catch broken networks."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grading.grade import grade
from autograder.manifest import Course

from ..conftest import REPO, as_submission

pytestmark = pytest.mark.slow  # grades the real course


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; fails unless the file is a PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("kind", ["scalar", "tensor"])
def test_training_script_trains_and_writes_two_pngs(tmp_path: Path, kind: str) -> None:
    script = REPO / f"reference/project/run_{kind}.py"
    args = ["--dataset", "xor", "--points", "20", "--hidden", "4", "--epochs", "20", "--out", str(tmp_path)]
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=300, check=True)
    progress = [line for line in done.stdout.splitlines() if line.startswith("epoch")]
    assert len(progress) == 2 and "loss" in progress[0] and "correct" in progress[0] and "time/epoch" in progress[0]
    assert "final accuracy" in done.stdout
    for name in (f"{kind}_xor_loss.png", f"{kind}_xor_boundary.png"):
        assert png_size(tmp_path / name) == (640, 480)
        assert (tmp_path / name).stat().st_size > 5000, "a real figure, not an empty canvas"


# Broken networks that the training targets must catch are planted bugs of the mutation score
# (planted_bugs.toml of modules 1-4: no ReLU, a wrong-signed loss, no bias, ...), which make verify
# checks. The test here checks what the grader reports for one of them.
BUGS = {
    # Linear overwrites instead of summing: only the last input counts.
    "linear-overwrites": [
        ("outputs[j] = outputs[j] + x * self.weights[i][j].value", "outputs[j] = x * self.weights[i][j].value")
    ],
}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_training_targets_catch_planted_bugs(course: Course, solved_tree: Path, bug: str) -> None:
    path = solved_tree / "project/run_scalar.py"
    text = path.read_text()
    for old, new in BUGS[bug]:
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text)
    task = grade(course, as_submission(solved_tree), task_ids=["1.5"]).tasks[0]
    course_tests = [t for t in task.tests if t.name.startswith("tests/")]
    checks = [t for t in task.tests if t.name.startswith("checks/")]
    assert task.score == 0 and {t.name.split("[")[-1].rstrip("]") for t in course_tests} == {"Split", "Xor"}
    assert all("accuracy" in (t.message or "") for t in course_tests), [t.message for t in course_tests]
    assert checks and not any(t.passed for t in checks), "the fixed-weight checks see the bug too"
