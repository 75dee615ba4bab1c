"""The class report: per-task statistics, the most failed tests, histograms, and a similarity review list.

Statistics come from each student's latest grading in the gradebook (its
:class:`~autograder.results.GradeReport`); tables are :mod:`autograder.render`'s. The
similarity list compares the files students edit, pair by pair, with the
``copydetect`` package's fingerprints (tokenized, so renaming variables
does not hide a copy), leaving out what the released template already
contains; it is a list for the instructor to look at, not a verdict. Given
an archive (past terms' submissions, solutions found online), each student
is compared with each archived entry too, and those pairs are listed apart.
Failures are grouped across the class by test and first line of message,
with the students of each, so one answer serves them all.

The report is ``report.md`` and ``index.html`` (self-contained, by
:mod:`autograder.classroom.class_report_html`). Test ids, messages, student
ids, code and the reasons an entry could not be read come from
submissions: both show them as text (:mod:`autograder.safe_text`).
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
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
    code: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)  # file -> both texts, for review
    archived: bool = False  # ``second`` is an archived entry (``archive: <name>``), not a student

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
    archive: list[Entry] | None = None  # past work each entry is compared with too


@dataclass(frozen=True)
class FailureGroup:
    """One failure shared across the class: a test, the first line of its message, and who has it."""

    test: str
    message: str
    students: tuple[str, ...]


@dataclass
class ClassReport:
    """Everything the report shows, computed once for both of its forms."""

    stats: list[TaskStats]
    failed: list[tuple[str, int]]
    groups: list[FailureGroup]
    histograms: list[Path]
    pairs: list[SimilarPair] | None = None  # None: not compared
    archive_pairs: list[SimilarPair] | None = None
    unreadable: list[str] = field(default_factory=list)


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


def failure_groups(book: Gradebook, scope: str | None = None, most: int = 20) -> list[FailureGroup]:
    """The failures most students share: identical test and first message line grouped, with their students."""
    students: dict[tuple[str, str], set[str]] = {}
    for student, graded in book.latest(scope).items():
        for task in graded.report.tasks if graded.report else []:
            for test in task.tests:
                if not test.passed:
                    lines = (test.message or test.status).splitlines()
                    students.setdefault((test.name, lines[0] if lines else ""), set()).add(student)
    groups = [FailureGroup(name, message, tuple(sorted(who))) for (name, message), who in students.items()]
    return sorted(groups, key=lambda g: (-len(g.students), g.test, g.message))[:most]


def save_histograms(stats: list[TaskStats], folder: Path) -> list[Path]:
    """One PNG per task: how many students got each score, one bar per score, whole students on the y axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for task in stats:
        counts = Counter(round(score, 2) for score in task.scores)
        scores = sorted(counts)
        gaps = [b - a for a, b in itertools.pairwise([0.0, *scores, task.points or 1.0]) if b > a]
        width = 0.8 * min(gaps, default=1.0)
        figure, axes = plt.subplots(figsize=(6.4, 3.6), dpi=100)
        axes.bar(scores, [counts[s] for s in scores], width=width, edgecolor="black")
        axes.set_xlim(-width, (task.points or 1.0) + width)
        axes.set_xticks(scores)
        axes.set_xticklabels([f"{s:g}" for s in scores])
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel(f"points (of {task.points:g})")
        axes.set_ylabel("students")
        axes.set_title(f"Task {task.task_id}: {task.title}")
        figure.tight_layout()  # the labels inside the image
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
    archive: list[Entry] | None = None,
) -> tuple[list[SimilarPair], list[str]]:
    """Pairs of students whose edited files are alike, most alike first; and the entries that could not be read.

    Args:
        course: The course (its template is the boilerplate left out).
        entries: The submissions.
        files: The student-tree files to compare (default: every editable ``.py`` file).
        threshold: Report a file when both versions share at least this fraction.
        trees: Where the entries are unpacked already (a batch's); by default they are unpacked here.
        archive: Compare each entry with each of these too (such a pair's second is ``archive: <name>``;
            archived entries are not compared with each other).
    """
    files = [f for f in (files or editable_files(course)) if f.endswith(".py")]
    unreadable: list[str] = []
    alike: dict[tuple[str, str, bool], list[tuple[str, float, tuple[str, str]]]] = {}
    with unpacked_trees(trees) as unpacked:
        roots = _roots(entries, unpacked, unreadable, "")
        others = None if archive is None else _roots(archive, unpacked, unreadable, ARCHIVED)
        for file in files:
            for pair, similarity, code in _alike_pairs(course, (roots, others), file, threshold):
                alike.setdefault(pair, []).append((file, similarity, code))
    pairs = [
        SimilarPair(a, b, tuple((f, s) for f, s, _ in found), {f: code for f, _, code in found}, archived)
        for (a, b, archived), found in alike.items()
    ]
    return sorted(pairs, key=lambda p: (-len(p.files), -p.similarity, p.first, p.second)), unreadable


ARCHIVED = "archive: "  # how an archived entry is named in a pair
MAX_CODE_CHARS = 100_000  # a file longer than this is shown cut, in the side-by-side view


