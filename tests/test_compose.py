"""docker-compose.yaml cannot be started here (no Docker engine), so it is checked by reading:
it parses, has Airflow's services plus SmartArm's, and every path and variable it names exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "docker-compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_services_are_airflows_plus_smartarms(compose: dict[str, Any]) -> None:
    assert {
        "postgres",
        "redis",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
        "airflow-init",
        "smartarm-db",
        "smartarm-init",
    } <= set(compose["services"])


def test_airflow_services_share_the_celery_setup_and_the_warehouse(compose: dict[str, Any]) -> None:
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-worker", "airflow-triggerer"):
        env = compose["services"][name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW_CONN_SMARTARM_WAREHOUSE"].endswith("@smartarm-db:5432/smartarm"), name
    dag = (REPO / "dags" / "smartarm_nightly.py").read_text(encoding="utf-8")
    assert 'CONN_ID = "smartarm_warehouse"' in dag


def test_secrets_are_not_in_the_file() -> None:
    text = (REPO / "docker-compose.yaml").read_text(encoding="utf-8")
    # every password or secret is a required variable: ${NAME:?message}, never a default
    secrets = re.findall(r"\$\{([A-Z_]*(?:PASSWORD|SECRET|FERNET_KEY)[A-Z_]*)([^}]*)\}", text)
    assert {name for name, _ in secrets} >= {
        "AIRFLOW_JWT_SECRET",
        "AIRFLOW_DB_PASSWORD",
        "SMARTARM_DB_PASSWORD",
        "_AIRFLOW_WWW_USER_PASSWORD",
    }
    for name, rest in secrets:
        assert rest.startswith(":?"), f"{name} has a default: {rest}"
    assert "airflow:airflow@" not in text


def test_every_host_path_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
        build = service.get("build")
        if build:
            assert (REPO / build / "Dockerfile").is_file()


def test_dockerfile_copies_what_the_services_point_at(compose: dict[str, Any]) -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    copied = dict(
        re.findall(r"^COPY (?:--chown=\S+ )?(\S+) (/opt/smartarm/\S+)$", dockerfile, re.M)
    )
    for source in copied:
        assert (REPO / source).exists(), source
    env = compose["x-airflow-common"]["environment"]
    assert copied["dags"] == env["AIRFLOW__CORE__DAGS_FOLDER"]
    assert copied["plugins"] == env["AIRFLOW__CORE__PLUGINS_FOLDER"]
    assert "FROM apache/airflow:3.3.2" in dockerfile


def test_every_smartarm_variable_is_read_by_the_code(compose: dict[str, Any]) -> None:
    text = (REPO / "docker-compose.yaml").read_text(encoding="utf-8")
    named = set(re.findall(r"\b(SMARTARM_[A-Z_]+)\b", text))
    # these only parametrise the compose file itself
    compose_only = {"SMARTARM_IMAGE", "SMARTARM_DB_PASSWORD", "SMARTARM_DB_PORT"}
    code = "".join(
        p.read_text(encoding="utf-8")
        for folder in ("bandit_core", "smartarm", "dags")
        for p in (REPO / folder).rglob("*.py")
    )
    for variable in sorted(named - compose_only):
        assert variable in code, f"{variable} is set in docker-compose.yaml but read nowhere"
