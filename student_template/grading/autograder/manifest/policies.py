"""The course's rules for students beyond its tasks: the late policy and how to submit (``course.toml``).

Both tables are optional::

    [late]
    penalty_per_day = 0.1   # the fraction of the score each day started after a module's due date takes
    max_days = 7            # after this many days late, all of it
    grace_days = 3          # free late days per student per term, spent in module order (default 0)

    [submit]
    how = "Push your work to your repository's main branch before the due date."

``make release`` writes them into the students' README; ``make batch``
applies the late policy. A grace day is a free late day: a student's grace
days are spent on their first late modules, in module order, before any
penalty counts (so ``max_days`` counts the days late beyond them).
"""

from __future__ import annotations

from dataclasses import dataclass

from .toml_tables import TableReader

DEFAULT_SUBMIT = "Commit your work and push it to your course repository before the due date."
MAX_SUBMIT_CHARS = 1000


@dataclass(frozen=True)
class LatePolicy:
    """How late submissions lose points: a fraction of the score per day started, all of it after ``max_days``.

    Each student has ``grace_days`` free late days per term, spent before any of that.
    """

    penalty_per_day: float = 0.0
    max_days: int | None = None
    grace_days: int = 0

    def describe(self) -> str:
        """The policy in a sentence or two, for the students' README."""
        text = self.penalty_text()
        if self.grace_days:
            text += (
                f" You have {_days(self.grace_days)} of grace for the whole course, used up automatically "
                "on your first late modules, in order, before any penalty counts."
            )
        return text

    def penalty_text(self) -> str:
        """The penalty in one sentence."""
        if self.penalty_per_day == 0.0:
            if self.max_days is None:
                return "Work handed in after a module's due date loses no points."
            return (
                f"Work handed in up to {_days(self.max_days)} after a module's due date loses no points; "
                "later work scores 0."
            )
        percent = f"{self.penalty_per_day * 100:g}%"
        text = f"Work handed in after a module's due date loses {percent} of its score for each day (or part of one)"
        if self.max_days is None:
            return f"{text} it is late."
        return f"{text} it is late, and scores 0 once it is more than {_days(self.max_days)} late."


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


@dataclass(frozen=True)
class SubmitPolicy:
    """How students hand their work in, in the course's words (one paragraph of Markdown)."""

    how: str = DEFAULT_SUBMIT


def read_late_policy(reader: TableReader) -> LatePolicy:
    """The ``[late]`` table (an empty one: no penalty).

    Raises:
        ManifestError: For an unknown key, a penalty outside [0, 1], or a negative (or non-integer) number of days.
    """
    reader.check_keys({"penalty_per_day", "max_days", "grace_days"})
    per_day = float(reader.get("penalty_per_day", (int, float), 0.0))
    if not 0.0 <= per_day <= 1.0:
        raise reader.fail("penalty_per_day", f"expected a fraction in [0, 1], got {per_day!r}")
    max_days = reader.get("max_days", int, None)
    if max_days is not None and max_days < 0:
        raise reader.fail("max_days", f"expected a number of days >= 0, got {max_days!r}")
    grace = reader.get("grace_days", int, 0)
    if grace < 0:
        raise reader.fail("grace_days", f"expected a number of days >= 0, got {grace!r}")
    return LatePolicy(per_day, max_days, grace)


def read_submit_policy(reader: TableReader) -> SubmitPolicy:
    """The ``[submit]`` table (an empty one: :data:`DEFAULT_SUBMIT`).

    Raises:
        ManifestError: For an unknown key, or a ``how`` that is not one paragraph of text.
    """
    reader.check_keys({"how"})
    how = reader.get("how", str, DEFAULT_SUBMIT).strip()
    if not how:
        raise reader.fail("how", "expected a sentence saying how students submit, got an empty text")
    if len(how) > MAX_SUBMIT_CHARS:
        raise reader.fail("how", f"expected at most {MAX_SUBMIT_CHARS} characters, got {len(how)}")
    if any(not line.strip() for line in how.splitlines()) or any(ord(c) < 32 and c not in "\t\r\n" for c in how):
        raise reader.fail("how", "expected one paragraph of plain text (no blank line, no control character)")
    return SubmitPolicy(" ".join(how.split()))
