"""Compiled online faces: a policy's per-decision code as Numba kernels over one bandit.

The online architecture changes a policy's state between any two decisions, so its simulation
takes every decision in turn. Written as NumPy over (repetitions x arms) arrays, every decision
paid a few dozen array calls; compiled per bandit, it pays the policy's own arithmetic only. A
policy's online face is therefore one pair of compiled functions, and every caller runs them:
the simulation engines (``bandit_core.study``), the per-event reference simulation through
``choose``/``observe``, and the batch faces that need the same code (index policies' indices,
their Monte Carlo probabilities).

An ``OnlineKernel`` holds:

- ``choose(st, r, params, rng) -> arm`` and ``observe(st, r, arm, reward, params, rng)``, Numba
  functions working on row ``r`` of the state tuple ``st``;
- ``params``, the policy's parameters as a float array;
- ``arrays(rows, k)``, the policy's own state arrays beyond the sufficient statistics.

The state tuple is ``(pulls, reward_sum, reward_sq_sum, scratch, *arrays)``, every array with
one row per bandit: the three (rows, K) statistics of ``OnlineState``, a (rows, K) scratch row
for per-decision values, and the policy's arrays, followed by the tuple of the state it wraps
if any (a blackbox policy's base). Randomness comes from the
``numpy.random.Generator`` passed in, which the compiled code advances like NumPy does.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numba.core.caching import FunctionCache, NullCache
from numba.core.dispatcher import Dispatcher

from bandit_core.policies.base import FloatArray, IntArray, OnlineState

__all__ = [
    "OnlineKernel",
    "arm_rows",
    "argmax_rows",
    "argmax_ties",
    "choose_repeated",
    "choose_rows",
    "index_kernel",
    "index_rows",
    "jit",
    "jit_closure",
    "jit_inline",
    "jit_uncached",
    "observe_rows",
    "per_arm",
    "record",
    "state_tuple",
]

_F = TypeVar("_F", bound=Callable[..., Any])


#: every function compiled here releases Python's lock while it runs, so that the study's
#: threads run the engines side by side (``bandit_core.study.runner``)
_OPTIONS: dict[str, Any] = {"nogil": True}


def jit(fn: _F) -> _F:
    """Compile ``fn`` in Numba's nopython mode, cached on disk beside its module."""
    return cast(_F, _cached(numba.njit(**_OPTIONS)(fn), ""))


def jit_inline(fn: _F) -> _F:
    """Compile ``fn`` to be inlined where it is called: the small per-decision functions the
    engines call millions of times, which would otherwise copy their arguments (the state
    tuple) at every call."""
    return cast(_F, _cached(numba.njit(inline="always", **_OPTIONS)(fn), ""))


def jit_uncached(fn: _F) -> _F:
    """Compile ``fn`` once per process, never cached on disk: for functions whose machine code
    holds an address valid in one process only (a ctypes function pointer). Call such a
    function only from ``jit_closure`` closures, which see that and stay uncached too."""
    return cast(_F, numba.njit(**_OPTIONS)(fn))


def jit_closure(fn: _F) -> _F:
    """Compile ``fn``, a closure over other compiled functions, cached on disk under a key
    made of what it closes over (``_Cache``); compiled once per process instead when
    something it closes over cannot be keyed that way (an uncached function, say)."""
    cells = _closure_key(fn)
    dispatcher = numba.njit(**_OPTIONS)(fn)
    return cast(_F, dispatcher if cells is None else _cached(dispatcher, cells))


def _cached(dispatcher: Dispatcher, cells: str) -> Dispatcher:
    # what Dispatcher.enable_caching does, with the key of _Cache
    setattr(dispatcher, "_cache", _Cache(dispatcher, cells))  # noqa: B010
    return dispatcher


