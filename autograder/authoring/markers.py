"""Solution regions in Python source: finding, checking and stripping them.

A region is written with nbgrader's delimiters plus the task id::

    ### BEGIN SOLUTION task2_3
    ...reference code...
    ### END SOLUTION

Stripping replaces it with the stub form students see::

    # TODO: Implement for Task 2.3.
    raise NotImplementedError("Task 2.3: implement <function>.")

Text after the task id on the BEGIN line replaces the default message. A
region must sit inside one function body, must be closed, must not nest, and
must name a task the course knows; anything else is a :class:`MarkerError`
that reads ``file:line: reason``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ..manifest import ManifestError

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?:[ \t]+(?P<task>\S+))?(?:[ \t]+(?P<what>.*\S))?[ \t]*$")
END = re.compile(r"^[ \t]*### END SOLUTION[ \t]*$")
LOOSE = re.compile(r"(BEGIN|END) SOLUTION")
MARKER_TASK = re.compile(r"^task(\d+)_(\d+b?)$")


class MarkerError(ManifestError):
    """A malformed solution region; the message reads ``file:line: reason``."""


@dataclass(frozen=True)
class Region:
    """One solution region: 1-based line numbers of its BEGIN and END lines."""

    task: str
    begin: int
    end: int
    indent: str
    function: str
    what: str | None

    @property
    def task_label(self) -> str:
        """Human task number, ``task2_3`` -> ``2.3``."""
        match = MARKER_TASK.match(self.task)
        assert match is not None
        return f"{match.group(1)}.{match.group(2)}"


def find_regions(text: str, path: Path | str, known_tasks: Collection[str]) -> list[Region]:
    """Parse and check every solution region of one Python source file.

    Args:
        text: The file's source.
        path: Its path, for error messages.
        known_tasks: Marker ids (``task0_1``) the course defines.

    Returns:
        The regions in file order.

    Raises:
        MarkerError: On an unclosed, nested, stray or unknown-task marker, or a
            region outside a function body.
    """
    lines = text.splitlines()
    regions: list[Region] = []
    open_at: tuple[int, re.Match[str]] | None = None
    for number, line in enumerate(lines, start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if open_at is not None:
                raise MarkerError(f"{path}:{number}: nested BEGIN SOLUTION (region opened at line {open_at[0]})")
            task = begin.group("task")
            if task is None:
                raise MarkerError(
                    f"{path}:{number}: BEGIN SOLUTION without a task id (write '### BEGIN SOLUTION task0_1')"
                )
            if not MARKER_TASK.match(task) or task not in known_tasks:
                raise MarkerError(f"{path}:{number}: unknown task {task!r} in BEGIN SOLUTION")
            open_at = (number, begin)
        elif end:
            if open_at is None:
                raise MarkerError(f"{path}:{number}: END SOLUTION without a BEGIN SOLUTION")
            start, match = open_at
            regions.append(Region(match.group("task"), start, number, match.group("indent"), "", match.group("what")))
            open_at = None
        elif LOOSE.search(line) and line.lstrip().startswith("#"):
            raise MarkerError(f"{path}:{number}: malformed solution marker {line.strip()!r}")
    if open_at is not None:
        raise MarkerError(f"{path}:{open_at[0]}: BEGIN SOLUTION is never closed")
    if not regions:
        return regions
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        raise MarkerError(f"{path}:{error.lineno}: not valid Python: {error.msg}") from None
    return [_attach_function(region, tree, lines, path) for region in regions]


def _attach_function(region: Region, tree: ast.Module, lines: list[str], path: Path | str) -> Region:
    """Name the innermost function whose body holds the whole region."""
    code_lines = [
        n
        for n in range(region.begin + 1, region.end)
        if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")
    ]
    last_code = code_lines[-1] if code_lines else region.begin
    best: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body_start = node.body[0].lineno
            body_end = node.end_lineno or body_start
            inside = node.lineno < region.begin <= body_end + 1 and body_start <= max(last_code, body_start) <= body_end
            if inside and (best is None or node.lineno > best.lineno):
                best = node
    if best is None:
        raise MarkerError(f"{path}:{region.begin}: solution region is outside a function body")
    if len(region.indent) < best.body[0].col_offset:
        raise MarkerError(f"{path}:{region.begin}: solution marker is indented less than the body of {best.name}()")
    return Region(region.task, region.begin, region.end, region.indent, best.name, region.what)


def strip_solutions(
    text: str,
    path: Path | str,
    known_tasks: Collection[str],
    only: Collection[str] | None = None,
) -> str:
    """Replace solution regions with stubs and drop the markers of the others.

    Args:
        text: The file's source.
        path: Its path, for error messages.
        known_tasks: Marker ids the course defines.
        only: If given, strip only these tasks' regions; the other regions
            keep their code (without markers). ``None`` strips every region.

    Returns:
        The stripped source. It is checked to still be valid Python.
    """
    regions = find_regions(text, path, known_tasks)
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    cursor = 0
    for region in regions:
        out.extend(lines[cursor : region.begin - 1])
        if only is None or region.task in only:
            out.extend(stub_lines(region))
        else:
            out.extend(lines[region.begin : region.end - 1])
        cursor = region.end
    out.extend(lines[cursor:])
    result = "".join(out)
    try:
        ast.parse(result)
    except SyntaxError as error:
        raise MarkerError(f"{path}:{error.lineno}: stripped file is not valid Python: {error.msg}") from None
    return result


def stub_lines(region: Region) -> list[str]:
    """The two stub lines that replace a region."""
    what = region.what or f"implement {region.function}."
    message = f"Task {region.task_label}: {what}".replace("\\", "\\\\").replace('"', '\\"')
    return [
        f"{region.indent}# TODO: Implement for Task {region.task_label}.\n",
        f'{region.indent}raise NotImplementedError("{message}")\n',
    ]
