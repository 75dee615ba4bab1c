"""A class's submissions, as a folder of entries: student folders, git checkouts, zip and tar archives.

Each entry of the folder is one submission. Archives are untrusted and are
unpacked with limits: no absolute paths or ``..``, no links or device
files, at most :data:`MAX_FILES` files and :data:`MAX_BYTES` bytes written
(counted while writing, so a zip bomb that lies about its sizes is stopped
too). Names that are not UTF-8 are kept, decoded with replacement. A student
id comes from the entry's name, or from a roster CSV that maps entry names
to students.

A git checkout is a plain folder here: its working tree is graded, and
nothing its ``.git`` configures runs (git is never called on it). Its
submission time is the roster's ``submitted_at``; otherwise its last commit
only when the instructor trusts commit dates (read by
:mod:`autograder.classroom.git_objects`, which starts no process); otherwise the batch
gives it the intake time (when the gradebook first saw that content). Files'
modification times are never used.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from .git_objects import CommitUnreadable, last_commit_time

MAX_FILES = 5_000
MAX_BYTES = 200 * 1024 * 1024
CHUNK = 1024 * 1024
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
ROSTER_COLUMNS = ("student_id", "submission")
# Where a student tree's library lives: the folder that holds it is the submission's root.
TREE_MARKERS = ("minitorch", "project", "tests")
# Where a submission's time came from (the gradebook and the exports say which).
TIME_ROSTER = "roster"
TIME_COMMIT = "commit (trusted by the instructor)"
TIME_INTAKE = "intake"


class IntakeError(ValueError):
    """A submission or roster cannot be taken in; the message names the file and the reason."""


@dataclass
class Entry:
    """One submission of a class, before grading.

    Attributes:
        name: The entry's file or folder name in the submissions folder.
        source: Its path.
        kind: ``folder``, ``git``, ``zip`` or ``tar``.
        student_id: Who submitted it.
        student_name: From the roster, when it has one.
        email: From the roster, when it has one.
        submitted_at: When it was submitted: the roster's ``submitted_at``, a git
            checkout's last commit (only when trusted), or ``None`` until the batch
            gives it its intake time.
        time_source: Where ``submitted_at`` came from: :data:`TIME_ROSTER`,
            :data:`TIME_COMMIT`, :data:`TIME_INTAKE` (empty while unknown).
        commit_at: A git checkout's last commit time, when it reads safely (information,
            used for lateness only when trusted).
        notes: What the instructor should know about it.
    """

    name: str
    source: Path
    kind: str
    student_id: str
    student_name: str = ""
    email: str = ""
    submitted_at: dt.datetime | None = None
    sis_id: str = ""  # the school's student id (Canvas's "SIS User ID", Moodle's "ID number")
    section: str = ""  # the course section, as the LMS names it
    time_source: str = ""
    commit_at: dt.datetime | None = None
    notes: list[str] = field(default_factory=list)


def kind_of(path: Path) -> str | None:
    """What sort of entry ``path`` is, or ``None`` for something that is not a submission."""
    name = path.name.lower()
    if path.is_symlink():
        return None
    if path.is_dir():
        return "git" if (path / ".git").exists() else "folder"
    if name.endswith(".zip"):
        return "zip"
    if name.endswith(ARCHIVE_SUFFIXES):
        return "tar"
    return None


def entry_stem(name: str) -> str:
    """An entry's name without its archive suffix: ``ada.tar.gz`` -> ``ada``."""
    lower = name.lower()
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class RosterRow:
    """A student of the roster and the entry that is theirs."""

    student_id: str
    submission: str
    name: str = ""
    email: str = ""
    submitted_at: dt.datetime | None = None
    sis_id: str = ""  # the school's student id (Canvas's "SIS User ID", Moodle's "ID number")
    section: str = ""  # the course section, as the LMS names it


