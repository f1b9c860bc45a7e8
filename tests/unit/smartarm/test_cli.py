"""The command line a data engineer types: help for every command, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartarm.cli import build_parser, main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["--help"], "SMARTARM_DATABASE_URL", id="top"),
        pytest.param(["db", "upgrade", "--help"], "pending numbered migration", id="db-upgrade"),
        pytest.param(["campaigns", "apply", "--help"], "every problem is listed", id="apply"),
        pytest.param(["nightly", "--help"], "[DATE 00:00, DATE+1 00:00) UTC", id="nightly"),
        pytest.param(["demo", "--help"], "simulated CRM", id="demo"),
    ],
)
def test_every_command_explains_itself(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 0
    assert expected in " ".join(capsys.readouterr().out.split())


def test_bad_date_is_refused_with_the_expected_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["nightly", "--date", "01/02/2026"])
    assert "expected a date YYYY-MM-DD, found '01/02/2026'" in capsys.readouterr().err


def test_negative_bootstrap_seed_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    # NumPy refuses a negative seed, after the logs were read, with a traceback
    argv = ["evaluate", "--campaign", "c1", "--policy", "ts", "--seed", "-3"]
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
    assert "argument --seed: expected a non-negative integer, found '-3'" in capsys.readouterr().err


def test_invalid_campaign_file_exits_2_and_names_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("campaign_id: x\nstart_date: 2026-01-01\ntemplates: []\n")
    assert main(["campaigns", "apply", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3: templates: expected a list of at least 2 templates" in err
    assert f"{bad}:1: reward: is required but missing" in err
