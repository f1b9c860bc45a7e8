"""BESA, Best Empirical Sampled Average (Baransi, Maillard & Mannor 2014).

BESA compares two arms on equal footing: the arm with more observations is sub-sampled,
without replacement, down to the other's number, and the larger sample mean wins. An arm
without observations beats any observed arm; exact ties go to the arm with fewer observations,
then to a coin flip. No parameter, no reward bounds: fractional rewards are native.

With K arms the duels are organised by ``tournament``:

- ``"sort"`` (the authors' simulator, default): the arms are sorted by Python's ``sorted``
  with the duel as comparison function, descending, starting from the previous decision's order
  (the order is part of the state), and the first arm is played. CPython's sort of fewer than
  64 items is a binary insertion sort after an initial run; ``insertion_sort`` performs the
  very same comparisons. Unpulled arms always sort first and are chosen uniformly at random
  (the code gives arms with equal histories equal indices).
- ``"tree"`` (Baransi et al., SMPyBandits): a random binary tournament, halving a shuffled
  list recursively.

A duel needs a sub-sample mean. The one-row state made by ``start(k)`` keeps every reward and
sub-samples the real history (a uniformly random subset, Floyd's algorithm). States made by
``start_many`` (the simulation engines) and the batch face keep sufficient statistics only:
for an arm whose rewards are all 0 or 1 (``Σr² = Σr``) the sub-sample sum is exactly
hypergeometric, so nothing is lost; for fractional rewards
the sub-sample mean is drawn from the normal law with the history's mean and the
finite-population variance ``s² (N − n) / ((N − 1) n)``, clipped to [0, 1] (an approximation;
docs/paper.md, "What the simulator implements", compares it with real histories).

Batch face (``batch_probabilities``): the share of ``batch_draws`` seeded tournaments won by
each arm (Monte Carlo; for ``"sort"`` each draw starts from a random order, as the frozen
statistics carry none). In the simulator, a period of ``D`` decisions without feedback runs
``min(D, period_draws)`` consecutive tournaments on the frozen state (carrying the sort order)
and spreads any remaining decisions multinomially over their winners' shares.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from bandit_core.policies.base import (
    ArmStats,
    FloatArray,
    IntArray,
    OnlineState,
    Policy,
    multinomial_segments,
)
from bandit_core.policies.compiled import (
    OnlineKernel,
    argmax_ties,
    choose_repeated,
    jit,
    jit_closure,
    jit_inline,
    record,
    state_tuple,
)

__all__ = ["BESA"]

# the state tuple: statistics, scratch, then the sort order and the duels' table (_arrays)
_ORDER, _TABLE = 4, 5

# The duels read one float array, the table, shared by the state's rows (taken one after the
# other): rows 0-2 the statistics of the bandit deciding (pulls, sums, sums of squares, copied
# in before its tournament), row 3 log-factorials (log i! at column i), and in a state that
# keeps rewards, one row of rewards per arm and a last row marking the rewards a sub-sample
# has picked. A duel reads a single array: reading several, from a tuple or as arguments, cost
# Numba a pair of reference-count updates per array and duel, more than the duel itself.
_PULLS, _SUMS, _SQUARES, _LOG_FACT, _REWARDS = 0, 1, 2, 3, 4


def log_factorials(n: int) -> FloatArray:
    """log(i!) for i = 0 .. n - 1, as a (1, n) row."""
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, max(n, 1))))])[None, :]


@jit
def _log_factorial(table: FloatArray, i: int) -> float:
    return float(table[i]) if i < table.size else math.lgamma(i + 1.0)


@jit
def hypergeometric(good: int, bad: int, sample: int, rng: Any, table: FloatArray) -> int:
    """Successes among ``sample`` draws without replacement from ``good`` + ``bad`` items.

    Exact: by sequential draws for small samples, else by inversion searching outward from the
    mode (the probability ratios of neighbouring values are rational, so only the mode's
    probability needs logarithms of factorials, read from ``table`` = ``log_factorials``);
    expected work grows like the standard deviation.
    """
    if sample <= 16:
        hits = 0
        for _ in range(sample):
            if rng.random() * (good + bad) < good:
                hits += 1
                good -= 1
            else:
                bad -= 1
        return hits
    total = good + bad
    low, high = max(0, sample - bad), min(sample, good)
    mode = min(max((sample + 1) * (good + 1) // (total + 2), low), high)
    log_p = (
        _log_factorial(table, good) - _log_factorial(table, mode)
        - _log_factorial(table, good - mode) + _log_factorial(table, bad)
        - _log_factorial(table, sample - mode) - _log_factorial(table, bad - sample + mode)
        - _log_factorial(table, total) + _log_factorial(table, sample)
        + _log_factorial(table, total - sample)
    )  # fmt: skip
    u = rng.random()
    p_mode = math.exp(log_p)
    if u <= p_mode:
        return mode
    u -= p_mode
    up, down, p_up, p_down = mode, mode, p_mode, p_mode
    while up < high or down > low:
        if up < high:
            p_up *= (good - up) * (sample - up) / ((up + 1.0) * (bad - sample + up + 1.0))
            up += 1
            if u <= p_up:
                return up
            u -= p_up
        if down > low:
            p_down *= down * (bad - sample + down) / ((good - down + 1.0) * (sample - down + 1.0))
            down -= 1
            if u <= p_down:
                return down
            u -= p_down
    return mode  # what rounding left of the last ~1e-15 of probability


@jit
def _sub_mean(table: FloatArray, arm: int, size: int, rng: Any) -> float:
    """Mean of ``size`` (< N) of the arm's N rewards drawn without replacement."""
    n, s, sq = table[_PULLS, arm], table[_SUMS, arm], table[_SQUARES, arm]
    k = table.shape[0] - _REWARDS - 1  # arms with kept rewards (0: none kept)
    if k > 0:
        # the real history: Floyd's algorithm picks a uniformly random subset of indices
        values, taken = table[_REWARDS + arm], table[_REWARDS + k]
        count = int(n)
        total = 0.0
        for j in range(count - size, count):
            pick = rng.integers(0, j + 1)
            if taken[pick] != 0.0:
                pick = j
            taken[pick] = 1.0
            total += values[pick]
        for j in range(count):
            taken[j] = 0.0
        return total / size
    # all rewards of an arm are 0 or 1 exactly when Σr² = Σr (r² < r inside (0, 1))
    if abs(sq - s) <= 1e-9 * max(n, 1.0):
        ones = int(math.floor(s + 0.5))
        zeros = int(math.floor(n + 0.5)) - ones
        return hypergeometric(ones, zeros, size, rng, table[_LOG_FACT]) / size
    mean = s / n
    spread = math.sqrt(max(sq / n - mean * mean, 0.0))
    sd = spread * math.sqrt((n - size) / (max(n - 1.0, 1.0) * size))
    return float(min(max(mean + sd * rng.standard_normal(), 0.0), 1.0))