def parse_time(text: str, where: str) -> dt.datetime:
    """An ISO 8601 time; one without a zone is taken as UTC.

    Raises:
        IntakeError: Naming ``where`` when ``text`` is not a time.
    """
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise IntakeError(f"{where}: {text!r} is not an ISO 8601 time (like 2026-12-01T23:59:00+00:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def read_roster(path: Path) -> dict[str, RosterRow]:
    """The roster CSV, by entry name.

    Columns ``student_id`` and ``submission`` (the entry's name, with or
    without its archive suffix); optional ``name``, ``email``, ``submitted_at``,
    ``sis_id`` and ``section`` (what the LMS exports key their rows by).

    Raises:
        IntakeError: A missing file or column, an empty id, an entry named twice,
            or a ``sis_id`` given to two students.
    """
    if not path.is_file():
        raise IntakeError(f"{path}: roster not found")
    rows: dict[str, RosterRow] = {}
    sis_owner: dict[str, str] = {}  # SIS id -> its student id
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise IntakeError(f"{path}:1: the roster needs the columns {', '.join(ROSTER_COLUMNS)}; missing {missing}")
        for number, row in enumerate(reader, start=2):
            student, entry = (row.get("student_id") or "").strip(), (row.get("submission") or "").strip()
            if not student or not entry:
                raise IntakeError(f"{path}:{number}: student_id and submission must not be empty")
            if entry in rows:
                raise IntakeError(f"{path}:{number}: submission {entry!r} is already {rows[entry].student_id}'s")
            when, sis_id = (row.get("submitted_at") or "").strip(), (row.get("sis_id") or "").strip()
            if sis_owner.setdefault(sis_id, student) != student and sis_id:
                raise IntakeError(f"{path}:{number}: sis_id {sis_id!r} is already {sis_owner[sis_id]}'s")
            rows[entry] = RosterRow(
                student,
                entry,
                (row.get("name") or "").strip(),
                (row.get("email") or "").strip(),
                parse_time(when, f"{path}:{number}: submitted_at") if when else None,
                sis_id,
                (row.get("section") or "").strip(),
            )
    return rows


def discover(
    folder: Path, roster: Path | dict[str, RosterRow] | None = None, trust_commit_dates: bool = False
) -> list[Entry]:
    """Every submission in ``folder``, in name order; files that are not submissions are left out.

    Args:
        folder: One entry per submission.
        roster: A CSV mapping entries to students (see :func:`read_roster`), or its rows by entry name.
        trust_commit_dates: A git checkout's last commit is its submission time when the
            roster gives none (the student chose that date: only for checkouts the
            instructor made or trusts).

    Raises:
        IntakeError: ``folder`` is not a folder, or the roster is malformed.
    """
    if not folder.is_dir():
        raise IntakeError(f"{folder}: the submissions folder does not exist")
    by_entry = read_roster(roster) if isinstance(roster, Path) else dict(roster or {})
    by_stem = {entry_stem(name): row for name, row in by_entry.items()}
    entries = []
    for path in sorted(folder.iterdir()):
        kind = kind_of(path)
        if kind is None or path.name.startswith("."):
            continue
        row = by_entry.get(path.name) or by_stem.get(entry_stem(path.name))
        entry = Entry(path.name, path, kind, row.student_id if row else entry_stem(path.name))
        if row is not None:
            entry.student_name, entry.email, entry.submitted_at = row.name, row.email, row.submitted_at
            entry.time_source = TIME_ROSTER if row.submitted_at else ""
        elif by_entry:
            entry.notes.append(f"{path.name} is not in the roster: its student id is its name")
        if kind == "git":
            _read_commit_time(entry, trust_commit_dates)
        entries.append(entry)
    return entries


def _read_commit_time(entry: Entry, trusted: bool) -> None:
    """Note a checkout's last commit time (read without running git); make it the submission time if trusted."""
    try:
        entry.commit_at = last_commit_time(entry.source)
    except CommitUnreadable as error:
        if trusted and entry.submitted_at is None:
            entry.notes.append(
                f"{entry.name}: its last commit's time is not readable ({error}); the intake time is used"
            )
        return
    if trusted and entry.submitted_at is None:
        entry.submitted_at, entry.time_source = entry.commit_at, TIME_COMMIT


def unpack(entry: Entry, scratch: Path, max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES) -> Path:
    """The folder to grade for ``entry``: the folder itself, or its archive unpacked under ``scratch``.

    A git checkout is a folder like any other: its working tree is graded as
    it is, and its ``.git`` is neither read nor run.

    The student tree's root is the folder holding ``minitorch/`` (or
    ``project/``, ``tests/``), found at most two levels down, so an archive
    of ``ada-main/minitorch/...`` works.

    Raises:
        IntakeError: The archive is corrupt, unsafe (traversal, links, devices) or too big.
    """
    if entry.kind in ("folder", "git"):
        return find_root(entry.source)
    dest = scratch / "unpacked"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    try:
        if entry.kind == "zip":
            _unzip(entry.source, dest, max_files, max_bytes)
        else:
            _untar(entry.source, dest, max_files, max_bytes)
    except IntakeError:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError) as error:
        shutil.rmtree(dest, ignore_errors=True)
        raise IntakeError(f"{entry.name}: corrupt archive ({type(error).__name__}: {error})") from None
    return find_root(dest)


