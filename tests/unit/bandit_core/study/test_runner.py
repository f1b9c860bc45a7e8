"""The runner's worker processes: one BLAS thread each, the parent's environment untouched."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from bandit_core.study.runner import BLAS_THREAD_VARIABLES, one_blas_thread_per_worker


def test_workers_get_one_blas_thread_unless_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # a user's own choice is kept
    ctx = multiprocessing.get_context("spawn")
    with one_blas_thread_per_worker(), ProcessPoolExecutor(1, mp_context=ctx) as pool:
        values = list(pool.map(os.getenv, BLAS_THREAD_VARIABLES))
    seen = dict(zip(BLAS_THREAD_VARIABLES, values, strict=True))
    assert seen == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "3"}
    # the parent's environment is as it was
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    assert "OMP_NUM_THREADS" not in os.environ
    assert os.environ["MKL_NUM_THREADS"] == "3"
