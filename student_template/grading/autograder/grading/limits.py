"""Resource limits of the child processes that run student code.

Every child gets them, whatever its confinement: an address-space cap
(memory), a file-size cap (bounds what it can print or write), no core
dumps, and a cap on the number of processes: a cgroup ``pids`` limit where
one can be made, else ``RLIMIT_NPROC`` (which the kernel ignores for root).
Both count threads. The children of CUDA tasks get a higher cap
(:data:`CUDA_PROCESS_LIMIT`): numba's CUDA simulator runs each thread of a
block as a thread of its own, all at once, and the 32x32 blocks that public
CUDA kernels use are 1,024 of them. Their stacks are kept small in the child
(``cuda_simulator.py``), so the address-space cap still holds.
A child started by root in plain mode may also be switched to an
unprivileged user.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

MEMORY_LIMIT_BYTES = 6 * 1024**3
FILE_SIZE_LIMIT_BYTES = 64 * 1024**2
PROCESS_LIMIT = 512
# A 32x32 simulated block (1,024 threads) beside the child's own threads (numba's, OpenMP's), with room to spare.
CUDA_PROCESS_LIMIT = 2048
CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


def limit_resources(
    memory_bytes: int, group: Path | None, user: tuple[int, int] | None = None, processes: int = PROCESS_LIMIT
) -> Callable[[], None]:
    """A ``preexec_fn`` that caps the child's memory, file sizes and processes (and threads), and drops to ``user``.

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
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
        # Over-long writes then fail with EFBIG instead of killing the child.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if user is not None:
            os.setgroups([])
            os.setgid(user[1])
            os.setuid(user[0])

    return apply


@contextlib.contextmanager
def process_cgroup(processes: int = PROCESS_LIMIT) -> Iterator[Path | None]:
    """A cgroup capping how many processes (and threads) a child and its descendants may have.

    Yields its folder, or ``None`` where no cgroup can be made; on exit every
    process left in it is killed and the group removed.
    """
    group = _make_cgroup(processes)
    try:
        yield group
    finally:
        if group is not None:
            _kill_cgroup(group)


def _make_cgroup(processes: int) -> Path | None:
    for root in CGROUP_ROOTS:
        if not (root / "cgroup.procs").exists():
            continue
        group = root / f"autograder-{uuid.uuid4().hex[:12]}"
        try:
            group.mkdir()
            (group / "pids.max").write_text(str(processes))
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
