"""Which folder of compiled numba kernels a grading's children share.

Compiling the Module 3 and 4 kernels takes longer than running their tests,
so every child of a grading loads the kernels the first one compiled, and
gradings of code that is the same as before load the kernels of earlier
runs. The children find them through :mod:`autograder.child.numba_locator`,
which keys them by file content and place in the tree.

A child writes to the cache it uses, so a cache is shared only between
gradings of code that is trusted not to plant kernels for someone else:

* the course's own reference and template, and anything graded in a
  student's repository (the student's own code on their own machine), use
  the persistent cache ``$AUTOGRADER_KERNEL_CACHE``, by default
  ``~/.cache/autograder/<course>``;
* any other submission (a class in ``make batch``, a student's folder on a
  staff machine) gets a fresh cache of its own, which the children that run
  its library share, and cannot see the persistent one; the children that
  run its own tests on the reference (other untrusted code) get another.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ..manifest import Course
from ..submission import Submission
from .sandbox import child_user

CACHE_VARIABLE = "AUTOGRADER_KERNEL_CACHE"
LOCATOR_MODULE = "_autograder_numba"
TREE_VARIABLE = "AUTOGRADER_TREE"  # the grading tree's path, for the locator (numba_locator.TREE)
# numba tries them in order: ours for the grading tree, numba's own for everything else.
LOCATORS = f"{LOCATOR_MODULE}.TreeCacheLocator,UserProvidedCacheLocator,InTreeCacheLocator,UserWideCacheLocator"


def shared_cache(course: Course) -> Path:
    """The persistent kernel cache of ``course`` on this machine."""
    configured = os.environ.get(CACHE_VARIABLE)
    if configured:
        return Path(configured).resolve()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return (base / "autograder" / course.name).resolve()


def is_trusted(course: Course, submission: Submission) -> bool:
    """Whether ``submission`` may write to the persistent cache (see the module docstring)."""
    if submission.is_reference or course.reference is None:
        return True
    return all(folder.resolve() == course.template.resolve() for _, folder in submission.roots)


def kernel_cache(course: Course, submission: Submission, workdir: Path, private: bool = False) -> tuple[Path, bool]:
    """The cache folder for grading ``submission``, and whether it is the shared one.

    Args:
        course: The course.
        submission: What is graded.
        workdir: The grading's scratch folder, where a private cache goes.
        private: Use a private cache even for a trusted submission (children
            that run as another user cannot write the shared one).
    """
    if is_trusted(course, submission) and not private:
        folder = shared_cache(course)
        folder.mkdir(parents=True, exist_ok=True)
        return folder, True
    return private_cache(workdir / "kernels", child_user()), False


def private_cache(folder: Path, user: tuple[int, int] | None) -> Path:
    """A new kernel cache only one grading's children of one kind use, writable by ``user`` if given."""
    folder.mkdir(parents=True, exist_ok=True)
    if user is not None:
        os.chown(folder, *user)
        folder.parent.chmod(0o711)
    return folder


def cache_variables(folder: Path) -> dict[str, str]:
    """The child's environment that points numba at ``folder`` through the tree-relative locator."""
    return {"NUMBA_CACHE_DIR": str(folder), "NUMBA_CACHE_LOCATOR_CLASSES": LOCATORS}


def write_whole(path: Path, text: str) -> None:
    """Write a file of the caches kept beside the kernel cache whole or not at all.

    A grading beside this one may be reading it: the text goes to a file of
    its own first, which then takes the name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
