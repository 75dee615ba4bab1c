"""A failed test, told as a student can act on it (runs in the grading child; standard library only).

Copied into the child's tree as ``_autograder_failures.py``. A failure's
message has up to three parts, one per line:

- the error: ``AssertionError: operators.sigmoid: got 0.73, expected 0.27``;
- ``input:`` the example Hypothesis found to fail (``x=-1.0``);
- ``at`` the innermost frame in the student's files where the error arose,
  with its source line (``minitorch/operators.py:26 in mul: return x * y``),
  or, when the error arose in the test itself (a wrong value), ``run only by
  failing inputs:`` the line of the student's files that, as Hypothesis
  explains it, only failing examples ran.

Paths are relative to the tree's root; nothing else of the traceback is kept.
"""

from __future__ import annotations

import linecache
import re
import traceback
from pathlib import Path
from typing import Any

MESSAGE_LIMIT = 1500
STUDENT_DIRS = ("minitorch/", "project/")  # the library's folders (manifest.layout.LIBRARY_DIRS)
PACKAGE_INIT = "minitorch/__init__.py"  # imports each name on first use: never where an import error is
RESOURCE_ERRORS = re.compile(r"\[Errno (28|27)\]")  # ENOSPC, EFBIG
EXAMPLE_NOTES = ("Falsifying example", "Failing test case", "Falsifying explicit example")
# Hypothesis's notes that the message retells (the example, the explanation) or that do not help here.
DROPPED_NOTES = (*EXAMPLE_NOTES, "Explanation:", "You can reproduce", "Unreliable test", "while generating")
PLACE = re.compile(r"^\s*(\S+\.py):(\d+)\s*$")
PYTEST_ERROR = re.compile(r"^E\s+")  # how pytest starts the lines of an error it shows


def failure_message(report: Any, error: BaseException | None, root: Path) -> str:
    """The message of a failed test phase (a pytest report), from the error that failed it when there is one.

    Args:
        report: pytest's ``TestReport`` or ``CollectReport``.
        error: The exception, when the hook that saw it kept it.
        root: The grading tree: paths are shown relative to it.
    """
    crash = getattr(report.longrepr, "reprcrash", None)
    text = report.longreprtext
    lines = _error_lines(crash.message if crash is not None else "\n".join(text.strip().splitlines()[-3:]))
    if error is not None:
        lines += _example(error) + (_student_frame(error, root) or _explained_line(text, root))
    else:
        lines += [line.strip() for line in text.splitlines() if line.strip().startswith(("Falsifying", "E   Fals"))]
    # A full disk or file-size cap is the grader's limit, whatever exception group it hides in.
    lines += [line.strip(" E") for line in text.splitlines() if RESOURCE_ERRORS.search(line)][:1]
    return clip(relative("\n".join(dict.fromkeys(line for line in lines if line)), root))


def _error_lines(message: str) -> list[str]:
    """The error's own lines, without the notes Hypothesis appended (the message tells them its own way)."""
    kept = []
    for line in message.splitlines():
        if line.startswith(DROPPED_NOTES):
            break
        kept.append(line.rstrip())
    return kept


def _example(error: BaseException) -> list[str]:
    """``input: x=-1.0, y=2.0``: the failing example of Hypothesis's note, if any."""
    for note in getattr(error, "__notes__", None) or []:
        if not isinstance(note, str) or not note.startswith(EXAMPLE_NOTES):
            continue
        call = note.split(":", 1)[1].strip()
        inside = call[call.find("(") + 1 : call.rfind(")")] if "(" in call else call
        # "x=5,  # or any other generated value" and lines of comment alone: Hypothesis's asides, dropped
        parts = (part.split("  #")[0].strip().rstrip(",") for part in inside.splitlines())
        arguments = [part for part in parts if part and not part.startswith("#")]
        return [f"input: {', '.join(arguments)}"] if arguments else []
    return []


def _student_frame(error: BaseException, root: Path) -> list[str]:
    """``at FILE:LINE in FUNCTION: SOURCE``: where in the student's files the error arose, if it did."""
    frames = [
        (place, frame)
        for frame in traceback.extract_tb(error.__traceback__)
        if (place := in_tree(frame.filename, root)) and place.startswith(STUDENT_DIRS) and place != PACKAGE_INIT
    ]
    if frames:
        place, frame = frames[-1]
        return [f"at {place}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}".rstrip(": ")]
    return []


def _explained_line(text: str, root: Path) -> list[str]:
    """The first line of the student's files that, by Hypothesis's explanation in ``text``, only failing inputs ran."""
    explaining = False
    for line in (PYTEST_ERROR.sub("", line) for line in text.splitlines()):
        explaining = explaining or line.startswith("Explanation:")
        match = PLACE.match(line) if explaining else None
        place = in_tree(str(root / match.group(1)), root) if match else None
        if match and place and place.startswith(STUDENT_DIRS):
            source = linecache.getline(str(root / place), int(match.group(2))).strip()
            return [f"run only by failing inputs: {place}:{match.group(2)}: {source}".rstrip(": ")]
    return []


def import_failure(error: BaseException, root: Path, collecting: bool) -> str | None:
    """``file:line: Type: message`` of an error raised while importing a file, or None for any other error.

    The place is where the error was raised: the innermost frame in the
    tree under ``root`` (shown relative to it), or for a ``SyntaxError``
    the line that does not parse. An error counts as an import's when it
    stopped collection, is an ``ImportError`` or ``SyntaxError``, or was
    raised while a file's top level ran (``minitorch.nn`` imported on
    first use inside a test). The cause of a chained error is what is told.
    """
    for _ in range(10):  # pytest's CollectError, and minitorch's ImportError, wrap the real error
        if error.__cause__ is None:
            break
        error = error.__cause__
    frames = [
        (place, frame)
        for frame in traceback.extract_tb(error.__traceback__)
        if (place := in_tree(frame.filename, root))
    ]
    at_import = any(frame.name == "<module>" for _, frame in frames)
    if not (collecting or at_import or isinstance(error, ImportError | SyntaxError)):
        return None
    if isinstance(error, SyntaxError) and error.filename:
        places = [f"{in_tree(error.filename, root) or error.filename}:{error.lineno}"]
        text = f"SyntaxError: {error.msg}"
    else:
        places = [f"{place}:{frame.lineno}" for place, frame in frames if place != PACKAGE_INIT]
        text = f"{type(error).__name__}: {error}"
    return relative(": ".join([*places[-1:], text]), root)[:MESSAGE_LIMIT]


def in_tree(filename: str, root: Path) -> str | None:
    """``filename`` relative to ``root`` (``minitorch/nn.py``), or None outside it or not a file."""
    path = Path(filename)
    if not path.is_absolute() or not path.is_file():
        return None  # "<string>", "<frozen importlib._bootstrap>"
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def relative(text: str, root: Path) -> str:
    """``text`` with the tree's own path taken out of the paths it names."""
    for prefix in dict.fromkeys((str(root), str(root.resolve()))):
        text = text.replace(prefix.rstrip("/") + "/", "")
    return text


def clip(message: str) -> str:
    """``message`` cut to :data:`MESSAGE_LIMIT` characters."""
    return message if len(message) <= MESSAGE_LIMIT else message[: MESSAGE_LIMIT - 3] + "..."
