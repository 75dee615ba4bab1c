"""Runs inside a grading child under numba's CUDA simulator: what the simulator needs, and what it lacks.

It is copied into the scratch tree as ``_autograder_cuda.py`` and the test
plugin calls :func:`prepare` before any test module is imported, when the
child's environment chooses the simulator. It depends on nothing but the
standard library: numba is not imported here, so a child that never uses
CUDA never pays for it.

- Thread stacks. The simulator runs every thread of a block as a Python
  thread, all alive at once (they wait for each other at
  ``cuda.syncthreads()``): the 32x32 blocks of public CUDA kernels are
  1,024 threads. With the system's default 8 MiB stacks they would reserve
  8 GiB, more than a child's address-space cap, and ``can't start new
  thread``. Simulated threads run Python code, which needs far less:
  :data:`THREAD_STACK_BYTES` each. (The process cap that counts threads is
  raised for CUDA tasks by the parent: ``limits.CUDA_PROCESS_LIMIT``.)
- ``numba.cuda.is_cuda_array``. Code written for a GPU calls it (a tensor
  moved to the device checks its storage first); the simulator (numba-cuda's,
  0.30) does not define it. Once ``numba.cuda`` is imported it gets one that answers
  as a GPU build does: true for a simulated device array or any object
  with ``__cuda_array_interface__``.
- How a block's threads take turns. The simulator's own block runner polls
  every thread in a loop that holds the GIL while the threads it waits for
  need it: most of a simulated kernel's time went to the polling, and which
  thread ran when was left to the GIL, so a missing ``cuda.syncthreads()``
  gave wrong values in some runs and not others. Here the threads run one
  at a time, in an order fixed by the block and the phase
  (:class:`BlockScheduler`): a race shows the same way in every run, and a
  block costs a handful of lock hand-overs per thread. The simulator's
  semantics are kept: a block passes ``syncthreads`` once every live thread
  has reached it, and the first exception aborts the block and is raised.
- Uninitialized shared memory. A new float shared array holds NaN (see
  :func:`shared_array`), so reading a cell no thread has written shows.
- Threads kept from block to block. Starting a Python thread cost more than
  running it, so a block's threads stay alive for the next block of the
  same shape (:class:`WorkerPool`): one set at a time, released when a
  block fails or a block of another shape comes.
"""

from __future__ import annotations

import collections
import dataclasses
import importlib.abc
import importlib.machinery
import itertools
import sys
import threading
from types import ModuleType
from typing import Any

THREAD_STACK_BYTES = 1024**2
SIMULATOR_VARIABLE = "NUMBA_ENABLE_CUDASIM"


