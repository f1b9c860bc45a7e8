"""bandit_core stays free of Airflow: the simulator and the policies run anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import bandit_core

_AIRFLOW_IMPORT = re.compile(r"^\s*(from|import)\s+airflow\b", re.MULTILINE)


def test_no_module_of_bandit_core_imports_airflow() -> None:
    root = Path(bandit_core.__file__).parent
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if _AIRFLOW_IMPORT.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
