"""Trusted checks: verdicts decided where no student code ran.

A check is a course-written function under ``checks/`` that calls the
library on inputs the course chose and records *values* through the
``record`` fixture (see :mod:`autograder.child.pytest_plugin`); it decides
nothing. The child that runs the student's library reports those values as
events, and the parent compares them here with the values the reference
recorded for the same checks, computed once per course version in a child
that ran only the reference and cached outside the course.

What a child says is decoded with limits: numbers, booleans, ``None``,
strings, lists and string-keyed objects, at most :data:`MAX_ITEMS` items and
:data:`MAX_DEPTH` levels. Anything else counts as a wrong value. The
tolerance of a comparison is the reference's, never the child's.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kernel_cache import write_whole

MAX_ITEMS = 200_000
MAX_DEPTH = 8
DEFAULT_TOLERANCE = 1e-6
CHECKS_DIR = "checks"


class Malformed(ValueError):
    """A value a child reported is not of the shapes a check may record."""


@dataclass(frozen=True)
class Recorded:
    """One value a check recorded, or the error that stopped it.

    Attributes:
        value: The decoded value (``None`` is a value too; see ``error``).
        error: Why there is no value (the exception's name and message).
        tolerance: Relative and absolute tolerance for floats.
        agree: The fraction of the values that must match (1: all of them).
    """

    value: Any = None
    error: str | None = None
    tolerance: float = DEFAULT_TOLERANCE
    agree: float = 1.0


def recorded_values(events: list[dict[str, Any]]) -> dict[tuple[str, str], Recorded]:
    """The ``value`` events of a child, by (node id, key); the first of each wins, malformed ones are errors."""
    found: dict[tuple[str, str], Recorded] = {}
    for event in events:
        if event.get("event") != "value":
            continue
        key = (str(event.get("nodeid")), str(event.get("key")))
        if key in found:
            continue
        if event.get("error") is not None:
            found[key] = Recorded(error=str(event["error"])[:300])
            continue
        try:
            value = decode(event.get("value"))
            tolerance = float(event.get("tolerance", DEFAULT_TOLERANCE))
            agree = float(event.get("agree", 1.0))
        except (Malformed, TypeError, ValueError) as error:
            found[key] = Recorded(error=f"a malformed value ({error})")
            continue
        found[key] = Recorded(value=value, tolerance=tolerance, agree=agree)
    return found


def decode(value: Any) -> Any:
    """``value`` checked to be plain JSON data within the size limits.

    Raises:
        Malformed: Another type, too deep, or too many items.
    """
    budget = [MAX_ITEMS]
    return _decode(value, 0, budget)


def _decode(value: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise Malformed(f"more than {MAX_ITEMS} items")
    if depth > MAX_DEPTH:
        raise Malformed(f"nested deeper than {MAX_DEPTH}")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [_decode(item, depth + 1, budget) for item in value]
    if type(value) is dict and all(type(k) is str for k in value):
        return {k: _decode(v, depth + 1, budget) for k, v in value.items()}
    raise Malformed(f"a {type(value).__name__}")


def compare(actual: Any, expected: Any, tolerance: float, agree: float = 1.0) -> str | None:
    """``None`` when ``actual`` matches ``expected`` (at least ``agree`` of the values), else what differs.

    The message never shows an expected value.
    """
    wrong, total = _differences(actual, expected, tolerance)
    if wrong <= total * (1.0 - agree) + 1e-9:
        return None
    return f"{wrong} of {total} values differ from a correct library's"


def _differences(actual: Any, expected: Any, tolerance: float) -> tuple[int, int]:
    """(wrong, total) leaf values; a shape that differs counts every expected leaf as wrong."""
    if type(expected) is list:
        if type(actual) is not list or len(actual) != len(expected):
            return _leaves(expected), _leaves(expected)
        pairs = [_differences(a, e, tolerance) for a, e in zip(actual, expected, strict=True)]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    if type(expected) is dict:
        if type(actual) is not dict or set(actual) != set(expected):
            return _leaves(expected), _leaves(expected)
        pairs = [_differences(actual[k], e, tolerance) for k, e in expected.items()]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    return (0 if _same(actual, expected, tolerance) else 1), 1


def _leaves(value: Any) -> int:
    if type(value) is list:
        return sum(_leaves(v) for v in value) or 1
    if type(value) is dict:
        return sum(_leaves(v) for v in value.values()) or 1
    return 1


def _same(actual: Any, expected: Any, tolerance: float) -> bool:
    if type(expected) is bool or expected is None or type(expected) is str:
        return type(actual) is type(expected) and actual == expected
    if type(actual) not in (int, float) or type(expected) not in (int, float):
        return False
    a, e = float(actual), float(expected)
    if math.isnan(e) or math.isnan(a):
        return math.isnan(e) and math.isnan(a)
    if math.isinf(e) or math.isinf(a):
        return a == e
    return abs(a - e) <= tolerance * max(1.0, abs(e))


def checks_digest(files: list[Path]) -> str:
    """A digest of what reference values depend on: the reference's library and the checks."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def load_cached(path: Path) -> dict[tuple[str, str], Recorded] | None:
    """Reference values cached at ``path``, or ``None`` when there are none (or they are unreadable)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {
        (r["nodeid"], r["key"]): Recorded(r.get("value"), r.get("error"), r["tolerance"], r.get("agree", 1.0))
        for r in rows
    }


def save_cached(path: Path, values: dict[tuple[str, str], Recorded]) -> None:
    """Write reference values to ``path`` (the one writer of this file's format)."""
    rows = [
        {"nodeid": n, "key": k, "value": r.value, "error": r.error, "tolerance": r.tolerance, "agree": r.agree}
        for (n, k), r in sorted(values.items())
    ]
    write_whole(path, json.dumps(rows, sort_keys=True))
