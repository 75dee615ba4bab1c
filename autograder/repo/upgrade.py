"""``make upgrade``: carry a student's repository to a newer release, one function at a time.

Three versions of each file take part: the release the student started
from (known by the hashes its stamp, ``grading/course/released.json``,
records), the student's file, and the new release's. For each file:

- only the course changed it (or it is new): the new release's version is written;
- only the student changed it: it stays as it is;
- both changed it: a Python file is merged unit by unit (:mod:`autograder.repo.units`)
  by the same rule, so every function the student wrote survives byte for
  byte and every function the course changed arrives. Where both changed
  one function the student's stays, and the new release's whole file is
  saved beside it as ``FILE.moduleN`` for the student to compare; a stub in
  the new release never replaces an implementation. Other files: a file a
  task lets students edit (a notebook) keeps the student's version and gets
  the release's beside it; any other (``Makefile``) takes the release's
  and keeps the student's as ``FILE.mine``.

``grading/`` is the course's own and is replaced whole. Nothing else is
deleted. The upgrade refuses another course's repository, a newer one, and,
when it writes, a git work tree with uncommitted changes; it commits the
result, so the previous state is the commit before. A folder that is not a
git repository gets a copy of every file it changes in ``.upgrade-backup/``.
Without ``apply`` it only prints the plan. Run twice, the second run finds
nothing to do.
"""

from __future__ import annotations

import ast
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..manifest import ManifestError, load_course
from ..manifest.layout import GRADING, walk_files
from ..manifest.shipped_files import STAMP_PATH, Stamp
from ..manifest.shipped_files import read_stamp as read_stamp_file
from ..submission import file_hash
from .gitrepo import GitError, commit_all, is_work_tree, uncommitted
from .units import Unit, split_units, unit_hash

STAMP = STAMP_PATH
BACKUP = ".upgrade-backup"
MINE_SUFFIX = ".mine"


class UpgradeError(ValueError):
    """The upgrade cannot go ahead; the message says why, in one line."""


def read_stamp(tree: Path) -> Stamp:
    """The stamp of the release in ``tree``.

    Raises:
        UpgradeError: If ``tree`` is not a stamped release.
    """
    path = tree / STAMP
    if not path.is_file():
        raise UpgradeError(f"{tree}: not a course release ({STAMP} is missing)")
    try:
        return read_stamp_file(path)
    except ValueError as error:
        raise UpgradeError(f"{path}: not a release stamp ({error})") from None


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key for versions like ``2026.12`` and ``2026.12.1``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-+]", version))


@dataclass
class Change:
    """One line of the plan: what happens to one file."""

    action: str  # add, restore, update, merge, conflict, replace, keep
    path: str
    detail: str = ""
    text: str | None = None  # the file's new content, if it is written
    beside: dict[str, str] = field(default_factory=dict)  # side files to write: path -> content


@dataclass
class Plan:
    """Everything an upgrade would do, computed without writing anything."""

    repo: Path
    release: Path
    old: Stamp
    new: Stamp
    changes: list[Change]
    grading_writes: dict[str, Path]  # grading/ files to write, from the release
    grading_removals: list[str]  # grading/ files the new release no longer has

    @property
    def writes(self) -> bool:
        """Whether applying the plan would change anything."""
        return bool(self.grading_writes or self.grading_removals or any(c.text is not None for c in self.changes))

    def lines(self) -> list[str]:
        """The plan as the user reads it."""
        out = [f"upgrade {self.repo}: {self.old.label} -> {self.new.label}"]
        kept = [c.path for c in self.changes if c.action == "keep"]
        for change in self.changes:
            if change.action != "keep":
                out.append(f"  {change.action:<9} {change.path}" + (f": {change.detail}" if change.detail else ""))
        if kept:
            out.append(f"  {'keep':<9} {len(kept)} file(s) only you changed: {', '.join(kept)}")
        if self.grading_writes or self.grading_removals:
            out.append(
                f"  {'replace':<9} {GRADING}/: the new release's grader and tests "
                f"({len(self.grading_writes)} file(s) written, {len(self.grading_removals)} removed)"
            )
        if not self.writes:
            out.append("  nothing to do: the repository is up to date with this release")
        return out


