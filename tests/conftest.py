"""Test configuration: a fixed-seed hypothesis profile for CI.

The few long property tests carry ``@pytest.mark.slow``; run
``pytest -m "not slow"`` while iterating (CI runs them all).
"""

from __future__ import annotations

import os

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
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))
