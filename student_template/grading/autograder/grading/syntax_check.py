"""Syntax errors in a submission's files, found in seconds, before any test runs.

Each student-editable Python file is compiled (never run) in a separate
process, so a file built to crash or stall the compiler costs that process
and nothing of the grader. A file with a syntax error fails every test that
imports it anyway; this only lets the grader say so at once, on one line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ..submission import Submission

CHECK_BUDGET_S = 10.0
# Compiles each file named on the command line; prints [path, line, message] for each that does not parse.
COMPILER = """
import json, sys
found = []
for name in sys.argv[1:]:
    try:
        with open(name, "rb") as handle:
            compile(handle.read(), name, "exec", dont_inherit=True)
    except SyntaxError as error:
        found.append([name, error.lineno or 0, error.msg or "invalid syntax"])
    except (ValueError, RecursionError, MemoryError) as error:
        found.append([name, 0, type(error).__name__])
print(json.dumps(found))
"""


def syntax_errors(submission: Submission, paths: list[str]) -> list[str]:
    """``minitorch/operators.py:26: SyntaxError: unmatched ')'`` for each of ``paths`` that does not parse.

    Args:
        submission: The student tree.
        paths: Student-tree paths of its editable files; only ``.py`` files are compiled.

    Returns:
        One line per file that does not parse; none when the check itself fails.
    """
    files = {str(found): path for path in paths if path.endswith(".py") and (found := submission.find(path))}
    if not files or submission.is_reference:
        return []
    command = [sys.executable, "-I", "-S", "-c", COMPILER, *files]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CHECK_BUDGET_S, check=False)
        found = json.loads(done.stdout)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        return []
    lines = []
    for name, line, message in found if isinstance(found, list) else []:
        where = files.get(str(name), Path(str(name)).name)
        lines.append(f"{where}:{int(line)}: SyntaxError: {str(message)[:200]}")
    return lines
