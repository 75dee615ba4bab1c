"""Execute a student's notebook and grade its cells with nbgrader's own machinery.

Copied into the scratch tree as ``_autograder_notebook.py`` and run in a
confined child (the kernel it starts runs the student's code there too)::

    python _autograder_notebook.py NOTEBOOK RELEASED TIMEOUT_S

Before running, every locked cell (the tests and the given code) is put back
as the released notebook ``RELEASED`` has it, matched by nbgrader's
``grade_id``, and a graded cell the student deleted counts as failed: a
student's notebook cannot edit or drop its own tests. For each graded cell
it writes ``grade_id``, ``kind``
(``auto`` for a test cell, ``manual`` for an answer graded by hand),
``score`` (``null`` when manual), ``max_score`` and, for a failed test cell,
the error's last line.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import types
from pathlib import Path
from typing import Any

EVENTS_FD = "AUTOGRADER_EVENTS_FD"  # the same variable as the test plugin's


def restore_locked_cells(notebook: Any, released: Any) -> list[str]:
    """Put the released version of every locked cell back; return the grade ids that were missing."""
    from nbgrader import utils

    mine = {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells if _grade_id(c)}
    missing = []
    for cell in released.cells:
        grade_id = _grade_id(cell)
        if grade_id is None or not (utils.is_locked(cell) or utils.is_grade(cell)):
            continue
        if grade_id not in mine:
            if utils.is_grade(cell):
                missing.append(grade_id)
            continue
        if utils.is_locked(cell) and not utils.is_solution(cell):
            mine[grade_id].source = cell.source
            mine[grade_id].metadata["nbgrader"] = cell.metadata["nbgrader"]
    return missing


def _grade_id(cell: Any) -> str | None:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    return str(grade_id) if grade_id else None


def grade_cells(notebook: Any) -> list[dict[str, Any]]:
    """The grades nbgrader assigns to an executed notebook's graded cells."""
    from nbgrader import utils

    grades = []
    for index, cell in enumerate(notebook.cells):
        if not utils.is_grade(cell):
            continue
        score, max_score = utils.determine_grade(cell)
        error = None
        if cell.cell_type == "code":
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                error = f"{errors[0].get('ename')}: {errors[0].get('evalue')}"[:500]
        grades.append(
            {
                "grade_id": cell.metadata["nbgrader"].get("grade_id", f"cell-{index}"),
                "kind": "manual" if score is None else "auto",
                "score": score,
                "max_score": max_score,
                "error": error,
            }
        )
    return grades


def skip_unused_imports() -> None:
    """Keep two imports that a notebook's run never uses from costing it 2-3 seconds.

    nbgrader's package imports its Jupyter server extensions: its modules are
    imported here from a bare package instead. jsonschema's optional IRI
    format check (``rfc3987_syntax``) builds a grammar when imported, and
    jsonschema goes without it when it cannot be imported: a notebook's
    schema has no IRI field.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    if "nbgrader" in sys.modules:
        return
    spec = importlib.util.find_spec("nbgrader")
    if spec is None or not spec.submodule_search_locations:
        return
    package = types.ModuleType("nbgrader")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    sys.modules["nbgrader"] = package


def main(argv: list[str]) -> int:
    """Execute the notebook in its folder's parent (the tree root) and write the grades."""
    skip_unused_imports()
    import nbformat
    from nbgrader import utils
    from nbgrader.preprocessors import Execute

    source, released_path, timeout = Path(argv[0]), Path(argv[1]), int(argv[2])
    # The grades go to the parent's pipe, which the kernel running the student's cells does not inherit.
    result = os.fdopen(int(os.environ[EVENTS_FD]), "w", encoding="utf-8")
    notebook = nbformat.read(str(source), as_version=4)
    released = nbformat.read(str(released_path), as_version=4)
    missing = restore_locked_cells(notebook, released)
    executor = Execute(timeout=timeout, allow_errors=True, interrupt_on_timeout=True)
    notebook, _ = executor.preprocess(notebook, {"metadata": {"path": str(Path.cwd())}})
    grades = grade_cells(notebook)
    for cell in released.cells:
        if _grade_id(cell) in missing:
            _, max_score = utils.determine_grade(cell)
            kind = "auto" if cell.cell_type == "code" else "manual"
            grades.append(
                {
                    "grade_id": _grade_id(cell),
                    "kind": kind,
                    "score": 0.0 if kind == "auto" else None,
                    "max_score": max_score,
                    "error": "this graded cell was deleted",
                }
            )
    result.write(json.dumps({"event": "notebook", "cells": grades}) + "\n")
    result.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
