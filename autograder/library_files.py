"""Which library files a release of modules 0..N ships, found from the imports.

A module needs the files its tasks let students edit, and every library
file those files and the module's public tests import, directly or not.
Nobody keeps a list: a release of module N ships exactly what modules 0..N
reach, so a file no earlier module uses (``fast_ops.py``) waits for the
module that does.

``minitorch/__init__.py`` is always shipped and its imports are not
followed: the package imports everything, so following it would drag the
whole library in. A partial release trims it instead
(:func:`trim_package_init`): the imports of modules it does not ship, their
names in ``__all__`` and their entries in a lazy-import table
(``name: (".module", attribute)``) are left out.

A released file that a later module's task owns is an error: it means an
earlier module's code imports a later module's stub.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from .manifest import Course, ManifestError
from .workspace import LIBRARY_DIRS

PACKAGE = "minitorch"
PACKAGE_INIT = f"{PACKAGE}/__init__.py"


def library_of(reference: Path) -> dict[str, Path]:
    """Every library file of the reference, by student-tree path (``minitorch/tensor.py``)."""
    return {
        path.relative_to(reference).as_posix(): path
        for name in LIBRARY_DIRS
        for path in sorted((reference / name).rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def released_library(full: Course, last_module: int) -> list[str]:
    """The library files a release of modules 0..``last_module`` ships, by student-tree path.

    Raises:
        ManifestError: If a shipped file is owned by a task of a later
            module, or a library file is used by no module at all.
    """
    assert full.reference is not None
    library = library_of(full.reference)
    exports = package_exports(library[PACKAGE_INIT].read_text(encoding="utf-8"))
    owner = {}
    for task in reversed(full.tasks):
        for file in task.files:
            owner[file] = task
    needed: dict[int, set[str]] = {}
    reached: set[str] = set()
    parent: dict[str, str] = {}  # who first imported each file: the chain an error shows
    for module in full.modules:
        seeds = [(f, f"task {t.id}") for t in module.tasks for f in t.files if f in library]
        for test in _test_files(module.public_tests, full.common):
            helper = not test.is_relative_to(module.public_tests)
            found = _imports(test, "tests", library, exports, top_level=helper)
            seeds += [(f, f"tests/{test.name}") for f in found]
        reached = _closure(seeds, reached, parent, library, exports)
        needed[module.number] = set(reached)
        late = [f for f in reached if f in owner and full.module_of(owner[f]).number > module.number]
        if late:
            file = min(late, key=lambda f: (len(_chain(f, parent)), f))
            task = owner[file]
            raise ManifestError(
                f"{full.reference / file}: module {module.number} imports it ({' -> '.join(_chain(file, parent))}), "
                f"but it belongs to task {task.id} of module {full.module_of(task).number}"
            )
    unused = sorted(set(library) - reached - {PACKAGE_INIT})
    if unused:
        raise ManifestError(f"{full.reference / unused[0]}: no module's tasks or tests use it")
    shipped = needed.get(last_module)
    if shipped is None:
        raise ManifestError(f"{full.root / 'course.toml'}: no module {last_module}")
    return sorted(shipped | {PACKAGE_INIT})


def _test_files(public: Path, common: Path | None) -> list[Path]:
    """A module's public tests and the shared test helpers they import (``from .training import ...``)."""
    folders = [public] + ([common / "tests"] if common is not None else [])
    files = sorted(public.rglob("*.py"))
    seen = set(files)
    for file in files:  # grows while it is walked
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                for folder in folders:
                    helper = folder / f"{node.module}.py"
                    if helper.is_file() and helper not in seen:
                        seen.add(helper)
                        files.append(helper)
    return files


def _closure(
    seeds: Iterable[tuple[str, str]],
    done: set[str],
    parent: dict[str, str],
    library: dict[str, Path],
    exports: dict[str, str],
) -> set[str]:
    """``done`` and every file the seeds (file, who asks for it) reach, noting who first imported each."""
    reached = set(done)
    todo = [(file, by) for file, by in seeds if file not in reached]
    todo.reverse()
    while todo:
        file, by = todo.pop()
        if file in reached:
            continue
        reached.add(file)
        parent.setdefault(file, by)
        if file != PACKAGE_INIT:
            package = file.rsplit("/", 1)[0].replace("/", ".")
            found = _imports(library[file], package, library, exports)
            todo += [(f, file) for f in reversed(found) if f not in reached]
    return reached


def _chain(file: str, parent: dict[str, str]) -> list[str]:
    """How ``file`` was reached: the task or test that started it, then each import."""
    chain = [file]
    while chain[-1] in parent and len(chain) < 50:
        chain.append(parent[chain[-1]])
    return chain[::-1]


