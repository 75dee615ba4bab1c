"""Where the gradings of a batch run: threads of this process, or the workers of a Dask cluster.

An executor runs picklable jobs (a module-level function and its arguments)
and hands back each one's result, or the exception it raised, once, as it
finishes. It knows nothing of gradebooks: the batch records what comes back.

``local``
    ``JOBS`` threads of this process (each grading's tests run in sandboxed
    child processes, so threads are enough).
``dask``
    one task per job on a ``distributed`` scheduler. The workers need the same
    course checkout and installed environment, and must see the submissions
    at the same paths (a shared filesystem). When a worker dies the scheduler
    runs its tasks again on another one (up to
    ``distributed.scheduler.allowed-failures`` deaths per task); a job that
    raises is retried twice. ``dask`` and ``distributed`` are imported only here,
    and only for this executor: ``pip install 'minitorch-course[cluster]'``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

EXECUTORS = ("local", "dask")
INSTALL_HINT = "pip install 'minitorch-course[cluster]'"
CONNECT_TIMEOUT_S = 10.0
RETRIES = 2  # a job that raises runs this many more times; a dead worker's tasks are rescheduled regardless
REFRESH_S = 5.0  # how often the cluster's size is asked again
HOST_THREADS_TTL_S = 60.0  # how long a worker trusts what it learnt of its machine's other workers

# A finished job: its key, and its result or the exception it raised.
Done = tuple[str, Any]


class ExecutorError(ValueError):
    """An executor cannot be used; the message says why, in one line."""


class Executor(ABC):
    """Runs jobs somewhere and hands back each one's result once.

    Attributes:
        name: ``local`` or ``dask``.
        description: For the batch's summary line, e.g. ``with JOBS=2``.
        slots: How many jobs run at a time (now).
    """

    name = ""

    def __init__(self) -> None:
        self.description = ""
        self.slots = 1

    @abstractmethod
    def submit(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)``; ``key`` names it, unique within the batch."""

    @abstractmethod
    def completed(self, block: bool) -> list[Done]:
        """The jobs finished since the last call; with ``block``, wait for one if none has (and any is pending)."""

    @property
    @abstractmethod
    def pending(self) -> int:
        """Jobs submitted and not yet handed back."""

    @abstractmethod
    def cancel(self) -> None:
        """Drop every job not handed back yet (Ctrl-C): their results are never handed back."""

    @abstractmethod
    def close(self, wait: bool = True) -> None:
        """Release the threads or the connection; with ``wait``, let running jobs end first."""