@jit_inline
def _duel(table: FloatArray, x: int, y: int, rng: Any) -> float:
    """The authors' ``winBesa``: > 0 when x beats y, < 0 when y beats x, 0 for a true tie.

    The arm with more observations is sub-sampled to the other's number; the other's mean is
    its full mean. An arm without observations beats any other (a coin decides between two).
    """
    nx, ny = table[_PULLS, x], table[_PULLS, y]
    if nx == 0 or ny == 0:
        if nx == 0 and ny == 0:
            return 1.0 if rng.random() < 0.5 else -1.0
        return 1.0 if nx == 0 else -1.0
    mx, my = table[_SUMS, x] / nx, table[_SUMS, y] / ny
    if nx > ny:
        mx = _sub_mean(table, x, int(ny), rng)
    elif ny > nx:
        my = _sub_mean(table, y, int(nx), rng)
    diff = mx - my
    if abs(diff) <= 1e-12:
        # exact tie: the shorter history wins; equal lengths leave the order as it was (0)
        return 1.0 if ny > nx else (-1.0 if nx > ny else 0.0)
    return float(diff)


@jit_inline
def _loses(table: FloatArray, x: int, y: int, rng: Any) -> bool:
    return _duel(table, x, y, rng) < 0


@functools.cache
def insertion_sort(less: Callable[..., bool]) -> Callable[..., None]:
    """CPython's ``list.sort`` of fewer than 64 items, ascending by ``less(context, x, y, rng)``:
    ``sort(items, context, rng)`` sorts ``items`` in place (built once per comparator, which
    is compiled into it).

    ``count_run`` finds the initial run (a strictly descending one is reversed), then
    ``binarysort`` inserts the rest by binary search: the very comparisons CPython makes.
    """

    @jit_closure
    def sort(items: IntArray, context: Any, rng: Any) -> None:
        k = items.size
        if k < 2:
            return
        descending = less(context, items[1], items[0], rng)
        run = 2
        while run < k:
            lt = less(context, items[run], items[run - 1], rng)
            if lt != descending:
                break
            run += 1
        if descending:
            items[:run] = items[:run][::-1].copy()
        for start in range(run, k):
            pivot = items[start]
            low, high = 0, start
            while low < high:
                mid = low + ((high - low) >> 1)
                if less(context, pivot, items[mid], rng):
                    high = mid
                else:
                    low = mid + 1
            for j in range(start, low, -1):
                items[j] = items[j - 1]
            items[low] = pivot

    return sort


