"""The grader's rooms and rules: what ships to students imports no staff room, the child room imports no grader,
files and functions keep to their sizes.

Imports are read with ``ast`` (every ``import`` and ``from ... import``, at
module level or inside functions), relative ones resolved to the module they
name; sizes are read the same way. Nothing here imports the modules it reads.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder import STAFF_ROOMS, TESTS

PACKAGE = Path(__file__).resolve().parents[1]
CHILD = "child"
MAX_ROOT_MODULES = 8
MAX_FILE_LINES = 450
MAX_FUNCTION_LINES = 80
MAX_PARAMETERS = 6  # besides self and cls
# Rooms whose functions are not held to the limits (none: every room is).
FUNCTION_LIMITS_EXEMPT: tuple[str, ...] = ()


def rooms(package: Path) -> list[str]:
    """The subpackages of ``package``, its tests left out."""
    return sorted(p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").is_file() and p.name != TESTS)


def grader_files(package: Path) -> Iterator[Path]:
    """Every module of the grader: the root's and each room's."""
    yield from sorted(package.glob("*.py"))
    for room in rooms(package):
        yield from sorted((package / room).glob("*.py"))


def module_name(package: Path, path: Path) -> str:
    """``autograder.grading.grade`` for ``grading/grade.py``; a package's name for its ``__init__.py``."""
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(package: Path, path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of the file at ``path``, relative imports resolved.

    ``from . import a`` yields ``pkg.a`` (``a`` may be a module); ``from .m import a`` yields ``pkg.m``.
    Relative imports are yielded with a negative line number.
    """
    name = module_name(package, path)
    here = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, str(node.module)
        elif isinstance(node, ast.ImportFrom):
            base = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
            if node.module is not None:
                yield -node.lineno, f"{base}.{node.module}"
            else:
                yield from ((-node.lineno, f"{base}.{alias.name}") for alias in node.names)


def room_of(package: Path, module: str) -> str | None:
    """The room ``module`` lies in (``autograder.audit.verify`` -> ``audit``); ``None`` outside any room."""
    parts = module.split(".")
    if parts[0] != package.name or len(parts) < 2:
        return None
    return parts[1] if parts[1] in rooms(package) else None


def layout_problems(package: Path, staff_rooms: tuple[str, ...] = STAFF_ROOMS) -> list[str]:
    """What breaks the layout's rules in the grader at ``package``, one line each."""
    problems = []
    root_modules = sorted(p.name for p in package.glob("*.py"))
    if len(root_modules) > MAX_ROOT_MODULES:
        problems.append(f"{len(root_modules)} modules at the root (at most {MAX_ROOT_MODULES}): {root_modules}")
    for room in rooms(package):
        docstring = ast.get_docstring(ast.parse((package / room / "__init__.py").read_text(encoding="utf-8")))
        if not docstring:
            problems.append(f"{room}/__init__.py: no docstring saying the room's job and whether it ships")
    for path in grader_files(package):
        where = path.relative_to(package).as_posix()
        room = path.parent.name if path.parent != package else None
        for line, module in imported(package, path):
            if room == CHILD and (module == package.name or module.startswith(f"{package.name}.") or line < 0):
                problems.append(f"{where}:{abs(line)}: the child room imports {module} (it runs alone in a child)")
            elif room not in staff_rooms and room_of(package, module) in staff_rooms:
                problems.append(f"{where}:{abs(line)}: ships to students but imports the staff room's {module}")
    return problems


def test_the_grader_keeps_its_layout() -> None:
    assert layout_problems(PACKAGE) == []


def test_every_staff_room_exists() -> None:
    assert set(STAFF_ROOMS) <= set(rooms(PACKAGE))


def size_problems(package: Path, exempt: tuple[str, ...] = FUNCTION_LIMITS_EXEMPT) -> list[str]:
    """Files over :data:`MAX_FILE_LINES` lines; functions over :data:`MAX_FUNCTION_LINES` lines or
    :data:`MAX_PARAMETERS` parameters (outside the rooms in ``exempt``), one line each."""
    problems = []
    for path in grader_files(package):
        where = path.relative_to(package).as_posix()
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_FILE_LINES:
            problems.append(f"{where}: {len(text.splitlines())} lines (at most {MAX_FILE_LINES})")
        if path.parent.name in exempt:
            continue
        for node in ast.walk(ast.parse(text, str(path))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                problems.append(f"{where}:{node.lineno}: {node.name} has {lines} lines (at most {MAX_FUNCTION_LINES})")
            args = node.args
            named = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, (args.vararg, args.kwarg))]
            count = len([a for a in named if a.arg not in ("self", "cls")])
            if count > MAX_PARAMETERS:
                problems.append(
                    f"{where}:{node.lineno}: {node.name} takes {count} parameters (at most {MAX_PARAMETERS})"
                )
    return problems


