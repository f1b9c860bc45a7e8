"""The paper's simulation study and custom scenarios, on the pipeline's own policies.

- ``Scenario``: arms (``BernoulliArms``, ``ReadingTimeArms``), traffic (``Intensity``), update
  architecture and delays (``FixedDelay``, ``ExponentialDelay``, ``ReadingDelay``), horizon.
- ``simulate(cell, reps, seed)`` / ``run_cells(cells, reps, seed, jobs)``: regret samples of a
  policy in a scenario, with the fast engines (``run_batch``, ``run_online``) or the
  discrete-event simulation of the paper's Algorithms 1–2 (``simulate_events``).
- ``paper_columns``/``PaperOptions``/``PUBLISHED``: the paper's Tables II and III.

Example:
    >>> from bandit_core.policies import make_policy
    >>> scenario = Scenario(name="demo", arms=BernoulliArms((0.5, 0.4)),
    ...                     traffic=Intensity.flat(500), architecture="batch", decisions=2000)
    >>> samples = simulate(Cell("demo", scenario, make_policy("ts")), reps=20, seed=1)
    >>> samples.pseudo.shape
    (20, 100)
"""

from bandit_core.study.batch_engine import run_batch
from bandit_core.study.delays import ExponentialDelay, FixedDelay, ReadingDelay
from bandit_core.study.events import simulate_events
from bandit_core.study.online_engine import run_online
from bandit_core.study.paper import PUBLISHED, PaperOptions, paper_columns
from bandit_core.study.regret import RegretSamples
from bandit_core.study.rewards import BernoulliArms, ReadingTimeArms
from bandit_core.study.runner import Cell, CellResult, run_cells, simulate
from bandit_core.study.scenario import Scenario
from bandit_core.study.traffic import HIGH, LOW, VERY_HIGH, Intensity

__all__ = [
    "HIGH",
    "LOW",
    "PUBLISHED",
    "VERY_HIGH",
    "BernoulliArms",
    "Cell",
    "CellResult",
    "ExponentialDelay",
    "FixedDelay",
    "Intensity",
    "PaperOptions",
    "ReadingDelay",
    "ReadingTimeArms",
    "RegretSamples",
    "Scenario",
    "paper_columns",
    "run_batch",
    "run_cells",
    "run_online",
    "simulate",
    "simulate_events",
]
