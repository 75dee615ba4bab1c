"""Which library files a release of modules 0..N ships, found from the imports.

A module needs the files its tasks let students edit, and every library
file those files and the module's public tests import, directly or not.
Nobody keeps a list: a release of module N ships exactly what modules 0..N
reach, so a file no earlier module uses (``fast_ops.py``) waits for the
module that does.

``minitorch/__init__.py`` is always shipped and its imports are not
followed: it names the whole library, so following it would drag
everything in. It imports nothing at run time: its tables (``"file":
("Name", ...)``) say which file defines each public name, and its
imports under ``TYPE_CHECKING`` say the same for type checkers
(:func:`check_package_init` holds them to agree). A partial release trims
it (:func:`trim_package_init`): the table entries and imports of files it
does not ship are left out.

A package's ``__init__.py`` ships with the package's first shipped file
(``project/__init__.py`` makes ``project`` a package, which ``make
install`` installs for the notebooks' kernel).

A released file that a later module's task owns is an error: it means an
earlier module's code imports a later module's stub.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable
from pathlib import Path

from ..manifest import Course, ManifestError
from ..manifest.layout import LIBRARY, LIBRARY_DIRS, TESTS, walk_files

PACKAGE = LIBRARY
PACKAGE_INIT = f"{PACKAGE}/__init__.py"


def library_of(reference: Path) -> dict[str, Path]:
    """Every library file of the reference, by student-tree path (``minitorch/tensor.py``)."""
    return {
        path.relative_to(reference).as_posix(): path
        for name in LIBRARY_DIRS
        for path in walk_files(reference / name, suffix=".py")
    }


def released_library(full: Course, last_module: int) -> list[str]:
    """The library files a release of modules 0..``last_module`` ships, by student-tree path.

    Raises:
        ManifestError: If a shipped file is owned by a task of a later
            module, or a library file is used by no module at all.
    """
    assert full.reference is not None
    library = library_of(full.reference)
    init_text = library[PACKAGE_INIT].read_text(encoding="utf-8")
    check_package_init(init_text, library[PACKAGE_INIT])
    exports = package_exports(init_text)
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
            found = _imports(test, TESTS, library, exports, top_level=helper)
            seeds += [(f, f"{TESTS}/{test.name}") for f in found]
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
    unused = sorted(set(library) - reached - {PACKAGE_INIT} - package_inits(reached, library))
    if unused:
        raise ManifestError(f"{full.reference / unused[0]}: no module's tasks or tests use it")
    shipped = needed.get(last_module)
    if shipped is None:
        raise ManifestError(f"{full.root / 'course.toml'}: no module {last_module}")
    return sorted(shipped | {PACKAGE_INIT} | package_inits(shipped, library))


def package_inits(files: Iterable[str], library: Collection[str]) -> set[str]:
    """The ``__init__.py`` of each package that holds one of ``files``, where the library has one."""
    return {init for file in files if (init := f"{file.rsplit('/', 1)[0]}/__init__.py") in library}


def _test_files(public: Path, common: Path | None) -> list[Path]:
    """A module's public tests and the shared test helpers they import (``from .training import ...``)."""
    folders = [public] + ([common / TESTS] if common is not None else [])
    files = list(walk_files(public, suffix=".py"))
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
    """What ``minitorch/__init__.py`` exports: name -> the file that defines it (its tables and imports)."""
    exports: dict[str, str] = {}
    for node in _init_statements(ast.parse(init_text)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                exports[alias.asname or alias.name] = f"{PACKAGE}/{node.module or alias.name}.py"
        for file, names, _, _ in _table_entries(node):
            exports |= {name: f"{PACKAGE}/{file}.py" for name in names}
    return exports


def check_package_init(init_text: str, where: Path) -> None:
    """Hold the tables of ``minitorch/__init__.py`` and its imports for type checkers to the same names.

    Raises:
        ManifestError: If a name is in one and not the other, or in both from different files.
    """
    tables: dict[str, str] = {}
    imports: dict[str, str] = {}
    for node in _init_statements(ast.parse(init_text)):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            imports |= {alias.asname or alias.name: node.module for alias in node.names}
        for file, names, _, _ in _table_entries(node):
            tables |= dict.fromkeys(names, file)
    for name in sorted(tables.keys() ^ imports.keys()):
        side = "its tables" if name in tables else "its imports"
        raise ManifestError(f"{where}: {name!r} is only in {side}: list each public name in both")
    for name, file in sorted(tables.items()):
        if imports[name] != file:
            raise ManifestError(
                f"{where}: {name!r} comes from {file}.py in its tables, {imports[name]}.py in its imports"
            )


def _init_statements(tree: ast.Module) -> list[ast.stmt]:
    """The top-level statements of a module, and those of its ``if`` blocks (``if TYPE_CHECKING:``)."""
    statements: list[ast.stmt] = []
    for node in tree.body:
        statements.append(node)
        if isinstance(node, ast.If):
            statements += node.body
    return statements


def _table_entries(node: ast.stmt) -> list[tuple[str, list[str], ast.expr, ast.expr]]:
    """``(file, names, key, value)`` of each ``"file": ("Name", ...)`` entry of a dict assigned in ``node``."""
    if not isinstance(node, ast.Assign | ast.AnnAssign) or not isinstance(node.value, ast.Dict):
        return []
    entries: list[tuple[str, list[str], ast.expr, ast.expr]] = []
    for key, value in zip(node.value.keys, node.value.values, strict=True):
        if (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and isinstance(value, ast.Tuple)
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts)
        ):
            entries.append((key.value, [str(e.value) for e in value.elts if isinstance(e, ast.Constant)], key, value))
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
    """``minitorch/__init__.py`` without the imports, table entries and ``__all__`` names of files not shipped.

    An ``if`` block left without a statement goes too.

    Raises:
        ManifestError: If an entry to drop shares its line with one to keep.
    """
    present = {f.removeprefix(f"{PACKAGE}/").removesuffix(".py") for f in shipped if f.startswith(f"{PACKAGE}/")}
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()
    gone: set[str] = set()
    for node in _init_statements(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            modules = {node.module} if node.module else {a.name for a in node.names}
            if not modules & present:
                drop.update(range(node.lineno - 1, node.end_lineno or node.lineno))
                gone.update(alias.asname or alias.name for alias in node.names)
            elif not modules <= present:
                raise ManifestError(f"{where}:{node.lineno}: import the absent and present modules on separate lines")
        entries = _table_entries(node)
        for file, _, key, value in entries:
            if file not in present:
                drop.update(_own_lines(lines, key, value, where))
        if entries and all(file not in present for file, _, _, _ in entries) and lines[node.lineno - 1].endswith("{\n"):
            lines[node.lineno - 1] = lines[node.lineno - 1][:-1] + "}\n"  # a table left empty: `= {}`
            drop.update(range(node.lineno, node.end_lineno or node.lineno))
    for node in tree.body:
        if isinstance(node, ast.If) and all(set(_lines_of(s)) <= drop for s in node.body):
            drop.update(_lines_of(node))
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.List | ast.Tuple):
            continue
        if any(getattr(t, "id", None) == "__all__" for t in node.targets):
            for element in node.value.elts:
                if isinstance(element, ast.Constant) and element.value in gone:
                    drop.update(_own_lines(lines, element, element, where))
    return "".join(line for index, line in enumerate(lines) if index not in drop)


def _lines_of(node: ast.stmt) -> range:
    """The (0-based) lines a statement spans."""
    return range(node.lineno - 1, node.end_lineno or node.lineno)


def _own_lines(lines: list[str], first: ast.expr, last: ast.expr, where: Path) -> range:
    """The lines from ``first`` to ``last``, which must hold nothing else."""
    start, end = first.lineno - 1, (last.end_lineno or last.lineno)
    text = "".join(lines[start:end]).strip()
    head, tail = lines[start][: first.col_offset], lines[end - 1][last.end_col_offset or 0 :]
    if head.strip() or tail.strip() not in ("", ","):
        raise ManifestError(f"{where}:{first.lineno}: put each entry on a line of its own ({text[:40]!r})")
    return range(start, end)
