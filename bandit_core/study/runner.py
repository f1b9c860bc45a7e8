"""Run (scenario, policy) cells over many repetitions, in parallel, reproducibly.

Repetitions are cut into fixed chunks (``chunk_size``), each a task with its own seeds derived
from the study seed, the scenario and the chunk, so results do not depend on ``jobs``. The
default chunk is 500 repetitions in the batch architecture, whose engine works on all the
rows of a chunk at once, and 250 online, whose compiled engine takes one repetition after the
other: smaller tasks share the threads out more evenly.

Every policy of a scenario gets the same two streams (arrivals and delays; decisions and
rewards): common random numbers, as in the authors' simulator, which reseeds before each
policy. That sharpens comparisons between policies, and policies that consume random numbers
identically give identical runs, which is how the paper's BB-UCB, BB-KL-UCB and BB-KL-UCB+
rows of Table III came out equal.

``engine="fast"`` uses the batch engine for the batch architecture and the compiled online
engine for the online one; ``engine="event"`` runs the discrete-event simulation (slow; the
reference).

With ``jobs > 1`` the tasks run on that many threads of this process. The fast engines spend
their time in compiled code that releases Python's lock (``policies.compiled``) and in NumPy
calls on whole arrays, which release it too, so the threads fill the cores without what
worker processes cost: starting them, importing NumPy, SciPy and Numba in each, loading the
compiled code again and sending results back, about 0.9 s of the 2.3 s that the cell of
``bench/paper.py`` took on 2 processes. The event engine is Python, one call per decision:
threads would take turns at the lock (two took 1.9 s for what one took in 1.1 s), so it runs
in the calling thread whatever ``jobs`` says.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Literal

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


class _Cancelled(Exception):
    """Raised in a worker thread, at its next progress report, once the run is abandoned."""


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
    ``reps * sum(cell.scenario.decisions)``. With ``jobs > 1`` the fast engines' tasks run on
    that many threads (see the module docstring); the event engine always runs in this thread.
    """
    if reps < 1 or jobs < 1 or (chunk_size is not None and chunk_size < 1):
        raise ValueError(
            f"expected reps, jobs and chunk_size >= 1, found {reps}, {jobs}, {chunk_size}"
        )

    def chunks_of(cell: Cell) -> list[tuple[int, int]]:
        size = chunk_size or DEFAULT_CHUNK[cell.scenario.architecture]
        return [(c, min(size, reps - c * size)) for c in range((reps + size - 1) // size)]

    chunks = [chunks_of(cell) for cell in cells]
    # the longest tasks first, so that no long one starts last
    tasks = sorted(
        ((i, chunk, size) for i in range(len(cells)) for chunk, size in chunks[i]),
        key=lambda t: -cells[t[0]].scenario.decisions * t[2],
    )
    parts: dict[int, dict[int, RegretSamples]] = {i: {} for i in range(len(cells))}
    seconds = [0.0] * len(cells)
    lock = threading.Lock()
    abandoned = threading.Event()

    def report(units: int) -> None:
        if abandoned.is_set():
            raise _Cancelled
        if progress is not None:
            with lock:
                progress(units)

    def run_task(i: int, chunk: int, size: int) -> None:
        start = time.perf_counter()
        samples = simulate(cells[i], size, seed, chunk, engine, report)
        with lock:
            parts[i][chunk] = samples
            seconds[i] += time.perf_counter() - start

    if jobs == 1 or engine == "event":
        for task in tasks:
            run_task(*task)
    else:
        pool = ThreadPoolExecutor(jobs, thread_name_prefix="smartarm-study")
        try:
            for future in as_completed([pool.submit(run_task, *task) for task in tasks]):
                future.result()
        except BaseException:
            # an error or Ctrl-C: queued tasks never start, running ones stop at their next
            # progress report (within a block of decisions or a day)
            abandoned.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
    results = []
    for i, cell in enumerate(cells):
        merged = RegretSamples.merge([parts[i][c] for c, _ in chunks[i]])
        results.append(CellResult(cell, merged, seconds[i]))
        log.info("%s %s: %d reps in %.1f s", cell.key, cell.policy_name, reps, seconds[i])
    return results
