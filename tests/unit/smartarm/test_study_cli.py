"""``smartarm paper`` and ``smartarm simulate``: output contracts, files and errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from smartarm.cli import build_parser, main
from smartarm.study_cli import ProgressBar

CONTRACT = {
    "scenario",
    "architecture",
    "traffic_per_day",
    "policy",
    "reps",
    "decisions",
    "pseudo_regret_mean",
    "pseudo_regret_sd",
    "realized_regret_mean",
    "realized_regret_sd",
}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["paper", "--help"], "beside the published mean (sd)", id="paper"),
        pytest.param(["simulate", "--help"], "--policies ts,ucb1,uniform", id="simulate"),
    ],
)
def test_study_commands_explain_themselves(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert expected in text
    # each option's default said once, and none where there is none to say
    assert "(default: 1)" in text and "(default: None)" not in text and "(default: [])" not in text
    assert "(default: all) (default:" not in text and ") (default: none) (default" not in text


def test_simulate_prints_one_json_object_per_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "simulate", "--arms", "0.5,0.45,0.45", "--traffic-per-day", "2000", "--decisions", "4000",
        "--architecture", "batch", "--policies", "ts,ucb1,uniform", "--reps", "20", "--seed", "1",
        "--json", "--out", str(tmp_path),
    ]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr()
    rows = [json.loads(line) for line in out.out.splitlines()]
    assert [r["policy"] for r in rows] == ["thompson_sampling", "ucb1", "uniform"]
    for row in rows:
        assert set(row) == CONTRACT
        assert row["reps"] == 20 and row["decisions"] == 4000 and row["traffic_per_day"] == 2000.0
    # uniform: n ΣΔ/K = 4000 × 0.1/3
    assert rows[2]["pseudo_regret_mean"] == pytest.approx(133.3, abs=8)
    assert "100%" in out.err  # the progress bar
    assert {p.name for p in tmp_path.iterdir()} == {
        "simulate.csv",
        "simulate_curves.csv",
        "simulate.svg",
    }


def test_simulate_online_with_reading_time_rewards(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "simulate", "--arms", "0.3,0.2", "--reward", "reading-time", "--traffic-per-day", "5000",
        "--days", "0.5", "--architecture", "online", "--delay", "reading",
        "--policies", "pr3,bb_pr3", "--reps", "5",
    ]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "online (until the reading ends)" in out and "n = 2,500" in out
    assert "pr3" in out and "bb_pr3" in out


def test_the_event_engine_says_it_runs_on_one_thread(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "simulate", "--arms", "0.5,0.4", "--traffic-per-day", "2000", "--decisions", "300",
        "--architecture", "batch", "--policies", "ts", "--reps", "4", "--json", "--engine", "event",
    ]  # fmt: skip
    assert main(argv) == 0
    alone = capsys.readouterr()
    assert main([*argv, "--jobs", "2"]) == 0
    both = capsys.readouterr()
    assert "--jobs 2 is ignored by --engine event" in both.err
    assert "ignored" not in alone.err
    assert both.out == alone.out


def test_paper_table_rows_carry_the_published_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "paper", "--table", "3", "--rows", "ucb,pr2,pr3", "--reps", "4", "--decisions", "3000",
        "--json", "--out", str(tmp_path),
    ]  # fmt: skip
    assert main(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 2 * 2 + 2 * 3  # PR3 only in the Bern_V columns, as in the paper
    first = rows[0]
    assert set(first) == CONTRACT | {"table", "row", "published_mean", "published_sd"}
    assert (first["table"], first["row"], first["published_mean"], first["published_sd"]) == (
        3,
        "ucb",
        874.81,
        167.24,
    )
    assert (tmp_path / "table3.csv").is_file() and (tmp_path / "curves.csv").is_file()
    assert len(list(tmp_path.glob("table3_*.svg"))) == 4


def test_paper_prints_tables_for_people(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "paper",
        "--table",
        "4",
        "--rows",
        "ucb,pr2",
        "--reps",
        "2",
        "--decisions",
        "2000",
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Table IV | best strategy" in out
    assert "PR1/PR2" in out  # the published best of the batch Bern_M low-traffic column


_SIM = ["simulate", "--arms", "0.5,0.4", "--traffic-per-day", "10", "--decisions", "10"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            [*_SIM[:2], "a,b", *_SIM[3:], "--policies", "ts"],
            "--arms expects comma-separated numbers",
            id="bad-arms",
        ),
        pytest.param(
            [*_SIM, "--policies", "softmax"], "unknown policy 'softmax'", id="unknown-policy"
        ),
        pytest.param(
            [*_SIM, "--policies", "ts", "--architecture", "online", "--delay", "gamma:3"],
            "--delay expects none, fixed:SECONDS",
            id="bad-delay",
        ),
        pytest.param(
            [*_SIM, "--policies", "ts", "--delay", "fixed:60"],
            "--delay applies to --architecture online (batch and nightly deliver every reward"
            " at the end of its period), found --architecture nightly",
            id="delay-without-online",
        ),
        pytest.param(
            [*_SIM, "--policies", "ts", "--architecture", "online", "--batch-hours", "6"],
            "--batch-hours applies to --architecture batch (nightly is a 24-hour batch at"
            " 00:00), found --architecture online",
            id="batch-hours-without-batch",
        ),
        pytest.param(
            [*_SIM, "--policies", " , "],
            "--policies expects policy names, found ' , '",
            id="no-policy",
        ),
        pytest.param(
            [*_SIM, "--policies", "ucb,ts,thompson_sampling,ucb"],
            "--policies names thompson_sampling, ucb more than once, found"
            " 'ucb,ts,thompson_sampling,ucb'",
            id="policy-twice",
        ),
        pytest.param(
            ["paper", "--rows", "", "--reps", "1"],
            "--rows expects row names, found ''",
            id="no-row",
        ),
        pytest.param(
            ["paper", "--rows", "pr2,ucb,pr2", "--reps", "1"],
            "--rows names pr2 more than once, found 'pr2,ucb,pr2'",
            id="row-twice",
        ),
        pytest.param(
            ["paper", "--rows", "ucb,softmax", "--reps", "1"],
            "unknown row(s) softmax",
            id="bad-row",
        ),
        # rejected by the parser as usage errors
        pytest.param(
            [*_SIM, "--policies", "ts", "--seed", "-1"],
            "argument --seed: expected a non-negative integer, found '-1'",
            id="negative-seed",
        ),
        pytest.param(
            ["paper", "--table", "3", "--seed", "x"],
            "argument --seed: expected a non-negative integer, found 'x'",
            id="paper-seed",
        ),
        pytest.param(
            [*_SIM, "--policies", "ts", "--architecture", "batch", "--batch-hours", "0"],
            "argument --batch-hours: expected a positive number, found '0'",
            id="zero-batch-hours",
        ),
        pytest.param(
            [*_SIM[:5], "--days", "-2", "--policies", "ts"],
            "argument --days: expected a positive number, found '-2'",
            id="negative-days",
        ),
    ],
)
def test_bad_input_exits_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exit_info:  # argparse's usage error
        code = exit_info.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_progress_bar_writes_lines_when_not_on_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(1000, "work", stream=stream)
    for _ in range(10):
        bar(100)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("work [###") and "10%" in lines[0]
    assert "done in" in lines[-1]
    assert len(lines) == 11


def test_the_documented_simulate_example_prints_what_the_docs_show(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # docs/simulate.md opens with a command and its JSON lines; a run with the same seed
    # prints the same numbers, so the page shows what a user gets
    text = (Path(__file__).parents[3] / "docs" / "simulate.md").read_text(encoding="utf-8")
    blocks = text.split("```")[1::2]
    command = next(b for b in blocks if b.strip().startswith("smartarm simulate"))
    shown = next(b for b in blocks if b.strip().startswith("{"))
    argv = command.replace("\\\n", " ").split()[1:]
    assert main(argv) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == [json.loads(line) for line in shown.strip().splitlines()]


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["paper", "--table", "3", "--rows", "ucb", "--reps", "1"], id="paper"),
        pytest.param([*_SIM, "--policies", "ts"], id="simulate"),
    ],
)
def test_an_output_folder_that_cannot_be_made_fails_before_the_run(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main([*argv, "--out", str(blocker / "results")]) == 2
    captured = capsys.readouterr()
    assert f"--out expects a folder it can create and write, found '{blocker}/results'" in (
        captured.err
    )
    assert "Not a directory" in captured.err
    # nothing ran: no progress bar, no table
    assert "reps [" not in captured.err
    assert captured.out == ""