class LocalExecutor(Executor):
    """``jobs`` threads of this process; ``on_start`` is called in the thread as each job starts."""

    name = "local"

    def __init__(self, jobs: int, on_start: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.slots = max(1, jobs)
        self.description = f"with JOBS={self.slots}"
        self.on_start = on_start
        self.pool = ThreadPoolExecutor(max_workers=self.slots)
        self.futures: dict[Future[Any], str] = {}

    def submit(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(*args)`` for the next free thread."""

        def run() -> Any:
            if self.on_start is not None:
                self.on_start()
            return fn(*args)

        self.futures[self.pool.submit(run)] = key

    def completed(self, block: bool) -> list[Done]:
        """The finished jobs (waiting for the first one with ``block``)."""
        if not self.futures:
            return []
        finished, _ = wait(self.futures, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        done: list[Done] = []
        for future in finished:
            error = future.exception()
            done.append((self.futures.pop(future), future.result() if error is None else error))
        return done

    @property
    def pending(self) -> int:
        """Jobs queued or running."""
        return len(self.futures)

    def cancel(self) -> None:
        """Drop the queued jobs; the running ones end on their own, unwaited for."""
        self.futures.clear()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def close(self, wait: bool = True) -> None:
        """Shut the threads down."""
        self.pool.shutdown(wait=wait)


class DaskExecutor(Executor):
    """One task per job on the Dask scheduler at ``scheduler`` (``tcp://host:8786``).

    Raises:
        ExecutorError: ``distributed`` is not installed, or the scheduler cannot be reached.
    """

    name = "dask"

    def __init__(self, scheduler: str, retries: int = RETRIES, connect_timeout_s: float | None = None) -> None:
        super().__init__()
        try:
            import distributed
        except ImportError:
            raise ExecutorError(f"the dask executor needs dask.distributed: {INSTALL_HINT}") from None
        self.scheduler, self.retries = scheduler, retries
        protocol = scheduler.split("://", 1)[0] if "://" in scheduler else "tcp"
        if protocol in ("tcp", "tls"):  # a host and a port: checked before connecting
            try:
                distributed.comm.get_address_host_port(scheduler)
            except ValueError as error:
                raise ExecutorError(
                    f"{scheduler} is not a Dask scheduler's address like tcp://host:8786 ({error})"
                ) from None
        try:
            timeout = CONNECT_TIMEOUT_S if connect_timeout_s is None else connect_timeout_s
            self.client = distributed.Client(scheduler, timeout=timeout, set_as_default=False)
        except Exception as error:  # noqa: BLE001 - OSError, ValueError, or whatever a stranger at that port sends
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {reason}") from None
        self.futures: dict[str, Any] = {}
        self.finished = distributed.as_completed(loop=self.client.loop)
        self.workers = 0
        self.checked = 0.0
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        """Ask the scheduler how many workers and threads it has (at most every few seconds)."""
        if not force and time.monotonic() - self.checked < REFRESH_S:
            return
        self.checked = time.monotonic()
        threads = self.client.nthreads()
        self.workers = max(self.workers, len(threads))
        self.slots = sum(threads.values())
        self.description = f"on dask {self.scheduler} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def submit(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        """Send ``fn(*args)`` to the scheduler as the task ``key``."""
        future = self.client.submit(fn, *args, key=key, pure=False, retries=self.retries)
        self.futures[key] = future
        self.finished.add(future)

    def completed(self, block: bool) -> list[Done]:
        """The finished tasks: their results, fetched from the workers, or their exceptions."""
        if not self.futures:
            return []
        done: list[Done] = []
        for future in self.finished.next_batch(block=block):
            if self.futures.pop(future.key, None) is None:
                continue  # handed back already
            try:
                done.append((future.key, future.result()))
            except Exception as error:  # noqa: BLE001 - the job's own exception, KilledWorker or a cancellation
                done.append((future.key, error))
            future.release()
        self.refresh()
        return done

    @property
    def pending(self) -> int:
        """Tasks submitted and not yet handed back."""
        return len(self.futures)

    def cancel(self) -> None:
        """Cancel every task not handed back yet, on the scheduler too."""
        futures = list(self.futures.values())
        self.futures.clear()
        if futures:
            self.client.cancel(futures)

    def close(self, wait: bool = True) -> None:
        """Close the connection to the scheduler (the cluster keeps running)."""
        if wait:
            self.client.close()
        else:
            self.client.close(timeout=2)


def open_executor(
    name: str, jobs: int, scheduler: str | None = None, on_start: Callable[[], None] | None = None
) -> Executor:
    """The executor ``name`` (``local`` or ``dask``).

    Args:
        name: Which executor.
        jobs: The local executor's threads.
        scheduler: The Dask scheduler's address (for ``dask``, and only for it).
        on_start: Called as each local job starts.

    Raises:
        ExecutorError: An unknown name, a missing or superfluous scheduler, or a Dask problem.
    """
    if name not in EXECUTORS:
        raise ExecutorError(f"unknown executor {name!r} (choose from {', '.join(EXECUTORS)})")
    if name == "local":
        if scheduler:
            raise ExecutorError(f"a scheduler ({scheduler}) is only for the dask executor: add --executor dask")
        return LocalExecutor(jobs, on_start)
    if not scheduler:
        raise ExecutorError("the dask executor needs the scheduler's address: --scheduler tcp://host:8786")
    return DaskExecutor(scheduler)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


_host_threads: dict[str, tuple[float, int]] = {}
_host_lock = threading.Lock()


def _threads_on_host(worker: Any) -> int:
    """Worker threads of every worker on this worker's machine, as the scheduler lists them (0 if unknown)."""
    from distributed import get_client
    from distributed.comm import get_address_host

    host = get_address_host(worker.address)
    with _host_lock:
        known = _host_threads.get(host)
        if known is not None and time.monotonic() - known[0] < HOST_THREADS_TTL_S:
            return known[1]
        try:
            workers = get_client().scheduler_info(n_workers=-1)["workers"]
            count = sum(int(w.get("nthreads", 0)) for a, w in workers.items() if get_address_host(a) == host)
        except Exception:  # noqa: BLE001 - only a refinement: fall back to this worker's own threads
            return 0
        _host_threads[host] = (time.monotonic(), count)
        return count


def worker_threads(default: int) -> int:
    """Threads for one grading's compiled kernels where the caller runs now.

    In a task on a Dask worker: the machine's cores shared among the gradings
    that run side by side there, one per worker thread, counting every worker
    on that machine (``dask worker --nworkers 4 --nthreads 1`` on 16 cores
    gives 4 each). Anywhere else: ``default``.
    """
    if "distributed" not in sys.modules:  # not imported, so surely not in a Dask worker
        return default
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:
        return default
    side_by_side = max(int(worker.state.nthreads), _threads_on_host(worker), 1)
    return max(1, _cores() // side_by_side)
