"""The time of a git checkout's last commit, read from its ``.git`` folder without running anything.

A student's checkout is untrusted: its ``.git/config`` can name programs
that git would run (``core.fsmonitor``, ``gpg.program``, hooks, filters,
``diff.external``, ``core.sshCommand``). So git is never called on it, and
``config`` is never read. This module follows ``HEAD`` to a commit id (a
loose ref, or ``packed-refs``), inflates that commit's loose object and
reads its ``committer`` line. It refuses a ``.git`` that is a file (a
``gitdir:`` pointing elsewhere), a symbolic link anywhere on the way, a ref
name that leaves ``refs/``, and files over a size cap. A commit that is
only in a pack file is not read (:class:`CommitUnreadable` says so).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import zlib
from pathlib import Path

MAX_REF_BYTES = 4096
MAX_PACKED_REFS_BYTES = 4 * 1024 * 1024
MAX_OBJECT_BYTES = 4 * 1024 * 1024  # compressed, as stored
MAX_HEADER_BYTES = 1024 * 1024  # inflated: the commit's headers come first, its message after
MAX_SYMREF_DEPTH = 5
OBJECT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1, or SHA-256
REF_NAME = re.compile(r"refs/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*")
COMMITTER = re.compile(rb"^committer .*> (\d{1,12}) ([+-])(\d\d)(\d\d)$")


class CommitUnreadable(ValueError):
    """The last commit's time cannot be read safely; the message says why."""


class _Missing(CommitUnreadable):
    """A file of ``.git`` is not there."""


def last_commit_time(checkout: Path) -> dt.datetime:
    """When ``checkout``'s ``HEAD`` commit was committed, with the committer's UTC offset.

    Raises:
        CommitUnreadable: ``.git`` is a file or a link, a link or a bad name is on the way,
            a file is too big or malformed, or the commit is only in a pack file.
    """
    git = checkout / ".git"
    mode = _lstat(git).st_mode
    if stat.S_ISLNK(mode):
        raise CommitUnreadable(".git is a symbolic link (not followed)")
    if not stat.S_ISDIR(mode):
        raise CommitUnreadable(".git is a file pointing elsewhere (gitdir:), not followed")
    object_id = _resolve(git, _read(git, "HEAD", MAX_REF_BYTES).decode("ascii", "replace"), 0)
    try:
        stored = _read(git, f"objects/{object_id[:2]}/{object_id[2:]}", MAX_OBJECT_BYTES)
    except _Missing:
        raise CommitUnreadable(f"commit {object_id[:12]} is only in a pack file (not read)") from None
    return committer_time(stored)


def committer_time(stored: bytes) -> dt.datetime:
    """The committer time of a loose commit object (zlib-compressed, as ``.git/objects`` stores it).

    Raises:
        CommitUnreadable: The bytes are not a commit, or have no readable ``committer`` line.
    """
    try:
        inflated = zlib.decompressobj().decompress(stored, MAX_HEADER_BYTES)
    except zlib.error as error:
        raise CommitUnreadable(f"a corrupt object ({error})") from None
    kind, _, rest = inflated.partition(b"\0")
    if not kind.startswith(b"commit "):
        raise CommitUnreadable("HEAD does not name a commit")
    for line in rest.split(b"\n"):
        if not line:
            break  # the end of the headers
        found = COMMITTER.match(line)
        if found:
            return _moment(int(found[1]), found[2], int(found[3]), int(found[4]))
    raise CommitUnreadable("the commit has no readable committer line")


def _moment(seconds: int, sign: bytes, hours: int, minutes: int) -> dt.datetime:
    offset = dt.timedelta(hours=hours, minutes=minutes) * (-1 if sign == b"-" else 1)
    try:
        return dt.datetime.fromtimestamp(seconds, dt.timezone(offset))
    except (OverflowError, OSError, ValueError) as error:
        raise CommitUnreadable(f"the committer time {seconds} is out of range ({error})") from None


def _resolve(git: Path, text: str, depth: int) -> str:
    """The object id that ``text`` (the contents of ``HEAD`` or of a ref) names."""
    text = text.strip()
    if OBJECT_ID.fullmatch(text):
        return text
    name = text.removeprefix("ref:").strip()
    if not text.startswith("ref:") or not REF_NAME.fullmatch(name) or ".." in name or ".lock" in name:
        raise CommitUnreadable(f"HEAD or a ref holds {text[:80]!r}, not an object id or a ref under refs/")
    if depth >= MAX_SYMREF_DEPTH:
        raise CommitUnreadable(f"refs point at refs more than {MAX_SYMREF_DEPTH} times")
    try:
        return _resolve(git, _read(git, name, MAX_REF_BYTES).decode("ascii", "replace"), depth + 1)
    except _Missing:
        return _packed_ref(git, name)


def _packed_ref(git: Path, name: str) -> str:
    try:
        packed = _read(git, "packed-refs", MAX_PACKED_REFS_BYTES).decode("utf-8", "replace")
    except _Missing:
        raise CommitUnreadable(f"{name} does not exist (no commit yet?)") from None
    for line in packed.splitlines():
        object_id, _, ref = line.partition(" ")
        if ref.strip() == name and OBJECT_ID.fullmatch(object_id):
            return object_id
    raise CommitUnreadable(f"{name} does not exist (no commit yet?)")


def _lstat(path: Path) -> os.stat_result:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        raise _Missing(f"{path.name} is missing") from None
    except OSError as error:
        raise CommitUnreadable(f"{path.name}: {error.strerror}") from None


def _read(git: Path, relative: str, limit: int) -> bytes:
    """At most ``limit`` bytes of the regular file ``git/relative``, refusing a link at any step."""
    current = git
    for part in relative.split("/"):
        current = current / part
        if stat.S_ISLNK(_lstat(current).st_mode):
            raise CommitUnreadable(f".git/{relative}: a symbolic link on the way (not followed)")
    if not stat.S_ISREG(_lstat(current).st_mode):
        raise CommitUnreadable(f".git/{relative} is not a regular file")
    try:
        descriptor = os.open(current, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise CommitUnreadable(f".git/{relative}: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise CommitUnreadable(f".git/{relative} is over {limit} bytes (not read)")
    return data
