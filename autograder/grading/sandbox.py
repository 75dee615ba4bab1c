"""Confinement for the child processes that run student code, by allowlist.

A child sees the Python runtime and its packages read-only, a fresh copy of
its pristine tree on a size-capped file system, a private ``/tmp``, the
folders it may write (the grading's kernel cache), and nothing else of the
host: no home, no course checkout, no other grading's tree. Three modes,
the strongest the machine allows, and the report says which:

- ``bubblewrap``: a new root of read-only binds, no network, private PID
  and IPC namespaces, every capability dropped;
- ``unshare`` (root only): the same root built with ``mount`` in a new
  mount namespace and entered with ``chroot``, no network;
- ``subprocess``: neither is available. The tree is still a fresh copy, and
  as root with a child user (``$AUTOGRADER_CHILD_USER``) the child runs as
  that user; nothing else of the host is hidden.

Resource limits apply in every mode (:mod:`autograder.grading.limits`).
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .limits import MEMORY_LIMIT_BYTES, PROCESS_LIMIT, limit_resources

MODES = ("bubblewrap", "unshare", "subprocess")
MODE_VARIABLE = "AUTOGRADER_SANDBOX"
USER_VARIABLE = "AUTOGRADER_CHILD_USER"
TREE_QUOTA_BYTES = 256 * 1024**2
TMP_QUOTA_BYTES = 64 * 1024**2
# What every child may read: the system's programs and libraries, and the few files of /etc they read.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = (
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/nsswitch.conf",
    "/etc/passwd", "/etc/group", "/etc/hosts", "/etc/alternatives",
)  # fmt: skip
DEVICE_FILES = ("null", "zero", "full", "random", "urandom", "tty")
# What bubblewrap takes from every child: network, process ids, IPC, host name, the terminal; it dies with the parent.
BWRAP_UNSHARE = (
    "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session",
)  # fmt: skip


class SandboxError(RuntimeError):
    """The configured confinement cannot be set up; the message names the setting."""


@dataclass(frozen=True)
class Sandbox:
    """How children are confined.

    Attributes:
        mode: ``bubblewrap``, ``unshare`` or ``subprocess``.
        memory_bytes: Address-space cap per child (none with a GPU: the CUDA
            driver reserves far more address space than it uses).
        devices: Device files a child may use (the GPU's).
        writable: Folders besides its tree a child may write (a kernel cache).
        user: ``(uid, gid)`` children run as, when the grader runs as root
            and ``$AUTOGRADER_CHILD_USER`` names a user (``unshare`` and
            ``subprocess``; bubblewrap drops root's capabilities instead).
        tree_quota_bytes: Size of the file system a child's tree lives on.
        processes: How many processes and threads a child may have (more for CUDA tasks:
            :data:`~autograder.grading.limits.CUDA_PROCESS_LIMIT`).
    """

    mode: str
    memory_bytes: int = MEMORY_LIMIT_BYTES
    devices: tuple[str, ...] = ()
    writable: tuple[Path, ...] = ()
    user: tuple[int, int] | None = None
    tree_quota_bytes: int = TREE_QUOTA_BYTES
    processes: int = PROCESS_LIMIT

    def prepare(self, pristine: Path, tree: Path) -> None:
        """Make the folder ``tree`` a child will run in: a copy of ``pristine`` in plain mode.

        In the other modes ``tree`` stays an empty mount point: the child
        copies ``pristine`` onto a size-capped file system mounted there.
        """
        if self.mode != "subprocess":
            tree.mkdir(parents=True, exist_ok=True)
            return
        shutil.copytree(pristine, tree, symlinks=True)
        if self.user is not None:
            tree.parent.chmod(0o711)
            for path in (tree, *tree.rglob("*")):
                os.chown(path, *self.user, follow_symlinks=False)

    def command(self, argv: Sequence[str], pristine: Path, tree: Path) -> list[str]:
        """Wrap ``argv`` so it runs confined in a fresh copy of ``pristine`` at ``tree``."""
        if self.mode == "bubblewrap":
            return self._bubblewrap(argv, pristine, tree)
        if self.mode == "unshare":
            script = UnshareScript(self, pristine, tree).text()
            return ["unshare", "--net", "--mount", "--pid", "--ipc", "--fork", "sh", "-c", script, "sh", *argv]
        return list(argv)

    def _bubblewrap(self, argv: Sequence[str], pristine: Path, tree: Path) -> list[str]:
        mounts: list[str] = []
        for path, link in system_mounts():
            mounts += ["--symlink", link, path] if link else ["--ro-bind", path, path]
        mounts += ["--dev", "/dev", "--proc", "/proc", "--size", str(TMP_QUOTA_BYTES), "--tmpfs", "/tmp"]
        mounts += ["--size", str(TMP_QUOTA_BYTES), "--tmpfs", "/dev/shm"]
        for runtime in runtime_paths():
            mounts += ["--ro-bind", str(runtime), str(runtime)]
        for node in self.devices:
            mounts += ["--dev-bind", node, node]
        if self.devices:
            mounts += ["--ro-bind", "/sys", "/sys"]
        mounts += ["--ro-bind", str(pristine), str(pristine)]
        mounts += ["--size", str(self.tree_quota_bytes), "--tmpfs", str(tree)]
        for folder in self.writable:
            mounts += ["--bind", str(folder), str(folder)]
        copy = 'cp -R "$0"/. . && exec "$@"'
        return [
            "bwrap",
            *BWRAP_UNSHARE,
            *mounts,
            "--chdir",
            str(tree),
            "--",
            "/bin/sh",
            "-c",
            copy,
            str(pristine),
            *argv,
        ]

    def preexec(self, group: Path | None) -> Callable[[], None]:
        """The child's ``preexec_fn``: resource limits, and in plain mode the switch to the child user."""
        return limit_resources(
            self.memory_bytes, group, self.user if self.mode == "subprocess" else None, self.processes
        )

    def describe(self) -> str:
        """One line for the report."""
        if self.mode == "subprocess":
            who = " as an unprivileged user" if self.user else ""
            confinement = f"NOT CONFINED{who}: network and the host's files are reachable"
        else:
            confinement = f"no network, allowlisted files, a {self.tree_quota_bytes // 1024**2} MiB tree"
        memory = f"{self.memory_bytes / 1024**3:g} GiB memory" if self.memory_bytes > 0 else "no memory cap (GPU)"
        return f"{self.mode} ({confinement}, {memory}, {self.processes} processes)"


@dataclass(frozen=True)
class UnshareScript:
    """The shell script that builds a child's root in a new mount namespace (run as root) and enters it."""

    sandbox: Sandbox
    pristine: Path
    tree: Path

    def text(self) -> str:
        """The script; ``"$@"`` is the command to run."""
        root = self.tree.parent / "root"
        q = shlex.quote
        lines = ["set -eu", f"R={q(str(root))}", 'mkdir -p "$R"', 'mount -t tmpfs -o size=4m,mode=755 none "$R"']
        for path, link in system_mounts():
            lines.append(f'ln -s {q(link)} "$R"{q(path)}' if link else self._read_only(path))
        lines += ['mkdir -p "$R/proc" && mount -t proc proc "$R/proc"', 'mkdir -p "$R/dev" "$R/tmp"']
        lines.append(f'mount -t tmpfs -o size={TMP_QUOTA_BYTES},mode=1777 none "$R/tmp"')
        lines.append('mount -t tmpfs -o size=1m,mode=755 none "$R/dev"')
        # After the private /tmp, so that a Python installed under /tmp stays visible (bubblewrap binds it after too).
        lines += [self._read_only(str(p)) for p in (*runtime_paths(), self.pristine)]
        for node in (*(f"/dev/{n}" for n in DEVICE_FILES), *self.sandbox.devices):
            lines.append(f'[ ! -e {q(node)} ] || {{ touch "$R"{q(node)} && mount --bind {q(node)} "$R"{q(node)}; }}')
        tree = f'"$R"{q(str(self.tree))}'
        lines.append(f"mkdir -p {tree} && mount -t tmpfs -o size={self.sandbox.tree_quota_bytes},mode=755 none {tree}")
        lines.append(f"cp -R {q(str(self.pristine))}/. {tree}/")
        user = self.sandbox.user
        if user is not None:
            lines.append(f"chown -R {user[0]}:{user[1]} {tree}")
        for folder in map(str, self.sandbox.writable):
            lines.append(f'mkdir -p "$R"{q(folder)} && mount --bind {q(folder)} "$R"{q(folder)}')
        userspec = f"--userspec={user[0]}:{user[1]} " if user is not None else ""
        enter = f'cd {q(str(self.tree))} && exec "$@"'
        lines.append(f'exec chroot {userspec}"$R" /bin/sh -c {q(enter)} sh "$@"')
        return "\n".join(lines)

    @staticmethod
    def _read_only(path: str) -> str:
        q = shlex.quote(path)
        make = f'mkdir -p "$R"{q}' if os.path.isdir(path) else f'mkdir -p "$(dirname "$R"{q})" && touch "$R"{q}'
        return f'{make} && mount --rbind {q} "$R"{q} && mount -o remount,bind,ro "$R"{q}'


def system_mounts() -> list[tuple[str, str | None]]:
    """The system paths that exist here, each with its link target when it is a symbolic link."""
    found: list[tuple[str, str | None]] = []
    for path in (*SYSTEM_PATHS, *SYSTEM_FILES):
        if os.path.islink(path):
            found.append((path, os.readlink(path)))
        elif os.path.exists(path):
            found.append((path, None))
    return found


def python_executable() -> str:
    """The interpreter children run, as an absolute path without ``..`` (links kept: a venv's python is one)."""
    return os.path.abspath(sys.executable)


def runtime_paths() -> list[Path]:
    """The folders the child's Python and its packages live in, outside the system folders."""
    candidates = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).parent}
    candidates |= {Path(os.path.realpath(sys.executable)).parent.parent}
    system = tuple(Path(p) for p in SYSTEM_PATHS)
    found = sorted({p.resolve() for p in candidates if p.exists()})
    outside = [p for p in found if not any(p.is_relative_to(s) for s in system)]
    return [p for p in outside if not any(p != q and p.is_relative_to(q) for q in outside)]


def _works(argv: Sequence[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@cache
def best_mode() -> str:
    """The strongest confinement this machine supports (probed once per process)."""
    if os.environ.get(MODE_VARIABLE) in MODES:
        return os.environ[MODE_VARIABLE]
    if shutil.which("bwrap") and _works(["bwrap", "--unshare-net", "--ro-bind", "/", "/", "--", "true"]):
        return "bubblewrap"
    if shutil.which("unshare") and _works(["unshare", "--net", "--mount", "--pid", "--fork", "true"]):
        return "unshare"
    return "subprocess"


def child_user() -> tuple[int, int] | None:
    """``(uid, gid)`` of ``$AUTOGRADER_CHILD_USER`` when the grader runs as root, else ``None``.

    Raises:
        SandboxError: The variable names no user of this machine.
    """
    name = os.environ.get(USER_VARIABLE)
    if not name or os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise SandboxError(f"${USER_VARIABLE}: no user {name!r} on this machine") from None
    return entry.pw_uid, entry.pw_gid
