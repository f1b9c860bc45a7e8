"""The fast engine of the batch architecture, vectorised across repetitions.

In the batch architecture nothing reaches the policy between two boundaries (00:00 for the
nightly update), so each period is: the number of arrivals in the period, the policy's
allocation of those decisions on the frozen state, and the delivery of their rewards at the
boundary. All repetitions of a chunk advance one period at a time:

1. arrivals per period: Poisson with mean ∫ λ over the period (exact for the NH-Poisson
   process; ``"frozen-rate"`` arrivals are simulated and binned), cut at the horizon;
2. allocation: ``policy.allocate_many`` on the period's decisions, cut into segments at the
   regret checkpoints. For every sufficient-statistics policy that is a multinomial draw from
   ``batch_probabilities``, the very function the nightly ``allocate`` task calls; DMED, BESA
   and the blackbox wrappers use their own state (lists, sort order, queues);
3. rewards: binomial (Bernoulli) or click x reading factor per decision;
4. delivery at the boundary: per-arm totals for policies that do not care about order, or the
   rewards one by one in ``delivery_order`` (``observe_sequence``) for those that do.

The event simulation (``events``) runs the same scenarios decision by decision; a test checks
that the two agree in distribution.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bandit_core.policies.base import FloatArray, IntArray, Policy
from bandit_core.study.regret import RegretRecorder, RegretSamples
from bandit_core.study.rewards import BernoulliArms
from bandit_core.study.scenario import Scenario
from bandit_core.study.traffic import ArrivalStream

__all__ = ["period_counts", "run_batch"]

_FROZEN_BLOCK = 8192


def period_counts(scenario: Scenario, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Decisions in each batch period for every repetition, (rows, P), summing to the horizon.

    Period 0 runs from the start time to the first boundary after it.
    """
    n = scenario.decisions
    start = scenario.start_times(rows, rng)
    first = np.floor(start / scenario.period).astype(np.int64)  # index of the start's period
    if scenario.arrivals == "poisson":
        per_period = scenario.traffic.daily_total() * scenario.period_hours / 24.0
        columns: list[np.ndarray] = []
        total = np.zeros(rows, dtype=np.int64)
        p = 0
        while np.min(total) < n:
            width = int(np.ceil((n - np.min(total)) / max(per_period, 1e-9))) + 2
            index = first[:, None] + p + np.arange(width + 1)
            edges = np.asarray(index * scenario.period, dtype=np.float64)
            lo = np.maximum(edges[:, :-1], start[:, None])
            hi = edges[:, 1:]
            block = scenario.traffic.window_counts(lo, hi, rng)
            columns.append(block)
            total += np.sum(block, axis=1)
            p += width
        counts = np.concatenate(columns, axis=1)
    else:
        stream = ArrivalStream(scenario.traffic, start, scenario.arrivals, rng)
        bins: list[np.ndarray] = []
        made = 0
        while made < n:
            size = min(_FROZEN_BLOCK, n - made)
            times = stream.next(size)
            period = np.floor(times / scenario.period).astype(np.int64) - first[:, None]
            width = int(np.max(period)) + 1
            flat = np.arange(rows)[:, None] * width + period
            bins.append(np.bincount(flat.ravel(), minlength=rows * width).reshape(rows, width))
            made += size
        width = max(b.shape[1] for b in bins)
        counts = sum(np.pad(b, ((0, 0), (0, width - b.shape[1]))) for b in bins)  # type: ignore[assignment]
    # cut at the horizon
    before = np.cumsum(counts, axis=1) - counts
    counts = np.clip(n - before, 0, counts)
    last = int(np.max(np.flatnonzero(np.any(counts > 0, axis=0)))) + 1
    return np.asarray(counts[:, :last], dtype=np.int64)


def _segments(done: np.ndarray, decisions: np.ndarray, checkpoints: IntArray) -> np.ndarray:
    """Cut each row's next ``decisions`` at the checkpoints: lengths (rows, S)."""
    end = done + decisions
    lo = np.searchsorted(checkpoints, done, side="right")
    hi = np.searchsorted(checkpoints, end, side="right")
    inside = hi - lo
    s = int(np.max(inside)) + 1
    j = np.arange(s)[None, :]
    at = checkpoints[np.minimum(lo[:, None] + j, checkpoints.size - 1)]
    ends = np.where(j < inside[:, None], at, end[:, None])
    starts = np.concatenate([done[:, None], ends[:, :-1]], axis=1)
    return np.asarray(ends - starts, dtype=np.int64)


