"""The on-disk cache of compiled closures (``jit_closure``): a second process loads what the
first compiled, and nothing that holds a per-process address is ever cached."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from numba.core.caching import NullCache

from bandit_core.policies.bayes_ucb import BayesUCB
from bandit_core.policies.compiled import _closure_key, index_kernel
from bandit_core.policies.thompson import ThompsonSampling

# One online Thompson-sampling run and one BB-BESA run: closures over closures (the block
# loop around QPM-D around BESA's sort), as the study's workers build them.
_RUN = """
from bandit_core.policies import make_policy
from bandit_core.study.delays import ExponentialDelay
from bandit_core.study.rewards import BernoulliArms
from bandit_core.study.runner import Cell, simulate
from bandit_core.study.scenario import Scenario
from bandit_core.study.traffic import LOW

scenario = Scenario(
    name="cache", arms=BernoulliArms((0.5, 0.4, 0.3)), traffic=LOW.scaled(500.0),
    architecture="online", delay=ExponentialDelay(80.0, 300.0), decisions=300,
)
for name in ("thompson_sampling", "bb_besa"):
    samples = simulate(Cell(name, scenario, make_policy(name)), 3, seed=1)
    print(name, samples.final()[0].tolist())
"""


def _run(cache_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir), "NUMBA_DEBUG_CACHE": "1"}
    return subprocess.run(
        [sys.executable, "-c", _RUN], env=env, capture_output=True, text=True, check=True
    )


def _closure_lines(log: str, action: str) -> list[str]:
    return [line for line in log.splitlines() if action in line and ".locals." in line]


def test_a_second_process_loads_the_closures_the_first_compiled(tmp_path: Path) -> None:
    first, second = _run(tmp_path), _run(tmp_path)
    saved = _closure_lines(first.stdout, "data saved")
    # the first compiles the block loop around each policy, and the closures inside it
    for name in ("_decide_block", "_qpmd", "index_kernel", "beta_draws", "insertion_sort"):
        assert any(name in line for line in saved), (name, first.stdout[-3000:])
    # the second loads both block loops (what they call is compiled into them) and saves nothing
    loaded = _closure_lines(second.stdout, "data loaded")
    assert len({line for line in loaded if "_decide_block" in line}) == 2, second.stdout[-3000:]
    assert "data saved" not in second.stdout, second.stdout[-3000:]
    results = [line for line in first.stdout.splitlines() if not line.startswith("[cache]")]
    again = [line for line in second.stdout.splitlines() if not line.startswith("[cache]")]
    assert results == again and len(results) == 2


def test_a_closure_over_an_uncached_function_is_not_cached() -> None:
    # Bayes-UCB's index calls SciPy through a ctypes pointer, valid in one process only
    uncached = index_kernel(BayesUCB.index_function)
    assert _closure_key(uncached.py_func) is None
    assert isinstance(uncached._cache, NullCache)
    cached = index_kernel(ThompsonSampling.index_function)
    assert _closure_key(cached.py_func) is not None
    assert not isinstance(cached._cache, NullCache)