def plan_upgrade(release: Path, repo: Path) -> Plan:
    """What upgrading ``repo`` to the release in ``release`` would do.

    Raises:
        UpgradeError: If the two are different courses, or ``repo`` is newer.
    """
    release, repo = release.resolve(), repo.resolve()
    if not repo.is_dir():
        raise UpgradeError(f"{repo}: no such folder")
    new, old = read_stamp(release), read_stamp(repo)
    if old.course != new.course:
        raise UpgradeError(f"{repo}: a repository of the course {old.course!r}, not of {new.course!r}")
    if version_key(old.version) > version_key(new.version):
        raise UpgradeError(f"{repo}: at version {old.version}, newer than the release's {new.version}")
    if old.module > new.module:
        raise UpgradeError(f"{repo}: already has module {old.module}; the release has modules 0-{new.module}")
    for path in new.files:
        parts = PurePosixPath(path).parts
        if PurePosixPath(path).is_absolute() or ".." in parts or not parts or parts[0] in (".git", GRADING):
            raise UpgradeError(f"{release / STAMP}: {path!r} is not a path a release may write")
        if not (release / path).is_file():
            raise UpgradeError(f"{release}: {path} is in its stamp but missing; the release is incomplete")
    editable = _editable_files(release)
    changes = [
        change
        for path in sorted(new.files)
        if (change := _plan_file(path, release, repo, old, new.module, path in editable)) is not None
    ]
    writes, removals = _plan_grading(release, repo)
    return Plan(repo, release, old, new, changes, writes, removals)


def _editable_files(release: Path) -> set[str]:
    try:
        course = load_course(release / GRADING / "course")
    except ManifestError as error:
        raise UpgradeError(f"{release}: its manifest is broken: {error}") from None
    return {f for task in course.tasks for f in task.files}


def _plan_file(path: str, release: Path, repo: Path, old: Stamp, module: int, editable: bool) -> Change | None:
    theirs = (release / path).read_bytes()
    mine_file = repo / path
    before = old.files.get(path)
    if not mine_file.is_file():
        if before is not None and before == file_hash(release / path):
            return None  # you removed it and the course did not change it
        return Change("add" if before is None else "restore", path, text=theirs.decode("utf-8"))
    mine = mine_file.read_bytes()
    if mine == theirs:
        return None
    if file_hash(mine_file) == before:
        return Change("update", path, "you had not changed it", text=theirs.decode("utf-8"))
    if file_hash(release / path) == before:
        return Change("keep", path)
    beside = f"{path}.module{module}"
    if path.endswith(".py"):
        try:
            return merge_python(path, mine.decode("utf-8"), theirs.decode("utf-8"), old.units.get(path, {}), beside)
        except (SyntaxError, UnicodeDecodeError):
            pass  # a file that does not parse is treated as a whole
    if editable:
        detail = f"changed by you and by the course; yours kept, the course's in {beside}"
        return Change("conflict", path, detail, beside={beside: theirs.decode("utf-8")})
    detail = f"changed by you and by the course; the course's written, yours kept as {path}{MINE_SUFFIX}"
    return Change(
        "replace",
        path,
        detail,
        text=theirs.decode("utf-8"),
        beside={path + MINE_SUFFIX: mine.decode("utf-8", "surrogateescape")},
    )


def merge_python(path: str, mine: str, theirs: str, before: dict[str, str], beside: str) -> Change:
    """Merge one Python file unit by unit; see the module docstring for the rule."""
    my_list = split_units(mine)
    my_units = {u.key: u for u in my_list}
    their_units = split_units(theirs)
    their_keys = {u.key for u in their_units}
    out: list[Unit] = []
    yours: list[str] = []
    course: list[str] = []
    both: list[str] = []
    for unit in their_units:
        chosen = _merge_unit(unit, my_units.get(unit.key), before.get(unit.key), yours, course, both)
        if chosen is not None:
            out.append(chosen)
    # Units only the student has: their own helpers, kept after the unit they follow in their file.
    previous: str | None = None
    for unit in my_list:
        if unit.key not in their_keys and before.get(unit.key) != unit_hash(unit.text):
            at = next((i + 1 for i, u in enumerate(out) if u.key == previous), 0)
            out.insert(at, unit)
            yours.append(unit.key)
        if unit.key in {u.key for u in out}:
            previous = unit.key
    merged = "".join(u.text for u in out)
    ast.parse(merged)  # a merge that is not valid Python is not written: the caller keeps the file whole
    parts = [f"yours: {_names(yours)}"] if yours else []
    parts += [f"the course's: {_names(course)}"] if course else []
    if not both:
        return Change("merge", path, "; ".join(parts), text=merged if merged != mine else None)
    parts.append(f"changed by both, yours kept: {_names(both)}; the course's file is in {beside}")
    return Change("conflict", path, "; ".join(parts), text=merged if merged != mine else None, beside={beside: theirs})