def test_files_and_functions_keep_to_their_sizes() -> None:
    assert size_problems(PACKAGE) == []


def test_the_size_check_finds_each_kind_of_problem(tmp_path: Path) -> None:
    long_body = "".join(f"    x{k} = {k}\n" for k in range(MAX_FUNCTION_LINES))
    package = _fake_grader(
        tmp_path,
        {
            "grading/long.py": "def f():\n" + long_body,
            "grading/wide.py": "class C:\n    def m(self, a, b, c, d, e, f, g):\n        pass\n",
            "grading/big.py": "x = 1\n" * (MAX_FILE_LINES + 1),
            "audit/fine.py": "def f(self, a, b, c, d, e, f):\n    pass\n",
        },
    )
    problems = size_problems(package, exempt=())
    assert [p.split(":")[0] for p in problems] == ["grading/big.py", "grading/long.py", "grading/wide.py"], problems
    assert "f has 81 lines" in problems[1] and "m takes 7 parameters" in problems[2]


def test_every_room_says_whether_it_ships() -> None:
    for room in rooms(PACKAGE):
        docstring = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text(encoding="utf-8")))
        first = (docstring or "").splitlines()[0].lower() if docstring else ""
        shipped = room not in STAFF_ROOMS
        assert ("ships" in first) if shipped else ("staff only" in first), f"{room}: {first!r}"


def _fake_grader(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / "autograder"
    for room in ("grading", "child", "audit"):
        (package / room).mkdir(parents=True)
        (package / room / "__init__.py").write_text(f'"""The {room} room."""\n')
    (package / "__init__.py").write_text('"""The grader."""\n')
    for name, text in files.items():
        (package / name).write_text(text)
    return package


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("grading/a.py", "from ..audit.verify import verify\n", "grading/a.py:1: ships to students but imports"),
        ("grading/a.py", "def f():\n    from ..audit import verify\n", "grading/a.py:2: ships to students"),
        ("grading/a.py", "import autograder.audit.verify\n", "grading/a.py:1: ships to students"),
        ("cli.py", "def f():\n    from .audit.verify import verify\n", "cli.py:2: ships to students"),
        ("child/a.py", "import autograder\n", "child/a.py:1: the child room imports autograder "),
        ("child/a.py", "def f():\n    from ..grading import a\n", "child/a.py:2: the child room imports"),
        ("child/a.py", "from . import b\n", "child/a.py:1: the child room imports autograder.child.b"),
        ("grading/__init__.py", "import os\n", "grading/__init__.py: no docstring"),
    ],
)
def test_the_layout_check_finds_each_kind_of_problem(tmp_path: Path, name: str, text: str, problem: str) -> None:
    package = _fake_grader(tmp_path, {name: text})
    assert any(p.startswith(problem) for p in layout_problems(package, ("audit",))), layout_problems(package)


def test_the_layout_check_allows_staff_rooms_their_imports(tmp_path: Path) -> None:
    package = _fake_grader(tmp_path, {"audit/a.py": "from ..grading import b\nfrom . import c\n"})
    assert layout_problems(package, ("audit",)) == []


def test_the_layout_check_counts_the_root_modules(tmp_path: Path) -> None:
    package = _fake_grader(tmp_path, {f"m{k}.py": "" for k in range(MAX_ROOT_MODULES)})
    assert [p for p in layout_problems(package, ("audit",)) if "modules at the root" in p]
