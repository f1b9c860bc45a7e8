"""BESA, Best Empirical Sampled Average (Baransi, Maillard & Mannor 2014).

BESA compares two arms on equal footing: the arm with more observations is sub-sampled,
without replacement, down to the other's number, and the larger sample mean wins. An arm
without observations beats any observed arm; exact ties go to the arm with fewer observations,
then to a coin flip. No parameter, no reward bounds: fractional rewards are native.

With K arms the duels are organised by ``tournament``:

- ``"sort"`` (the authors' simulator, default): the arms are sorted by Python's ``sorted``
  with the duel as comparison function, descending, starting from the previous decision's order
  (the order is part of the state), and the first arm is played. CPython's sort of fewer than
  64 items is a binary insertion sort after an initial run; ``_insertion_sort`` performs the
  very same comparisons. Unpulled arms always sort first and are chosen uniformly at random
  (the code gives arms with equal histories equal indices).
- ``"tree"`` (Baransi et al., SMPyBandits): a random binary tournament, halving a shuffled
  list recursively.

A duel needs a sub-sample mean. The one-row state made by ``start(k)`` keeps every reward and
sub-samples the real history. States made by ``start_many`` (the simulation engines) and the
batch face keep sufficient statistics only: for an arm whose rewards are all 0 or 1 (``Σr² =
Σr``) the sub-sample sum is exactly hypergeometric, so nothing is lost; for fractional rewards
the sub-sample mean is drawn from the normal law with the history's mean and the
finite-population variance ``s² (N − n) / ((N − 1) n)``, clipped to [0, 1] (an approximation,
documented in docs/paper.md where it matters).

Batch face (``batch_probabilities``): the share of ``batch_draws`` seeded tournaments won by
each arm (Monte Carlo; for ``"sort"`` each draw starts from a random order, as the frozen
statistics carry none). In the simulator, a period of ``D`` decisions without feedback runs
``min(D, period_draws)`` consecutive tournaments on the frozen state (carrying the sort order)
and spreads any remaining decisions multinomially over their winners' shares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from bandit_core.policies.base import (
    ArmStats,
    FloatArray,
    IntArray,
    OnlineState,
    Policy,
    check_rewards,
    multinomial_segments,
)

__all__ = ["BESA"]

# less_than(x, y) -> x sorts below y (duel comparison), for the rows of the current call
LessThan = Callable[[IntArray, IntArray, IntArray], np.ndarray]


def _sample_means(
    stats: ArmStats, rows: IntArray, arms: IntArray, size: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Mean of ``size`` rewards drawn without replacement from each (row, arm)'s statistics."""
    n = stats.pulls[rows, arms]
    s = stats.reward_sum[rows, arms]
    sq = stats.reward_sq_sum[rows, arms]
    # size 0 only happens against an unpulled arm, where the duel does not look at means
    full = (size >= n) | (size <= 0)
    binary = np.abs(sq - s) <= 1e-9 * np.maximum(n, 1.0)
    out = np.divide(s, n, out=np.zeros(n.shape), where=n > 0)
    pick = ~full & binary
    if np.any(pick):
        ones = np.rint(s[pick]).astype(np.int64)
        zeros = np.rint(n[pick]).astype(np.int64) - ones
        out[pick] = rng.hypergeometric(ones, zeros, size[pick].astype(np.int64)) / size[pick]
    pick = ~full & ~binary
    if np.any(pick):
        mean = out[pick]
        population_var = np.maximum(sq[pick] / n[pick] - mean**2, 0.0)
        m = size[pick]
        var = population_var / m * (n[pick] - m) / np.maximum(n[pick] - 1.0, 1.0)
        out[pick] = np.clip(mean + np.sqrt(var) * rng.standard_normal(m.shape), 0.0, 1.0)
    return out


class _History:
    """One arm's rewards, appended in place (amortised doubling)."""

    __slots__ = ("values", "size")

    def __init__(self) -> None:
        self.values = np.empty(16)
        self.size = 0

    def append(self, value: float) -> None:
        if self.size == self.values.size:
            self.values = np.concatenate([self.values, np.empty(self.size)])
        self.values[self.size] = value
        self.size += 1

    def sample_mean(self, m: int, rng: np.random.Generator) -> float:
        """Mean of ``m`` rewards drawn without replacement (all of them when m >= size)."""
        if self.size == 0 or m <= 0:
            return 0.0
        if m >= self.size:
            return float(np.mean(self.values[: self.size]))
        return float(np.mean(self.values[rng.choice(self.size, size=m, replace=False)]))


def _history_means(
    histories: list[list[_History]],
    rows: IntArray,
    arms: IntArray,
    size: FloatArray,
    rng: np.random.Generator,
) -> FloatArray:
    return np.array(
        [
            histories[r][a].sample_mean(int(m), rng)
            for r, a, m in zip(rows.tolist(), arms.tolist(), size.tolist(), strict=True)
        ],
        dtype=np.float64,
    )


