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
# The deep fuzz profile (tests/fuzz/, the ledger machine): `pytest -m fuzz`,
# `pytest -m fuzz --hypothesis-profile=deep` (what CI runs) or
# HYPOTHESIS_PROFILE=deep. Fuzz tests read their example counts from
# tests/fuzz/_support.examples (docs/limits.md lists them). Under CI it is
# derandomized like the ci profile, so a CI run can be repeated exactly;
# elsewhere every run explores new examples.
settings.register_profile(
    "deep",
    database=None,
    max_examples=100_000,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config: pytest.Config) -> None:
    """``-m fuzz`` alone selects the deep fuzz profile unless a profile is named
    (``--hypothesis-profile=...`` or ``HYPOTHESIS_PROFILE``)."""
    named = config.getoption("hypothesis_profile", None) or "HYPOTHESIS_PROFILE" in os.environ
    if config.getoption("markexpr", "") == "fuzz" and not named:
        settings.load_profile("deep")