class UnpackedTrees:
    """Each entry's folder to read, its archive unpacked at most once under ``scratch``.

    A batch hashes, grades and compares the same unpacked tree; an archive that
    cannot be unpacked raises the same :class:`IntakeError` message every time it is asked for.
    """

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.found: dict[str, Path | str] = {}  # entry's path -> its root, or why it cannot be unpacked

    def root(self, entry: Entry) -> Path:
        """:func:`unpack`'s folder for ``entry``, unpacked the first time only.

        Entries are told apart by path: a class's ``ada`` and an archive's ``ada`` are two.

        Raises:
            IntakeError: The archive is corrupt, unsafe or too big.
        """
        key = str(entry.source.absolute())
        if key not in self.found:
            try:
                self.found[key] = unpack(entry, self.scratch / str(len(self.found)))
            except IntakeError as error:
                self.found[key] = str(error)
        found = self.found[key]
        if isinstance(found, str):
            raise IntakeError(found)
        return found


@contextmanager
def unpacked_trees(given: UnpackedTrees | None = None) -> Iterator[UnpackedTrees]:
    """``given``, or trees in a scratch folder of their own, removed when the block ends."""
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="batch-") as scratch:
        yield UnpackedTrees(Path(scratch))


def find_root(folder: Path) -> Path:
    """The folder at most two levels under ``folder`` that holds a student tree (``folder`` itself if none does)."""
    for candidate in (folder, *_subfolders(folder), *(g for s in _subfolders(folder) for g in _subfolders(s))):
        if any((candidate / marker).is_dir() for marker in TREE_MARKERS):
            return candidate
    return folder


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))


def safe_member_path(name: str, archive: str) -> PurePosixPath:
    """An archive member's path, relative and inside the tree.

    Raises:
        IntakeError: For an absolute path, a drive, or a ``..`` part.
    """
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or (path.parts and ":" in path.parts[0]) or ".." in path.parts:
        raise IntakeError(f"{archive}: unsafe path {name!r} in the archive (absolute or outside the tree)")
    return path


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n} bytes"


class _Budget:
    """Counts files and bytes written; raises once either passes its cap."""

    def __init__(self, archive: str, max_files: int, max_bytes: int) -> None:
        self.archive, self.max_files, self.max_bytes = archive, max_files, max_bytes
        self.files = 0
        self.bytes = 0

    def file(self) -> None:
        self.files += 1
        if self.files > self.max_files:
            raise IntakeError(f"{self.archive}: more than {self.max_files} files in the archive (rejected)")

    def copy(self, source: IO[bytes], dest: Path) -> None:
        with dest.open("wb") as out:
            while chunk := source.read(CHUNK):
                self.bytes += len(chunk)
                if self.bytes > self.max_bytes:
                    raise IntakeError(
                        f"{self.archive}: unpacks to more than {_size(self.max_bytes)} (a zip bomb?); rejected"
                    )
                out.write(chunk)


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:  # the name is UTF-8 already
        return info.filename
    raw = info.filename.encode("cp437")  # how zipfile decoded it
    return raw.decode("utf-8", errors="replace")


def _unzip(source: Path, dest: Path, max_files: int, max_bytes: int) -> None:
    budget = _Budget(source.name, max_files, max_bytes)
    with zipfile.ZipFile(source) as archive:
        infos = archive.infolist()
        declared = sum(i.file_size for i in infos)
        if declared > max_bytes:
            reason = f"declares {_size(declared)} unpacked, more than {_size(max_bytes)}"
            raise IntakeError(f"{source.name}: {reason} (a zip bomb?); rejected")
        for info in infos:
            name = _zip_name(info)
            relative = safe_member_path(name, source.name)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise IntakeError(f"{source.name}: {name!r} is a symbolic link; links are not accepted")
            target = dest.joinpath(*relative.parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            budget.file()
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as member:
                budget.copy(member, target)


def _untar(source: Path, dest: Path, max_files: int, max_bytes: int) -> None:
    budget = _Budget(source.name, max_files, max_bytes)
    with tarfile.open(source, mode="r:*") as archive:
        for member in _members(archive):
            name = member.name.encode("utf-8", "surrogateescape").decode("utf-8", errors="replace")
            relative = safe_member_path(name, source.name)
            if member.issym() or member.islnk():
                raise IntakeError(f"{source.name}: {name!r} is a link; links are not accepted")
            if not (member.isfile() or member.isdir()):
                raise IntakeError(f"{source.name}: {name!r} is a device, FIFO or other special file; rejected")
            target = dest.joinpath(*relative.parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            budget.file()
            if member.size > max_bytes:
                raise IntakeError(f"{source.name}: {name!r} is {member.size} bytes, more than the archive cap")
            target.parent.mkdir(parents=True, exist_ok=True)
            extracted = archive.extractfile(member)
            if extracted is None:
                continue
            with extracted:
                budget.copy(extracted, target)


def _members(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The members one at a time (``getmembers`` would read a huge archive's headers first)."""
    while (member := archive.next()) is not None:
        yield member


if __name__ == "__main__":  # `python -m autograder.classroom.intake DIR`: print where the student tree in DIR is
    import sys

    print(find_root(Path(sys.argv[1])))
