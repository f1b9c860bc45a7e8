"""The consumer DAG that docs/crm.md shows is a real Airflow 3 DAG that schedules on the
send-list Asset SmartArm emits."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_documented_consumer_dag_parses_and_schedules_on_the_send_list(
    tmp_path: Path,
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from smartarm.airflow_runner import load_dag

    text = (REPO / "docs" / "crm.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    source = next(block for block in blocks if "@dag(" in block)
    (tmp_path / "crm_pull_send_list.py").write_text(source, encoding="utf-8")
    bag = DagBag(dag_folder=str(tmp_path))
    assert bag.import_errors == {}
    consumer = bag.dags["crm_pull_send_list"]
    (produced,) = [a for t in load_dag().tasks for a in t.outlets]
    consumed = list(consumer.timetable.asset_condition.objects)
    assert [(a.name, a.uri) for a in consumed] == [(produced.name, produced.uri)]