def _duel(
    pulls: FloatArray,
    means: Callable[[IntArray, IntArray, FloatArray], FloatArray],
    rows: IntArray,
    x: IntArray,
    y: IntArray,
    rng: np.random.Generator,
) -> FloatArray:
    """The authors' ``winBesa``: > 0 when x beats y, < 0 when y beats x, 0 for a true tie.

    ``pulls`` is indexed by (row, arm); ``means(rows, arms, size)`` draws sub-sample means.
    """
    nx, ny = pulls[rows, x], pulls[rows, y]
    size = np.minimum(nx, ny)
    mx = means(rows, x, size)
    my = means(rows, y, size)
    diff = mx - my
    tie = np.abs(diff) <= 1e-12
    # exact tie: the shorter history wins; equal lengths leave the order as it was (0)
    diff = np.where(tie, np.sign(ny - nx), diff)
    both_empty = (nx == 0) & (ny == 0)
    coin = np.where(rng.random(len(rows)) < 0.5, 1.0, -1.0)
    diff = np.where(nx == 0, 1.0, np.where(ny == 0, -1.0, diff))
    return np.asarray(np.where(both_empty, coin, diff), dtype=np.float64)


def _insertion_sort(order: IntArray, less_than: LessThan) -> IntArray:
    """CPython's ``list.sort`` of fewer than 64 items, row by row, ascending.

    ``count_run`` finds the initial run (a strictly descending one is reversed), then
    ``binarysort`` inserts the rest by binary search. Returns the sorted order (R, K).
    """
    order = order.copy()
    rows_all, k = order.shape[0], order.shape[1]
    idx = np.arange(rows_all)
    if k < 2:
        return order
    descending = less_than(idx, order[:, 1], order[:, 0])
    run = np.full(rows_all, 2)
    going = np.ones(rows_all, dtype=bool)
    for i in range(2, k):
        live = np.flatnonzero(going)
        if live.size == 0:
            break
        lt = less_than(live, order[live, i], order[live, i - 1])
        keep = np.where(descending[live], lt, ~lt)
        going[live] = keep
        run[live[keep]] += 1
    positions = np.arange(k)
    # a strictly descending initial run is reversed in place
    flip = descending[:, None] & (positions < run[:, None])
    source = np.where(flip, run[:, None] - 1 - positions, positions)
    order = np.take_along_axis(order, source, axis=1)
    for start in range(1, k):
        live = np.flatnonzero(run <= start)
        if live.size == 0:
            continue
        pivot = order[live, start]
        low = np.zeros(live.size, dtype=np.intp)
        high = np.full(live.size, start, dtype=np.intp)
        searching = low < high
        while np.any(searching):
            s = np.flatnonzero(searching)
            mid = low[s] + ((high[s] - low[s]) >> 1)
            lt = less_than(live[s], pivot[s], order[live[s], mid])
            high[s] = np.where(lt, mid, high[s])
            low[s] = np.where(lt, low[s], mid + 1)
            searching = low < high
        cur = order[live]
        shifted = np.concatenate([cur[:, :1], cur[:, :-1]], axis=1)
        spot = low[:, None]
        new = np.where(
            positions < spot,
            cur,
            np.where(positions == spot, pivot[:, None], np.where(positions <= start, shifted, cur)),
        )
        order[live] = new
    return order


