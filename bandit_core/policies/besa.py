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
finite-population variance ``s² (N − n) / ((N − 1) n)``, clipped to [0, 1] (an approximation;
docs/paper.md, "What the simulator implements", compares it with real histories).

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

# less_than(rows, x, y) -> arm x sorts below arm y in those rows (one duel each)
LessThan = Callable[[IntArray, IntArray, IntArray], np.ndarray]


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
        """Mean of ``m`` (< size) rewards drawn without replacement."""
        return float(np.mean(self.values[rng.choice(self.size, size=m, replace=False)]))


class _StatsSampler:
    """Sub-sample means drawn from sufficient statistics (the vectorised state).

    A BESA tournament calls a duel about ``K log K`` times in sequence, so the per-call cost
    matters: the statistics are kept flat (index ``row * K + arm``) and the flags
    ``all_binary`` and ``any_empty`` let a duel skip branches that cannot apply.
    """

    def __init__(self, stats: ArmStats, rng: np.random.Generator) -> None:
        n = stats.pulls
        self.rng = rng
        self.n = n
        self.k = int(n.shape[-1])
        mean = stats.means()
        # all rewards of an arm are 0 or 1 exactly when Σr² = Σr (r² < r inside (0, 1))
        binary = np.abs(stats.reward_sq_sum - stats.reward_sum) <= 1e-9 * np.maximum(n, 1.0)
        ones = np.rint(stats.reward_sum).astype(np.int64)
        second = np.divide(stats.reward_sq_sum, n, out=np.zeros(n.shape), where=n > 0)
        self.n_flat = n.ravel()
        self.mean_flat = mean.ravel()
        self.binary_flat = binary.ravel()
        self.ones_flat = ones.ravel()
        self.zeros_flat = (np.rint(n).astype(np.int64) - ones).ravel()
        self.spread_flat = np.sqrt(np.maximum(second - mean**2, 0.0)).ravel()
        self.all_binary = bool(binary.all())
        self.any_empty = bool((n == 0).any())

    def sub_means_flat(self, cells: IntArray, size: FloatArray) -> FloatArray:
        """Mean of ``size`` (< N) rewards drawn without replacement from each flat cell."""
        if self.all_binary:
            hits = self.rng.hypergeometric(
                self.ones_flat[cells], self.zeros_flat[cells], size.astype(np.int64)
            )
            return np.asarray(hits / size, dtype=np.float64)
        out = np.empty(cells.size)
        binary = self.binary_flat[cells]
        if binary.any():
            c, m = cells[binary], size[binary]
            hits = self.rng.hypergeometric(
                self.ones_flat[c], self.zeros_flat[c], m.astype(np.int64)
            )
            out[binary] = hits / m
        other = ~binary
        if other.any():
            c, m = cells[other], size[other]
            n = self.n_flat[c]
            sd = self.spread_flat[c] * np.sqrt((n - m) / (np.maximum(n - 1.0, 1.0) * m))
            draw = self.mean_flat[c] + sd * self.rng.standard_normal(m.size)
            out[other] = np.clip(draw, 0.0, 1.0)
        return out


