"""The ``smartarm`` command line.

Every command reads the database from ``SMARTARM_DATABASE_URL``; without it, an embedded
PostgreSQL is started under ``$SMARTARM_HOME`` (default ``./.smartarm``). Commands that need
Airflow import it only when they run, so ``smartarm --help`` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Callable, Sequence

from smartarm import arguments

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smartarm",
        description=(
            "SmartArm: nightly multi-armed bandit allocation of message templates.\n"
            "The database is SMARTARM_DATABASE_URL, or an embedded PostgreSQL under "
            "$SMARTARM_HOME (default ./.smartarm) when it is unset."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = commands.add_parser("db", help="manage the SmartArm schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser(
        "upgrade",
        help="apply roles, pending migrations, views and grants (safe to repeat)",
        description="Create the SmartArm roles, apply every pending numbered migration under "
        "sql/migrations (one transaction each, checksummed), then re-apply views and grants.",
    )
    upgrade.set_defaults(handler=_db_upgrade)

    campaigns = commands.add_parser("campaigns", help="manage campaign configurations")
    campaign_commands = campaigns.add_subparsers(
        dest="campaigns_command", required=True, metavar="ACTION"
    )
    apply = campaign_commands.add_parser(
        "apply",
        help="validate a campaign YAML file and store it as the campaign's next version",
        description="Validate FILE (every problem is listed with its line and field) and store "
        "it. An invalid file changes nothing; re-applying an unchanged file keeps the version.",
    )
    apply.add_argument("file", help="campaign YAML file, e.g. examples/campaigns/welcome.yaml")
    apply.set_defaults(handler=_campaigns_apply)

    nightly = commands.add_parser(
        "nightly",
        help="run the nightly DAG through Airflow for one day's window",
        description="Run smartarm_nightly through Airflow (dag.test) for the window "
        "[DATE 00:00, DATE+1 00:00) UTC: it learns from the events that arrived on DATE and "
        "publishes the send lists for DATE+1. Rerunning a date leaves the same state.",
    )
    nightly.add_argument(
        "--date", type=arguments.date, required=True, help="the window's date, YYYY-MM-DD"
    )
    nightly.add_argument(
        "--landing-dir",
        help="landing folder with one sub-folder of event files per date "
        "(default: SMARTARM_LANDING_DIR or $SMARTARM_HOME/landing)",
    )
    nightly.set_defaults(handler=_nightly)

    demo = commands.add_parser(
        "demo",
        help="simulate a campaign for N days through the real nightly DAG",
        description="Reset SmartArm's schemas in the database, apply the example campaign, "
        "create simulated users and run the nightly DAG day after day while a simulated CRM "
        "and audience answer each send list with delayed engagement events.",
    )
    demo.add_argument(
        "--days", type=arguments.positive_integer, default=14, help="simulated days (default 14)"
    )
    demo.add_argument(
        "--users",
        type=arguments.positive_integer,
        default=20_000,
        help="simulated users (default 20000)",
    )
    demo.add_argument("--seed", type=int, default=7, help="seed of the simulated world (default 7)")
    demo.add_argument(
        "--config",
        default=None,
        help="campaign file (default examples/campaigns/welcome.yaml)",
    )
    demo.set_defaults(handler=_demo)

    for register in _extensions():
        register(commands)
    return parser


def _extensions() -> list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]]:
    """Sub-commands defined in other modules of this package."""
    from smartarm import reporting_cli, study_cli

    return [study_cli.register, reporting_cli.register]


def _db_upgrade(args: argparse.Namespace) -> int:
    from bandit_core.db import connect
    from bandit_core.migrate import upgrade
    from smartarm.warehouse import database_url

    with connect(database_url()) as conn:
        applied = upgrade(conn)
    if applied:
        for migration in applied:
            print(f"applied {migration.filename}")
    else:
        print("schema is up to date")
    print("views and grants re-applied")
    return 0


def _campaigns_apply(args: argparse.Namespace) -> int:
    from bandit_core.campaigns import apply_campaign
    from bandit_core.config import load_campaign
    from bandit_core.db import connect
    from smartarm.warehouse import database_url

    config = load_campaign(args.file)
    with connect(database_url()) as conn:
        version, changed = apply_campaign(conn, config)
    state = "stored as" if changed else "unchanged at"
    print(f"campaign {config.campaign_id!r} {state} version {version}")
    return 0


def _nightly(args: argparse.Namespace) -> int:
    import os

    from smartarm.airflow_runner import run_nightly
    from smartarm.warehouse import smartarm_home

    landing = (
        args.landing_dir or os.environ.get("SMARTARM_LANDING_DIR") or smartarm_home() / "landing"
    )
    reports = os.environ.get("SMARTARM_REPORT_DIR") or smartarm_home() / "reports"
    run = run_nightly(args.date, landing_dir=landing, report_dir=reports)
    print(f"smartarm_nightly {args.date}: {run.state} (run {run.run_id}, landing {landing})")
    for line in run.failures:
        print(f"  {line}")
    return 0 if run.state == "success" else 1


def _demo(args: argparse.Namespace) -> int:
    from smartarm.demo import run_demo

    return run_demo(days=args.days, users=args.users, seed=args.seed, config_path=args.config)


def main(argv: Sequence[str] | None = None) -> int:
    from bandit_core.errors import SmartArmError

    # pgserver asks platformdirs for a runtime dir, which warns where XDG_RUNTIME_DIR is unset
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    try:
        return handler(args)
    except SmartArmError as exc:
        print(f"smartarm: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
