"""Benchmark grading the reference: ``make bench-grade``.

Three ways of running the same tests, one after another in this one run, so
the ratios hold on a noisy machine:

1. baseline: one plain ``pytest -m <task marker>`` process per task over a
   grading tree of the reference (hidden tests included), one after another,
   each compiling its own kernels (the workflow of the public course, whose
   numba cache never hit: each process gets an empty cache folder);
2. cold: ``python -m autograder grade --submission reference`` with an
   empty kernel cache;
3. warm: the same command again, finding the kernels the cold run compiled;
4. unchecked: the warm run on a copy of the course without its trusted
   checks (``checks/``), which measures what the checks cost.

Every run uses the same Hypothesis example counts (the grading profile, the
tasks' ``max_examples`` and the CUDA simulator's cap), so the difference is
how the runs are organised, not how much they test. The grader's runs also
grade the write-ups and the student-written tests, which the baseline does
not run: the ratios are, if anything, unfair to the grader.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.grading.cuda import cuda_mode  # noqa: E402
from autograder.grading.grade import select_tasks  # noqa: E402
from autograder.grading.kernel_cache import CACHE_VARIABLE  # noqa: E402
from autograder.grading.run import MAX_EXAMPLES_DEFAULT, grading_environment, grading_threads  # noqa: E402
from autograder.grading.runner import HYPOTHESIS_PLUGIN, child_environment  # noqa: E402
from autograder.grading.workspace import PLUGIN_NAME, add_hidden_tests, build_grading_tree  # noqa: E402
from autograder.manifest import Course, Task, load_course  # noqa: E402
from autograder.submission import reference_submission  # noqa: E402

# The whole course graded by the grader, against the baseline (the README's performance section).
COLD_TARGET = 3.0
WARM_TARGET = 4.0


def baseline(course: Course, tasks: list[Task], scratch: Path) -> dict[str, float]:
    """Seconds of one plain pytest process per task marker, run one after another."""
    tree = scratch / "baseline"
    tree.mkdir()
    build_grading_tree(tree, course, reference_submission(course))
    add_hidden_tests(tree, course)
    kernels = scratch / "baseline-kernels"
    env = grading_environment(tasks, MAX_EXAMPLES_DEFAULT, grading_threads(), cuda_mode(), kernels)
    env.pop("NUMBA_CACHE_LOCATOR_CLASSES")
    seconds = {}
    for task in tasks:
        env["NUMBA_CACHE_DIR"] = str(kernels / task.marker)
        plugins = ["-p", HYPOTHESIS_PLUGIN, "-p", PLUGIN_NAME]
        command = [sys.executable, "-m", "pytest", "-q", *plugins, "-m", task.marker, "tests"]
        started = time.perf_counter()
        subprocess.run(command, cwd=tree, env=child_environment(tree, env), capture_output=True, check=False)
        seconds[task.id] = time.perf_counter() - started
    return seconds


def grader(course: Course, tasks: list[Task], kernels: Path, out: Path) -> tuple[float, dict[str, float], str]:
    """Wall time of one ``autograder grade`` of the reference, its seconds per task, and its score."""
    command = [sys.executable, "-m", "autograder", "--course", str(course.root), "grade", "--submission"]
    command += [str(course.reference), "--json", str(out), *(arg for t in tasks for arg in ("--task", t.id))]
    env = {**os.environ, CACHE_VARIABLE: str(kernels)}
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=True)
    wall = time.perf_counter() - started
    report = json.loads(out.read_text(encoding="utf-8"))
    per_task = {t["id"]: float(t["duration_s"]) for t in report["tasks"]}
    return wall, per_task, f"{report['score']:g}/{report['max_score']:g}"


def without_checks(course: Course, scratch: Path) -> Course:
    """A copy of the course without its trusted checks, grading the same reference and template."""
    root = scratch / "unchecked"
    shutil.copytree(course.root, root, ignore=shutil.ignore_patterns("checks"))
    manifest = root / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    for key, path in (("template", course.template), ("reference", course.reference)):
        text = re.sub(rf'^{key} = ".*"$', f'{key} = "{path}"', text, flags=re.MULTILINE)
    manifest.write_text(text, encoding="utf-8")
    return load_course(root)


def main() -> None:
    """Run the three, print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=ROOT / "assignments")
    parser.add_argument("--task", action="append", help="only these tasks (repeatable; default: the whole course)")
    args = parser.parse_args()
    course = load_course(args.course)
    tasks = select_tasks(course, args.task)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        scratch = Path(tmp)
        base = baseline(course, tasks, scratch)
        kernels = scratch / "kernels"
        cold_wall, cold, cold_share = grader(course, tasks, kernels, scratch / "cold.json")
        warm_wall, warm, warm_share = grader(course, tasks, kernels, scratch / "warm.json")
        unchecked = without_checks(course, scratch)
        plain_wall, plain, _ = grader(unchecked, select_tasks(unchecked, args.task), kernels, scratch / "plain.json")
    cores = os.cpu_count()
    print(f"Grading the reference: {len(tasks)} tasks, {cores} cores, CUDA: {cuda_mode()}")
    print("(grader columns: each task's share of its child's time; tasks run side by side, so they add up to more")
    print(" than the wall time)")
    print(f"{'task':6} {'baseline s':>11} {'cold s':>8} {'warm s':>8} {'no checks s':>12}")
    for task in tasks:
        row = f"{base[task.id]:11.1f} {cold[task.id]:8.1f} {warm[task.id]:8.1f} {plain.get(task.id, 0.0):12.1f}"
        print(f"{task.id:6} {row}")
    total = sum(base.values())
    print(f"{'wall':6} {total:11.1f} {cold_wall:8.1f} {warm_wall:8.1f} {plain_wall:12.1f}")
    print(f"score: cold {cold_share}, warm {warm_share} (extra credit on top)")
    print(
        f"baseline / cold: {total / cold_wall:.1f}x (target >= {COLD_TARGET:g}x)   "
        f"baseline / warm: {total / warm_wall:.1f}x (target >= {WARM_TARGET:g}x)"
    )
    print(f"trusted checks add {warm_wall / plain_wall - 1:+.0%} to a warm grading (target: under +20%)")
    print(f"bench took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
