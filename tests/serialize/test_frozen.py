"""The immutable mapping that lets frozen values pickle."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit._frozen import FrozenDict

MAPPINGS = st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=8)

CHANGES: list[Callable[[Any], object]] = [
    lambda m: m.__setitem__("k", 1),
    lambda m: m.__delitem__("a"),
    lambda m: m.clear(),
    lambda m: m.pop("a"),
    lambda m: m.popitem(),
    lambda m: m.setdefault("k", 1),
    lambda m: m.update({"k": 1}),
    lambda m: m.__ior__({"k": 1}),
]


@pytest.mark.parametrize("change", CHANGES)
def test_a_frozen_dict_refuses_every_change(change: Callable[[Any], object]) -> None:
    frozen = FrozenDict({"a": 1})
    with pytest.raises(TypeError, match="cannot be changed"):
        change(frozen)
    assert frozen == {"a": 1}


@given(MAPPINGS)
def test_a_frozen_dict_pickles_copies_and_hashes_as_its_items(items: dict[str, object]) -> None:
    frozen = FrozenDict(items)
    assert frozen == items
    for back in (pickle.loads(pickle.dumps(frozen)), copy.copy(frozen), copy.deepcopy(frozen)):
        assert type(back) is FrozenDict
        assert back == frozen
        assert hash(back) == hash(frozen)
    assert hash(frozen) == hash(FrozenDict(dict(reversed(list(items.items())))))


def test_values_hold_frozen_dicts() -> None:
    from datetime import datetime, timezone

    from billkit.money import RoundingPolicy
    from billkit.usage import UsageEvent

    event = UsageEvent(
        customer="c",
        metric="m",
        idempotency_key="k",
        timestamp=datetime(2026, 3, 1, tzinfo=timezone.utc),
        properties={"workspace": "sales"},
    )
    assert isinstance(event.properties, FrozenDict)
    assert isinstance(RoundingPolicy(minor_units={"IRR": 0}).minor_units, FrozenDict)
    assert pickle.loads(pickle.dumps(event)) == event
