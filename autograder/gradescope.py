"""``make gradescope MODULE=N``: the Gradescope autograder zip for one module.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh``
once when it builds the image, and ``run_autograder`` for each
submission, which it puts in ``/autograder/submission``; the score is read
from ``/autograder/results/results.json``. The zip holds the grader, the
course (hidden tests included), the reference (student-written tests are
graded against it) and the released template, laid out as in this
repository so ``course.toml``'s relative paths hold. ``AUTOGRADER_ROOT``
and ``AUTOGRADER_PYTHON`` override ``/autograder`` and ``python3``, so the
same script runs in a scratch copy of that layout for testing.
"""

from __future__ import annotations

import os
import stat
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

from .manifest import Course, ManifestError

SKIPPED = {"__pycache__", ".numba_cache", ".pytest_cache", ".hypothesis", ".mypy_cache", ".venv"}
PACKAGE = Path(__file__).parent

SETUP_SH = """#!/usr/bin/env bash
# Run once by Gradescope when it builds the autograder image.
set -euo pipefail
apt-get update -q && apt-get install -y -q python3 python3-pip python3-venv bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install -q -r /autograder/source/requirements.txt
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Run by Gradescope for each submission: grade it and write results/results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
cd "$ROOT/source"
export PYTHONPATH="$ROOT/source"
status=2
if [ -d "$ROOT/submission" ]; then
    TREE="$("$PYTHON" -m autograder.intake "$ROOT/submission")"  # the folder holding minitorch/
    "$PYTHON" -m autograder --course assignments grade --submission "$TREE" --module {module} \\
        --gradescope "$RESULTS" --stdout-visibility visible
    status=$?
fi
if [ "$status" -ne 0 ] || [ ! -s "$RESULTS" ]; then
    MESSAGE="The autograder could not grade this submission (exit $status); see the output above or ask the staff."
    printf '{{"score": 0, "output": "%s", "tests": []}}\n' "$MESSAGE" > "$RESULTS"
fi
exit 0
"""


def _files(root: Path, skipped: frozenset[str] = frozenset()) -> Iterator[Path]:
    for path in sorted(root.iterdir()):
        if path.is_symlink() or path.name in SKIPPED or path.name in skipped:
            continue
        if path.is_dir():
            yield from _files(path)
        elif path.is_file():
            yield path


def requirements(course: Course) -> str:
    """The grader's dependencies, from the repository's ``pyproject.toml``."""
    pyproject = course.root.parent / "pyproject.toml"
    if not pyproject.is_file():
        raise ManifestError(f"{pyproject}: not found (the Gradescope bundle takes its requirements from it)")
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    return "\n".join(dependencies) + "\n"


def build_bundle(course: Course, module: int, dest: Path) -> Path:
    """Write the autograder zip for module ``module`` to ``dest``.

    Raises:
        ManifestError: The course has no such module, or no reference solution.
    """
    if module not in {m.number for m in course.modules}:
        raise ManifestError(f"{course.root / 'course.toml'}: no module {module}")
    if course.reference is None:
        raise ManifestError(f"{course.root / 'course.toml'}: a Gradescope bundle needs the reference solution")
    dest.parent.mkdir(parents=True, exist_ok=True)
    base = course.root.parent
    roots = {"autograder": PACKAGE, course.root.name: course.root}
    for folder in (course.template, course.reference):
        roots[os.path.relpath(folder, base)] = folder
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as bundle:
        _add_text(bundle, "setup.sh", SETUP_SH, executable=True)
        _add_text(bundle, "run_autograder", RUN_AUTOGRADER.format(module=module), executable=True)
        _add_text(bundle, "requirements.txt", requirements(course))
        for name, folder in sorted(roots.items()):
            for path in _files(folder, frozenset({"tests"}) if folder == PACKAGE else frozenset()):
                arcname = f"{name}/{path.relative_to(folder).as_posix()}"
                info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, path.read_bytes())
    return dest


def _add_text(bundle: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, text)
