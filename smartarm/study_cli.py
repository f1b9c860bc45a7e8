"""``smartarm paper`` and ``smartarm simulate``: the policy study from the command line.

``smartarm paper`` reruns the paper's Tables II (online), III (batch) and IV (best strategies)
and prints them beside the published numbers; ``smartarm simulate`` runs any custom scenario.
Both print for people (a progress bar on stderr, tables on stdout) or, with ``--json``, one JSON
object per result row on stdout; both write CSV files and SVG plots of the cumulative regret.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from smartarm import arguments

__all__ = ["ProgressBar", "register"]

_PAPER_OUT = "paper-results"
_DELAY = "exp:80:300"  # simulate's online delay: the paper's capped exponential, mean 80 s
_BATCH_HOURS = 24.0  # simulate's batch period


class ProgressBar:
    """A small progress bar on stderr: ``[#####.....]  52%  1m03s left``."""

    def __init__(
        self, total: int, label: str, stream: TextIO | None = None, width: int = 30
    ) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self.start = time.monotonic()
        self.shown = -1.0
        self.tty = self.stream.isatty()

    def __call__(self, units: int) -> None:
        self.done = min(self.total, self.done + units)
        now = time.monotonic()
        # redraw at most 5 times a second on a terminal, every 10% elsewhere
        if self.tty and now - self.shown < 0.2 and self.done < self.total:
            return
        if not self.tty and int(10 * self.done / self.total) == int(
            10 * max(self.shown, 0) / self.total
        ):
            if self.done < self.total:
                return
        self.shown = now if self.tty else self.done
        fraction = self.done / self.total
        filled = int(self.width * fraction)
        elapsed = now - self.start
        left = elapsed / fraction - elapsed if fraction > 0 else 0.0
        bar = "#" * filled + "." * (self.width - filled)
        text = f"{self.label} [{bar}] {100 * fraction:3.0f}%  {_duration(left)} left"
        self.stream.write(("\r" + text) if self.tty else (text + "\n"))
        self.stream.flush()

    def close(self) -> None:
        elapsed = time.monotonic() - self.start
        bar = "#" * self.width
        text = f"{self.label} [{bar}] 100%  done in {_duration(elapsed)}"
        self.stream.write(("\r" + text + "\n") if self.tty else (text + "\n"))
        self.stream.flush()


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def _start_hour(text: str) -> float | None:
    if text == "random":
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 24:
        raise argparse.ArgumentTypeError(f"expected an hour in [0, 24) or 'random', found {text!r}")
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the study sub-commands to the ``smartarm`` parser."""
    paper = commands.add_parser(
        "paper",
        help="rerun the paper's simulation study and compare with its tables",
        description="Rerun Tables II (online), III (batch) and IV (best strategies) of Martín et "
        "al., 'The Multi-Armed Bandit Problem under Delayed Rewards Conditions in Digital "
        "Campaign Management', and print them beside the published mean (sd) of the realized "
        "regret. Writes CSV files and SVG plots under --out. Every reading of the paper that is "
        "ambiguous is an option; the defaults are the most faithful (see docs/paper.md).",
        formatter_class=arguments.DefaultsHelpFormatter,
    )
    paper.add_argument("--table", type=int, choices=(2, 3, 4), help="one table (default: all)")
    _common(paper, reps=1000)
    paper.add_argument("--out", default=_PAPER_OUT, help="folder for the CSV files and plots")
    paper.add_argument(
        "--rows", help="comma-separated rows to run, e.g. ucb,pr2,bb_ucb (default: all)"
    )
    paper.add_argument(
        "--decisions",
        type=arguments.positive_integer,
        help="horizon of every column (default: 50,000, 120,000 for online Bern_V)",
    )
    paper.add_argument(
        "--start-hour", type=_start_hour, default=0.0, help="start hour of day 1, or 'random'"
    )
    paper.add_argument(
        "--reading", choices=("capped", "truncated"), default="capped", help="[0, cap] exponentials"
    )
    paper.add_argument(
        "--reading-mean",
        type=float,
        choices=(150.0, 180.0),
        default=150.0,
        help="mean reading time (s)",
    )
    paper.add_argument(
        "--bern-v-factors", type=int, choices=(1, 2), default=1, help="reading factors in Bern_V"
    )
    paper.add_argument(
        "--arrivals",
        choices=("poisson", "frozen-rate"),
        default="poisson",
        help="arrival process",
    )
    paper.add_argument(
        "--dmed-tie", choices=("last", "random"), default="last", help="DMED's pending arm"
    )
    paper.add_argument(
        "--delivery-order", choices=("reward", "pull"), default="reward", help="order at 00:00"
    )
    paper.add_argument(
        "--besa-tournament", choices=("sort", "tree"), default="sort", help="BESA's duels"
    )
    paper.set_defaults(handler=_paper)

    sim = commands.add_parser(
        "simulate",
        help="simulate a custom scenario to choose a policy before a campaign",
        description="Simulate your own scenario with any policies: arm means (click rates), "
        "daily traffic, horizon, delay model and update architecture. Prints mean (sd) of the "
        "pseudo and realized regret per policy; --out writes CSV files and a plot.",
        formatter_class=arguments.DefaultsHelpFormatter,
        epilog="example: smartarm simulate --arms 0.5,0.45,0.45 --traffic-per-day 2000 "
        "--decisions 50000 --architecture batch --policies ts,ucb1,uniform --reps 500 "
        "--seed 1 --json",
    )
    sim.add_argument(
        "--arms", required=True, help="comma-separated arm means (click probabilities)"
    )
    sim.add_argument(
        "--reward",
        choices=("bernoulli", "reading-time"),
        default="bernoulli",
        help="bernoulli: reward 1 with the arm's probability; reading-time: a click times "
        "min(reading time, cap)/cap, a Bern_V-style value model",
    )
    sim.add_argument(
        "--reading-mean",
        type=float,
        default=150.0,
        help="mean reading time (s), reading-time rewards",
    )
    sim.add_argument(
        "--reading-cap",
        type=float,
        default=480.0,
        help="reading time cap (s), reading-time rewards",
    )
    sim.add_argument(
        "--reading",
        choices=("capped", "truncated"),
        default="capped",
        help="capped or truncated times",
    )
    sim.add_argument(
        "--traffic-per-day", type=float, required=True, help="expected decisions per day"
    )
    sim.add_argument(
        "--traffic-shape",
        choices=("two-peak", "flat"),
        default="two-peak",
        help="daily intensity shape",
    )
    horizon = sim.add_mutually_exclusive_group(required=True)
    horizon.add_argument(
        "--decisions", type=arguments.positive_integer, help="horizon in decisions"
    )
    horizon.add_argument(
        "--days",
        type=arguments.positive_number,
        help="horizon in days (decisions = days x traffic)",
    )
    sim.add_argument(
        "--architecture",
        choices=("online", "batch", "nightly"),
        default="nightly",
        help="online: each reward after its delay; batch: rewards delivered every --batch-hours; "
        "nightly: batch at 00:00",
    )
    sim.add_argument(
        "--batch-hours",
        type=arguments.positive_number,
        help=f"batch period in hours, with --architecture batch (default: {_BATCH_HOURS:g})",
    )
    sim.add_argument(
        "--delay",
        help="online delay, with --architecture online: none, fixed:SECONDS, exp:MEAN:CAP "
        "(capped), exp-trunc:MEAN:CAP, or reading (the reading time, with --reward "
        f"reading-time) (default: {_DELAY})",
    )
    sim.add_argument(
        "--policies",
        required=True,
        help="comma-separated policy names, e.g. ts,ucb1,bb_ucb,uniform",
    )
    sim.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="POLICY.KEY=VALUE",
        help="a policy parameter, e.g. besa.tournament=tree (repeatable)",
    )
    sim.add_argument(
        "--start-hour", type=_start_hour, default=0.0, help="start hour of day 1, or 'random'"
    )
    sim.add_argument(
        "--delivery-order",
        choices=("reward", "pull"),
        default="reward",
        help="order of batch rewards",
    )
    _common(sim, reps=500)
    sim.add_argument("--out", help="folder for the CSV files and plot (default: none)")
    sim.set_defaults(handler=_simulate)


def _common(parser: argparse.ArgumentParser, reps: int) -> None:
    parser.add_argument(
        "--reps", type=arguments.positive_integer, default=reps, help="repetitions per cell"
    )
    parser.add_argument(
        "--seed",
        type=arguments.non_negative_integer,
        default=1,
        help="study seed (results are reproducible)",
    )
    parser.add_argument(
        "--jobs",
        type=arguments.positive_integer,
        default=1,
        help="threads running the fast engines (the event engine runs on one)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per result row")
    parser.add_argument(
        "--engine",
        choices=("fast", "event"),
        default="fast",
        help="fast engines, or the discrete-event simulation (slow reference)",
    )


# -- smartarm paper ------------------------------------------------------------------------


def _paper(args: argparse.Namespace) -> int:
    from bandit_core.study.paper import ROWS, PaperOptions, paper_columns

    rows = ROWS
    try:
        if args.rows is not None:
            rows = _listed(args.rows, args.rows.split(","), "--rows", "row names")
            unknown = [r for r in rows if r not in ROWS]
            if unknown:
                raise ValueError(f"unknown row(s) {', '.join(unknown)}; expected {', '.join(ROWS)}")
        _output_folder(args.out)
    except ValueError as exc:
        print(f"smartarm paper: {exc}", file=sys.stderr)
        return 2
    options = PaperOptions(
        decisions=args.decisions,
        start_hour=args.start_hour,
        reading=args.reading,
        reading_mean=args.reading_mean,
        bern_v_factors=args.bern_v_factors,
        arrivals=args.arrivals,
        dmed_tie=args.dmed_tie,
        delivery_order=args.delivery_order,
        besa_tournament=args.besa_tournament,
    )
    tables = (2, 3) if args.table in (None, 4) else (args.table,)
    columns = [col for t in tables for col in paper_columns(t, options, rows)]
    cells = [cell for col in columns for cell in col.cells(options)]
    results = _run(cells, args, "paper")
    out = Path(args.out)
    by_column: dict[tuple[int, str], list[Any]] = {}
    records = []
    i = 0
    for col in columns:
        chunk = results[i : i + len(col.rows)]
        i += len(col.rows)
        by_column[(col.table, col.key)] = chunk
        for row_key, result in zip(col.rows, chunk, strict=True):
            records.append(_paper_record(col, row_key, result))
    from bandit_core.study.report import CURVE_FIELDS, curve_rows, write_csv, write_svg

    for table in tables:
        write_csv(out / f"table{table}.csv", [r for r in records if r["table"] == table])
    write_csv(
        out / "curves.csv",
        [
            row
            for col in columns
            for row in curve_rows(by_column[(col.table, col.key)], f"table{col.table}/{col.key}")
        ],
        fields=CURVE_FIELDS,
    )
    for col in columns:
        name = f"table{col.table}_{col.key.replace('/', '_').lower()}.svg"
        roman = "II" if col.table == 2 else "III"
        title = f"Table {roman}: {col.title}, {col.scenario.describe_architecture()}"
        write_svg(out / name, title, by_column[(col.table, col.key)])
    if args.json:
        for record in records:
            print(
                json.dumps(
                    {k: v for k, v in record.items() if k not in ("seconds", "column", "row_label")}
                )
            )
        return 0
    for col in columns:
        if args.table in (None, 2, 3):
            _print_column(
                col,
                [r for r in records if r["table"] == col.table and r["column"] == col.key],
                args.reps,
            )
    if args.table in (None, 4):
        _print_best(columns, records)
    print(f"\nwrote {out}/table*.csv, {out}/curves.csv and one SVG plot per column")
    return 0


def _paper_record(col: Any, row_key: str, result: Any) -> dict[str, Any]:
    from bandit_core.study.paper import row_label
    from bandit_core.study.report import result_row

    published = col.published(row_key)
    return result_row(
        result,
        table=col.table,
        column=col.key,
        row=row_key,
        row_label=row_label(row_key),
        published_mean=None if published is None else published[0],
        published_sd=None if published is None else published[1],
        seconds=round(result.seconds, 2),
    )


def _fmt(mean: float | None, sd: float | None) -> str:
    if mean is None or sd is None:
        return "-"
    return f"{mean:.2f} ({sd:.2f})"


def _print_column(col: Any, records: list[dict[str, Any]], reps: int) -> None:
    scenario = col.scenario
    roman = "II" if col.table == 2 else "III"
    print(f"\nTable {roman} | {col.title} | {_describe(scenario)} | {reps} reps")
    head = ("published", "ours (realized)", "ours (pseudo)")
    print(f"  {'strategy':14s} " + " ".join(f"{h:>20s}" for h in head) + f" {'diff':>7s}")
    for r in records:
        diff = ""
        if r["published_mean"]:
            diff = f"{100 * (r['realized_regret_mean'] / r['published_mean'] - 1):+.0f}%"
        print(
            f"  {r['row_label']:14s} {_fmt(r['published_mean'], r['published_sd']):>20s} "
            f"{_fmt(r['realized_regret_mean'], r['realized_regret_sd']):>20s} "
            f"{_fmt(r['pseudo_regret_mean'], r['pseudo_regret_sd']):>20s} {diff:>7s}"
        )


def _print_best(columns: Sequence[Any], records: list[dict[str, Any]]) -> None:
    from bandit_core.study.paper import BEST_PUBLISHED

    print("\nTable IV | best strategy per scenario (lowest mean realized regret)")
    head = f"{'published':>14s} {'ours':>14s}  {'ours by pseudo-regret':>22s}"
    print(f"  {'architecture':12s} {'column':18s} {head}")
    for col in columns:
        mine = [r for r in records if r["table"] == col.table and r["column"] == col.key]
        if not mine:
            continue
        best = min(mine, key=lambda r: r["realized_regret_mean"])
        best_pseudo = min(mine, key=lambda r: r["pseudo_regret_mean"])
        arch = "online" if col.table == 2 else "batch"
        print(
            f"  {arch:12s} {col.key:18s} {BEST_PUBLISHED[(col.table, col.key)]:>14s} "
            f"{best['row_label']:>14s}  {best_pseudo['row_label']:>22s}"
        )


# -- smartarm simulate ---------------------------------------------------------------------


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _simulate(args: argparse.Namespace) -> int:
    from bandit_core.policies import canonical_name, make_policy
    from bandit_core.study.runner import Cell
    from bandit_core.study.scenario import Scenario

    try:
        means = tuple(float(x) for x in args.arms.split(","))
    except ValueError:
        print(
            f"smartarm simulate: --arms expects comma-separated numbers, found {args.arms!r}",
            file=sys.stderr,
        )
        return 2
    try:
        _check_architecture_options(args)
        period = _BATCH_HOURS if args.batch_hours is None else args.batch_hours
        scenario = Scenario(
            name="custom" if args.reward == "bernoulli" else "custom reading-time",
            arms=_arms(args, means),
            traffic=_traffic(args),
            architecture="online" if args.architecture == "online" else "batch",
            delay=_delay(_DELAY if args.delay is None else args.delay)
            if args.architecture == "online"
            else None,
            period_hours=24.0 if args.architecture == "nightly" else period,
            decisions=args.decisions or max(1, round(args.days * args.traffic_per_day)),
            start_hour=args.start_hour,
            delivery_order=args.delivery_order,
        )
        names = _listed(
            args.policies,
            [canonical_name(n.strip()) for n in args.policies.split(",") if n.strip()],
            "--policies",
            "policy names",
        )
        if args.out:
            _output_folder(args.out)
        params: dict[str, dict[str, Any]] = {n: {} for n in names}
        for item in args.param:
            target, _, value = item.partition("=")
            policy_name, _, key = target.partition(".")
            policy_name = canonical_name(policy_name)
            if not key or not value or policy_name not in params:
                raise ValueError(
                    f"--param expects POLICY.KEY=VALUE for a listed policy, found {item!r}"
                )
            params[policy_name][key] = _parse_value(value)
        cells = [Cell("simulate", scenario, make_policy(n, params[n])) for n in names]
    except ValueError as exc:
        print(f"smartarm simulate: {exc}", file=sys.stderr)
        return 2
    results = _run(cells, args, "simulate")
    from bandit_core.study.report import (
        CURVE_FIELDS,
        RESULT_FIELDS,
        curve_rows,
        result_row,
        write_csv,
        write_svg,
    )

    records = [result_row(r) for r in results]
    if args.out:
        out = Path(args.out)
        write_csv(out / "simulate.csv", records, fields=RESULT_FIELDS)
        write_csv(
            out / "simulate_curves.csv",
            curve_rows(results, "simulate"),
            fields=CURVE_FIELDS,
        )
        write_svg(
            out / "simulate.svg", f"{scenario.name}, {scenario.describe_architecture()}", results
        )
    if args.json:
        for record in records:
            print(json.dumps(record))
        return 0
    print(f"{scenario.name} | {_describe(scenario)} | {args.reps} reps")
    print(f"  {'policy':24s} {'pseudo-regret':>20s} {'realized regret':>20s}")
    for r in sorted(records, key=lambda r: r["pseudo_regret_mean"]):
        print(
            f"  {r['policy']:24s} {_fmt(r['pseudo_regret_mean'], r['pseudo_regret_sd']):>20s} "
            f"{_fmt(r['realized_regret_mean'], r['realized_regret_sd']):>20s}"
        )
    if args.out:
        print(f"\nwrote {args.out}/simulate.csv, simulate_curves.csv and simulate.svg")
    return 0


def _arms(args: argparse.Namespace, means: tuple[float, ...]) -> Any:
    from bandit_core.study.rewards import BernoulliArms, ReadingTimeArms

    if args.reward == "bernoulli":
        return BernoulliArms(means)
    return ReadingTimeArms(
        means, reading_mean=args.reading_mean, cap=args.reading_cap, reading=args.reading
    )


def _traffic(args: argparse.Namespace) -> Any:
    from bandit_core.study.traffic import LOW, Intensity

    if not args.traffic_per_day > 0:
        raise ValueError(f"--traffic-per-day must be positive, found {args.traffic_per_day!r}")
    if args.traffic_shape == "flat":
        return Intensity.flat(args.traffic_per_day)
    return LOW.scaled(args.traffic_per_day)


def _listed(text: str, names: Sequence[str], flag: str, expected: str) -> tuple[str, ...]:
    """The names a comma-separated option lists (``names``, parsed from ``text``), each once."""
    kept = tuple(n.strip() for n in names if n.strip())
    if not kept:
        raise ValueError(f"{flag} expects {expected}, found {text!r}")
    twice = sorted({n for n in kept if kept.count(n) > 1})
    if twice:
        raise ValueError(f"{flag} names {', '.join(twice)} more than once, found {text!r}")
    return kept


def _output_folder(path: str) -> None:
    """Create the folder for the result files before the run, so that a folder that cannot
    be written fails at once rather than after the simulation."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(
            f"--out expects a folder it can create and write, found {path!r} ({exc.strerror})"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"--out expects a folder it can write, found {path!r} (not writable)")


