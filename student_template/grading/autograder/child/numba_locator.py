"""Where a grading child keeps numba's compiled kernels: by the file's place in the tree, not the tree's.

Copied into every grading tree as ``_autograder_numba.py`` and named in the
child's ``NUMBA_CACHE_LOCATOR_CLASSES``, so numba imports it only when a
kernel is cached. numba's own locator files a kernel under a digest of the
*folder* its source lives in; every grading builds a fresh temporary tree,
so no grading ever found the kernels of the one before. This locator files
it under the source's path inside the tree (``minitorch``) instead. That is
safe because numba still checks each file's content hash before it loads a
kernel, and the library's cache folder already carries a digest of every
source compiled into kernels (``minitorch.jit.use_project_cache``).
"""

from __future__ import annotations

import os
from typing import Any

from numba.core import caching
from numba.core import config as numba_config

config: Any = numba_config
_UserProvided: Any = caching.UserProvidedCacheLocator
TREE = "AUTOGRADER_TREE"


class TreeCacheLocator(_UserProvided):  # type: ignore[misc]
    """numba's user-provided locator, keyed by the source's folder relative to the grading tree."""

    def __init__(self, py_func: Any, py_file: str) -> None:
        super().__init__(py_func, py_file)
        folder = os.path.relpath(os.path.dirname(os.path.abspath(py_file)), os.environ[TREE])
        self._cache_path = os.path.join(config.CACHE_DIR, "tree", folder)

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> TreeCacheLocator | None:
        """This locator for sources inside the grading tree, ``None`` (numba's next locator) otherwise."""
        tree = os.environ.get(TREE)
        if not tree or not config.CACHE_DIR:
            return None
        inside = os.path.abspath(py_file).startswith(os.path.join(os.path.abspath(tree), ""))
        return super().from_function(py_func, py_file) if inside else None
