"""Batch throughput: a class of generated submissions graded locally and on a local Dask cluster.

``make bench-batch MODULE=0 STUDENTS=6`` writes ``STUDENTS`` submissions
(the reference solution, alternately complete and with one task's regions
stubbed, so each grades differently and none is skipped as a duplicate),
grades them with the local executor (``JOBS`` at a time), then again on a
``LocalCluster`` of ``JOBS`` one-thread worker processes, and prints the
submissions per hour of each and the estimate for a 500-student module on
N machines like this one, from the measured seconds per submission.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.authoring.release import write_solution_tree  # noqa: E402
from autograder.classroom.batch import BatchOptions, run_batch  # noqa: E402
from autograder.grading.grade import select_tasks  # noqa: E402
from autograder.manifest import load_course  # noqa: E402


def main() -> None:
    """Generate the class, grade it both ways, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", type=int, default=0)
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    course = load_course(ROOT / "assignments")
    tasks = select_tasks(course, module=args.module)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp) / "submissions"
        for i in range(args.students):
            stubbed = set() if i % 2 == 0 else {tasks[i % len(tasks)].marker_id}
            write_solution_tree(course, folder / f"student{i:03d}", strip=stubbed)
        rates = {}
        from distributed import LocalCluster

        for name in ("local", "dask"):
            book = Path(tmp) / f"{name}.sqlite"
            started = time.perf_counter()
            if name == "local":
                summary = run_batch(
                    course, folder, book, BatchOptions(jobs=args.jobs, module=args.module), lambda _: None
                )
            else:
                with LocalCluster(
                    n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=":0"
                ) as cluster:
                    started = time.perf_counter()  # the cluster's start-up is not grading
                    on_dask = BatchOptions(module=args.module, executor="dask", scheduler=cluster.scheduler_address)
                    summary = run_batch(course, folder, book, on_dask, lambda _: None)
            seconds = time.perf_counter() - started
            graded = summary.count("graded")
            assert graded == args.students, f"{name}: {graded} of {args.students} graded"
            rates[name] = seconds / graded
            print(f"{name:5}: {graded} submissions of module {args.module} in {seconds:.0f} s, JOBS={args.jobs}: "
                  f"{3600 / rates[name]:.0f} an hour ({rates[name]:.1f} s each)")  # fmt: skip
    print(f"each submission takes about {rates['local'] * args.jobs:.0f} s in one of the {args.jobs} slots")
    for machines in (1, 4, 16, 64):
        minutes = 500 * rates["local"] / machines / 60
        print(f"500 students on {machines:2} machines like this one (JOBS={args.jobs} each): about {minutes:.0f} min")


if __name__ == "__main__":
    main()
