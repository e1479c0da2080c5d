"""Helpers of the fuzz suite: example counts per profile, and ``survive``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import settings

from billkit.errors import BillkitError

_T = TypeVar("_T")

DEEP = settings.default.max_examples >= 10_000
"""The deep profile is loaded (``-m fuzz`` or ``HYPOTHESIS_PROFILE=deep``)."""


SCALE = float(os.environ.get("BILLKIT_FUZZ_SCALE", "1"))
"""Multiplies every count (``BILLKIT_FUZZ_SCALE=0.1`` for a shorter deep run)."""


def examples(quick: int, deep: int) -> settings:
    """Settings running ``quick`` examples normally and ``deep`` in the deep profile."""
    return settings(max_examples=max(1, round((deep if DEEP else quick) * SCALE)), deadline=None)


def survive(call: Callable[..., _T], *args: Any, **kwargs: Any) -> _T | BillkitError:
    """``call(*args, **kwargs)``, or the BillkitError it raised; anything else propagates.

    A refused input must name what it refused: the error's message is non-empty.
    """
    try:
        return call(*args, **kwargs)
    except BillkitError as error:
        refused = error
    if not str(refused):
        raise AssertionError(f"{type(refused).__name__} without a message")
    return refused
