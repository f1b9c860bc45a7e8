"""Run (scenario, policy) cells over many repetitions, in parallel, reproducibly.

Repetitions are cut into fixed chunks (``chunk_size``), each a task with its own seeds derived
from the study seed, the scenario and the chunk, so results do not depend on ``jobs``. The
default chunk is 500 repetitions in the batch architecture, whose engine works on all the
rows of a chunk at once, and 250 online, whose compiled engine takes one repetition after the
other: smaller tasks share the processes out more evenly.

Every policy of a scenario gets the same two streams (arrivals and delays; decisions and
rewards): common random numbers, as in the authors' simulator, which reseeds before each
policy. That sharpens comparisons between policies, and policies that consume random numbers
identically give identical runs, which is how the paper's BB-UCB, BB-KL-UCB and BB-KL-UCB+
rows of Table III came out equal.

``engine="fast"`` uses the batch engine for the batch architecture and the compiled online
engine for the online one; ``engine="event"`` runs the discrete-event simulation (slow; the
reference).

With ``jobs > 1`` every worker process gets one BLAS thread (unless the environment already
says how many): the processes fill the cores, and OpenBLAS's default of one thread per core in
each made them contend (the benchmark cell of ``bench/paper.py``: 7.7–8.0 s on 2 processes,
3.9 s with one BLAS thread each).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from bandit_core.policies.base import Policy
from bandit_core.study.batch_engine import run_batch
from bandit_core.study.events import simulate_events
from bandit_core.study.online_engine import run_online
from bandit_core.study.regret import RegretSamples
from bandit_core.study.scenario import Scenario

__all__ = ["Cell", "CellResult", "Engine", "run_cells", "simulate"]

log = logging.getLogger(__name__)

Engine = Literal["fast", "event"]
Progress = Callable[[int], None]

#: repetitions per task unless ``run_cells`` is given ``chunk_size``
DEFAULT_CHUNK = {"batch": 500, "online": 250}

#: what OpenBLAS, OpenMP and MKL read for their thread count when a process loads them
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True, slots=True)
class Cell:
    """One scenario with one policy. ``key`` names the scenario (seeds derive from it)."""

    key: str
    scenario: Scenario
    policy: Policy

    @property
    def policy_name(self) -> str:
        return self.policy.config_name


@dataclass(frozen=True, slots=True)
class CellResult:
    cell: Cell
    samples: RegretSamples
    seconds: float


def _stable(text: str) -> int:
    return zlib.crc32(text.encode())


def _generators(
    seed: int, cell: Cell, chunk: int
) -> tuple[np.random.Generator, np.random.Generator]:
    env = np.random.SeedSequence(seed, spawn_key=(_stable(cell.key), chunk))
    pol = np.random.SeedSequence(
        seed, spawn_key=(_stable(cell.key), _stable(cell.policy_name), chunk)
    )
    return np.random.default_rng(env), np.random.default_rng(pol)


def simulate(
    cell: Cell,
    reps: int,
    seed: int,
    chunk: int = 0,
    engine: Engine = "fast",
    progress: Progress | None = None,
) -> RegretSamples:
    """Simulate ``reps`` repetitions of one cell (one chunk), in this process."""
    env_rng, policy_rng = _generators(seed, cell, chunk)
    if engine == "event":
        run = simulate_events
    elif cell.scenario.architecture == "batch":
        run = run_batch
    else:
        run = run_online
    return run(cell.scenario, cell.policy, reps, env_rng, policy_rng, progress)


# -- parallel execution --------------------------------------------------------------------

_worker_queue: Any = None


@contextlib.contextmanager
def one_blas_thread_per_worker() -> Iterator[None]:
    """Processes started inside get one BLAS thread, unless a variable is already set.

    The fork server (started by the first pool, inside) and spawned workers inherit the
    environment when they start and load BLAS afterwards; the parent's own BLAS, loaded long
    before, is not affected. The variables are restored on exit.
    """
    unset = [name for name in BLAS_THREAD_VARIABLES if name not in os.environ]
    for name in unset:
        os.environ[name] = "1"
    try:
        yield
    finally:
        for name in unset:
            os.environ.pop(name, None)


def _worker_context() -> Any:
    """Workers forked from a server that imported the engines once (spawned where there is none).

    Spawned, every worker imported NumPy, SciPy, Numba and the engines itself, and a manager
    process carried the progress queue: 0.5 s of the 2.4-3.1 s that ``bench/paper.py``'s cell
    took on 2 processes. The server lives as long as the calling process and serves every
    later pool.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["__main__", __name__])
    return ctx


