"""The leak check: no solution, marker or hidden test may reach a student tree.

Every release runs it (``make student``, ``make release``) and refuses to
write a tree that fails it; ``make verify`` runs it on ``student_template/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..manifest import Course
from ..manifest.layout import TESTS, walk_files
from .markers import BEGIN, END

LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# Solution lines shorter than this (``return x``) are too common to call a leak.
MIN_LEAK_CHARS = 16
TEST_NAME = re.compile(r"^\s*def (test_\w+)", re.MULTILINE)


def files_of(root: Path) -> Iterator[Path]:
    """Every file under ``root``, caches and bytecode left out."""
    return walk_files(root)


def solution_lines(course: Course) -> set[str]:
    """Distinctive lines of every solution region of the reference and the tests."""
    assert course.reference is not None
    inside: set[str] = set()
    outside: set[str] = set()
    sources = [course.reference] + [m.public_tests for m in course.modules] + [m.root for m in course.modules]
    if course.common is not None:
        sources.append(course.common / TESTS)  # shipped with every release: its lines are public
    for source in sources:
        for path in walk_files(source):
            if path.suffix not in (".py", ".ipynb"):
                continue
            region = False
            for raw in path.read_text(encoding="utf-8").splitlines():
                line = raw.strip().strip('",').replace("\\n", "").strip()
                if BEGIN.match(raw.strip()) or "### BEGIN SOLUTION" in raw:
                    region = True
                elif END.match(raw.strip()) or "### END SOLUTION" in raw:
                    region = False
                elif line:
                    (inside if region else outside).add(line)
    distinctive = {line for line in inside - outside if len(line.replace(" ", "")) >= MIN_LEAK_CHARS}
    public_text = "\n".join(outside)
    return {line for line in distinctive if line not in public_text}


def find_leaks(course: Course, tree: Path) -> list[str]:
    """Solution lines, markers, hidden files (hidden tests, trusted checks) and their test names found in ``tree``."""
    secrets = solution_lines(course)
    hidden_files = {f for task in course.tasks for f in task.hidden_tests}
    hidden_names = {name for file in hidden_files for name in TEST_NAME.findall(file.read_text(encoding="utf-8"))}
    # Trusted checks are found by file name (their functions may share a public test's name).
    hidden_files |= {f for module in course.modules if module.checks.is_dir() for f in module.checks.glob("*.py")}
    problems = []
    for path in sorted(files_of(tree)):
        relative = path.relative_to(tree)
        if path.name in {f.name for f in hidden_files}:
            problems.append(f"{relative}: hidden test file")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        problems += [f"{relative}: marker {marker!r}" for marker in LEAK_MARKERS if marker in text]
        problems += [f"{relative}: solution line {line!r}" for line in sorted(secrets) if line in text]
        problems += [f"{relative}: hidden test name {name!r}" for name in sorted(hidden_names) if name in text]
    return problems