def _item_sequences(
    scenario: Scenario,
    counts: np.ndarray,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, FloatArray, tuple[IntArray, FloatArray, IntArray]]:
    """Rewards of a period's decisions, item by item.

    Returns per-segment reward sums (R, S), per-arm sums and squares (R, K), and every row's
    rewards in delivery order as padded arrays (arms (R, L), values (R, L), lengths (R,)).
    """
    rows, segs, k = counts.shape
    arms_model = scenario.arms
    flat = counts.reshape(-1)
    owner = np.repeat(np.arange(flat.size), flat)  # (row, segment, arm) of every decision
    arm_of = owner % k
    reading = arms_model.reading_times((owner.size,), rng)
    values = arms_model.values(arm_of, rng.random(owner.size), reading, rng)
    row_of = owner // (segs * k)
    seg_sums = np.bincount(owner // k, weights=values, minlength=rows * segs).reshape(rows, segs)
    key = row_of * k + arm_of
    sums = np.bincount(key, weights=values, minlength=rows * k).reshape(rows, k)
    squares = np.bincount(key, weights=values * values, minlength=rows * k).reshape(rows, k)
    # delivery order: by (value, arm) as the authors' event list, or in pull order (the
    # decisions of a period are exchangeable, so a random permutation of them)
    if scenario.delivery_order == "reward":
        order = np.lexsort((arm_of, values, row_of))
    else:
        order = np.lexsort((rng.random(owner.size), row_of))
    row_sorted = row_of[order]
    lengths = np.bincount(row_of, minlength=rows)
    first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    position = np.arange(order.size) - first[row_sorted]
    width = int(np.max(lengths, initial=0))
    seq_arms = np.zeros((rows, width), dtype=np.intp)
    seq_values = np.zeros((rows, width))
    seq_arms[row_sorted, position] = arm_of[order]
    seq_values[row_sorted, position] = values[order]
    return (
        np.asarray(seg_sums, dtype=np.float64),
        np.asarray(sums, dtype=np.float64),
        np.asarray(squares, dtype=np.float64),
        (seq_arms, seq_values, np.asarray(lengths, dtype=np.intp)),
    )


def run_batch(
    scenario: Scenario,
    policy: Policy,
    reps: int,
    env_rng: np.random.Generator,
    policy_rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
) -> RegretSamples:
    """Simulate ``reps`` repetitions of a batch scenario; see the module docstring."""
    if scenario.architecture != "batch":
        raise ValueError("run_batch simulates the batch architecture; use run_online")
    k = scenario.k
    checkpoints = scenario.checkpoints()
    recorder = RegretRecorder(reps, checkpoints, scenario.arms.means())
    counts_per_period = period_counts(scenario, reps, env_rng)
    state = policy.start_many(reps, k)
    rows = np.arange(reps)
    bernoulli = isinstance(scenario.arms, BernoulliArms)
    reported = 0
    for p in range(counts_per_period.shape[1]):
        decisions = counts_per_period[:, p]
        if not np.any(decisions):
            continue
        lengths = _segments(recorder.done, decisions, checkpoints)
        counts = policy.allocate_many(state, rows, lengths, policy_rng)
        if policy.order_sensitive:
            seg_sums, sums, squares, seq = _item_sequences(scenario, counts, policy_rng)
        else:
            seg_totals, seg_squares = scenario.arms.totals(counts, policy_rng)
            seg_sums = np.sum(seg_totals, axis=2)
            sums, squares = np.sum(seg_totals, axis=1), np.sum(seg_squares, axis=1)
            if bernoulli:
                squares = sums
        recorder.segments(lengths, counts, seg_sums)
        if policy.order_sensitive:
            seq_arms, seq_values, seq_lengths = seq
            policy.observe_sequence(state, rows, seq_arms, seq_values, seq_lengths, policy_rng)
        else:
            state.add_counts(rows, np.sum(counts, axis=1).astype(np.float64), sums, squares)
        if progress is not None:
            now = int(np.min(recorder.done))
            progress((now - reported) * reps)
            reported = now
    if progress is not None and reported < scenario.decisions:
        progress((scenario.decisions - reported) * reps)
    return recorder.samples()
