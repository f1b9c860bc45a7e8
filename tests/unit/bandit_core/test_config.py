"""Campaign config: the example loads, and every invalid file is rejected precisely."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bandit_core.config import load_campaign, parse_campaign
from bandit_core.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "campaigns" / "welcome.yaml"

VALID = """\
campaign_id: c1
start_date: 2026-01-01
templates:
  - {id: a, channel: email}
  - {id: b, channel: sms, features: {tone: short}}
reward: {event_type: click, attribution_window_days: 3}
policy: {name: thompson_sampling, holdout_share: 0.1, min_share: 0.05}
"""


def test_example_campaign_loads() -> None:
    config = load_campaign(EXAMPLE)
    assert config.campaign_id == "welcome_series"
    assert config.template_ids() == ("short_friendly", "long_story", "discount_first", "checklist")
    assert config.segment_attributes == ("age_band",)
    assert config.reward.attribution_days == 2
    assert config.policy.name == "thompson_sampling"
    assert config.policy.holdout_share == 0.05
    assert config.eligibility.frequency_cap_sends == 1


def test_minimal_campaign_gets_defaults() -> None:
    config = parse_campaign(VALID)
    assert config.start_date == dt.date(2026, 1, 1)
    assert config.end_date is None
    assert config.segment_attributes == ()
    assert config.reward.value_cap is None
    assert config.templates[1].features == {"tone": "short"}
    assert config.eligibility.frequency_cap_sends is None


def test_spec_round_trips_through_its_normal_form() -> None:
    import json

    config = parse_campaign(VALID)
    again = parse_campaign(json.dumps(config.spec))
    assert again == config
    assert again.spec_sha256 == config.spec_sha256


def _replace(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", "the file is empty", id="empty-file"),
        pytest.param("campaign_id: [", "not valid YAML", id="not-yaml"),
        pytest.param(
            "- a\n- b\n", "(top level): expected a mapping, found a list", id="not-a-mapping"
        ),
        pytest.param(
            _replace("campaign_id: c1\n", ""),
            "<campaign>:1: campaign_id: is required but missing",
            id="missing-campaign-id",
        ),
        pytest.param(
            _replace(
                "  - {id: b, channel: sms, features: {tone: short}}", "  - {id: a, channel: sms}"
            ),
            "<campaign>:5: templates[1].id: duplicate template id 'a' (also templates[0])",
            id="duplicate-template",
        ),
        pytest.param(
            _replace("name: thompson_sampling", "name: thompsonn"),
            "<campaign>:7: policy: unknown policy 'thompsonn'",
            id="unknown-policy",
        ),
        pytest.param(
            _replace("holdout_share: 0.1", "holdout_share: 1.5"),
            "<campaign>:7: policy.holdout_share: expected a number in [0, 1), found 1.5",
            id="holdout-out-of-range",
        ),
        pytest.param(
            _replace("min_share: 0.05", "min_share: 0.6"),
            "policy.min_share: minimum shares must sum to at most 1: 2 templates x 0.6 = 1.2",
            id="shares-do-not-sum",
        ),
        pytest.param(
            _replace("attribution_window_days: 3", "attribution_window_days: 0"),
            "<campaign>:6: reward.attribution_window_days: expected an integer >= 1, found 0",
            id="bad-window",
        ),
        pytest.param(
            _replace("start_date: 2026-01-01", "start_date: 2026-01-01\nend_date: 2025-12-01"),
            "end_date: expected a date on or after start_date 2026-01-01, found 2025-12-01",
            id="end-before-start",
        ),
        pytest.param(
            _replace("start_date: 2026-01-01", "start_date: tomorrow"),
            "<campaign>:2: start_date: expected a date YYYY-MM-DD, found 'tomorrow'",
            id="bad-date",
        ),
        pytest.param(
            _replace("campaign_id: c1", "campaign_id: c1\ncolour: blue"),
            "<campaign>:2: colour: unknown field; expected one of:",
            id="unknown-field",
        ),
        pytest.param(
            _replace("{name: thompson_sampling,", "{name: thompson_sampling, params: {prior: 2},"),
            "thompson_sampling: unknown parameter(s) prior; expected prior_alpha, prior_beta",
            id="unknown-policy-param",
        ),
        pytest.param(
            _replace("  - {id: b, channel: sms, features: {tone: short}}\n", ""),
            "templates: expected a list of at least 2 templates, found 1",
            id="single-template",
        ),
    ],
)
def test_invalid_config_is_rejected_with_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_campaign(text)
    assert expected in str(caught.value)


def test_every_problem_is_listed_at_once() -> None:
    text = _replace("holdout_share: 0.1", "holdout_share: -1").replace(
        "attribution_window_days: 3", "attribution_window_days: x"
    )
    with pytest.raises(ConfigError) as caught:
        parse_campaign(text)
    message = str(caught.value)
    assert "policy.holdout_share" in message
    assert "reward.attribution_window_days" in message


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no-such\.yaml: no such campaign file"):
        load_campaign(tmp_path / "no-such.yaml")


def test_policy_alias_is_stored_under_its_canonical_name() -> None:
    config = parse_campaign(_replace("name: thompson_sampling", "name: ts"))
    assert config.policy.name == "thompson_sampling"


def test_lone_surrogates_are_refused() -> None:
    with pytest.raises(ConfigError, match="expected valid Unicode text, found surrogates"):
        parse_campaign(VALID.replace("campaign_id: c1", 'campaign_id: "c\\ud83d"'))


def test_characters_beyond_the_basic_plane_survive_storage_and_reload() -> None:
    import json

    config = parse_campaign(VALID.replace("campaign_id: c1", "campaign_id: c🚀"))
    assert parse_campaign(json.dumps(config.spec, ensure_ascii=False)).campaign_id == "c🚀"


def test_hostile_ids_are_accepted_as_data() -> None:
    text = VALID.replace("campaign_id: c1", 'campaign_id: "c1\'; drop table x; --"').replace(
        "{id: a,", '{id: "ü ünïcode \\"q\\"",'
    )
    config = parse_campaign(text)
    assert config.campaign_id == "c1'; drop table x; --"
    assert config.templates[0].template_id == 'ü ünïcode "q"'