_sort = insertion_sort(_loses)


@jit
def _tree_winner(table: FloatArray, candidates: IntArray, rng: Any) -> int:
    """Winner of a binary tournament over ``candidates``, halving (left half first)."""
    m = candidates.size
    if m == 1:
        return int(candidates[0])
    left = _tree_winner(table, candidates[: m // 2], rng)
    right = _tree_winner(table, candidates[m // 2 :], rng)
    d = _duel(table, left, right, rng)
    return left if d > 0 or (d == 0 and rng.random() < 0.5) else right


@jit
def _choose(st: tuple[np.ndarray, ...], r: int, params: FloatArray, rng: Any) -> int:
    """One decision: params[0] is 0 for the sort tournament, 1 for the tree."""
    pulls, order, scratch, table = st[0][r], st[_ORDER][r], st[3][r], st[_TABLE]
    k = order.size
    for a in range(k):
        table[_PULLS, a], table[_SUMS, a], table[_SQUARES, a] = pulls[a], st[1][r, a], st[2][r, a]
    if params[0] == 0:
        # sorted(..., reverse=True) reverses, sorts ascending (stable), reverses back
        items = order[::-1].copy()
        _sort(items, table, rng)
        order[:] = items[::-1]
        winner = order[0]
    else:
        winner = _tree_winner(table, np.argsort(rng.random(k)), rng)
    # every unpulled arm has the same (empty) history, hence the same index: uniform
    unpulled = False
    for a in range(k):
        empty = pulls[order[a]] == 0
        scratch[a] = 1.0 if empty else 0.0
        unpulled = unpulled or empty
    if unpulled:
        winner = order[argmax_ties(scratch, rng)]
    return int(winner)


@jit
def _observe(
    st: tuple[np.ndarray, ...], r: int, arm: int, reward: float, params: FloatArray, rng: Any
) -> None:
    table = st[_TABLE]
    if table.shape[0] > _REWARDS:
        # a state that keeps rewards has one row (r is 0)
        table[_REWARDS + arm, int(st[0][r, arm])] = reward
    record(st, r, arm, reward, params, rng)


@jit
def _batch_wins(
    st: tuple[np.ndarray, ...], params: FloatArray, draws: int, rng: Any, wins: FloatArray
) -> None:
    """``draws`` decisions of every bandit of ``st``, each from a random order."""
    for r in range(wins.shape[0]):
        order = st[_ORDER][r]
        for _ in range(draws):
            order[:] = np.argsort(rng.random(order.size))
            wins[r, _choose(st, r, params, rng)] += 1.0


def _table(k: int, columns: int, rewards: bool) -> FloatArray:
    """The duels' table (see ``_REWARDS``) with ``columns`` columns, log-factorials filled in."""
    table = np.zeros((_REWARDS + (k + 1 if rewards else 0), columns))
    table[_LOG_FACT] = log_factorials(columns)[0]
    return table


def _arrays(rewards: bool) -> Callable[[int, int], tuple[np.ndarray, ...]]:
    """The sort order and the duels' table (which ``reserve`` widens as the arms' counts grow);
    with ``rewards`` the table keeps them (a one-row state)."""

    def arrays(rows: int, k: int) -> tuple[np.ndarray, ...]:
        return (np.tile(np.arange(k, dtype=np.intp), (rows, 1)), _table(k, max(1024, k), rewards))

    return arrays


@dataclass(frozen=True, slots=True, kw_only=True)
class BESA(Policy):
    """BESA (see the module docstring).

    Args:
        tournament: ``"sort"`` (the authors' simulator) or ``"tree"`` (Baransi et al.).
        batch_draws: tournaments behind the batch face's Monte Carlo shares.
        period_draws: tournaments simulated per feedback-free period in the simulator.
    """

    name: ClassVar[str] = "besa"

    tournament: Literal["sort", "tree"] = "sort"
    batch_draws: int = 10_000
    period_draws: int = 256

    def __post_init__(self) -> None:
        if self.tournament not in ("sort", "tree"):
            raise ValueError(
                f"besa: expected tournament 'sort' or 'tree', found {self.tournament!r}"
            )
        for label, value in (
            ("batch_draws", self.batch_draws),
            ("period_draws", self.period_draws),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"besa: expected {label} a positive integer, found {value!r}")

    # -- state ------------------------------------------------------------------------------

    def kernel(self, rewards: bool = False) -> OnlineKernel:
        """The compiled face; with ``rewards`` (one-row states) duels sub-sample the rewards
        themselves, else the arms' statistics."""
        params = np.array([0.0 if self.tournament == "sort" else 1.0])
        return OnlineKernel(_choose, _observe, params, _arrays(rewards))

    def start(self, k: int) -> OnlineState:
        # the one-bandit state keeps every reward (its table widens in reserve)
        state = OnlineState.empty(k, 1)
        state.extra["kernel"] = self.kernel(rewards=True)
        state.extra["arrays"] = (np.zeros((1, k)), *_arrays(True)(1, k))
        return state

    def reserve(self, state: OnlineState, deliveries: IntArray) -> None:
        scratch, order, table = state.extra["arrays"]
        needed = int(np.max(state.pulls + np.asarray(deliveries)[:, None]))
        if needed >= table.shape[1]:
            # a log-factorial for every count, room for every reward
            wider = _table(state.n_arms, max(needed + 1, 2 * table.shape[1]), False)
            if table.shape[0] > _REWARDS:
                kept = np.zeros((table.shape[0] - _REWARDS, wider.shape[1]))
                kept[:, : table.shape[1]] = table[_REWARDS:]
                wider = np.concatenate([wider, kept])
            table = wider
        state.extra["arrays"] = (scratch, order, table)

    def observe_many(
        self,
        state: OnlineState,
        rows: IntArray,
        arms: IntArray,
        rewards: FloatArray,
        rng: np.random.Generator,
    ) -> None:
        self.reserve(state, np.bincount(rows, minlength=state.rows))
        Policy.observe_many(self, state, rows, arms, rewards, rng)

    # -- batch face and feedback-free periods -----------------------------------------------

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        k = stats.n_arms
        flat = [
            np.ascontiguousarray(x, dtype=np.float64).reshape(-1, k)
            for x in (stats.pulls, stats.reward_sum, stats.reward_sq_sum)
        ]
        bandits = flat[0].shape[0]
        kernel = self.kernel()
        order, _ = kernel.arrays(bandits, k)
        table = _table(k, max(int(np.max(flat[0], initial=0)) + 1, k), False)
        st = (*flat, np.zeros((bandits, k)), order, table)
        wins = np.zeros((bandits, k))
        _batch_wins(st, kernel.params, self.batch_draws, rng, wins)
        return np.asarray((wins / self.batch_draws).reshape(stats.pulls.shape), dtype=np.float64)

    def allocate_many(
        self,
        state: OnlineState,
        rows: IntArray,
        decisions: IntArray,
        rng: np.random.Generator,
    ) -> IntArray:
        k = state.n_arms
        total = np.sum(decisions, axis=1)
        simulate = np.minimum(total, self.period_draws)
        # per row: the arm of each of its first `simulate` decisions, in order (the state is
        # frozen for the whole period; the sort order carries from one to the next)
        picks = np.full((len(rows), int(np.max(simulate, initial=0))), -1, dtype=np.intp)
        kernel = self._kernel_of(state)
        choose_repeated(kernel.choose)(
            state_tuple(state),
            kernel.params,
            np.asarray(rows, dtype=np.intp),
            simulate.astype(np.intp),
            rng,
            picks,
        )
        counts = np.zeros((*decisions.shape, k), dtype=np.intp)
        exact = total <= self.period_draws
        if exact.any():
            # the simulated decisions are the real ones: cut them into the segments
            bounds = np.cumsum(decisions[exact], axis=1)
            seg = np.sum(np.arange(picks.shape[1])[None, :, None] >= bounds[:, None, :], axis=2)
            real = picks[exact] >= 0
            r_idx = np.broadcast_to(np.arange(int(np.sum(exact)))[:, None], real.shape)[real]
            np.add.at(counts, (np.flatnonzero(exact)[r_idx], seg[real], picks[exact][real]), 1)
        if (~exact).any():
            many = np.flatnonzero(~exact)
            shares = np.zeros((many.size, k))
            owner = np.repeat(np.arange(many.size), picks.shape[1])
            np.add.at(shares, (owner, picks[many].ravel()), 1.0)
            counts[many] = multinomial_segments(decisions[many], shares, rng)
        return counts
