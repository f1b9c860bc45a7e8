"""Campaign configuration: a YAML file, validated into a frozen ``CampaignConfig``.

Every problem is reported at once, each with the file, line and field at fault::

    examples/campaigns/bad.yaml:12: policy.holdout_share: expected a number in [0, 1), found 1.5

Example::

    >>> config = load_campaign("examples/campaigns/welcome.yaml")   # doctest: +SKIP
    >>> config.policy.name
    'thompson_sampling'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bandit_core.errors import ConfigError
from bandit_core.policies import make_policy
from bandit_core.policies.registry import canonical_name

__all__ = [
    "CampaignConfig",
    "EligibilityConfig",
    "PolicyConfig",
    "RewardConfig",
    "TemplateConfig",
    "load_campaign",
    "parse_campaign",
]

_MAX_ID = 200
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateConfig:
    """One message template (an arm)."""

    template_id: str
    channel: str
    features: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class RewardConfig:
    """What counts as success for a send.

    ``value_cap`` maps an event's value into [0, 1] as ``min(value, cap) / cap`` (e.g. reading
    seconds capped at 480); without it any event of ``event_type`` is a reward of 1.
    """

    event_type: str
    attribution_days: int
    value_cap: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyConfig:
    """The learning policy and the safety rails applied to its probabilities."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    holdout_share: float = 0.05
    min_share: float = 0.0
    warmup_min_matured: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class EligibilityConfig:
    """Who may receive a send on a given day."""

    frequency_cap_sends: int | None = None
    frequency_cap_days: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignConfig:
    """A validated campaign. Build it with ``load_campaign`` or ``parse_campaign``."""

    campaign_id: str
    name: str
    start_date: dt.date
    end_date: dt.date | None
    seed: int
    templates: tuple[TemplateConfig, ...]
    segment_attributes: tuple[str, ...]
    reward: RewardConfig
    policy: PolicyConfig
    eligibility: EligibilityConfig
    spec: Mapping[str, Any]

    @property
    def spec_sha256(self) -> str:
        """Checksum of the normalised spec, to tell a changed config from a reapplied one."""
        text = json.dumps(self.spec, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def template_ids(self) -> tuple[str, ...]:
        return tuple(t.template_id for t in self.templates)


def load_campaign(path: str | Path) -> CampaignConfig:
    """Read and validate a campaign file.

    Raises:
        ConfigError: the file is missing, is not YAML, or breaks any rule (all are listed).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such campaign file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: expected UTF-8 text, found undecodable bytes ({exc})") from None
    return parse_campaign(text, source=str(path))


def parse_campaign(text: str, *, source: str = "<campaign>") -> CampaignConfig:
    """Validate campaign YAML ``text``; ``source`` names it in error messages.

    Raises:
        ConfigError: listing every problem with its line and field.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if node is None:
        raise ConfigError(f"{source}: the file is empty; expected a campaign mapping")
    checker = _Checker(source)
    config = checker.campaign(node)
    if checker.problems or config is None:
        raise ConfigError("invalid campaign config:\n  " + "\n  ".join(checker.problems))
    return config


class _Checker:
    """Walks the YAML node tree, converting values and collecting every problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def problem(self, node: yaml.Node, path: str, message: str) -> None:
        self.problems.append(f"{self.source}:{node.start_mark.line + 1}: {path}: {message}")

    # -- structure -------------------------------------------------------------------------

    def mapping(
        self, node: yaml.Node, path: str, required: set[str], optional: set[str]
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, path or "(top level)", f"expected a mapping, found {_kind(node)}")
            return None
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            where = f"{path}.{key}" if path else str(key)
            if key is None:
                self.problem(key_node, path or "(top level)", "expected text keys")
            elif key in out:
                self.problem(key_node, where, "appears twice")
            elif key not in required | optional:
                allowed = ", ".join(sorted(required | optional))
                self.problem(key_node, where, f"unknown field; expected one of: {allowed}")
            else:
                out[key] = value_node
        for key in sorted(required - out.keys()):
            self.problem(node, f"{path}.{key}" if path else key, "is required but missing")
        return out

    def scalar(self, node: yaml.Node, path: str) -> Any:
        return _CONSTRUCTOR.construct_object(node, deep=True)

    def text(self, node: yaml.Node, path: str, *, identifier: bool = False) -> str | None:
        value = self.scalar(node, path)
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(node, path, f"expected text, found {_describe(value)}")
            return None
        value = str(value)
        if not value.strip():
            self.problem(node, path, "expected non-empty text")
            return None
        if identifier:
            if len(value) > _MAX_ID:
                self.problem(
                    node, path, f"expected at most {_MAX_ID} characters, found {len(value)}"
                )
                return None
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
                self.problem(node, path, f"expected no control characters, found {value!r}")
                return None
            if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
                self.problem(
                    node, path, f"expected valid Unicode text, found surrogates in {value!r}"
                )
                return None
        return value

    def integer(self, node: yaml.Node, path: str, *, minimum: int) -> int | None:
        value = self.scalar(node, path)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(node, path, f"expected an integer >= {minimum}, found {_describe(value)}")
            return None
        if value < minimum:
            self.problem(node, path, f"expected an integer >= {minimum}, found {value}")
            return None
        return value

    def number(
        self, node: yaml.Node, path: str, *, low: float, high: float, high_open: bool = False
    ) -> float | None:
        value = self.scalar(node, path)
        interval = f"[{low:g}, {high:g}{')' if high_open else ']'}"
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.problem(node, path, f"expected a number in {interval}, found {_describe(value)}")
            return None
        if value < low or value > high or (high_open and value == high):
            self.problem(node, path, f"expected a number in {interval}, found {value:g}")
            return None
        return float(value)

    def date(self, node: yaml.Node, path: str) -> dt.date | None:
        value = self.scalar(node, path)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(node, path, f"expected a date YYYY-MM-DD, found {_describe(value)}")
        return None

    def plain(self, node: yaml.Node, path: str) -> Any:
        """A JSON-compatible value (features, policy params)."""
        value = self.scalar(node, path)
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            self.problem(node, path, f"expected JSON-compatible values, found {_describe(value)}")
            return None
        return value

    # -- the campaign ----------------------------------------------------------------------

    def campaign(self, node: yaml.Node) -> CampaignConfig | None:
        fields = self.mapping(
            node,
            "",
            required={"campaign_id", "start_date", "templates", "reward", "policy"},
            optional={"name", "end_date", "seed", "segmentation", "eligibility"},
        )
        if fields is None:
            return None
        campaign_id = (
            self.text(fields["campaign_id"], "campaign_id", identifier=True)
            if "campaign_id" in fields
            else None
        )
        name = self.text(fields["name"], "name") if "name" in fields else campaign_id
        start = self.date(fields["start_date"], "start_date") if "start_date" in fields else None
        end = None
        if "end_date" in fields and self.scalar(fields["end_date"], "end_date") is not None:
            end = self.date(fields["end_date"], "end_date")
            if end is not None and start is not None and end < start:
                self.problem(
                    fields["end_date"],
                    "end_date",
                    f"expected a date on or after start_date {start}, found {end}",
                )
        seed = self.integer(fields["seed"], "seed", minimum=0) if "seed" in fields else 0
        templates = self.templates(fields["templates"]) if "templates" in fields else None
        attributes = self.segmentation(fields["segmentation"]) if "segmentation" in fields else ()
        reward = self.reward(fields["reward"]) if "reward" in fields else None
        policy = self.policy(fields["policy"], templates) if "policy" in fields else None
        eligibility = (
            self.eligibility(fields["eligibility"])
            if "eligibility" in fields
            else EligibilityConfig()
        )
        if (
            self.problems
            or campaign_id is None
            or name is None
            or start is None
            or seed is None
            or templates is None
            or attributes is None
            or reward is None
            or policy is None
            or eligibility is None
        ):
            return None
        spec = {
            "campaign_id": campaign_id,
            "name": name,
            "start_date": start.isoformat(),
            "end_date": end.isoformat() if end else None,
            "seed": seed,
            "templates": [
                {"id": t.template_id, "channel": t.channel, "features": dict(t.features)}
                for t in templates
            ],
            "segmentation": {"attributes": list(attributes)},
            "reward": {
                "event_type": reward.event_type,
                "attribution_window_days": reward.attribution_days,
                "value_cap": reward.value_cap,
            },
            "policy": {
                "name": policy.name,
                "params": dict(policy.params),
                "holdout_share": policy.holdout_share,
                "min_share": policy.min_share,
                "warmup_min_matured": policy.warmup_min_matured,
            },
            "eligibility": {
                "frequency_cap": None
                if eligibility.frequency_cap_sends is None
                else {
                    "max_sends": eligibility.frequency_cap_sends,
                    "days": eligibility.frequency_cap_days,
                }
            },
        }
        return CampaignConfig(
            campaign_id=campaign_id,
            name=name,
            start_date=start,
            end_date=end,
            seed=seed,
            templates=templates,
            segment_attributes=attributes,
            reward=reward,
            policy=policy,
            eligibility=eligibility,
            spec=spec,
        )

    def templates(self, node: yaml.Node) -> tuple[TemplateConfig, ...] | None:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.problem(
                node, "templates", f"expected a list of at least 2 templates, found {_kind(node)}"
            )
            return None
        if len(node.value) < 2:
            self.problem(node, "templates", "expected a list of at least 2 templates, found 1")
        out: list[TemplateConfig] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(node.value):
            path = f"templates[{i}]"
            fields = self.mapping(item, path, required={"id", "channel"}, optional={"features"})
            if fields is None:
                continue
            template_id = (
                self.text(fields["id"], f"{path}.id", identifier=True) if "id" in fields else None
            )
            channel = (
                self.text(fields["channel"], f"{path}.channel", identifier=True)
                if "channel" in fields
                else None
            )
            features: Any = {}
            if "features" in fields:
                features = self.plain(fields["features"], f"{path}.features")
                if features is not None and not isinstance(features, dict):
                    self.problem(
                        fields["features"],
                        f"{path}.features",
                        "expected a mapping of feature names to values, found "
                        f"{_describe(features)}",
                    )
                    features = None
            if template_id is not None and template_id in seen:
                self.problem(
                    fields["id"],
                    f"{path}.id",
                    f"duplicate template id {template_id!r} (also templates[{seen[template_id]}])",
                )
                continue
            if template_id is None or channel is None or features is None:
                continue
            seen[template_id] = i
            out.append(TemplateConfig(template_id=template_id, channel=channel, features=features))
        return tuple(out)

    def segmentation(self, node: yaml.Node) -> tuple[str, ...] | None:
        fields = self.mapping(node, "segmentation", required={"attributes"}, optional=set())
        if fields is None or "attributes" not in fields:
            return None
        attrs_node = fields["attributes"]
        if not isinstance(attrs_node, yaml.SequenceNode):
            self.problem(
                attrs_node,
                "segmentation.attributes",
                f"expected a list of user attribute names, found {_kind(attrs_node)}",
            )
            return None
        attrs: list[str] = []
        for i, item in enumerate(attrs_node.value):
            name = self.text(item, f"segmentation.attributes[{i}]", identifier=True)
            if name is None:
                continue
            if name in attrs:
                self.problem(item, f"segmentation.attributes[{i}]", f"duplicate attribute {name!r}")
                continue
            attrs.append(name)
        return tuple(attrs)

    def reward(self, node: yaml.Node) -> RewardConfig | None:
        fields = self.mapping(
            node,
            "reward",
            required={"event_type", "attribution_window_days"},
            optional={"value_cap"},
        )
        if fields is None:
            return None
        event_type = (
            self.text(fields["event_type"], "reward.event_type", identifier=True)
            if "event_type" in fields
            else None
        )
        days = (
            self.integer(
                fields["attribution_window_days"], "reward.attribution_window_days", minimum=1
            )
            if "attribution_window_days" in fields
            else None
        )
        cap = None
        if (
            "value_cap" in fields
            and self.scalar(fields["value_cap"], "reward.value_cap") is not None
        ):
            cap = self.number(fields["value_cap"], "reward.value_cap", low=0, high=math.inf)
            if cap == 0:
                self.problem(
                    fields["value_cap"], "reward.value_cap", "expected a positive number, found 0"
                )
                cap = None
        if event_type is None or days is None:
            return None
        return RewardConfig(event_type=event_type, attribution_days=days, value_cap=cap)

    def policy(
        self, node: yaml.Node, templates: tuple[TemplateConfig, ...] | None
    ) -> PolicyConfig | None:
        fields = self.mapping(
            node,
            "policy",
            required={"name"},
            optional={"params", "holdout_share", "min_share", "warmup_min_matured"},
        )
        if fields is None:
            return None
        name = self.text(fields["name"], "policy.name") if "name" in fields else None
        name = canonical_name(name) if name is not None else None
        params: Any = {}
        if "params" in fields:
            params = self.plain(fields["params"], "policy.params")
            if params is not None and not isinstance(params, dict):
                self.problem(
                    fields["params"],
                    "policy.params",
                    f"expected a mapping, found {_describe(params)}",
                )
                params = None
        holdout = (
            self.number(
                fields["holdout_share"], "policy.holdout_share", low=0, high=1, high_open=True
            )
            if "holdout_share" in fields
            else 0.05
        )
        min_share = (
            self.number(fields["min_share"], "policy.min_share", low=0, high=1)
            if "min_share" in fields
            else 0.0
        )
        warmup = (
            self.integer(fields["warmup_min_matured"], "policy.warmup_min_matured", minimum=0)
            if "warmup_min_matured" in fields
            else 0
        )
        if min_share is not None and templates:
            total = min_share * len(templates)
            if total > 1 + 1e-12:
                self.problem(
                    fields["min_share"],
                    "policy.min_share",
                    f"minimum shares must sum to at most 1: {len(templates)} templates x "
                    f"{min_share:g} = {total:g}",
                )
        if name is not None and params is not None:
            try:
                make_policy(name, params)
            except (ValueError, TypeError) as exc:
                self.problem(fields.get("params", fields["name"]), "policy", str(exc))
                return None
        if name is None or params is None or holdout is None or min_share is None or warmup is None:
            return None
        return PolicyConfig(
            name=name,
            params=params,
            holdout_share=holdout,
            min_share=min_share,
            warmup_min_matured=warmup,
        )

    def eligibility(self, node: yaml.Node) -> EligibilityConfig | None:
        fields = self.mapping(node, "eligibility", required=set(), optional={"frequency_cap"})
        if fields is None:
            return None
        if (
            "frequency_cap" not in fields
            or self.scalar(fields["frequency_cap"], "eligibility.frequency_cap") is None
        ):
            return EligibilityConfig()
        cap = self.mapping(
            fields["frequency_cap"],
            "eligibility.frequency_cap",
            required={"max_sends", "days"},
            optional=set(),
        )
        if cap is None or "max_sends" not in cap or "days" not in cap:
            return None
        sends = self.integer(cap["max_sends"], "eligibility.frequency_cap.max_sends", minimum=1)
        days = self.integer(cap["days"], "eligibility.frequency_cap.days", minimum=1)
        if sends is None or days is None:
            return None
        return EligibilityConfig(frequency_cap_sends=sends, frequency_cap_days=days)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"{node.value!r}" if node.value != "" else "nothing"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)