def prepare() -> None:
    """Small thread stacks, and ``numba.cuda.is_cuda_array`` once ``numba.cuda`` is imported."""
    threading.stack_size(THREAD_STACK_BYTES)
    module = sys.modules.get("numba.cuda")
    if module is not None:
        add_missing(module)
    elif not any(isinstance(finder, _CompleteOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _CompleteOnImport())


def is_cuda_array(obj: Any) -> bool:
    """Whether ``obj`` is a (simulated) device array, as ``numba.cuda.is_cuda_array`` says on a GPU."""
    if hasattr(obj, "__cuda_array_interface__"):
        return True
    devicearray = sys.modules.get("numba.cuda.simulator.cudadrv.devicearray")
    fake = getattr(devicearray, "FakeCUDAArray", None)
    return isinstance(fake, type) and isinstance(obj, fake)


def add_missing(module: ModuleType) -> None:
    """Give the simulator's ``numba.cuda`` what a GPU build has and it lacks, and a block runner that does not poll."""
    if not hasattr(module, "is_cuda_array"):
        module.is_cuda_array = is_cuda_array  # type: ignore[attr-defined]
    kernel = sys.modules.get("numba.cuda.simulator.kernel")
    if kernel is not None and hasattr(kernel, "BlockManager") and hasattr(kernel, "BlockThread"):
        kernel.BlockManager.run = run_block
        for name in ("syncthreads_count", "syncthreads_and", "syncthreads_or"):
            setattr(BlockWorker, name, getattr(kernel.BlockThread, name))
    api = sys.modules.get("numba.cuda.simulator.kernelapi")
    if api is not None and hasattr(api, "FakeCUDAShared"):
        if not hasattr(api.FakeCUDAShared, "autograder_array"):
            api.FakeCUDAShared.autograder_array = api.FakeCUDAShared.array
        api.FakeCUDAShared.array = shared_array


def shared_array(shared: Any, shape: Any, dtype: Any, alignment: Any = None) -> Any:
    """``FakeCUDAShared.array``: the block's array of the calling line, a new float one full of NaN.

    As in the simulator, an array is known by the file and line that asks for it, so every thread
    of a launch gets the same one; the caller's frame is read directly, not from a whole extracted
    stack. Shared memory starts uninitialized on a GPU, while the simulator's ``numpy.empty`` often
    hands back the memory of an array just freed (a copy of the kernel's input): NaN makes a read
    of a cell no thread has written show.
    """
    if shape == 0 or alignment is not None:  # dynamic shared memory, or the simulator's error
        return shared.autograder_array(shape, dtype, alignment)
    api = sys.modules["numba.cuda.simulator.kernelapi"]
    if isinstance(dtype, api.types.Type):
        dtype = api.numpy_support.as_dtype(dtype)
    caller = sys._getframe(1)
    key = (caller.f_code.co_filename, caller.f_lineno)
    array = shared._allocations.get(key)
    if array is None:
        array = api.np.empty(shape, dtype)
        if array.dtype.kind in "fc":
            array.fill(float("nan"))
        shared._allocations[key] = array
    return array


class BlockScheduler:
    """Runs a simulated block's threads one at a time, each until it waits at ``syncthreads`` or ends.

    Between two barriers the threads take turns in thread order, and in the
    reverse order in every other phase and every other block, so a missing
    ``syncthreads`` shows the same wrong values in every run: a thread reads
    a neighbour's cell before the neighbour has written it, or after it has
    moved on. Any order is one that a GPU may choose, so a kernel without
    races computes the same values as on a GPU.
    """

    def __init__(self, turns: list[threading.Lock], block: int) -> None:
        self.turns = turns  # each thread's, held while it is not its turn
        self.lock = threading.Lock()
        self.phase = block % 2  # an odd phase runs in reverse thread order
        self.runnable = collections.deque(sorted(range(len(turns)), reverse=self.phase == 1))
        self.waiting: list[int] = []
        self.live = len(turns)
        self.done = threading.Lock()
        self.done.acquire()  # released when every thread has ended or one has raised
        self.failed: BlockWorker | None = None

    def start(self) -> None:
        """Give the first thread its turn (from the thread that runs the block)."""
        with self.lock:
            self.pass_turn()

    def pass_turn(self) -> None:
        """Let the next thread run; when every live thread waits at the barrier, open it (the lock is held)."""
        if not self.runnable and self.waiting and self.failed is None:
            self.phase += 1
            self.runnable.extend(sorted(self.waiting, reverse=self.phase % 2 == 1))
            self.waiting.clear()
        if self.runnable:
            self.turns[self.runnable.popleft()].release()

    def barrier(self, index: int) -> None:
        """Thread ``index`` waits here until every live thread has arrived."""
        with self.lock:
            self.waiting.append(index)
            self.pass_turn()
        self.turns[index].acquire()

    def leave(self, failed: BlockWorker | None) -> None:
        """The running thread has ended (``failed`` when it raised)."""
        with self.lock:
            self.live -= 1
            if failed is not None and self.failed is None:
                self.failed = failed
                self.done.release()
            elif self.failed is None:
                if self.live == 0:
                    self.done.release()
                else:
                    self.pass_turn()


@dataclasses.dataclass(frozen=True)
class BlockJob:
    """One block to run: its scheduler, the kernel's Python function and its arguments."""

    scheduler: BlockScheduler
    function: Any
    args: tuple[Any, ...]
    debug: bool


class BlockWorker(threading.Thread):
    """One simulated CUDA thread, kept for every block of the same shape (a thread costs more to start than to run).

    ``numba.cuda.threadIdx`` and the rest read ``threading.current_thread()``: a worker has what the
    simulator's own ``BlockThread`` has, its ``syncthreads_count`` and friends included.
    """

    def __init__(self, index: int, point: tuple[int, ...], block_dim: tuple[int, ...]) -> None:
        super().__init__(daemon=True, name=f"CUDA thread {point}")
        kernel = sys.modules["numba.cuda.simulator.kernel"]
        self.turn = threading.Lock()
        self.turn.acquire()
        self.index = index
        self.threadIdx = kernel.Dim3(*point)
        self.thread_id = point[0] + block_dim[0] * (point[1] + block_dim[1] * point[2])
        self.blockIdx = kernel.Dim3(0, 0, 0)
        self._manager: Any = None  # the block's BlockManager, as the simulator's methods expect
        self.job: BlockJob | None = None
        self.abort = False
        self.retired = False
        self.exception: tuple[BaseException, Any] | None = None

    def assign(self, job: BlockJob, manager: Any, grid_point: tuple[int, ...]) -> None:
        """Take part in the next block (called while this worker waits for its turn)."""
        self.job, self._manager = job, manager
        self.blockIdx = sys.modules["numba.cuda.simulator.kernel"].Dim3(*grid_point)
        self.abort, self.exception = False, None

    def run(self) -> None:
        """Run each block assigned, until retired."""
        while not self.retired:
            self.turn.acquire()
            job = self.job
            if self.retired or job is None:
                return
            failed = None
            try:
                if job.debug:
                    sys.modules["numba.cuda.simulator.kernel"].np.seterr(divide="raise")
                job.function(*job.args)
            except Exception as error:  # the simulator's message: which thread of which block
                where = f"tid={list(self.threadIdx)} ctaid={list(self.blockIdx)}"
                try:
                    named = type(error)(f"{where}: {error}" if str(error) else where)
                except Exception:
                    named = error
                self.exception, failed = (named, error.__traceback__), self
            finally:
                job.scheduler.leave(failed)

    def syncthreads(self) -> None:
        """Wait for the block (the simulator's abort checks kept)."""
        if self.abort:
            raise RuntimeError("abort flag set on syncthreads call")
        assert self.job is not None
        self.job.scheduler.barrier(self.index)
        if self.abort:
            raise RuntimeError("abort flag set on syncthreads clear")


class WorkerPool:
    """The workers of the last block shape, at most one set alive (a child's thread cap counts them)."""

    def __init__(self) -> None:
        self.shape: tuple[int, ...] | None = None
        self.workers: list[BlockWorker] = []
        self.busy = False

    def take(self, block_dim: tuple[int, ...]) -> list[BlockWorker]:
        """Workers for a block of ``block_dim``: the kept ones when they fit and are free, else new ones."""
        if self.busy:  # a kernel launched from a simulated thread: a set of its own, not kept
            return self.start(block_dim)
        if self.shape != tuple(block_dim):
            self.retire()
            self.workers, self.shape = self.start(block_dim), tuple(block_dim)
        self.busy = True
        return self.workers

    def start(self, block_dim: tuple[int, ...]) -> list[BlockWorker]:
        """New workers, one per thread of the block, in the simulator's thread order."""
        points = itertools.product(*(range(n) for n in block_dim))
        workers = [BlockWorker(index, point, tuple(block_dim)) for index, point in enumerate(points)]
        for worker in workers:
            worker.start()
        return workers

    def give_back(self, workers: list[BlockWorker], failed: bool) -> None:
        """The block has ended: keep its workers for the next one, unless it failed or they were not kept.

        Workers let go wake and end: one waiting at a barrier of a failed block raises there first.
        """
        if workers is self.workers:
            self.busy = False
            if not failed:
                return
            self.workers, self.shape = [], None
        for worker in workers:  # each holds its turn, waiting or ended: let it see that it is retired
            worker.retired = True
        for worker in workers:
            worker.turn.release()

    def retire(self) -> None:
        """Stop the kept workers and wait for them to end."""
        for worker in self.workers:
            worker.retired = True
            worker.turn.release()
        for worker in self.workers:
            worker.join()
        self.workers, self.shape = [], None


POOL = WorkerPool()


def run_block(manager: Any, grid_point: tuple[int, ...], *args: Any) -> None:
    """``BlockManager.run``: run one block's threads to the end, raising the first exception one raises."""
    workers = POOL.take(manager._block_dim)
    scheduler = BlockScheduler([worker.turn for worker in workers], sum(grid_point))
    job = BlockJob(scheduler, manager._f, args, bool(manager._debug))
    try:
        for worker in workers:
            worker.assign(job, manager, grid_point)
        scheduler.start()
        scheduler.done.acquire()
    except BaseException:  # interrupted (a signal's handler raised): the block is given up, the pool freed
        _abort(workers)
        POOL.give_back(workers, failed=True)
        raise
    failed = scheduler.failed
    if failed is not None:  # as the simulator does: abort the others, do not wait for them
        _abort(workers)
    POOL.give_back(workers, failed is not None)
    if failed is None:
        return
    failed.join()
    assert failed.exception is not None
    raise failed.exception[0].with_traceback(failed.exception[1])


def _abort(workers: list[BlockWorker]) -> None:
    """Tell a block's threads to stop at their next barrier."""
    for worker in workers:
        worker.abort = True


class _CompleteOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: it wraps the loader of ``numba.cuda``, so :func:`add_missing` runs once it is loaded."""

    def find_spec(
        self, fullname: str, path: Any, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "numba.cuda":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                # numba-cuda's redirecting finder asks every finder, this one too: wrap once.
                if not isinstance(spec.loader, _Completing):
                    spec.loader = _Completing(spec.loader)
                return spec
        return None


class _Completing(importlib.abc.Loader):
    """A loader that runs another, then adds what the simulator lacks."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self.inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.inner.exec_module(module)
        add_missing(module)
        module.__loader__ = self.inner  # the module keeps numba's own loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