def _merge_unit(
    theirs: Unit, mine: Unit | None, before: str | None, yours: list[str], course: list[str], both: list[str]
) -> Unit | None:
    """The version of one unit that the merged file gets, noting whose it is."""
    their_hash = unit_hash(theirs.text)
    if mine is None:
        if before is not None and before == their_hash:
            return None  # you removed it and the course did not change it
        course.append(theirs.key)
        return theirs
    my_hash = unit_hash(mine.text)
    if my_hash == their_hash:
        return mine
    if my_hash == before:
        course.append(theirs.key)
        return theirs
    if their_hash == before:
        yours.append(theirs.key)
        return mine
    if theirs.is_code and mine.is_imports and theirs.is_imports:
        mine_lines = mine.text.splitlines(keepends=True)
        their_lines = theirs.text.splitlines(keepends=True)
        extra = [line for line in mine_lines if line.strip() and line not in their_lines]
        yours.append(f"{theirs.key} (imports joined)")
        return Unit(theirs.key, "".join(their_lines + extra))
    both.append(theirs.key + (" (the course's is still a stub)" if theirs.is_stub else ""))
    return mine


def _names(keys: list[str]) -> str:
    return ", ".join(k.removeprefix("def ") for k in keys)


def _plan_grading(release: Path, repo: Path) -> tuple[dict[str, Path], list[str]]:
    theirs = {p.relative_to(release).as_posix(): p for p in _files(release / GRADING)}
    mine = {p.relative_to(repo).as_posix(): p for p in _files(repo / GRADING)} if (repo / GRADING).is_dir() else {}
    writes = {
        path: source
        for path, source in theirs.items()
        if path not in mine or mine[path].read_bytes() != source.read_bytes()
    }
    return writes, sorted(set(mine) - set(theirs))


def _files(root: Path) -> list[Path]:
    return list(walk_files(root))


def apply_plan(plan: Plan) -> str:
    """Write the plan and commit it (or back the old files up); return a one-line summary.

    Raises:
        UpgradeError: If ``plan.repo`` is a git work tree with uncommitted changes.
    """
    repo = plan.repo
    git = is_work_tree(repo)
    try:
        if git and (dirty := uncommitted(repo)):
            more = f" and {len(dirty) - 1} more" if len(dirty) > 1 else ""
            raise UpgradeError(f"{repo}: uncommitted changes ({dirty[0]}{more}); commit or stash them first")
        if not plan.writes:
            return f"{repo}: nothing to do, already at {plan.new.label}"
        touched = [c.path for c in plan.changes if c.text is not None]
        touched += [p for c in plan.changes for p in c.beside] + list(plan.grading_writes) + plan.grading_removals
        backup = None if git else _back_up(repo, touched, plan.old)
        for change in plan.changes:
            for path, text in change.beside.items():
                _write(repo / path, text)
            if change.text is not None:
                _write(repo / change.path, change.text)
        for path, source in plan.grading_writes.items():
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, repo / path)
        for path in plan.grading_removals:
            (repo / path).unlink()
        if git:
            message = f"Upgrade to {plan.new.label}\n\n" + "\n".join(plan.lines()[1:]) + "\n"
            commit = commit_all(repo, message)
            return f"{repo}: upgraded to {plan.new.label} (commit {commit}; the previous state is its parent)"
    except GitError as error:
        raise UpgradeError(str(error)) from None
    return f"{repo}: upgraded to {plan.new.label} (the files it replaced are in {backup})"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", errors="surrogateescape")


def _back_up(repo: Path, paths: list[str], old: Stamp) -> Path:
    backup = repo / BACKUP / f"module{old.module}-{time.strftime('%Y%m%d-%H%M%S')}"
    for path in paths:
        if (repo / path).is_file():
            (backup / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo / path, backup / path)
    backup.mkdir(parents=True, exist_ok=True)
    return backup


def upgrade(release: Path, repo: Path, apply: bool, echo: Callable[[str], None] = print) -> Plan:
    """Print the plan for upgrading ``repo`` to ``release``; with ``apply``, carry it out."""
    plan = plan_upgrade(release, repo)
    for line in plan.lines():
        echo(line)
    if not apply:
        dirty = is_work_tree(plan.repo) and uncommitted(plan.repo)
        if dirty:
            echo(f"note: {plan.repo} has uncommitted changes; commit them before applying")
        if plan.writes:
            echo("dry run: nothing was written; run again with APPLY=1 (make) or --apply to write and commit it")
        return plan
    echo(apply_plan(plan))
    return plan
