"""``smartarm report`` and ``smartarm evaluate``: what analysts run from the command line.

``smartarm report`` writes a campaign's self-contained HTML report from the reporting views;
``smartarm evaluate`` estimates from the logged sends how another policy would have done.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from smartarm import arguments

__all__ = ["register"]


def _param(text: str) -> tuple[str, Any]:
    import yaml

    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, found {text!r}")
    try:
        parsed = yaml.safe_load(value) if value.strip() else value
    except yaml.YAMLError:
        parsed = value
    return key.strip(), parsed


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` and ``evaluate`` sub-commands to the ``smartarm`` parser."""
    report = commands.add_parser(
        "report",
        help="write a campaign's HTML report (offline, self-contained)",
        description="Write the HTML report of CAMPAIGN from the reporting views: KPIs with the "
        "lift and its interval, traffic shares, posteriors with credible intervals, regret "
        "against an equal split, reward dynamics, a day slider replaying the allocation and "
        "the latest validation. The page needs no network. It reads only; the nightly report "
        "step stores the Monte Carlo regret it shows.",
    )
    report.add_argument("--campaign", required=True, help="the campaign id")
    report.add_argument(
        "--out",
        help="output file (default: $SMARTARM_REPORT_DIR or $SMARTARM_HOME/reports, "
        "<campaign>.html)",
    )
    report.set_defaults(handler=_report)

    evaluate = commands.add_parser(
        "evaluate",
        help="estimate how another policy would have done, from the logged sends",
        description="Off-policy evaluation of POLICY (any bandit_core policy) on CAMPAIGN's "
        "matured sends: each day, the policy is applied to the arm state the campaign's own "
        "allocation used, and its value per send is estimated with IPS, self-normalised IPS "
        "and doubly robust estimators from the logged propensities, with bootstrap intervals. "
        "Warns when weights are too large or the logs lack support for the policy's choices.",
        epilog="example: smartarm evaluate --campaign welcome_series --policy epsilon_greedy "
        "--param epsilon=0.1 --from 2026-01-01 --to 2026-01-14",
    )
    evaluate.add_argument("--campaign", required=True, help="the campaign id")
    evaluate.add_argument("--policy", required=True, help="target policy, e.g. uniform, ucb1")
    evaluate.add_argument(
        "--param",
        action="append",
        type=_param,
        default=[],
        metavar="KEY=VALUE",
        help="a parameter of the target policy (repeatable), e.g. epsilon=0.1",
    )
    evaluate.add_argument("--from", dest="first", type=arguments.date, help="first send date")
    evaluate.add_argument("--to", dest="last", type=arguments.date, help="last send date")
    evaluate.add_argument(
        "--no-rails",
        action="store_true",
        help="evaluate the bare policy, without the campaign's warm-up and minimum share",
    )
    evaluate.add_argument(
        "--bootstrap",
        type=arguments.positive_integer,
        default=1000,
        help="bootstrap resamples (default 1000)",
    )
    evaluate.add_argument(
        "--seed", type=arguments.non_negative_integer, default=0, help="bootstrap seed (default 0)"
    )
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON")
    evaluate.set_defaults(handler=_evaluate)


def _report(args: argparse.Namespace) -> int:
    import os

    from bandit_core.db import connect
    from bandit_core.report import render_report, write_report
    from smartarm.warehouse import database_url, smartarm_home

    with connect(database_url()) as conn:
        if args.out:
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(render_report(conn, args.campaign), encoding="utf-8")
        else:
            folder = Path(os.environ.get("SMARTARM_REPORT_DIR") or smartarm_home() / "reports")
            out = write_report(conn, args.campaign, folder)
    print(f"report of campaign {args.campaign!r}: {out}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import numpy as np

    from bandit_core.db import connect
    from bandit_core.evaluation import estimate_policy_value
    from bandit_core.evaluation_data import load_logged_sends
    from smartarm.warehouse import database_url

    with connect(database_url()) as conn:
        logs, scope = load_logged_sends(
            conn,
            args.campaign,
            args.policy,
            dict(args.param),
            first=args.first,
            last=args.last,
            rails=not args.no_rails,
        )
    result = estimate_policy_value(logs, np.random.default_rng(args.seed), bootstrap=args.bootstrap)
    if args.json:
        print(json.dumps(_as_json(scope, result, args), indent=2))
    else:
        _print(scope, result, args)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _as_json(scope: Any, result: Any, args: argparse.Namespace) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "campaign_id": scope.campaign_id,
        "policy": scope.policy.name,
        "params": dict(scope.policy.params),
        "rails": {
            "min_share": scope.policy.min_share,
            "warmup_min_matured": scope.policy.warmup_min_matured,
        },
        "first": scope.first.isoformat(),
        "last": scope.last.isoformat(),
        "contexts": scope.contexts,
        "templates": list(scope.templates),
        "bootstrap": args.bootstrap,
        "seed": args.seed,
        **asdict(result),
    }


def _print(scope: Any, result: Any, args: argparse.Namespace) -> None:
    policy = scope.policy
    params = ", ".join(f"{k}={v}" for k, v in policy.params.items()) or "default parameters"
    rails = (
        f"min share {policy.min_share:g}, warm-up {policy.warmup_min_matured}"
        if not args.no_rails
        else "no rails"
    )
    print(
        f"campaign {scope.campaign_id!r}, policy {policy.name} ({params}; {rails}), "
        f"send dates {scope.first}..{scope.last}"
    )
    print(
        f"{result.sends:,} matured sends in {scope.contexts} contexts (send date x segment), "
        f"{len(scope.templates)} templates; {result.level:.0%} bootstrap intervals "
        f"({args.bootstrap} resamples, seed {args.seed})"
    )
    print()
    print(f"{'estimator':<15} {'reward/send':>11}  {'interval':<19}  {'vs logged':>9}  interval")
    rows = [
        ("logged policy", result.logged_value, None),
        ("IPS", result.ips, result.versus_logged["ips"]),
        ("SNIPS", result.snips, result.versus_logged["snips"]),
        ("doubly robust", result.doubly_robust, result.versus_logged["doubly_robust"]),
    ]
    for label, estimate, gap in rows:
        interval = f"[{estimate.low:.4f}, {estimate.high:.4f}]"
        versus = f"{gap.value:+9.4f}  [{gap.low:+.4f}, {gap.high:+.4f}]" if gap is not None else ""
        print(f"{label:<15} {estimate.value:>11.4f}  {interval:<19}  {versus}")
    print()
    print(
        f"largest weight {result.max_weight:.2f}; effective sample size "
        f"{result.effective_sample_size:,.0f} ({result.effective_sample_size / result.sends:.0%});"
        f" target probability without logged support {result.unsupported_share:.1%}"
    )
    if not result.warnings:
        print("no warnings: the logged propensities support this estimate")
