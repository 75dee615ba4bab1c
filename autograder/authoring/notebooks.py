"""Strip solution and hidden-test regions from notebooks with nbgrader's preprocessors."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from .markers import MARKER_TASK, MarkerError

BEGIN_IN_CELL = re.compile(r"### BEGIN SOLUTION(?:[ \t]+(\S+))?")
CODE_STUB = "# TODO: Implement this cell.\nraise NotImplementedError()"


def check_notebook_markers(path: Path, known_tasks: Collection[str]) -> None:
    """Check every solution region of a notebook names a known task and is closed.

    Raises:
        MarkerError: ``file:cell N line M: reason``.
    """
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    for index, cell in enumerate(notebook.cells, start=1):
        depth = 0
        for number, line in enumerate(cell.source.splitlines(), start=1):
            where = f"{path}:cell {index} line {number}"
            begin = BEGIN_IN_CELL.search(line)
            if begin:
                if depth:
                    raise MarkerError(f"{where}: nested BEGIN SOLUTION")
                task = begin.group(1)
                if task is None or not MARKER_TASK.match(task) or task not in known_tasks:
                    raise MarkerError(f"{where}: unknown task {task!r} in BEGIN SOLUTION")
                depth = 1
            elif "### END SOLUTION" in line:
                if not depth:
                    raise MarkerError(f"{where}: END SOLUTION without a BEGIN SOLUTION")
                depth = 0
        if depth:
            raise MarkerError(f"{path}:cell {index}: BEGIN SOLUTION is never closed")


def notebook_tasks(path: Path) -> set[str]:
    """The task ids named by a notebook's solution regions."""
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    return {m.group(1) for cell in notebook.cells for m in BEGIN_IN_CELL.finditer(cell.source) if m.group(1)}


def strip_notebook(source: Path, dest: Path, known_tasks: Collection[str]) -> None:
    """Write ``source`` to ``dest`` without solutions, hidden tests or outputs."""
    import nbformat
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

    check_notebook_markers(source, known_tasks)
    notebook = nbformat.read(str(source), as_version=4)
    resources: dict[str, object] = {}
    stages = [
        ClearSolutions(enforce_metadata=False, code_stub={"python": CODE_STUB}),
        ClearHiddenTests(enforce_metadata=False),
        ClearOutput(),
    ]
    for stage in stages:
        notebook, resources = stage.preprocess(notebook, resources)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", encoding="utf-8", newline="\n") as handle:
        nbformat.write(notebook, handle)
