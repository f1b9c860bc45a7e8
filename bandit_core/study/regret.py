"""Regret of simulated repetitions, recorded at checkpoints, and its summaries.

``RegretSamples`` holds, for ``R`` repetitions and ``m`` checkpoints (decision counts), the
pseudo-regret ``Σ_t Δ_{a_t}`` and the realized regret ``n μ* − Σ_t r_t``. The engines fill one
with ``RegretRecorder``; samples from chunks of repetitions concatenate with ``merge``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandit_core.policies.base import FloatArray, IntArray

__all__ = ["RegretRecorder", "RegretSamples"]


@dataclass(frozen=True, slots=True)
class RegretSamples:
    """Per-repetition regret at each checkpoint: arrays (R, m)."""

    checkpoints: IntArray
    pseudo: FloatArray
    realized: FloatArray

    @property
    def reps(self) -> int:
        return int(self.pseudo.shape[0])

    @classmethod
    def merge(cls, parts: list[RegretSamples]) -> RegretSamples:
        if not parts:
            raise ValueError("nothing to merge")
        first = parts[0].checkpoints
        if any(not np.array_equal(p.checkpoints, first) for p in parts):
            raise ValueError("cannot merge samples recorded at different checkpoints")
        return cls(
            first,
            np.concatenate([p.pseudo for p in parts], axis=0),
            np.concatenate([p.realized for p in parts], axis=0),
        )

    def final(self) -> tuple[FloatArray, FloatArray]:
        """(pseudo, realized) regret after the last decision, one value per repetition."""
        return self.pseudo[:, -1], self.realized[:, -1]

    def summary(self) -> dict[str, float]:
        """Mean and standard deviation (ddof=1) of the final pseudo and realized regret."""
        pseudo, realized = self.final()
        ddof = 1 if self.reps > 1 else 0
        return {
            "pseudo_regret_mean": float(np.mean(pseudo)),
            "pseudo_regret_sd": float(np.std(pseudo, ddof=ddof)),
            "realized_regret_mean": float(np.mean(realized)),
            "realized_regret_sd": float(np.std(realized, ddof=ddof)),
        }


class RegretRecorder:
    """Accumulates regret as decisions are made, for ``rows`` repetitions."""

    def __init__(self, rows: int, checkpoints: IntArray, means: FloatArray) -> None:
        self.checkpoints = checkpoints
        self.best = float(np.max(means))
        self.gaps = self.best - means
        self.pseudo_total = np.zeros(rows)
        self.reward_total = np.zeros(rows)
        self.done = np.zeros(rows, dtype=np.int64)
        self.pseudo = np.full((rows, checkpoints.size), np.nan)
        self.realized = np.full((rows, checkpoints.size), np.nan)
        self._next = 0  # next checkpoint of decision-by-decision recording

    def block(self, arms: IntArray, rewards: FloatArray) -> None:
        """The next ``L`` decisions of every row: arms and rewards of shape (R, L)."""
        length = arms.shape[1]
        start = int(self.done[0])
        pseudo = self.pseudo_total[:, None] + np.cumsum(self.gaps[arms], axis=1)
        total = self.reward_total[:, None] + np.cumsum(rewards, axis=1)
        inside = (self.checkpoints > start) & (self.checkpoints <= start + length)
        slots = np.flatnonzero(inside)
        cols = self.checkpoints[slots] - start - 1
        self.pseudo[:, slots] = pseudo[:, cols]
        self.realized[:, slots] = self.checkpoints[slots] * self.best - total[:, cols]
        self.pseudo_total = pseudo[:, -1]
        self.reward_total = total[:, -1]
        self.done += length

    def segments(
        self,
        lengths: IntArray,
        counts: np.ndarray,
        reward_sums: FloatArray,
    ) -> None:
        """Consecutive segments of decisions per row: lengths (R, S), counts (R, S, K).

        A segment that ends on a checkpoint records it.
        """
        pseudo = self.pseudo_total[:, None] + np.cumsum(counts @ self.gaps, axis=1)
        rewards = self.reward_total[:, None] + np.cumsum(reward_sums, axis=1)
        ends = self.done[:, None] + np.cumsum(lengths, axis=1)
        slot = np.searchsorted(self.checkpoints, ends)
        hit = (slot < self.checkpoints.size) & (
            self.checkpoints[np.minimum(slot, self.checkpoints.size - 1)] == ends
        )
        hit &= lengths > 0
        r, s = np.nonzero(hit)
        self.pseudo[r, slot[r, s]] = pseudo[r, s]
        self.realized[r, slot[r, s]] = ends[r, s] * self.best - rewards[r, s]
        self.pseudo_total = pseudo[:, -1]
        self.reward_total = rewards[:, -1]
        self.done = ends[:, -1]

    def samples(self) -> RegretSamples:
        if np.isnan(self.pseudo).any():
            raise RuntimeError("some checkpoints were not reached: the run stopped early")
        return RegretSamples(self.checkpoints, self.pseudo, self.realized)
