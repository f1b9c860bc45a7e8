"""Applying campaign configs: versions, history, and invalid files that change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bandit_core.campaigns import apply_campaign, load_stored
from smartarm.cli import main
from tests.support import campaign_config, table_digests


def test_versions_advance_only_when_the_config_changes(conn: psycopg.Connection[Any]) -> None:
    first = campaign_config(templates=("a", "b", "c"))
    assert apply_campaign(conn, first) == (1, True)
    assert apply_campaign(conn, first) == (1, False)
    second = campaign_config(templates=("a", "c"), holdout_share=0.1)
    assert apply_campaign(conn, second) == (2, True)
    templates = conn.execute(
        "select template_id, active from config.templates order by template_id"
    ).fetchall()
    assert templates == [("a", True), ("b", False), ("c", True)]  # b is kept for its history
    history = conn.execute(
        "select version, spec -> 'policy' ->> 'holdout_share' from config.campaign_versions"
        " order by version"
    ).fetchall()
    assert history == [(1, "0.0"), (2, "0.1")]
    assert load_stored(conn, "c1").config == second


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(
            lambda spec: spec["templates"].append(dict(spec["templates"][0])),
            "duplicate template id 'a'",
            id="duplicate-template",
        ),
        pytest.param(
            lambda spec: spec["policy"].update(name="thompsonn"),
            "unknown policy 'thompsonn'",
            id="unknown-policy",
        ),
        pytest.param(
            lambda spec: spec["policy"].update(min_share=0.7),
            "minimum shares must sum to at most 1",
            id="shares-do-not-sum",
        ),
        pytest.param(
            lambda spec: spec["reward"].update(attribution_window_days=-2),
            "reward.attribution_window_days: expected an integer >= 1, found -2",
            id="bad-window",
        ),
    ],
)
def test_an_invalid_file_is_refused_and_changes_nothing(
    warehouse_url: str,
    conn: psycopg.Connection[Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    edit: Any,
    message: str,
) -> None:
    good = campaign_config()
    apply_campaign(conn, good)
    before = table_digests(conn)
    spec = json.loads(json.dumps(good.spec))
    edit(spec)
    bad = tmp_path / "campaign.yaml"
    bad.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    monkeypatch.setenv("SMARTARM_DATABASE_URL", warehouse_url)
    assert main(["campaigns", "apply", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and message in err
    assert table_digests(conn) == before
