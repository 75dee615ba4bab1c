"""Confinement for the child processes that run student code.

Three layers, each used where the OS allows it, and the report says which:

- ``bubblewrap``: no network, a private PID namespace, the course's
  reference and hidden-test folders hidden behind empty tmpfs mounts;
- ``unshare``: no network, the same folders hidden (root only);
- ``subprocess``: neither is available; resource limits still apply.

Resource limits apply in every mode: address space (memory), file size
(bounds what a child can print or write), no core dumps, and a cap on the
number of processes (a cgroup ``pids`` limit where one can be made, else
``RLIMIT_NPROC``, which the kernel ignores for root).
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MEMORY_LIMIT_BYTES = 6 * 1024**3
FILE_SIZE_LIMIT_BYTES = 64 * 1024**2
PROCESS_LIMIT = 512
CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


@dataclass(frozen=True)
class Sandbox:
    """How children are confined.

    Attributes:
        mode: ``bubblewrap``, ``unshare`` or ``subprocess``.
        hide: Folders made invisible to the child.
        memory_bytes: Address-space cap per child (none with a GPU: the CUDA
            driver reserves far more address space than it uses).
        devices: Device files bound into a bubblewrap child (the GPU's).
        writable: Folders besides the tree a bubblewrap child may write to
            (the grading's kernel cache).
    """

    mode: str
    hide: tuple[Path, ...] = ()
    memory_bytes: int = MEMORY_LIMIT_BYTES
    devices: tuple[str, ...] = ()
    writable: tuple[Path, ...] = ()

    def command(self, argv: Sequence[str], tree: Path) -> list[str]:
        """Wrap ``argv`` so it runs confined, with ``tree`` writable."""
        hidden = [p for p in self.hide if p.is_dir() and not _contains(p, tree)]
        if self.mode == "bubblewrap":
            # A private /tmp hides other children's trees; the Python runtime is
            # mounted back if it lives there (a checkout under /tmp).
            runtime = [
                arg for p in _runtime_paths() if _contains(Path("/tmp"), p) for arg in ("--ro-bind", str(p), str(p))
            ]
            mounts = [arg for p in hidden for arg in ("--tmpfs", str(p))]
            mounts += [arg for node in self.devices for arg in ("--dev-bind", node, node)]
            mounts += [arg for p in self.writable for arg in ("--bind", str(p), str(p))]
            return [
                "bwrap", "--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session",
                "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", *runtime,
                *mounts, "--bind", str(tree), str(tree), "--chdir", str(tree), "--", *argv,
            ]  # fmt: skip
        if self.mode == "unshare":
            script = "".join(f"mount -t tmpfs none '{p}' && " for p in hidden) + 'exec "$@"'
            return ["unshare", "--net", "--mount", "--fork", "sh", "-c", script, "sh", *argv]
        return list(argv)

    def describe(self) -> str:
        """One line for the report."""
        network = "no network" if self.mode != "subprocess" else "network not blocked"
        memory = f"{self.memory_bytes / 1024**3:g} GiB memory" if self.memory_bytes > 0 else "no memory cap (GPU)"
        return f"{self.mode} ({network}, {memory}, {PROCESS_LIMIT} processes)"


def _runtime_paths() -> list[Path]:
    """The folders the child's Python interpreter and its packages live in."""
    candidates = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).parent}
    candidates |= {Path(os.path.realpath(sys.executable)).parent.parent}
    return sorted({p.resolve() for p in candidates if p.exists()})


def _contains(folder: Path, path: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _works(argv: Sequence[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@cache
def best_mode() -> str:
    """The strongest confinement this machine supports (probed once per process)."""
    if os.environ.get("AUTOGRADER_SANDBOX") in ("bubblewrap", "unshare", "subprocess"):
        return os.environ["AUTOGRADER_SANDBOX"]
    if shutil.which("bwrap") and _works(["bwrap", "--unshare-net", "--ro-bind", "/", "/", "--", "true"]):
        return "bubblewrap"
    if shutil.which("unshare") and _works(["unshare", "--net", "--mount", "--fork", "true"]):
        return "unshare"
    return "subprocess"


def limit_resources(memory_bytes: int, group: Path | None) -> Callable[[], None]:
    """A ``preexec_fn`` that caps the child's memory, file sizes, cores and processes.

    It runs in the child between fork and exec, so the child joins the
    process-count cgroup ``group`` before it can start anything else.
    """

    def apply() -> None:
        if group is not None:
            with contextlib.suppress(OSError):
                (group / "cgroup.procs").write_text(str(os.getpid()))
        if memory_bytes > 0:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT_BYTES, FILE_SIZE_LIMIT_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NPROC, (PROCESS_LIMIT, PROCESS_LIMIT))
        # Over-long writes then fail with EFBIG instead of killing the child.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return apply


@contextlib.contextmanager
def process_cgroup() -> Iterator[Path | None]:
    """A cgroup capping how many processes a child and its descendants may have.

    Yields its folder, or ``None`` where no cgroup can be made; on exit every
    process left in it is killed and the group removed.
    """
    group = _make_cgroup()
    try:
        yield group
    finally:
        if group is not None:
            _kill_cgroup(group)


def _make_cgroup() -> Path | None:
    for root in CGROUP_ROOTS:
        if not (root / "cgroup.procs").exists():
            continue
        group = root / f"autograder-{uuid.uuid4().hex[:12]}"
        try:
            group.mkdir()
            (group / "pids.max").write_text(str(PROCESS_LIMIT))
            return group
        except OSError:
            with contextlib.suppress(OSError):
                group.rmdir()
    return None


def _kill_cgroup(group: Path) -> None:
    for _ in range(100):
        try:
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
        except OSError:
            break
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)
    with contextlib.suppress(OSError):
        group.rmdir()