class _Cache(FunctionCache):
    """Numba's on-disk cache, keyed also by the options a function is compiled with and, for
    a closure, by what its cells hold.

    - Numba's key leaves the options out, and they are compiled into what it stores: a
      function cached before it released Python's lock was loaded after as it was, still
      holding the lock.
    - Numba keys a closure by pickling its cells, and a compiled function pickles with an id
      drawn afresh in every process: the key never matched twice, and every run stored one
      more copy. Here a cell holding a compiled function is keyed by that function's module,
      name and source file's content, and by its own cells in turn (``_closure_key``).

    As with Numba's own cache, a change to a function that a cell's function reaches through
    its globals, in another file, is not seen: clear the ``__pycache__`` then.
    """

    def __init__(self, dispatcher: Dispatcher, cells: str) -> None:
        super().__init__(dispatcher.py_func)  # type: ignore[no-untyped-call]
        self._extra = f"{sorted(dispatcher.targetoptions.items())!r}|{cells}"

    def _index_key(self, sig: Any, codegen: Any) -> tuple[Any, ...]:
        code = hashlib.sha256(self._py_func.__code__.co_code).hexdigest()
        extra = hashlib.sha256(self._extra.encode()).hexdigest()
        return (sig, codegen.magic_tuple(), (code, extra))


@functools.cache
def _file_digest(path: str) -> str:
    with open(path, "rb") as source:
        return hashlib.sha256(source.read()).hexdigest()


def _closure_key(fn: Callable[..., Any]) -> str | None:
    """A description of ``fn``'s cells that is the same in every process, or None."""
    parts = []
    for cell in fn.__closure__ or ():
        value = cell.cell_contents
        if isinstance(value, Dispatcher):
            if isinstance(getattr(value, "_cache", None), NullCache):
                return None
            py_func = value.py_func
            source = inspect.getsourcefile(py_func)
            inner = _closure_key(py_func)
            if source is None or inner is None:
                return None
            parts.append(
                f"{py_func.__module__}.{py_func.__qualname__}:{_file_digest(source)}({inner})"
            )
        elif isinstance(value, bool | int | float | str):
            parts.append(repr(value))
        else:
            return None
    return ",".join(parts)


def _no_arrays(rows: int, k: int) -> tuple[np.ndarray, ...]:
    return ()


@dataclass(frozen=True, slots=True)
class OnlineKernel:
    """The compiled online face of a policy (see the module docstring)."""

    choose: Callable[..., int]
    observe: Callable[..., None]
    params: FloatArray
    arrays: Callable[[int, int], tuple[np.ndarray, ...]] = field(default=_no_arrays)


def state_tuple(state: OnlineState) -> tuple[np.ndarray, ...]:
    """The arrays a kernel works on: statistics, scratch, the policy's own arrays, and those of
    the state it wraps (``extra["inner"]``, the base of a blackbox policy) if any."""
    inner = state.extra.get("inner")
    own = (state.pulls, state.reward_sum, state.reward_sq_sum, *state.extra["arrays"])
    return own if inner is None else (*own, *state_tuple(inner))


def start_arrays(kernel: OnlineKernel, rows: int, k: int) -> tuple[np.ndarray, ...]:
    """The scratch row and the policy's arrays of a fresh state."""
    return (np.zeros((rows, k)), *kernel.arrays(rows, k))


@jit_inline
def record(
    st: tuple[np.ndarray, ...], r: int, arm: int, reward: float, params: FloatArray, rng: Any
) -> None:
    """Add one reward of ``arm`` to row ``r``'s statistics (the observe of most policies)."""
    st[0][r, arm] += 1.0
    st[1][r, arm] += reward
    st[2][r, arm] += reward * reward


@jit_inline
def argmax_ties(values: FloatArray, rng: Any) -> int:
    """Index of the largest value, uniformly at random among tied maxima.

    One draw when there is a tie, none otherwise.
    """
    best = values[0]
    ties = 1
    for a in range(1, values.size):
        if values[a] > best:
            best = values[a]
            ties = 1
        elif values[a] == best:
            ties += 1
    pick = rng.integers(0, ties) if ties > 1 else 0
    for a in range(values.size):
        if values[a] == best:
            if pick == 0:
                return a
            pick -= 1
    return 0  # not reached (a NaN maximum aside)


@jit
def argmax_rows(values: FloatArray, rng: Any, out: IntArray) -> None:
    """``argmax_ties`` of every row of (B, K) values."""
    for i in range(values.shape[0]):
        out[i] = argmax_ties(values[i], rng)


