"""Benchmark: one paper cell with the fast engines against a per-decision Python loop.

The cell is the paper's Table III, Bern_M, low traffic, Thompson sampling ("PR2 (TS)") in the
batch architecture: 1,000 repetitions x 50,000 decisions by default (``--table 2``: the same
cell of Table II, online, with the compiled online engine), after a run of the cell cut to 200
decisions that loads the engine's compiled code. The same cell is then run by the
discrete-event simulation, which calls the very same policy object once per decision and per
reward (``choose``/``observe``), the way the paper's simulator and SMPyBandits work, for a few
repetitions (after the same short run, which compiles the policy's code); its time per
repetition is scaled to the same number of repetitions and the same number of cores (assuming
it scales perfectly over processes, which flatters the loop). Neither side's timed run pays
for loading or compiling code, which a study pays once; the fast engine's short run is
printed. The speed-up is reported as a ratio measured in the same run, never as an absolute
time to meet.

    python bench/paper.py                      # the cell, 1,000 reps, --jobs 2
    python bench/paper.py --column Bern_M/high # another Table III column
    python bench/paper.py --table 2 --row ucb  # an online cell of Table II
    python bench/paper.py --whole-study        # also time every cell of Tables II and III

Run from the repository root (``make bench-paper``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bandit_core.study.paper import PaperOptions, paper_columns  # noqa: E402
from bandit_core.study.runner import Cell, run_cells, simulate  # noqa: E402


def _cell(table: int, column: str, row: str) -> Cell:
    for col in paper_columns(table, PaperOptions(), rows=(row,)):
        if col.key == column:
            return col.cells(PaperOptions())[0]
    raise SystemExit(f"unknown column {column!r} of table {table}")


def _short(cell: Cell) -> Cell:
    """The cell cut to 200 decisions: a run that loads (or compiles) its code."""
    return Cell(cell.key, dataclasses.replace(cell.scenario, decisions=200), cell.policy)


def _fast(cell: Cell, reps: int, jobs: int) -> tuple[float, float, float]:
    """Seconds of the fast run, its mean realized regret, and the seconds of the short run
    before it (like the loop, the timed run does not pay for loading its compiled code)."""
    start = time.perf_counter()
    run_cells([_short(cell)], jobs, seed=2, jobs=jobs, chunk_size=1)
    warm_up = time.perf_counter() - start
    start = time.perf_counter()
    # one chunk per thread: a single cell keeps every thread busy
    result = run_cells([cell], reps, seed=1, jobs=jobs, chunk_size=-(-reps // jobs))[0]
    took = time.perf_counter() - start
    return took, result.samples.summary()["realized_regret_mean"], warm_up


def _loop(cell: Cell, reps: int) -> tuple[float, float]:
    # compile the policy's code first: scaled to 1,000 repetitions the loop would pay that once
    simulate(_short(cell), 1, seed=2, engine="event")
    start = time.perf_counter()
    samples = simulate(cell, reps, seed=2, engine="event")
    return (time.perf_counter() - start) / reps, samples.summary()["realized_regret_mean"]


def _whole_study(reps: int, jobs: int) -> None:
    options = PaperOptions()
    for table in (3, 2):
        columns = paper_columns(table, options)
        cells = [cell for col in columns for cell in col.cells(options)]
        start = time.perf_counter()
        results = run_cells(cells, reps, seed=1, jobs=jobs)
        took = time.perf_counter() - start
        name = "III" if table == 3 else "II"
        print(f"Table {name}: {len(cells)} cells x {reps} reps in {took:.0f} s")
        slowest = sorted(results, key=lambda r: -r.seconds)[:5]
        for r in slowest:
            print(f"  {r.cell.key:24s} {r.cell.policy_name:16s} {r.seconds:7.1f} s of CPU")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--table", type=int, choices=(2, 3), default=3, help="2 (online) or 3 (batch, default)"
    )
    parser.add_argument("--column", default="Bern_M/low", help="column (default Bern_M/low)")
    parser.add_argument("--row", default="pr2", help="strategy row (default pr2, i.e. 'PR2 (TS)')")
    parser.add_argument("--reps", type=int, default=1000, help="repetitions of the fast run")
    parser.add_argument(
        "--loop-reps", type=int, default=2, help="repetitions of the per-decision loop"
    )
    parser.add_argument("--jobs", type=int, default=2, help="threads for the fast run")
    parser.add_argument("--whole-study", action="store_true", help="also time Tables II and III")
    parser.add_argument(
        "--study-reps", type=int, default=1000, help="repetitions of the whole study"
    )
    args = parser.parse_args()

    cell = _cell(args.table, args.column, args.row)
    n = cell.scenario.decisions
    name = "II" if args.table == 2 else "III"
    what = cell.scenario.describe_architecture()
    print(f"cell: Table {name}, {args.column}, {args.row}, {what}, {n:,} decisions")
    fast_wall, fast_regret, warm_up = _fast(cell, args.reps, args.jobs)
    engine = "online engine" if args.table == 2 else "batch engine"
    print(
        f"fast {engine}: {args.reps} reps on {args.jobs} threads in {fast_wall:.2f} s "
        f"(mean realized regret {fast_regret:.1f}; a first run of 200 decisions loaded its "
        f"compiled code in {warm_up:.2f} s)"
    )
    per_rep, loop_regret = _loop(cell, args.loop_reps)
    loop_wall = per_rep * args.reps / args.jobs
    print(
        f"per-decision loop: {per_rep:.2f} s per repetition ({args.loop_reps} reps, mean realized "
        f"regret {loop_regret:.1f}); {args.reps} reps on {args.jobs} cores would take "
        f"{loop_wall:.0f} s"
    )
    print(f"speed-up: {loop_wall / fast_wall:,.0f}x")
    if args.whole_study:
        _whole_study(args.study_reps, args.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
