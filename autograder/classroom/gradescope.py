"""``make gradescope MODULE=N``: the Gradescope autograder zip for one module.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh``
once when it builds the image, and ``run_autograder`` for each
submission, which it puts in ``/autograder/submission``; the score is read
from ``/autograder/results/results.json``. The scripts live in
``gradescope_files/``; ``pick_python.sh`` finds (or installs) the Python
3.11+ that ``setup.sh`` builds the grader's virtual environment with.

The zip holds only what grading modules 0..N needs, laid out as in the
course repository so ``course.toml``'s relative paths hold:

    assignments/         course.toml listing modules 0..N, common/tests/,
                         and modules 0..N's folders (hidden tests, mutants,
                         notebooks; not the staff's planted bugs)
    student_template/    the release of modules 0..N (``make release``),
                         without its ``grading/`` copy of the grader
    reference/           the reference library files that release ships
                         (student-written tests are graded against it)
    autograder/          the grader's files that grading needs (those a
                         release ships, intake and markers); not its tests
                         or the rest of the staff rooms (release, verify, batch)

``run_autograder`` makes ``source/`` readable by root only and has the
grader run student code as the unprivileged user ``setup.sh`` creates.
"""

from __future__ import annotations

import stat
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import tomli_w

from ..authoring.library_files import PACKAGE_INIT, released_library, trim_package_init
from ..authoring.release import GRADER_PACKAGE, GRADING, course_until, release_module, shipped_grader_files
from ..manifest import CAUGHT_FILE, PLANTED_BUGS_FILE, Course, ManifestError
from ..render import modules_span

SCRIPTS = Path(__file__).resolve().parent / "gradescope_files"
SKIPPED = {"__pycache__", ".numba_cache", ".pytest_cache", ".hypothesis", ".mypy_cache", ".venv", ".git"}
COURSE_DIR, TEMPLATE_DIR, REFERENCE_DIR = "assignments", "student_template", "reference"
STAFF_ONLY = frozenset({PLANTED_BUGS_FILE, CAUGHT_FILE})  # what verify measures the tests with; grading never reads it
# What grading a submission needs besides a student's `make grade`: intake to find the tree in an upload, and
# markers to strip the solved student tests from the public tests the children get.
STAFF_GRADER_FILES = (
    "classroom/__init__.py",
    "classroom/intake.py",
    "classroom/git_objects.py",
    "authoring/__init__.py",
    "authoring/markers.py",
)
DATE = (2026, 1, 1, 0, 0, 0)
MODULE_PLACEHOLDER = "@MODULE@"

# The zip's contents: archive name -> the file's bytes, or the file to read them from.
Entries = dict[str, bytes | Path]


def _files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root``, in a fixed order, without links and caches."""
    for path in sorted(root.iterdir()):
        if path.is_symlink() or path.name in SKIPPED:
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
        ManifestError: The course has no such module, or no reference
            solution, or its release of modules 0..``module`` fails.
    """
    part = course_until(course, module)
    if course.reference is None:
        raise ManifestError(f"{course.root / 'course.toml'}: a Gradescope bundle needs the reference solution")
    entries: Entries = {
        "requirements.txt": requirements(course).encode(),
        f"{COURSE_DIR}/course.toml": course_manifest(course, part).encode(),
    }
    grader = [*shipped_grader_files(), *STAFF_GRADER_FILES]
    entries |= {f"autograder/{name}": GRADER_PACKAGE / name for name in grader}
    entries |= course_files(part)
    entries |= reference_files(course, released_library(course, module))
    with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
        template = Path(tmp) / "release"
        release_module(course, module, template, commit=False)
        entries |= _tree(template, TEMPLATE_DIR, frozenset({GRADING}))
        _write_zip(dest, entries, scripts(module))
    return dest


def scripts(module: int) -> dict[str, bytes]:
    """The bundle's executable scripts, ``run_autograder`` set to grade module ``module``."""
    texts = {path.name: path.read_text(encoding="utf-8") for path in sorted(SCRIPTS.iterdir()) if path.is_file()}
    texts["run_autograder"] = texts["run_autograder"].replace(MODULE_PLACEHOLDER, str(module))
    return {name: text.encode() for name, text in texts.items()}


def course_manifest(course: Course, part: Course) -> str:
    """``course.toml`` for the bundle: ``part``'s modules, the bundle's folder names, the rest as the course has it."""
    data = tomllib.loads((course.root / "course.toml").read_text(encoding="utf-8"))
    table = data["course"]
    table["modules"] = [m.name for m in part.modules]
    table["template"] = f"../{TEMPLATE_DIR}"
    table["reference"] = f"../{REFERENCE_DIR}"
    if course.common is not None:
        table["common"] = "common"
    note = f"# The Gradescope bundle's course: {modules_span(part.modules[-1].number)} of {course.name}.\n"
    return note + tomli_w.dumps(data)


def course_files(part: Course) -> Entries:
    """The shared test helpers and the folders of ``part``'s modules, without the staff's planted bugs."""
    entries: Entries = {}
    if part.common is not None and (part.common / "tests").is_dir():
        entries |= _tree(part.common / "tests", f"{COURSE_DIR}/common/tests")
    for module in part.modules:
        entries |= _tree(module.root, f"{COURSE_DIR}/{module.name}", STAFF_ONLY)
    return entries


def reference_files(course: Course, library: list[str]) -> Entries:
    """The reference's copy of each file of ``library``, its ``__init__.py`` trimmed to them."""
    assert course.reference is not None
    entries: Entries = {f"{REFERENCE_DIR}/{file}": course.reference / file for file in library}
    init_file = course.reference / PACKAGE_INIT
    if PACKAGE_INIT in library:
        trimmed = trim_package_init(init_file.read_text(encoding="utf-8"), library, init_file)
        entries[f"{REFERENCE_DIR}/{PACKAGE_INIT}"] = trimmed.encode()
    return entries


def _tree(root: Path, prefix: str, skipped: frozenset[str] = frozenset()) -> Entries:
    """The files under ``root`` as entries under ``prefix``; the ``skipped`` names at its top are left out."""
    entries: Entries = {}
    for child in sorted(root.iterdir()):
        if child.name in skipped or child.name in SKIPPED or child.is_symlink():
            continue
        files = _files(child) if child.is_dir() else [child]
        entries |= {f"{prefix}/{path.relative_to(root).as_posix()}": path for path in files}
    return entries


def _write_zip(dest: Path, entries: Entries, executables: dict[str, bytes]) -> None:
    """Write ``entries`` and the ``executables`` (mode 0755), in a fixed order with fixed dates."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in sorted(executables.items()):
            _add(bundle, name, data, 0o755)
        for name, source in sorted(entries.items()):
            _add(bundle, name, source if isinstance(source, bytes) else source.read_bytes(), 0o644)


def _add(bundle: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=DATE)
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, data)
