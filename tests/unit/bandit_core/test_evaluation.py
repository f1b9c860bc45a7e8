"""Off-policy estimators on synthetic logs whose truth is known (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from bandit_core import evaluation
from bandit_core.evaluation import LoggedSends, estimate_policy_value

MU = np.array([[0.10, 0.30, 0.20], [0.40, 0.05, 0.25]])  # true rates: 2 contexts x 3 templates
LOGGING = np.array([[0.6, 0.2, 0.2], [0.2, 0.4, 0.4]])
TARGET = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
TRUE_VALUE = float(np.mean(np.sum(TARGET * MU, axis=1)))  # contexts equally frequent


def _logs(rng: np.random.Generator, n: int = 4000, model: np.ndarray | None = None) -> LoggedSends:
    """``n`` sends per context drawn from the logging policy, grouped into cells."""
    context, arm, reward, count = [], [], [], []
    for c in range(2):
        arms = rng.choice(3, size=n, p=LOGGING[c])
        rewards = (rng.random(n) < MU[c, arms]).astype(float)
        for a in range(3):
            for r in (0.0, 1.0):
                k = int(np.sum((arms == a) & (rewards == r)))
                if k:
                    context.append(c), arm.append(a), reward.append(r), count.append(k)
    return LoggedSends(
        context=np.array(context, dtype=np.intp),
        arm=np.array(arm, dtype=np.intp),
        reward=np.array(reward),
        count=np.array(count, dtype=float),
        logging=LOGGING,
        target=TARGET,
        model=np.full((2, 3), 0.15) if model is None else model,
    )


def test_public_surface() -> None:
    assert set(evaluation.__all__) == {
        "BOOTSTRAP",
        "ESS_WARNING",
        "SUPPORT_WARNING",
        "WEIGHT_WARNING",
        "Estimate",
        "LoggedSends",
        "PolicyEvaluation",
        "estimate_policy_value",
    }


def test_estimates_by_hand() -> None:
    # one context, two templates logged 50/50; the target always picks template 1
    logs = LoggedSends(
        context=np.array([0, 0, 0, 0]),
        arm=np.array([0, 0, 1, 1]),
        reward=np.array([1.0, 0.0, 1.0, 0.0]),
        count=np.array([10.0, 40.0, 30.0, 20.0]),
        logging=np.array([[0.5, 0.5]]),
        target=np.array([[0.0, 1.0]]),
        model=np.array([[0.2, 0.5]]),
    )
    result = estimate_policy_value(logs, np.random.default_rng(0), bootstrap=100)
    assert result.logged_value.value == pytest.approx(40 / 100)
    assert result.ips.value == pytest.approx(30 * 2 / 100)  # w = 2 on template 1, 0 on 0
    assert result.snips.value == pytest.approx(60 / (50 * 2))
    # DR: model value 0.5 for every send, plus 2 x (r - 0.5) on template 1's sends
    assert result.doubly_robust.value == pytest.approx(0.5 + 2 * (30 * 0.5 - 20 * 0.5) / 100)
    assert result.max_weight == 2.0
    assert result.effective_sample_size == pytest.approx(100**2 / (50 * 4))
    assert result.versus_logged["ips"].value == pytest.approx(0.6 - 0.4)


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(None, id="constant-model"),
        pytest.param(MU, id="true-model"),
        pytest.param(1 - MU, id="wrong-model"),
    ],
)
def test_every_estimator_is_centred_on_the_truth(model: np.ndarray | None) -> None:
    rng = np.random.default_rng(11)
    values = {"ips": [], "snips": [], "doubly_robust": []}
    covered = {name: 0 for name in values}
    reps = 60
    for _ in range(reps):
        result = estimate_policy_value(_logs(rng, model=model), rng, bootstrap=200)
        for name in values:
            estimate = getattr(result, name)
            values[name].append(estimate.value)
            covered[name] += estimate.low <= TRUE_VALUE <= estimate.high
    for name, draws in values.items():
        se = np.std(draws) / np.sqrt(reps)
        assert abs(np.mean(draws) - TRUE_VALUE) < 4 * se + 1e-3, name
        assert covered[name] / reps >= 0.85, (name, covered[name])  # 95% intervals


def test_a_correct_model_makes_doubly_robust_less_variable_than_ips() -> None:
    rng = np.random.default_rng(5)
    ips, dr = [], []
    for _ in range(80):
        result = estimate_policy_value(_logs(rng, model=MU), rng, bootstrap=50)
        ips.append(result.ips.value)
        dr.append(result.doubly_robust.value)
    # the model removes the variance of which template was drawn, not the reward noise
    assert np.std(dr) < np.std(ips)


def test_large_weights_and_missing_support_are_reported() -> None:
    rng = np.random.default_rng(2)
    logs = _logs(rng, n=2000)
    rare = LoggedSends(
        context=logs.context,
        arm=logs.arm,
        reward=logs.reward,
        count=logs.count,
        logging=np.array([[0.96, 0.02, 0.02], [0.2, 0.4, 0.4]]),
        target=TARGET,
        model=logs.model,
    )
    result = estimate_policy_value(rare, rng, bootstrap=50)
    assert result.max_weight == pytest.approx(50.0)
    assert any(w.startswith("weights too large") for w in result.warnings)

    missing = LoggedSends(
        context=logs.context[logs.arm != 2],
        arm=logs.arm[logs.arm != 2],
        reward=logs.reward[logs.arm != 2],
        count=logs.count[logs.arm != 2],
        logging=np.array([[0.6, 0.4, 0.0], [0.5, 0.5, 0.0]]),
        target=TARGET,
        model=logs.model,
    )
    result = estimate_policy_value(missing, rng, bootstrap=50)
    # context 1's target puts half its mass on template 2, which was never logged there
    share_context_1 = missing.count[missing.context == 1].sum() / missing.count.sum()
    assert result.unsupported_share == pytest.approx(0.5 * share_context_1)
    assert any(w.startswith("support missing") for w in result.warnings)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"arm": np.array([0, 5])}, "arm of shape", id="shape"),
        pytest.param({"logging": np.array([[0.0, 1.0]])}, "logging probability 0", id="support"),
        pytest.param({"reward": np.array([0.5, 2.0])}, "rewards in", id="reward"),
    ],
)
def test_inconsistent_logs_are_refused(change: dict[str, np.ndarray], message: str) -> None:
    fields = {
        "context": np.array([0, 0]),
        "arm": np.array([0, 1]),
        "reward": np.array([0.0, 1.0]),
        "count": np.array([1.0, 1.0]),
        "logging": np.array([[0.5, 0.5]]),
        "target": np.array([[0.5, 0.5]]),
        "model": np.array([[0.5, 0.5]]),
    }
    fields.update(change)
    if "arm" in change:
        fields["arm"] = np.array([0, 1, 1])
    with pytest.raises(ValueError, match=message):
        LoggedSends(**fields)