class _HistorySampler:
    """Sub-sample means drawn from the kept reward histories (the one-bandit state)."""

    def __init__(
        self, stats: ArmStats, histories: list[list[_History]], rng: np.random.Generator
    ) -> None:
        self.rng = rng
        self.n = stats.pulls
        self.k = int(self.n.shape[-1])
        self.n_flat = self.n.ravel()
        self.mean_flat = stats.means().ravel()
        self.any_empty = bool((self.n == 0).any())
        self.histories = histories

    def sub_means_flat(self, cells: IntArray, size: FloatArray) -> FloatArray:
        pairs = zip(
            (cells // self.k).tolist(), (cells % self.k).tolist(), size.tolist(), strict=True
        )
        return np.array(
            [self.histories[r][a].sample_mean(int(m), self.rng) for r, a, m in pairs],
            dtype=np.float64,
        )


_Sampler = _StatsSampler | _HistorySampler


def _duel(
    sampler: _Sampler, rows: IntArray, x: IntArray, y: IntArray, rng: np.random.Generator
) -> FloatArray:
    """The authors' ``winBesa``: > 0 when x beats y, < 0 when y beats x, 0 for a true tie.

    The arm with more observations is sub-sampled to the other's number; the other's mean is
    its full mean.
    """
    if rows.size == 0:
        return np.zeros(0)
    base = rows * sampler.k
    ix, iy = base + x, base + y
    nx, ny = sampler.n_flat[ix], sampler.n_flat[iy]
    mx, my = sampler.mean_flat[ix], sampler.mean_flat[iy]
    cut = (nx != ny) & (nx > 0) & (ny > 0)
    if cut.all():  # the usual case once every arm has rewards: no masking
        x_longer = nx > ny
        sub = sampler.sub_means_flat(np.where(x_longer, ix, iy), np.minimum(nx, ny))
        mx, my = np.where(x_longer, sub, mx), np.where(x_longer, my, sub)
    elif cut.any():
        x_longer = nx[cut] > ny[cut]
        longer = np.where(x_longer, ix[cut], iy[cut])
        sub = sampler.sub_means_flat(longer, np.minimum(nx[cut], ny[cut]))
        mx[cut] = np.where(x_longer, sub, mx[cut])
        my[cut] = np.where(x_longer, my[cut], sub)
    diff = mx - my
    # exact tie: the shorter history wins; equal lengths leave the order as it was (0)
    tie = np.abs(diff) <= 1e-12
    if tie.any():
        diff = np.where(tie, np.sign(ny - nx), diff)
    if sampler.any_empty:
        diff = np.where(nx == 0, 1.0, np.where(ny == 0, -1.0, diff))
        both_empty = (nx == 0) & (ny == 0)
        if both_empty.any():
            diff[both_empty] = np.where(rng.random(int(both_empty.sum())) < 0.5, 1.0, -1.0)
    return np.asarray(diff, dtype=np.float64)


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
        while searching.any():
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
        self, sampler: _Sampler, order: IntArray, rng: np.random.Generator
    ) -> tuple[IntArray, IntArray]:
        """One decision for every row of ``sampler``: (winning arm, new order)."""
        rows_n, k = order.shape
        if self.tournament == "sort":
            # sorted(..., reverse=True) reverses, sorts ascending (stable), reverses back
            ascending = _insertion_sort(
                order[:, ::-1], lambda r, x, y: _duel(sampler, r, x, y, rng) < 0
            )
            order = ascending[:, ::-1].copy()
            winner = order[:, 0].copy()
        else:
            shuffled = np.argsort(rng.random((rows_n, k)), axis=1)

            def beats(r: IntArray, x: IntArray, y: IntArray) -> np.ndarray:
                d = _duel(sampler, r, x, y, rng)
                return np.asarray((d > 0) | ((d == 0) & (rng.random(d.shape) < 0.5)))

            winner = _tree_winner(shuffled, beats)
        if not sampler.any_empty:
            return winner, order
        # every unpulled arm has the same (empty) history, hence the same index: uniform
        unpulled = sampler.n[np.arange(rows_n)[:, None], order] == 0
        some = np.any(unpulled, axis=1)
        if some.any():
            keys = np.where(unpulled[some], rng.random(unpulled[some].shape), -1.0)
            winner[some] = order[some][np.arange(int(np.sum(some))), np.argmax(keys, axis=1)]
        return winner, order

    def choose_many(self, state: OnlineState, rows: IntArray, rng: np.random.Generator) -> IntArray:
        stats = state.snapshot(rows)
        histories = state.extra.get("histories")
        sampler: _Sampler
        if histories is not None:
            sampler = _HistorySampler(stats, [histories[r] for r in rows.tolist()], rng)
        else:
            sampler = _StatsSampler(stats, rng)
        winner, order = self._winners(sampler, state.extra["order"][rows], rng)
        state.extra["order"][rows] = order
        return winner

    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        k = stats.n_arms
        flat = [x.reshape(-1, k) for x in (stats.pulls, stats.reward_sum, stats.reward_sq_sum)]
        bandits = flat[0].shape[0]
        wins = np.zeros((bandits, k))
        block = max(1, 200_000 // (bandits * k))
        done = 0
        while done < self.batch_draws:
            m = min(block, self.batch_draws - done)
            # m independent decisions per bandit, as rows: bandit b is rows b*m .. b*m+m-1
            tiled = ArmStats.trusted(*(np.repeat(x, m, axis=0) for x in flat))
            start = np.argsort(rng.random((bandits * m, k)), axis=1)
            winner, _ = self._winners(_StatsSampler(tiled, rng), start, rng)
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
        everyone = _StatsSampler(stats, rng)  # the state is frozen for the whole period
        for j in range(picks.shape[1]):
            live = np.flatnonzero(simulate > j)
            if live.size == len(rows):
                winner, order = self._winners(everyone, order, rng)
                picks[:, j] = winner
                continue
            sub = ArmStats.trusted(
                stats.pulls[live], stats.reward_sum[live], stats.reward_sq_sum[live]
            )
            winner, new_order = self._winners(_StatsSampler(sub, rng), order[live], rng)
            order[live] = new_order
            picks[live, j] = winner
        state.extra["order"][rows] = order
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