def _roots(entries: list[Entry], unpacked: UnpackedTrees, unreadable: list[str], prefix: str) -> dict[str, Path]:
    """Each readable entry's tree by its name in the report (a student id, or ``prefix`` and the entry's name).

    Why each other entry cannot be read goes to ``unreadable``.
    """
    roots: dict[str, Path] = {}
    for entry in entries:
        try:
            roots[prefix + entry.name if prefix else entry.student_id] = unpacked.root(entry)
        except IntakeError as error:
            unreadable.append(prefix + str(error))
    return roots


def _alike_pairs(
    course: Course, roots: tuple[dict[str, Path], dict[str, Path] | None], file: str, threshold: float
) -> Iterator[tuple[tuple[str, str, bool], float, tuple[str, str]]]:
    """The pairs whose ``file`` shares at least ``threshold`` of its fingerprints, how much, and both texts.

    ``roots`` is the class's trees and, when comparing with an archive, the archive's: each file is
    fingerprinted once, then every pair of students and every student with every archived entry compared.
    """
    import numpy as np
    from copydetect.detector import CodeFingerprint, compare_files

    given = Submission("template", (("", course.template),)).find(file)
    boilerplate: Any = np.array(sorted(CodeFingerprint(str(given), NOISE_TOKENS, 1).hashes)) if given else []
    mine, archived = (_prints(tree, file, boilerplate, CodeFingerprint) for tree in (roots[0], roots[1] or {}))
    students = sorted(mine.items())
    pairs = itertools.chain(
        ((x, y, False) for x, y in itertools.combinations(students, 2)),
        ((x, y, True) for x, y in itertools.product(students, sorted(archived.items()))),
    )
    for (a, (fa, ta)), (b, (fb, tb)), is_archived in pairs:
        if len(fa.hashes) == 0 or len(fb.hashes) == 0:
            continue
        _, (sim_a, sim_b), _ = compare_files(fa, fb)
        similarity = min(sim_a, sim_b)
        if similarity >= threshold:
            yield (a, b, is_archived), round(float(similarity), 3), (ta[:MAX_CODE_CHARS], tb[:MAX_CODE_CHARS])


def _prints(roots: dict[str, Path], file: str, boilerplate: Any, fingerprint: Any) -> dict[str, tuple[Any, str]]:
    """Each tree's fingerprint of ``file`` and its text (trees without a readable, parseable one left out)."""
    prints = {}
    for name, tree in roots.items():
        found = Submission(name, (("", tree),)).find(file)
        if found is None:
            continue
        try:
            prints[name] = (fingerprint(str(found), NOISE_TOKENS, 1, boilerplate), found.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError, SyntaxError):
            continue
    return prints


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


def build_class_report(
    course: Course, book: Gradebook, folder: Path, comparison: Comparison | None = None, scope: str | None = None
) -> ClassReport:
    """Compute what the report shows; the histograms are written to ``folder``."""
    stats = task_stats(book, scope)
    report = ClassReport(stats, most_failed(book, scope), failure_groups(book, scope), save_histograms(stats, folder))
    if comparison is not None:
        found, report.unreadable = similar_pairs(
            course, comparison.entries, comparison.files, trees=comparison.trees, archive=comparison.archive
        )
        report.pairs = [p for p in found if not p.archived]
        if comparison.archive is not None:
            report.archive_pairs = [p for p in found if p.archived]
    return report


def write_class_report(
    course: Course, book: Gradebook, folder: Path, comparison: Comparison | None = None, scope: str | None = None
) -> Path:
    """Write ``index.html``, ``report.md`` and the histograms to ``folder``; return the HTML's path.

    With ``comparison``, the report also lists similar pairs among its entries (over its files),
    and with its archive, the pairs of an entry and an archived one.
    """
    from .class_report_html import render_html

    report = build_class_report(course, book, folder, comparison, scope)
    (folder / "report.md").write_text("\n".join(_markdown(report)) + "\n", encoding="utf-8")
    path = folder / "index.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path


def _markdown(report: ClassReport) -> list[str]:
    """The report as Markdown lines."""
    lines = ["# Class report", ""] + _task_lines(report.stats) + ["", "## Tests failed most often", ""]
    lines += [f"- {count} student{'' if count == 1 else 's'}: {markdown_code(name)}" for name, count in report.failed]
    lines += [] if report.failed else ["- none"]
    lines += ["", "## Histograms", ""] + [f"![Task {t.task_id}](task_{t.task_id}.png)" for t in report.stats]
    if report.pairs is not None:
        lines += ["", f"## Similar submissions (files with at least {SIMILARITY_THRESHOLD:.0%} shared, for review)", ""]
        lines += pair_lines(report.pairs) or ["- none"]
        lines += [f"- not compared: {for_markdown(reason)}" for reason in report.unreadable]
    if report.archive_pairs is not None:
        lines += ["", "## Similar to the archive (past work, for review)", ""]
        lines += pair_lines(report.archive_pairs) or ["- none"]
    return lines