def package_exports(init_text: str) -> dict[str, str]:
    """What ``minitorch/__init__.py`` exports: name -> the file that defines it (its lazy table included)."""
    exports: dict[str, str] = {}
    for node in ast.parse(init_text).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                target = f"{PACKAGE}/{node.module or alias.name}.py"
                exports[alias.asname or alias.name] = target
        for name, module, _, _ in _lazy_entries(node):
            exports[name] = f"{PACKAGE}/{module}.py"
    return exports


def _lazy_entries(node: ast.stmt) -> list[tuple[str, str, ast.expr, ast.expr]]:
    """``(name, module, key, value)`` for each ``"name": (".module", ...)`` entry of a dict assigned in ``node``."""
    if not isinstance(node, ast.Assign | ast.AnnAssign) or not isinstance(node.value, ast.Dict):
        return []
    entries: list[tuple[str, str, ast.expr, ast.expr]] = []
    for key, value in zip(node.value.keys, node.value.values, strict=True):
        if (
            isinstance(key, ast.Constant)
            and isinstance(value, ast.Tuple)
            and value.elts
            and isinstance(value.elts[0], ast.Constant)
            and str(value.elts[0].value).startswith(".")
        ):
            entries.append((str(key.value), str(value.elts[0].value)[1:], key, value))
    return entries


def _imports(
    path: Path, package: str, library: dict[str, Path], exports: dict[str, str], top_level: bool = False
) -> list[str]:
    """The library files a Python file imports, or reaches as ``minitorch.name``.

    Imports inside functions count too (a training script that imports its
    plotting when it runs), unless ``top_level``: a shared test helper's
    functions import what the tests that call them need.
    """
    found: list[str] = []

    def module_file(dotted: str) -> str | None:
        file = dotted.replace(".", "/") + ".py"
        return file if file in library else None

    def add_name(dotted: str, name: str) -> None:
        if (file := module_file(f"{dotted}.{name}")) is not None:
            found.append(file)
        elif dotted == PACKAGE and name in exports:
            found.append(exports[name])

    for node in _nodes(ast.parse(path.read_text(encoding="utf-8"), str(path)), top_level):
        if isinstance(node, ast.Import):
            found += [f for alias in node.names if (f := module_file(alias.name)) is not None]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            dotted = ".".join(p for p in (base, node.module) if p)
            if (file := module_file(dotted)) is not None:
                found.append(file)
            for alias in node.names:
                add_name(dotted, alias.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == PACKAGE:
            add_name(PACKAGE, node.attr)
    return [f for f in found if f != PACKAGE_INIT]


def _nodes(tree: ast.Module, top_level: bool) -> Iterable[ast.AST]:
    """Every node of ``tree``, or only those outside function bodies."""
    if not top_level:
        yield from ast.walk(tree)
        return
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))


def trim_package_init(text: str, shipped: Iterable[str], where: Path) -> str:
    """``minitorch/__init__.py`` without the imports, names and lazy entries of files not shipped.

    Raises:
        ManifestError: If an entry to drop shares its line with one to keep.
    """
    present = {f.removeprefix(f"{PACKAGE}/").removesuffix(".py") for f in shipped if f.startswith(f"{PACKAGE}/")}
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()
    gone: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            modules = {node.module} if node.module else {a.name for a in node.names}
            if not modules & present:
                drop.update(range(node.lineno - 1, node.end_lineno or node.lineno))
                gone.update(alias.asname or alias.name for alias in node.names)
            elif not modules <= present:
                raise ManifestError(f"{where}:{node.lineno}: import the absent and present modules on separate lines")
        for _, module, key, value in _lazy_entries(node):
            if module not in present:
                drop.update(_own_lines(lines, key, value, where))
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.List | ast.Tuple):
            continue
        if any(getattr(t, "id", None) == "__all__" for t in node.targets):
            for element in node.value.elts:
                if isinstance(element, ast.Constant) and element.value in gone:
                    drop.update(_own_lines(lines, element, element, where))
    return "".join(line for index, line in enumerate(lines) if index not in drop)


def _own_lines(lines: list[str], first: ast.expr, last: ast.expr, where: Path) -> range:
    """The lines from ``first`` to ``last``, which must hold nothing else."""
    start, end = first.lineno - 1, (last.end_lineno or last.lineno)
    text = "".join(lines[start:end]).strip()
    head, tail = lines[start][: first.col_offset], lines[end - 1][last.end_col_offset or 0 :]
    if head.strip() or tail.strip() not in ("", ","):
        raise ManifestError(f"{where}:{first.lineno}: put each entry on a line of its own ({text[:40]!r})")
    return range(start, end)
