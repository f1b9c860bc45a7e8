"""What every policy is: an immutable value with a batch face and an online face.

Both faces work on the same sufficient statistics of the rewards observed so far:

- **batch** (the nightly ``allocate`` task and the simulator's fast batch engine):
  ``policy.batch_probabilities(stats, rng)`` is the probability that one decision taken with
  the state frozen at 00:00 picks each arm. ``stats`` may carry leading dimensions
  (segments, repetitions), so one call allocates many independent bandits.
- **online** (the per-event simulation): ``state = policy.start(k)``, then
  ``policy.choose(state, rng)`` picks one arm and ``policy.observe(state, arm, reward, rng)``
  feeds one reward in [0, 1].

The online face has a vectorised form over ``rows`` independent bandits, used by the fast
simulation engines: ``start_many``, ``choose_many``, ``observe_many`` and ``allocate_many``
(the counts of a run of decisions taken while no feedback arrives). The scalar methods are that
same code on a one-row state, so the per-event simulation, the engines and the nightly
allocation all run one implementation of each policy. A policy with a compiled online face
(``kernel``, see ``bandit_core.policies.compiled``) gets all of these from it.

A policy never holds data and never draws from a global RNG: randomness comes from the
``numpy.random.Generator`` passed in, whose seed the caller records.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from bandit_core.policies.compiled import OnlineKernel

__all__ = ["ArmStats", "FloatArray", "IntArray", "OnlineState", "Policy"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

_ROW0: IntArray = np.zeros(1, dtype=np.intp)


def _frozen(values: Any) -> FloatArray:
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, slots=True)
class ArmStats:
    """Frozen sufficient statistics of the observed rewards, shape ``(..., K)``.

    Attributes:
        pulls: number of observed (matured) rewards per arm.
        reward_sum: sum of those rewards (each in [0, 1]).
        reward_sq_sum: sum of their squares (for variance-aware policies).
    """

    pulls: FloatArray
    reward_sum: FloatArray
    reward_sq_sum: FloatArray

    def __init__(self, pulls: Any, reward_sum: Any, reward_sq_sum: Any | None = None) -> None:
        pulls_a = _frozen(pulls)
        sum_a = _frozen(reward_sum)
        sq_a = sum_a if reward_sq_sum is None else _frozen(reward_sq_sum)
        if pulls_a.ndim == 0 or pulls_a.shape != sum_a.shape or pulls_a.shape != sq_a.shape:
            raise ValueError(
                "pulls, reward_sum and reward_sq_sum must be arrays of one shape (..., K), "
                f"found {pulls_a.shape}, {sum_a.shape} and {sq_a.shape}"
            )
        if np.any(pulls_a < 0) or np.any(sum_a < -1e-9) or np.any(sum_a > pulls_a + 1e-9):
            raise ValueError("expected 0 <= reward_sum <= pulls for every arm (rewards in [0, 1])")
        object.__setattr__(self, "pulls", pulls_a)
        object.__setattr__(self, "reward_sum", sum_a)
        object.__setattr__(self, "reward_sq_sum", sq_a)

    @classmethod
    def zeros(cls, k: int) -> ArmStats:
        """No observations yet for ``k`` arms."""
        return cls(np.zeros(k), np.zeros(k), np.zeros(k))

    @classmethod
    def trusted(
        cls, pulls: FloatArray, reward_sum: FloatArray, reward_sq_sum: FloatArray
    ) -> ArmStats:
        """Wrap arrays the caller guarantees valid, without copying or checking.

        The simulation engines build a snapshot per decision; validating each one would cost
        more than the policy's own work. The arrays must not be modified while in use.
        """
        stats = object.__new__(cls)
        object.__setattr__(stats, "pulls", pulls)
        object.__setattr__(stats, "reward_sum", reward_sum)
        object.__setattr__(stats, "reward_sq_sum", reward_sq_sum)
        return stats

    @property
    def n_arms(self) -> int:
        return int(self.pulls.shape[-1])

    def total_pulls(self) -> FloatArray:
        """Observed rewards over all arms, shape (...)."""
        return np.asarray(np.sum(self.pulls, axis=-1), dtype=np.float64)

    def means(self) -> FloatArray:
        """Empirical mean reward per arm (0 where an arm has no observation)."""
        return np.asarray(
            np.divide(
                self.reward_sum,
                self.pulls,
                out=np.zeros(self.pulls.shape),
                where=self.pulls > 0,
            ),
            dtype=np.float64,
        )

    def variances(self) -> FloatArray:
        """Unbiased sample variance per arm (0 with fewer than two observations)."""
        n = self.pulls
        centred = self.reward_sq_sum - np.divide(
            self.reward_sum**2, n, out=np.zeros(n.shape), where=n > 0
        )
        var = np.divide(centred, n - 1.0, out=np.zeros(n.shape), where=n > 1)
        return np.asarray(np.maximum(var, 0.0), dtype=np.float64)


@dataclass(slots=True)
class OnlineState:
    """Mutable running statistics of ``rows`` independent bandits with ``K`` arms each.

    The arrays have shape ``(rows, K)``; the scalar online face uses one row. A policy's
    compiled face keeps its own arrays (scratch, pending lists, histories, queues) in
    ``extra["arrays"]``, and a wrapped policy's state in ``extra["inner"]``.
    """

    pulls: FloatArray
    reward_sum: FloatArray
    reward_sq_sum: FloatArray
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def empty(cls, k: int, rows: int = 1) -> OnlineState:
        shape = (rows, k)
        return cls(np.zeros(shape), np.zeros(shape), np.zeros(shape))

    @property
    def rows(self) -> int:
        return int(self.pulls.shape[0])

    @property
    def n_arms(self) -> int:
        return int(self.pulls.shape[1])

    def add_counts(
        self, rows: IntArray, pulls: FloatArray, sums: FloatArray, squares: FloatArray
    ) -> None:
        """Add per-arm totals of many rewards at once, arrays of shape (len(rows), K)."""
        self.pulls[rows] += pulls
        self.reward_sum[rows] += sums
        self.reward_sq_sum[rows] += squares

    def snapshot(self, rows: IntArray | None = None) -> ArmStats:
        """The statistics of ``rows`` (all rows by default) as frozen ``ArmStats`` (a copy)."""
        if rows is None:
            return ArmStats.trusted(
                self.pulls.copy(), self.reward_sum.copy(), self.reward_sq_sum.copy()
            )
        return ArmStats.trusted(self.pulls[rows], self.reward_sum[rows], self.reward_sq_sum[rows])


def _rows(values: IntArray) -> IntArray:
    """Row or arm indices as the contiguous machine integers compiled code takes."""
    return np.ascontiguousarray(values, dtype=np.intp)


def check_rewards(rewards: FloatArray) -> None:
    """Raise ValueError unless every reward is in [0, 1]."""
    if rewards.size and not (np.min(rewards) >= 0.0 and np.max(rewards) <= 1.0):
        bad = rewards[(rewards < 0.0) | (rewards > 1.0) | np.isnan(rewards)][0]
        raise ValueError(f"expected rewards in [0, 1], found {bad!r}")


class Policy(ABC):
    """An allocation strategy. Subclasses are frozen dataclasses (immutable values)."""

    #: the name a campaign config uses for this policy (e.g. ``thompson_sampling``)
    name: ClassVar[str]
    #: whether ``observe_many`` depends on the order of rewards within a row (then callers pass
    #: each row at most once per call, in delivery order)
    order_sensitive: ClassVar[bool] = False

    # -- batch face -------------------------------------------------------------------------

    @abstractmethod
    def batch_probabilities(self, stats: ArmStats, rng: np.random.Generator) -> FloatArray:
        """Probability of choosing each arm for one decision under frozen ``stats``.

        Returns an array of ``stats``' shape whose last axis sums to 1.
        """

    # -- online face, vectorised over independent bandits -----------------------------------

    @abstractmethod
    def kernel(self) -> OnlineKernel:
        """The compiled online face (see ``bandit_core.policies.compiled``)."""

    def start_many(self, rows: int, k: int) -> OnlineState:
        """A fresh online state for ``rows`` bandits of ``k`` arms."""
        if k < 1 or rows < 1:
            raise ValueError(f"expected at least one arm and one row, found k={k}, rows={rows}")
        from bandit_core.policies.compiled import start_arrays

        state = OnlineState.empty(k, rows)
        kernel = self.kernel()
        state.extra["kernel"] = kernel
        state.extra["arrays"] = start_arrays(kernel, rows, k)
        return state

    def choose_many(self, state: OnlineState, rows: IntArray, rng: np.random.Generator) -> IntArray:
        """Pick one arm for each of ``rows`` (distinct row indices)."""
        from bandit_core.policies.compiled import choose_rows, state_tuple

        kernel = self._kernel_of(state)
        out = np.empty(len(rows), dtype=np.intp)
        choose_rows(kernel.choose)(state_tuple(state), kernel.params, _rows(rows), rng, out)
        return out

    def _kernel_of(self, state: OnlineState) -> OnlineKernel:
        """The kernel ``state`` was started with (building it again costs more than a
        one-row decision)."""
        kernel = state.extra.get("kernel")
        return self.kernel() if kernel is None else kernel

    def reserve(self, state: OnlineState, deliveries: IntArray) -> None:
        """Make room in ``state`` for up to ``deliveries[i]`` more rewards of bandit ``i``.

        The compiled engines call it before feeding rewards in compiled code; policies whose
        state grows with what they observe (queues, histories) enlarge it here.
        """
        return None

    def observe_many(
        self,
        state: OnlineState,
        rows: IntArray,
        arms: IntArray,
        rewards: FloatArray,
        rng: np.random.Generator,
    ) -> None:
        """Feed rewards in [0, 1], in delivery order.

        A row may appear several times; its rewards reach it in the order given.
        """
        from bandit_core.policies.compiled import observe_rows, state_tuple

        check_rewards(rewards)
        kernel = self._kernel_of(state)
        if type(self).reserve is not Policy.reserve:
            self.reserve(state, np.bincount(rows, minlength=state.rows))
        observe_rows(kernel.observe)(
            state_tuple(state),
            kernel.params,
            _rows(rows),
            _rows(arms),
            np.ascontiguousarray(rewards, dtype=np.float64),
            rng,
        )

    def observe_sequence(
        self,
        state: OnlineState,
        rows: IntArray,
        arms: IntArray,
        rewards: FloatArray,
        lengths: IntArray,
        rng: np.random.Generator,
    ) -> None:
        """Feed each row its own sequence of rewards, in order.

        ``arms`` and ``rewards`` have shape (R, L); row ``i`` uses its first ``lengths[i]``
        entries. The batch engine delivers a whole period this way.
        """
        valid = np.arange(arms.shape[1])[None, :] < lengths[:, None]
        # compiled code takes the rewards one at a time: row by row, each row in order
        owner = np.broadcast_to(rows[:, None], arms.shape)[valid]
        self.observe_many(state, owner, arms[valid], rewards[valid], rng)

    def allocate_many(
        self,
        state: OnlineState,
        rows: IntArray,
        decisions: IntArray,
        rng: np.random.Generator,
    ) -> IntArray:
        """Arm counts of consecutive decisions taken while no feedback arrives.

        Args:
            rows: the bandits, shape (R,).
            decisions: decisions per row and segment, shape (R, S); the segments follow
                each other (the engines cut a day at the points where they record regret).

        Returns:
            counts of shape (R, S, K).

        The default holds for every policy whose state changes only when feedback arrives
        and whose choices are random only through fresh draws: its decisions between two
        updates are independent and identically distributed given the state, so a segment's
        counts are multinomial with ``batch_probabilities``. Stateful policies override it.
        """
        probs = self.batch_probabilities(state.snapshot(rows), rng)
        return multinomial_segments(decisions, probs, rng)

    # -- online face, one bandit ------------------------------------------------------------

    def start(self, k: int) -> OnlineState:
        """A fresh online state for one bandit of ``k`` arms."""
        return self.start_many(1, k)

    def choose(self, state: OnlineState, rng: np.random.Generator) -> int:
        """Pick the arm for one decision."""
        return int(self.choose_many(state, _ROW0, rng)[0])

    def observe(
        self, state: OnlineState, arm: int, reward: float, rng: np.random.Generator
    ) -> None:
        """Feed one reward in [0, 1] for ``arm``."""
        self.observe_many(
            state, _ROW0, np.array([arm], dtype=np.intp), np.array([reward], dtype=np.float64), rng
        )

    # -- description ------------------------------------------------------------------------

    @property
    def config_name(self) -> str:
        """The name that rebuilds this policy with ``make_policy`` (``bb_`` prefix for BB)."""
        return self.name

    def params(self) -> dict[str, Any]:
        """The policy's parameters as JSON-compatible values (stored with every allocation)."""
        from dataclasses import asdict, is_dataclass

        return asdict(self) if is_dataclass(self) else {}


def multinomial_segments(
    decisions: IntArray, probs: FloatArray, rng: np.random.Generator
) -> IntArray:
    """Multinomial counts for every (row, segment): ``decisions`` (R, S), ``probs`` (R, K)."""
    r, s = decisions.shape
    p = np.clip(probs, 0.0, None)
    p = p / np.sum(p, axis=1, keepdims=True)
    counts = rng.multinomial(decisions, np.broadcast_to(p[:, None, :], (r, s, p.shape[1])))
    return np.asarray(counts, dtype=np.intp)