def _init_worker(progress_queue: Any) -> None:
    global _worker_queue
    _worker_queue = progress_queue


class _Throttled:
    """Forwards progress to a queue at most every 0.2 s (plus a final flush)."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink
        self.pending = 0
        self.last = time.monotonic()

    def __call__(self, units: int) -> None:
        self.pending += units
        if time.monotonic() - self.last > 0.2:
            self.flush()

    def flush(self) -> None:
        if self.pending and self.sink is not None:
            self.sink.put(self.pending)
        self.pending = 0
        self.last = time.monotonic()


def _run_task(
    cell: Cell, reps: int, seed: int, chunk: int, engine: Engine
) -> tuple[RegretSamples, float]:
    report = _Throttled(_worker_queue)
    start = time.perf_counter()
    samples = simulate(cell, reps, seed, chunk, engine, report)
    report.flush()
    return samples, time.perf_counter() - start


def run_cells(
    cells: Sequence[Cell],
    reps: int,
    seed: int,
    jobs: int = 1,
    chunk_size: int | None = None,
    engine: Engine = "fast",
    progress: Progress | None = None,
) -> list[CellResult]:
    """Simulate every cell over ``reps`` repetitions; results in the order of ``cells``.

    ``progress`` receives decision-repetitions as they complete; the total is
    ``reps * sum(cell.scenario.decisions)``.
    """
    if reps < 1 or jobs < 1 or (chunk_size is not None and chunk_size < 1):
        raise ValueError(
            f"expected reps, jobs and chunk_size >= 1, found {reps}, {jobs}, {chunk_size}"
        )

    def chunks_of(cell: Cell) -> list[tuple[int, int]]:
        size = chunk_size or DEFAULT_CHUNK[cell.scenario.architecture]
        return [(c, min(size, reps - c * size)) for c in range((reps + size - 1) // size)]

    chunks = [chunks_of(cell) for cell in cells]
    parts: dict[int, dict[int, RegretSamples]] = {i: {} for i in range(len(cells))}
    seconds = [0.0] * len(cells)

    if jobs == 1:
        for i, cell in enumerate(cells):
            for chunk, size in chunks[i]:
                start = time.perf_counter()
                parts[i][chunk] = simulate(cell, size, seed, chunk, engine, progress)
                seconds[i] += time.perf_counter() - start
    else:
        ctx = _worker_context()
        sink = ctx.Queue()
        stop = threading.Event()

        def pump() -> None:
            while not stop.is_set():
                try:
                    units = sink.get(timeout=0.1)
                except queue.Empty:
                    continue
                if progress is not None:
                    progress(units)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            with (
                one_blas_thread_per_worker(),
                ProcessPoolExecutor(
                    jobs, mp_context=ctx, initializer=_init_worker, initargs=(sink,)
                ) as pool,
            ):
                # the longest tasks first, so that no long one starts last
                tasks = sorted(
                    ((i, chunk, size) for i in range(len(cells)) for chunk, size in chunks[i]),
                    key=lambda t: -cells[t[0]].scenario.decisions * t[2],
                )
                futures = {
                    pool.submit(_run_task, cells[i], size, seed, chunk, engine): (i, chunk)
                    for i, chunk, size in tasks
                }
                for future in as_completed(futures):
                    i, chunk = futures[future]
                    samples, took = future.result()
                    parts[i][chunk] = samples
                    seconds[i] += took
        finally:
            stop.set()
            reader.join()
            sink.close()
    results = []
    for i, cell in enumerate(cells):
        merged = RegretSamples.merge([parts[i][c] for c, _ in chunks[i]])
        results.append(CellResult(cell, merged, seconds[i]))
        log.info("%s %s: %d reps in %.1f s", cell.key, cell.policy_name, reps, seconds[i])
    return results