def _check_architecture_options(args: argparse.Namespace) -> None:
    """An option of another architecture than the one simulated is an error, not ignored."""
    if args.delay is not None and args.architecture != "online":
        raise ValueError(
            f"--delay applies to --architecture online (batch and nightly deliver every reward"
            f" at the end of its period), found --architecture {args.architecture}"
        )
    if args.batch_hours is not None and args.architecture != "batch":
        raise ValueError(
            f"--batch-hours applies to --architecture batch (nightly is a 24-hour batch at"
            f" 00:00), found --architecture {args.architecture}"
        )


def _delay(spec: str) -> Any:
    from bandit_core.study.delays import ExponentialDelay, FixedDelay, ReadingDelay

    kind, _, rest = spec.partition(":")
    try:
        if kind == "none":
            return FixedDelay(0.0)
        if kind == "fixed":
            return FixedDelay(float(rest))
        if kind in ("exp", "exp-trunc"):
            mean, cap = (float(x) for x in rest.split(":"))
            return ExponentialDelay(mean, cap, truncated=kind == "exp-trunc")
        if kind == "reading":
            return ReadingDelay()
    except ValueError:
        pass
    expected = "none, fixed:SECONDS, exp:MEAN:CAP, exp-trunc:MEAN:CAP or reading"
    raise ValueError(f"--delay expects {expected}, found {spec!r}")


def _describe(scenario: Any) -> str:
    return (
        f"{scenario.describe_architecture()} | {scenario.traffic.daily_total():,.0f} arrivals/day"
        f" | n = {scenario.decisions:,}"
    )


def _run(cells: Sequence[Any], args: argparse.Namespace, label: str) -> list[Any]:
    from bandit_core.study.runner import run_cells

    if args.engine == "event" and args.jobs > 1:
        print(
            f"note: --jobs {args.jobs} is ignored by --engine event, which is pure Python and"
            " runs on one thread; --jobs runs the fast engines in parallel",
            file=sys.stderr,
        )
    total = args.reps * sum(cell.scenario.decisions for cell in cells)
    bar = ProgressBar(total, f"{label}: {len(cells)} cells x {args.reps} reps")
    results = run_cells(
        cells, args.reps, args.seed, jobs=args.jobs, engine=args.engine, progress=bar
    )
    bar.close()
    return results
