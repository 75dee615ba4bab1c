"""The student tree's layout: its folder names, the caches no walk enters, and the one walk of a folder's files.

A student tree (and a grading tree laid out like one)::

    minitorch/ project/   the library students complete (LIBRARY_DIRS)
    tests/                the public tests (tests/hidden/ in a secret child's tree)
    notebooks/ handouts/  write-ups and handouts
    grading/              a student tree's copy of the grader and the course
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path

LIBRARY = "minitorch"  # the package students complete
PROJECT = "project"
LIBRARY_DIRS = (LIBRARY, PROJECT)
TESTS = "tests"
HIDDEN = "hidden"  # tests/hidden/: the hidden tests, in the tree of the child that runs them
CHECKS = "checks"  # the trusted checks, in a course module's folder and a secret child's tree
NOTEBOOKS = "notebooks"
HANDOUTS = "handouts"
GRADING = "grading"
# Where student-editable files may lie (the manifest's ``files``).
STUDENT_TREE_ROOTS = (f"{LIBRARY}/", f"{PROJECT}/", f"{TESTS}/", f"{NOTEBOOKS}/")
# What tools leave behind (bytecode, caches); no walk enters these folders, and no copy takes them.
CACHE_DIRS = frozenset({"__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".numba_cache"})
BYTECODE = ".pyc"


def is_cache(name: str) -> bool:
    """Whether a file or folder called ``name`` is a tool's leftover (:data:`CACHE_DIRS`, bytecode)."""
    return name in CACHE_DIRS or name.endswith(BYTECODE)


def walk_files(
    root: Path, skip: Collection[str] = CACHE_DIRS, suffix: str | None = None, links: bool = False
) -> Iterator[Path]:
    """Every file under ``root``, in path order, found lazily (a huge tree can be stopped early).

    Args:
        root: The folder to walk; nothing is yielded when it is absent.
        skip: Names of folders not entered, at any depth (the caches by default). Bytecode is always left out.
        suffix: Only files whose name ends with it (``.py``).
        links: Yield symbolic links too, as themselves; they are never followed (by default they are left out).
    """
    try:
        entries = sorted(root.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return
    for path in entries:
        if path.is_symlink():
            if links and (suffix is None or path.name.endswith(suffix)):
                yield path
        elif path.is_dir():
            if path.name not in skip:
                yield from walk_files(path, skip, suffix, links)
        elif path.is_file() and not path.name.endswith(BYTECODE) and (suffix is None or path.name.endswith(suffix)):
            yield path
