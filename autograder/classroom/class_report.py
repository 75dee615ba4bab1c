"""The class report: per-task statistics, the most failed tests, histograms, and a similarity review list.

Statistics come from each student's latest grading in the gradebook (its
:class:`~autograder.results.GradeReport`); tables are :mod:`autograder.render`'s. The
similarity list compares the files students edit, pair by pair, with the
``copydetect`` package's fingerprints (tokenized, so renaming variables
does not hide a copy), leaving out what the released template already
contains; it is a list for the instructor to look at, not a verdict.
Test ids, student ids and the reasons an entry could not be read come from
submissions: the Markdown shows them as text (:mod:`autograder.safe_text`).
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..grading.workspace import editable_files
from ..manifest import Course
from ..render import markdown_table
from ..safe_text import for_markdown, markdown_code
from ..submission import Submission
from .exports import task_columns
from .gradebook import Gradebook
from .intake import Entry, IntakeError, UnpackedTrees, unpacked_trees

SIMILARITY_THRESHOLD = 0.6  # both files share at least this fraction of their fingerprints
NOISE_TOKENS = 25  # copydetect's default: shorter matches are noise


@dataclass(frozen=True)
class TaskStats:
    """One task across the class."""

    task_id: str
    title: str
    points: float
    mean: float
    median: float
    full_marks: float  # fraction of graded students with every point
    scores: tuple[float, ...]


@dataclass(frozen=True)
class SimilarPair:
    """Two students whose versions of some files share most of their code."""

    first: str
    second: str
    files: tuple[tuple[str, float], ...]  # each file over the threshold, with its similarity

    @property
    def similarity(self) -> float:
        """The highest similarity of any of the files."""
        return max(s for _, s in self.files)


@dataclass(frozen=True)
class Comparison:
    """What the similarity review compares: the entries, over ``files``, read from ``trees`` when given.

    A batch hands its :class:`UnpackedTrees`, so an archive it unpacked is not unpacked again.
    """

    entries: list[Entry]
    trees: UnpackedTrees | None = None
    files: list[str] | None = None


def task_stats(book: Gradebook, scope: str | None = None) -> list[TaskStats]:
    """Mean, median and full-marks rate of every task, over students with a graded submission."""
    latest = {s: g for s, g in book.latest(scope).items() if g.status == "graded" and g.report}
    stats = []
    for task_id, title in task_columns(latest):
        found = [(t.score, t.points) for g in latest.values() if g.report for t in g.report.tasks if t.id == task_id]
        scores = tuple(score for score, _ in found)
        points = found[0][1] if found else 0.0
        full = sum(1 for s in scores if s >= points) / len(scores)
        stats.append(
            TaskStats(task_id, title, points, statistics.fmean(scores), statistics.median(scores), full, scores)
        )
    return stats


def most_failed(book: Gradebook, scope: str | None = None, most: int = 10) -> list[tuple[str, int]]:
    """The tests failed by the most students (hidden ones included: this report is the instructor's)."""
    counts: Counter[str] = Counter()
    for graded in book.latest(scope).values():
        for task in graded.report.tasks if graded.report else []:
            counts.update({t.name for t in task.tests if not t.passed})
    return counts.most_common(most)


def save_histograms(stats: list[TaskStats], folder: Path) -> list[Path]:
    """One PNG per task: how many students got each score."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for task in stats:
        figure, axes = plt.subplots(figsize=(6.4, 3.6), dpi=100)
        axes.hist(task.scores, bins=10, range=(0.0, task.points or 1.0), edgecolor="black")
        axes.set_xlabel(f"points (of {task.points:g})")
        axes.set_ylabel("students")
        axes.set_title(f"Task {task.task_id}: {task.title}")
        path = folder / f"task_{task.task_id}.png"
        figure.savefig(path)
        plt.close(figure)
        written.append(path)
    return written


def similar_pairs(
    course: Course,
    entries: list[Entry],
    files: list[str] | None = None,
    threshold: float = SIMILARITY_THRESHOLD,
    trees: UnpackedTrees | None = None,
) -> tuple[list[SimilarPair], list[str]]:
    """Pairs of students whose edited files are alike, most alike first; and the entries that could not be read.

    Args:
        course: The course (its template is the boilerplate left out).
        entries: The submissions.
        files: The student-tree files to compare (default: every editable ``.py`` file).
        threshold: Report a file when both versions share at least this fraction.
        trees: Where the entries are unpacked already (a batch's); by default they are unpacked here.
    """
    files = [f for f in (files or editable_files(course)) if f.endswith(".py")]
    unreadable = []
    alike: dict[tuple[str, str], list[tuple[str, float]]] = {}
    with unpacked_trees(trees) as unpacked:
        roots: dict[str, Path] = {}
        for entry in entries:
            try:
                roots[entry.student_id] = unpacked.root(entry)
            except IntakeError as error:
                unreadable.append(str(error))
        for file in files:
            for pair, similarity in _alike_pairs(course, roots, file, threshold):
                alike.setdefault(pair, []).append((file, similarity))
    pairs = [SimilarPair(a, b, tuple(found)) for (a, b), found in alike.items()]
    return sorted(pairs, key=lambda p: (-len(p.files), -p.similarity, p.first, p.second)), unreadable


def _alike_pairs(
    course: Course, roots: dict[str, Path], file: str, threshold: float
) -> Iterator[tuple[tuple[str, str], float]]:
    """The pairs of students whose ``file`` shares at least ``threshold`` of its fingerprints, and how much."""
    import numpy as np
    from copydetect.detector import CodeFingerprint, compare_files

    given = Submission("template", (("", course.template),)).find(file)
    boilerplate: Any = np.array(sorted(CodeFingerprint(str(given), NOISE_TOKENS, 1).hashes)) if given else []
    prints = {}
    for student, tree in roots.items():
        found = Submission(student, (("", tree),)).find(file)
        if found is None:
            continue
        try:
            prints[student] = CodeFingerprint(str(found), NOISE_TOKENS, 1, boilerplate)
        except (UnicodeDecodeError, ValueError, SyntaxError):
            continue
    for (a, fa), (b, fb) in itertools.combinations(sorted(prints.items()), 2):
        if len(fa.hashes) == 0 or len(fb.hashes) == 0:
            continue
        _, (sim_a, sim_b), _ = compare_files(fa, fb)
        similarity = min(sim_a, sim_b)
        if similarity >= threshold:
            yield (a, b), round(float(similarity), 3)


def _task_lines(stats: list[TaskStats]) -> list[str]:
    """The Markdown table of the tasks' statistics."""
    rows = [
        (
            for_markdown(t.task_id),
            for_markdown(t.title),
            f"{t.mean:.2f}",
            f"{t.median:.2f}",
            f"{t.full_marks:.0%}",
            f"{t.points:g}",
        )
        for t in stats
    ]
    return markdown_table(("Task", "Title", "Mean", "Median", "Full marks", "Points"), "llrrrr", rows)


def pair_lines(pairs: list[SimilarPair]) -> list[str]:
    """One Markdown list item per pair: the two students, each file alike and its similarity."""
    return [
        f"- {for_markdown(p.first)} and {for_markdown(p.second)}: "
        + ", ".join(f"{markdown_code(f)} {s:.0%}" for f, s in p.files)
        for p in pairs
    ]


def write_class_report(
    course: Course, book: Gradebook, folder: Path, comparison: Comparison | None = None, scope: str | None = None
) -> Path:
    """Write ``report.md`` and the histograms to ``folder``; return the Markdown's path.

    With ``comparison``, the report also lists similar pairs among its entries (over its files).
    """
    stats = task_stats(book, scope)
    save_histograms(stats, folder)
    lines = ["# Class report", ""] + _task_lines(stats) + ["", "## Tests failed most often", ""]
    failed = most_failed(book, scope)
    lines += [f"- {count} student{'' if count == 1 else 's'}: {markdown_code(name)}" for name, count in failed]
    lines += [] if failed else ["- none"]
    lines += ["", "## Histograms", ""] + [f"![Task {t.task_id}](task_{t.task_id}.png)" for t in stats]
    if comparison is not None:
        pairs, unreadable = similar_pairs(course, comparison.entries, comparison.files, trees=comparison.trees)
        lines += ["", f"## Similar submissions (files with at least {SIMILARITY_THRESHOLD:.0%} shared, for review)", ""]
        lines += pair_lines(pairs) or ["- none"]
        lines += [f"- not compared: {for_markdown(reason)}" for reason in unreadable]
    path = folder / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