# The loops below are built once per compiled function they call, with that function fixed
# inside: called from Python with arrays only, they skip the typing of a function argument,
# which costs more than a one-row decision (about 12 µs a call).


@functools.cache
def choose_rows(choose: Callable[..., int]) -> Callable[..., None]:
    """``run(st, params, rows, rng, out)``: one decision for each of ``rows``, in order."""

    @jit_closure
    def run(
        st: tuple[np.ndarray, ...], params: FloatArray, rows: IntArray, rng: Any, out: IntArray
    ) -> None:
        for i in range(rows.size):
            out[i] = choose(st, rows[i], params, rng)

    return run


@functools.cache
def choose_repeated(choose: Callable[..., int]) -> Callable[..., None]:
    """``run(st, params, rows, counts, rng, out)``: ``counts[i]`` consecutive decisions of row
    ``rows[i]`` with nothing observed between, their arms in ``out[i, :counts[i]]``."""

    @jit_closure
    def run(
        st: tuple[np.ndarray, ...],
        params: FloatArray,
        rows: IntArray,
        counts: IntArray,
        rng: Any,
        out: IntArray,
    ) -> None:
        for i in range(rows.size):
            for j in range(counts[i]):
                out[i, j] = choose(st, rows[i], params, rng)

    return run


@functools.cache
def observe_rows(observe: Callable[..., None]) -> Callable[..., None]:
    """``run(st, params, rows, arms, rewards, rng)``: feed rewards in the given order (a row
    may appear several times)."""

    @jit_closure
    def run(
        st: tuple[np.ndarray, ...],
        params: FloatArray,
        rows: IntArray,
        arms: IntArray,
        rewards: FloatArray,
        rng: Any,
    ) -> None:
        for i in range(rows.size):
            observe(st, rows[i], arms[i], rewards[i], params, rng)

    return run


@functools.cache
def index_rows(index: Callable[..., None]) -> Callable[..., None]:
    """``run(pulls, sums, squares, params, rng, out)``: an index policy's indices for every
    row of (B, K) statistics."""

    @jit_closure
    def run(
        pulls: FloatArray,
        sums: FloatArray,
        squares: FloatArray,
        params: FloatArray,
        rng: Any,
        out: FloatArray,
    ) -> None:
        for i in range(pulls.shape[0]):
            index(pulls[i], sums[i], squares[i], params, rng, out[i])

    return run


@jit
def arm_rows(
    arm: Callable[..., tuple[float, float]],
    pulls: FloatArray,
    sums: FloatArray,
    squares: FloatArray,
    params: FloatArray,
    first: FloatArray,
    second: FloatArray,
) -> None:
    """Apply a per-arm function of two results to every cell of (B, K) statistics."""
    for i in range(pulls.shape[0]):
        for a in range(pulls.shape[1]):
            first[i, a], second[i, a] = arm(pulls[i, a], sums[i, a], squares[i, a], params)


def per_arm(
    arm: Callable[..., tuple[float, float]],
    stats_arrays: tuple[FloatArray, ...],
    params: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """``arm(n, sum, square_sum, params) -> (x, y)`` over statistics of any shape (..., K)."""
    shape = np.broadcast_shapes(*(a.shape for a in stats_arrays))
    flat = [
        np.ascontiguousarray(np.broadcast_to(a, shape), dtype=np.float64).reshape(-1, shape[-1])
        for a in stats_arrays
    ]
    first, second = np.empty(flat[0].shape), np.empty(flat[0].shape)
    arm_rows(arm, flat[0], flat[1], flat[2], params, first, second)
    return first.reshape(shape), second.reshape(shape)


@functools.cache
def index_kernel(index: Callable[..., None]) -> Callable[..., int]:
    """The ``choose`` of an index policy: the argmax of ``index`` with random ties.

    ``index(pulls, sums, squares, params, rng, out)`` writes one bandit's indices into
    ``out``; the choice uses the state's scratch row for them. Built once per index function.
    """

    @jit_closure
    def choose(st: tuple[np.ndarray, ...], r: int, params: FloatArray, rng: Any) -> int:
        out = st[3][r]
        index(st[0][r], st[1][r], st[2][r], params, rng, out)
        return argmax_ties(out, rng)

    return choose
