"""Session settings of every SmartArm connection: UTC, no JIT, and the memory its joins may
use."""

from __future__ import annotations

import pytest

from bandit_core.db import connect


def test_connections_work_in_utc_with_the_configured_work_mem(
    warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with connect(warehouse_url) as conn:
        assert conn.execute("show work_mem").fetchone() == ("256MB",)
        assert conn.execute("show timezone").fetchone() == ("UTC",)
        assert conn.execute("show jit").fetchone() == ("off",)
    monkeypatch.setenv("SMARTARM_WORK_MEM", "64MB")
    with connect(warehouse_url) as conn:
        assert conn.execute("show work_mem").fetchone() == ("64MB",)


def test_a_bad_work_mem_is_named(warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTARM_WORK_MEM", "lots")
    with pytest.raises(ValueError, match=r"SMARTARM_WORK_MEM: expected .* found 'lots'"):
        connect(warehouse_url)
