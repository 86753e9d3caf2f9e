"""Monte-Carlo work beyond one machine: a run's chunks of trials as tasks on a Dask cluster.

A chunk is a pure function of the source, the run's compiled plans and the chunk's place
(``simulate.chunk_totals``), so a task gives the same numbers on any worker, and again when Dask
retries it after its worker died. A task sends back what the plans' results keep of its chunk
(per-trial totals, per-rep sums, the detail trials), never the chunk's payout rows; the client
folds them in chunk order, exactly as an in-process run does, so the numbers are the same to
the bit. The source and the compiled plans go to the workers once per run (scattered to every
worker), and at most a window of tasks is out at once, so the client's memory stays bounded
whatever the trial count.

``scheduler`` is the address of a running ``dask.distributed`` scheduler (``tcp://host:8786``),
``local:N`` for a LocalCluster of N worker processes on this machine (started and closed here),
or a ``distributed.Client`` already connected. Dask is imported only when one is given.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, TypeVar, Union

from comp_sim.errors import CompSimError, Issue, UsageError

if TYPE_CHECKING:
    from distributed import Client

T = TypeVar("T")
LOCAL = "local:"
MAX_LOCAL_WORKERS = 64
CONNECT_SECONDS = 10
RETRIES = 2  # a task that raised is tried again this many times (a lost worker's tasks always are)
TASKS_PER_THREAD = 2  # tasks out (running, queued or done and waiting for their turn) per worker thread
TASK_KEY = "comp-sim-chunk"  # a task's key: TASK_KEY-run-chunk index, as a dashboard shows it
DISTRIBUTION = "comp-sim"  # the package workers must have, in this version
# Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also fixes glibc's mmap threshold
# at 128 KiB: every array a chunk makes is mapped and unmapped afresh, and a chunk took several
# times longer (mostly system time; benchmarks/bench_dask.py). Local workers start without it.
EAGER_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


@dataclass
class Cluster:
    """A connected Dask client and what has been sent to its workers."""

    client: Client
    address: str  # as the user gave it, for messages
    _source: tuple[Any, Any] | None = field(default=None, repr=False)  # (source, its future on the workers)

    def in_order(self, task: Callable[..., T], source: Any, work: Any, keep: Sequence[int]) -> Iterator[T]:
        """``task(source, work, index, keep[index])`` for every chunk index, as tasks, yielded in
        index order. The source is sent once (and kept for the next run over it: calibration's
        steps, the baseline), the work once per run; at most ``TASKS_PER_THREAD`` tasks per
        worker thread are out at once."""
        from distributed import as_completed

        client = self.client
        source_on_workers = self._send_source(source)
        [work_on_workers] = client.scatter([work], broadcast=True, hash=False)
        window = max(2, TASKS_PER_THREAD * sum(client.nthreads().values()))
        run = uuid.uuid4().hex[:12]
        out: dict[str, tuple[int, Any]] = {}
        finished = as_completed(loop=client.loop)
        ready: dict[int, T] = {}
        submitted = wanted = 0
        try:
            while wanted < len(keep):
                while submitted < len(keep) and submitted - wanted < window:
                    future = client.submit(_reported, task, source_on_workers, work_on_workers, submitted,
                                           keep[submitted], key=f"{TASK_KEY}-{run}-{submitted}", retries=RETRIES)
                    out[future.key] = (submitted, future)
                    finished.add(future)
                    submitted += 1
                future = next(finished)
                index, _ = out.pop(future.key)
                ready[index] = self._result(future, index)
                future.release()
                while wanted in ready:
                    yield ready.pop(wanted)
                    wanted += 1
        finally:
            client.cancel([future for _, future in out.values()])
            work_on_workers.release()

    def _send_source(self, source: Any) -> Any:
        """The source on every worker: sent once, and kept until another source is sent."""
        if self._source is None or self._source[0] is not source:
            if self._source is not None:
                self._source[1].release()
            [future] = self.client.scatter([source], broadcast=True, hash=False)
            self._source = (source, future)
        return self._source[1]

    def _result(self, future: Any, index: int) -> Any:
        """A task's result; the bad input it found (data that breaks a rule in the chunk) raised
        here as it is; workers that kept dying as an error naming the cluster: those running one
        chunk again and again, or every worker holding the trials at once (what was sent is lost)."""
        from distributed import KilledWorker

        try:
            result = future.result()
        except KilledWorker as exc:
            raise self._died(f"running chunk {index} of the trials again and again ({exc})") from None
        except CancelledError:
            raise self._died(f"all at once, losing the trials sent to them (chunk {index} was out)") from None
        if isinstance(result, CompSimError):
            raise result
        return result

    def _died(self, how: str) -> UsageError:
        return UsageError(Issue(f"the Dask workers at {self.address} died {how}; give the workers more memory, "
                                f"or run fewer reps or trials at once", path="scheduler", value=self.address))


def _reported(task: Callable[..., T], *args: Any) -> T | CompSimError:
    """``task(*args)`` on a worker, with bad input it finds returned rather than raised: the same
    input fails the same way however often it is tried, and the worker does not log it."""
    try:
        return task(*args)
    except CompSimError as exc:
        return exc


Scheduler = Union[str, "Client", Cluster, None]  # an address, "local:N", a client; None: in this process


@contextmanager
def open_cluster(scheduler: Scheduler) -> Iterator[Cluster | None]:
    """A cluster for the length of a command: ``None`` runs in this process; ``local:N``
    starts N worker processes here and closes them after; an address connects to a running
    scheduler (and leaves it running)."""
    if scheduler is None or isinstance(scheduler, Cluster):
        yield scheduler
        return
    import dask
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield Cluster(scheduler, str(scheduler.scheduler.address))
        return
    address = str(scheduler).strip()
    if address.startswith(LOCAL):
        workers = _local_workers(address)
        with (dask.config.set({EAGER_TRIM: None}),
              LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0",  # a free port: no warning when 8787 is taken
                           silence_logs=logging.CRITICAL) as local,
              Client(local, set_as_default=False) as client):
            yield Cluster(client, address)
        return
    _reach(address)
    with Client(address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False) as client:
        _check_workers(client, address)
        yield Cluster(client, address)


def _local_workers(address: str) -> int:
    """N of ``local:N``: a whole number of worker processes, 1 to MAX_LOCAL_WORKERS."""
    count = address[len(LOCAL):]
    if not count.isdigit() or not 1 <= int(count) <= MAX_LOCAL_WORKERS:
        raise UsageError(Issue(f"local:N starts N worker processes on this machine: N is a whole number from 1 to "
                               f"{MAX_LOCAL_WORKERS}", path="scheduler", value=address))
    return int(count)


def _reach(address: str) -> None:
    """Connect to the scheduler once and hang up, so that an address that is wrong or down is
    a plain error naming it (a ``Client`` that fails to connect leaves noise at exit)."""
    from distributed.comm import connect

    async def probe() -> None:
        comm = await connect(address, timeout=CONNECT_SECONDS)
        await comm.close()

    with ThreadPoolExecutor(max_workers=1) as thread:  # its own event loop, whatever the caller runs
        try:
            thread.submit(asyncio.run, probe()).result()
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise UsageError(Issue(
                f"cannot reach a Dask scheduler at '{address}' ({exc}); start one with `dask scheduler` and "
                f"workers with `dask worker {address}`, or give local:N for N worker processes on this machine",
                path="scheduler", value=address)) from None


def _check_workers(client: Client, address: str) -> None:
    """Every worker runs this version of comp_sim (the same code gives the same numbers)."""
    mine = version(DISTRIBUTION)
    try:
        theirs = client.run(version, DISTRIBUTION)
    except PackageNotFoundError:
        theirs = {"a worker": "none"}
    wrong = {worker: found for worker, found in theirs.items() if found != mine}
    if wrong:
        listed = ", ".join(f"{worker} has {found}" for worker, found in sorted(wrong.items())[:5])
        raise UsageError(Issue(f"the workers of the Dask scheduler at {address} must run comp-sim {mine} "
                               f"({listed}); install it on every worker", path="scheduler", value=address))
