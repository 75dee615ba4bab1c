"""`make bench` keeps working: its quick mode prints every table from measured runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ..conftest import REPO

pytestmark = pytest.mark.slow  # grades the real course


def test_bench_quick_prints_every_table() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench/backends.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    out = done.stdout
    for title in ("Matrix multiply, float64, batch 2", "Map, zip, reduce", "Task 3.5 network"):
        assert title in out, out
    matmul = [line.split() for line in out.splitlines() if line.strip().startswith(("32 ", "64 "))]
    assert len(matmul) == 2
    assert all(float(row[3]) >= 0 for row in matmul), "fast GFLOP/s are numbers, not blanks"
    assert "bench took" in out


def test_bench_grade_times_the_three_ways_side_by_side() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench/grading.py"), "--task", "0.1", "--task", "0.4"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    out = done.stdout
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith(("0.1 ", "0.4 ", "wall"))}
    assert set(rows) == {"0.1", "0.4", "wall"}, out
    assert all(float(x) > 0 for x in rows["wall"]), "baseline, cold and warm were each measured"
    assert "score: cold 20/20, warm 20/20" in out, out
    assert "baseline / cold:" in out and "baseline / warm:" in out
