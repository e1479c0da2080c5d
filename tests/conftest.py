"""Test configuration: a fixed-seed hypothesis profile for CI.

The few long property tests carry ``@pytest.mark.slow``; run
``pytest -m "not slow"`` while iterating (CI runs them all).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# CI runs are reproducible: same examples every run, no shared database.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
# The deep fuzz profile (tests/fuzz/): `pytest -m fuzz` or HYPOTHESIS_PROFILE=deep.
# Fuzz tests read their example counts from tests/fuzz/_support.examples.
settings.register_profile(
    "deep",
    database=None,
    max_examples=100_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config: pytest.Config) -> None:
    """``-m fuzz`` alone selects the deep fuzz profile unless a profile is named."""
    if config.getoption("markexpr", "") == "fuzz" and "HYPOTHESIS_PROFILE" not in os.environ:
        settings.load_profile("deep")