def _tree_winner(
    candidates: IntArray, beats: Callable[[IntArray, IntArray, IntArray], np.ndarray]
) -> IntArray:
    """Winner of a binary tournament over the columns of ``candidates`` (R, m), halving."""
    m = candidates.shape[1]
    if m == 1:
        return candidates[:, 0].copy()
    left = _tree_winner(candidates[:, : m // 2], beats)
    right = _tree_winner(candidates[:, m // 2 :], beats)
    return np.where(beats(np.arange(len(left)), left, right), left, right)


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

    def start_many(self, rows: int, k: int) -> OnlineState:
        state = Policy.start_many(self, rows, k)
        state.extra["order"] = np.tile(np.arange(k, dtype=np.intp), (rows, 1))
        return state

    def start(self, k: int) -> OnlineState:
        state = self.start_many(1, k)
        state.extra["histories"] = [[_History() for _ in range(k)]]
        return state

    def observe_many(
        self,
        state: OnlineState,
        rows: IntArray,
        arms: IntArray,
        rewards: FloatArray,
        rng: np.random.Generator,
    ) -> None:
        check_rewards(rewards)
        state.record_many(rows, arms, rewards)
        histories = state.extra.get("histories")
        if histories is not None:
            for r, a, v in zip(rows.tolist(), arms.tolist(), rewards.tolist(), strict=True):
                histories[r][a].append(v)

    # -- tournaments ------------------------------------------------------------------------

    def _winners(
        self,
        pulls: FloatArray,
        means: Callable[[IntArray, IntArray, FloatArray], FloatArray],
        order: IntArray,
        rng: np.random.Generator,
    ) -> tuple[IntArray, IntArray]:
        """One decision for every row: (winning arm, new order). ``order`` rows are bandits."""
        rows_n, k = order.shape

        def duel(sub: IntArray, x: IntArray, y: IntArray) -> FloatArray:
            return _duel(pulls, means, sub, x, y, rng)

        if self.tournament == "sort":
            # sorted(..., reverse=True) reverses, sorts ascending (stable), reverses back
            ascending = _insertion_sort(order[:, ::-1], lambda s, x, y: duel(s, x, y) < 0)
            order = ascending[:, ::-1].copy()
            winner = order[:, 0].copy()
        else:
            shuffled = np.argsort(rng.random((rows_n, k)), axis=1)

            def beats(sub: IntArray, x: IntArray, y: IntArray) -> np.ndarray:
                d = duel(sub, x, y)
                return np.asarray((d > 0) | ((d == 0) & (rng.random(d.shape) < 0.5)))

            winner = _tree_winner(shuffled, beats)
        # every unpulled arm has the same (empty) history, hence the same index: uniform
        unpulled = pulls[np.arange(rows_n)[:, None], order] == 0
        some = np.any(unpulled, axis=1)
        if np.any(some):
            keys = np.where(unpulled[some], rng.random(unpulled[some].shape), -1.0)
            winner[some] = order[some][np.arange(int(np.sum(some))), np.argmax(keys, axis=1)]
        return winner, order

    def _stats_means(
        self, stats: ArmStats, rng: np.random.Generator
    ) -> Callable[[IntArray, IntArray, FloatArray], FloatArray]:
        return lambda rows, arms, size: _sample_means(stats, rows, arms, size, rng)

    def choose_many(self, state: OnlineState, rows: IntArray, rng: np.random.Generator) -> IntArray:
        stats = state.snapshot(rows)
        histories = state.extra.get("histories")
        means: Callable[[IntArray, IntArray, FloatArray], FloatArray]
        if histories is not None:
            picked = [histories[r] for r in rows.tolist()]

            def means(sub: IntArray, arms: IntArray, size: FloatArray) -> FloatArray:
                return _history_means(picked, sub, arms, size, rng)
        else:
            means = self._stats_means(stats, rng)
        winner, order = self._winners(stats.pulls, means, state.extra["order"][rows], rng)
        state.extra["order"][rows] = order
        return winner

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        k = stats.n_arms
        flat = ArmStats.trusted(
            stats.pulls.reshape(-1, k),
            stats.reward_sum.reshape(-1, k),
            stats.reward_sq_sum.reshape(-1, k),
        )
        bandits = flat.pulls.shape[0]
        wins = np.zeros((bandits, k))
        block = max(1, 200_000 // (bandits * k))
        done = 0
        while done < self.batch_draws:
            m = min(block, self.batch_draws - done)
            # m independent decisions per bandit, as rows: bandit b is row b * m + j
            tiled = ArmStats.trusted(
                np.repeat(flat.pulls, m, axis=0),
                np.repeat(flat.reward_sum, m, axis=0),
                np.repeat(flat.reward_sq_sum, m, axis=0),
            )
            start = np.argsort(rng.random((bandits * m, k)), axis=1)
            winner, _ = self._winners(tiled.pulls, self._stats_means(tiled, rng), start, rng)
            np.add.at(wins, (np.repeat(np.arange(bandits), m), winner), 1.0)
            done += m
        return np.asarray((wins / self.batch_draws).reshape(stats.pulls.shape), dtype=np.float64)

    def allocate_many(
        self,
        state: OnlineState,
        rows: IntArray,
        decisions: IntArray,
        rng: np.random.Generator,
    ) -> IntArray:
        stats = state.snapshot(rows)
        k = state.n_arms
        total = np.sum(decisions, axis=1)
        simulate = np.minimum(total, self.period_draws)
        order = state.extra["order"][rows].copy()
        # per row: the arm of each of its first `simulate` decisions, in order
        picks = np.full((len(rows), int(np.max(simulate, initial=0))), -1, dtype=np.intp)
        for j in range(picks.shape[1]):
            live = np.flatnonzero(simulate > j)
            sub = ArmStats.trusted(
                stats.pulls[live], stats.reward_sum[live], stats.reward_sq_sum[live]
            )
            winner, new_order = self._winners(
                sub.pulls, self._stats_means(sub, rng), order[live], rng
            )
            order[live] = new_order
            picks[live, j] = winner
        state.extra["order"][rows] = order
        counts = np.zeros((*decisions.shape, k), dtype=np.intp)
        exact = total <= self.period_draws
        if np.any(exact):
            # the simulated decisions are the real ones: cut them into the segments
            bounds = np.cumsum(decisions[exact], axis=1)
            seg = np.sum(np.arange(picks.shape[1])[None, :, None] >= bounds[:, None, :], axis=2)
            real = picks[exact] >= 0
            r_idx = np.broadcast_to(np.arange(int(np.sum(exact)))[:, None], real.shape)[real]
            np.add.at(counts, (np.flatnonzero(exact)[r_idx], seg[real], picks[exact][real]), 1)
        if np.any(~exact):
            many = np.flatnonzero(~exact)
            shares = np.zeros((many.size, k))
            np.add.at(
                shares, (np.repeat(np.arange(many.size), picks.shape[1]), picks[many].ravel()), 1.0
            )
            counts[many] = multinomial_segments(decisions[many], shares, rng)
        return counts
