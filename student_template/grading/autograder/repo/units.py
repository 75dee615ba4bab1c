"""Split a Python file into units: its functions, its methods and the code between them.

An upgrade merges a student's file with a new release one unit at a time
(:mod:`autograder.repo.upgrade`), and a release records each unit's hash, so the
upgrade can tell who changed what. Every line of a file belongs to exactly
one unit, so joining the units' texts gives the file back byte for byte.

The keys name what a unit is and stay the same when other units move::

    def relu                    a top-level function
    class Scalar                a class line, its docstring and the statements before its first method
    def Scalar.__add__          a method
    code after def relu         the statements between two units (imports, constants)
    code at top                 the statements before the first function or class

Comments and blank lines above a unit belong to it. A name defined twice in
one scope (a property and its setter) gets ``#2``, ``#3`` on its key.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass

STUB_CALL = 'raise NotImplementedError("Task '


@dataclass(frozen=True)
class Unit:
    """One function, method, class header or run of other statements, with its exact text."""

    key: str
    text: str

    @property
    def is_code(self) -> bool:
        """Whether the unit is statements between functions rather than a function or class."""
        return self.key.startswith("code ")

    @property
    def is_stub(self) -> bool:
        """Whether the unit is (or holds) a task stub that a student is meant to replace."""
        return STUB_CALL in self.text

    @property
    def is_imports(self) -> bool:
        """Whether the unit is only import statements (and comments)."""
        try:
            body = ast.parse(self.text).body
        except SyntaxError:
            return False
        return bool(body) and all(isinstance(node, ast.Import | ast.ImportFrom) for node in body)


def unit_hash(text: str) -> str:
    """The hash a release records for a unit's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def split_units(source: str) -> list[Unit]:
    """The units of ``source``, in file order.

    Raises:
        SyntaxError: If ``source`` is not valid Python.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    spans: list[tuple[str, int]] = []  # (key, first line index), in order
    _split_body(tree.body, "", 0, lines, spans)
    if not spans:
        return [Unit("code at top", source)] if source else []
    keys = _unique([key for key, _ in spans])
    starts = [0] + [start for _, start in spans[1:]]
    ends = starts[1:] + [len(lines)]
    return [Unit(key, "".join(lines[a:b])) for key, a, b in zip(keys, starts, ends, strict=True)]


def _split_body(
    body: list[ast.stmt], scope: str, last_end: int, lines: list[str], spans: list[tuple[str, int]]
) -> None:
    """Append the units of ``body`` as (key, first line index) pairs.

    ``last_end`` is the index just past the statement before ``body``'s first.
    """
    previous = "top" if not scope else f"class {scope}"
    in_code = False
    for node in body:
        key = ""
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{scope}.{node.name}" if scope else node.name
            key = previous = f"def {name}"
            in_code = False
        elif isinstance(node, ast.ClassDef) and not scope:
            key = previous = f"class {node.name}"
            in_code = False
        elif not in_code:
            where = "at top" if previous == "top" else f"after {previous}"
            key = f"code {where}" if not scope else f"code in {scope} {where}"
            in_code = True
        if key:
            spans.append((key, _leading_start(node, last_end, lines)))
        if isinstance(node, ast.ClassDef) and not scope:
            methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
            if methods:
                first = node.body.index(methods[0])
                header_end = node.body[first - 1].end_lineno if first else node.lineno
                _split_body(node.body[first:], node.name, header_end or node.lineno, lines, spans)
        last_end = node.end_lineno or node.lineno


def _leading_start(node: ast.stmt, last_end: int, lines: list[str]) -> int:
    """Where a unit starts: its first line, decorators included, and the comments and blank lines above it.

    A comment indented deeper than the unit ends the previous function's body
    and stays with it.
    """
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    start = min([node.lineno] + [d.lineno for d in decorators]) - 1
    while start > last_end and _leads(lines[start - 1], node.col_offset):
        start -= 1
    return start


def _leads(line: str, indent: int) -> bool:
    stripped = line.strip()
    return not stripped or (stripped.startswith("#") and len(line) - len(line.lstrip()) <= indent)


def _unique(keys: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return out
