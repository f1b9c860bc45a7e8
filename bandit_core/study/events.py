"""The discrete-event simulation of the paper's Algorithms 1 and 2, one repetition at a time.

The event list ``L`` is a priority queue of tuples ``(time, kind, ...)`` with ``kind`` "a"
(an arrival: a decision is due) or "r" (a reward reaches the policy). The loop pops the earliest
event. On "r" the policy observes the reward. On "a" the policy chooses an arm, the arm's reward
and its delay are drawn, the reward event is scheduled at ``time + delay`` (the next batch
boundary in the batch architecture) and, while fewer than ``decisions`` decisions have been
made, the next arrival is scheduled. With the blackbox option (Algorithm 2's ``blackbox ==
TRUE``) the queues and the loop that feeds them to the base live in ``BlackBox``'s ``choose``
and ``observe``, so this loop is the same for every policy.

Tuples at the same time compare on their next fields: an arrival ("a") before a reward ("r"),
and rewards in ``delivery_order`` ("reward": by value, then arm, pull time and decision, as
the authors' tuples do; "pull": by pull time).

This is the reference the fast engines are tested against, and the "plain per-decision Python
loop" of the benchmark: it calls the policies' one-bandit faces once per event.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np

from bandit_core.policies.base import Policy
from bandit_core.study.regret import RegretRecorder, RegretSamples
from bandit_core.study.scenario import Scenario
from bandit_core.study.traffic import ArrivalStream

__all__ = ["simulate_events"]

_BLOCK = 4096  # arrivals, reading times and delays are drawn this many at a time


def _one_run(
    scenario: Scenario,
    policy: Policy,
    env_rng: np.random.Generator,
    policy_rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Arms and rewards of the first ``decisions`` decisions of one repetition."""
    n_total = scenario.decisions
    arms_model = scenario.arms
    state = policy.start(scenario.k)
    stream = ArrivalStream(
        scenario.traffic, scenario.start_times(1, env_rng), scenario.arrivals, env_rng
    )
    arrivals = iter(())
    reading: np.ndarray = np.empty(0)
    delay: np.ndarray = np.empty(0)
    chosen = np.empty(n_total, dtype=np.intp)
    values = np.empty(n_total)
    by_reward = scenario.delivery_order == "reward"
    batch = scenario.architecture == "batch"
    events: list[tuple[float, str, float, float, float, float]] = []

    def next_arrival() -> float:
        nonlocal arrivals
        try:
            return float(next(arrivals))
        except StopIteration:
            arrivals = iter(stream.next(_BLOCK)[0].tolist())
            return float(next(arrivals))

    heapq.heappush(events, (next_arrival(), "a", 0.0, 0.0, 0.0, 0.0))
    n = 0
    while events and n < n_total:
        time, kind, f1, f2, f3, f4 = heapq.heappop(events)
        if kind == "r":
            reward, arm = (f1, f2) if by_reward else (f3, f4)
            policy.observe(state, int(arm), reward, policy_rng)
            continue
        j = n % _BLOCK
        if j == 0:
            reading = arms_model.reading_times((_BLOCK,), env_rng)
            if not batch:
                assert scenario.delay is not None
                delay = scenario.delay.draw(reading, env_rng)
        arm = policy.choose(state, policy_rng)
        reward = float(
            arms_model.values(
                np.array([arm]), policy_rng.random(1), reading[j : j + 1], policy_rng
            )[0]
        )
        chosen[n], values[n] = arm, reward
        due = float(scenario.next_boundary(np.array(time))) if batch else time + float(delay[j])
        if by_reward:
            heapq.heappush(events, (due, "r", reward, float(arm), time, float(n)))
        else:
            heapq.heappush(events, (due, "r", time, float(n), reward, float(arm)))
        n += 1
        if n < n_total:
            heapq.heappush(events, (next_arrival(), "a", 0.0, 0.0, 0.0, 0.0))
    return chosen, values


def simulate_events(
    scenario: Scenario,
    policy: Policy,
    reps: int,
    env_rng: np.random.Generator,
    policy_rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
) -> RegretSamples:
    """Run ``reps`` repetitions of the event simulation and record their regret."""
    recorder = RegretRecorder(reps, scenario.checkpoints(), scenario.arms.means())
    gaps = recorder.gaps
    checkpoints = scenario.checkpoints()
    for r in range(reps):
        chosen, values = _one_run(scenario, policy, env_rng, policy_rng)
        pseudo = np.cumsum(gaps[chosen])[checkpoints - 1]
        reward = np.cumsum(values)[checkpoints - 1]
        recorder.pseudo[r] = pseudo
        recorder.realized[r] = checkpoints * recorder.best - reward
        if progress is not None:
            progress(scenario.decisions)
    return recorder.samples()
