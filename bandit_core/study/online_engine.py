"""The fast engine of the online architecture: the event simulation, compiled.

In the online architecture each reward reaches the policy after its own delay, so the state
can change between any two decisions and decisions must be taken one at a time. The engine
draws the environment of a block of decisions for every repetition at once (arrival times by
the compiled inversion of the cumulative intensity; reading times, delays and the uniforms
that decide rewards with NumPy), then runs the decisions in compiled code, one repetition
after the other, through the policy's compiled online face (``Policy.kernel``): before each
decision the repetition's rewards due before its arrival time reach the policy earliest
first, from a heap of pending rewards that carries over from block to block, exactly the
order in which the event list would pop them. Regret is recorded once per block, from the
block's arms and rewards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from bandit_core.policies.base import FloatArray, IntArray, Policy
from bandit_core.policies.compiled import jit_closure, jit_inline, state_tuple
from bandit_core.study.regret import RegretRecorder, RegretSamples
from bandit_core.study.scenario import Scenario
from bandit_core.study.traffic import ArrivalStream

__all__ = ["run_online"]

_BLOCK_VALUES = 1 << 20  # decisions x repetitions per block: a block's arrays stay ~8 MB


# The heap's two functions are inlined into the block loop: called, with three arrays as
# arguments, they cost the loop about a fifth of its time in reference counting.
@jit_inline
def _heap_push(
    due: FloatArray, arm: IntArray, value: FloatArray, n: int, d: float, a: int, v: float
) -> int:
    """Add (d, a, v) to the binary min-heap of ``n`` items keyed by due time; return n + 1."""
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        if due[parent] <= d:
            break
        due[i], arm[i], value[i] = due[parent], arm[parent], value[parent]
        i = parent
    due[i], arm[i], value[i] = d, a, v
    return n + 1


@jit_inline
def _heap_pop(due: FloatArray, arm: IntArray, value: FloatArray, n: int) -> int:
    """Remove the earliest item of the heap of ``n`` items (read it first); return n - 1."""
    last = n - 1
    d, a, v = due[last], arm[last], value[last]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= last:
            break
        if child + 1 < last and due[child + 1] < due[child]:
            child += 1
        if due[child] >= d:
            break
        due[i], arm[i], value[i] = due[child], arm[child], value[child]
        i = child
    due[i], arm[i], value[i] = d, a, v
    return last


@functools.cache
def _decide_block(choose: Callable[..., int], observe: Callable[..., None]) -> Callable[..., None]:
    """The compiled block loop around a policy's ``choose`` and ``observe`` (built once)."""

    @jit_closure
    def run(
        st: tuple[np.ndarray, ...],
        params: FloatArray,
        times: FloatArray,
        due: FloatArray,
        uniforms: FloatArray,
        hit_values: FloatArray,
        p: FloatArray,
        heap_due: FloatArray,
        heap_arm: IntArray,
        heap_value: FloatArray,
        heap_size: IntArray,
        rng: np.random.Generator,
        chosen: IntArray,
        values: FloatArray,
    ) -> None:
        """One block of decisions of every repetition, one repetition after the other.

        Before decision j a repetition receives, earliest first, every reward due before its
        arrival time; the decision's own reward joins the heap of pending rewards.
        """
        for r in range(times.shape[0]):
            n = heap_size[r]
            h_due, h_arm, h_value = heap_due[r], heap_arm[r], heap_value[r]
            for j in range(times.shape[1]):
                while n > 0 and h_due[0] < times[r, j]:
                    arm, value = h_arm[0], h_value[0]
                    n = _heap_pop(h_due, h_arm, h_value, n)
                    observe(st, r, arm, value, params, rng)
                arm = choose(st, r, params, rng)
                value = hit_values[r, j] if uniforms[r, j] < p[arm] else 0.0
                chosen[r, j], values[r, j] = arm, value
                n = _heap_push(h_due, h_arm, h_value, n, due[r, j], arm, value)
            heap_size[r] = n

    return run


def run_online(
    scenario: Scenario,
    policy: Policy,
    reps: int,
    env_rng: np.random.Generator,
    policy_rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
) -> RegretSamples:
    """Simulate ``reps`` repetitions of an online scenario; see the module docstring."""
    if scenario.architecture != "online" or scenario.delay is None:
        raise ValueError("run_online simulates the online architecture; use run_batch")
    kernel = policy.kernel()
    arms_model = scenario.arms
    recorder = RegretRecorder(reps, scenario.checkpoints(), arms_model.means())
    state = policy.start_many(reps, scenario.k)
    p = np.asarray(arms_model.p, dtype=np.float64)
    stream = ArrivalStream(
        scenario.traffic, scenario.start_times(reps, env_rng), scenario.arrivals, env_rng
    )
    block = max(256, min(4096, _BLOCK_VALUES // reps))
    heap_size = np.zeros(reps, dtype=np.intp)
    heap_due, heap_value = np.empty((reps, 0)), np.empty((reps, 0))
    heap_arm = np.empty((reps, 0), dtype=np.intp)
    for n0 in range(0, scenario.decisions, block):
        size = min(block, scenario.decisions - n0)
        times = stream.next(size)
        reading = arms_model.reading_times((reps, size), env_rng)
        due = times + scenario.delay.draw(reading, env_rng)
        uniforms = policy_rng.random((reps, size))
        hit_values = arms_model.hit_values(reading, policy_rng)
        # room for every reward already pending plus one per decision of the block
        room = int(np.max(heap_size)) + size
        if room > heap_due.shape[1]:
            grow = room - heap_due.shape[1]
            heap_due = np.concatenate([heap_due, np.empty((reps, grow))], axis=1)
            heap_arm = np.concatenate([heap_arm, np.empty((reps, grow), np.intp)], axis=1)
            heap_value = np.concatenate([heap_value, np.empty((reps, grow))], axis=1)
        policy.reserve(state, heap_size + size)
        st = state_tuple(state)
        chosen = np.empty((reps, size), dtype=np.intp)
        values = np.empty((reps, size))
        _decide_block(kernel.choose, kernel.observe)(
            st, kernel.params, times, due, uniforms, hit_values, p,
            heap_due, heap_arm, heap_value, heap_size, policy_rng, chosen, values,
        )  # fmt: skip
        recorder.block(chosen, values)
        if progress is not None:
            progress(size * reps)
    return recorder.samples()
