"""Every public value class round-trips exactly through billkit.serialize and pickle.

The values come from :mod:`tests.serialize.corpus`: the guide's examples and a
few more, all built through the public API. Generated values are in
``test_properties.py``.
"""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Mapping

import attrs
import pytest

from billkit import serialize
from billkit.errors import SerializationError
from billkit.serialize import SCHEMA_VERSION, dumps, from_data, loads, to_data
from tests.serialize.corpus import corpus, public_value_classes

CORPUS = corpus()
CLASSES = sorted(CORPUS, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def _json_safe(data: object, path: str = "$") -> None:
    """Only dict (str keys), list, str, int, bool and None; no float anywhere."""
    if isinstance(data, dict):
        for key, value in data.items():
            assert type(key) is str, f"{path}: key {key!r} is not a str"
            _json_safe(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _json_safe(value, f"{path}[{i}]")
    else:
        assert data is None or type(data) in (str, int, bool), f"{path}: {type(data)} {data!r}"


def test_every_public_value_class_is_covered() -> None:
    """A new attrs class in any public __all__ must be in the corpus (and so tested)."""
    public = public_value_classes()
    missing = sorted(name for cls, name in public.items() if cls not in CORPUS)
    assert not missing, f"add values of these classes to tests/serialize/corpus.py: {missing}"
    assert len(public) >= 130  # the corpus is not silently empty


def test_every_public_value_class_has_a_tag() -> None:
    for cls in public_value_classes():
        data = to_data(CORPUS[cls][0])
        assert data["$type"].startswith("billkit.")
        assert data["$version"] == SCHEMA_VERSION
    tags = [to_data(CORPUS[cls][0])["$type"] for cls in public_value_classes()]
    assert len(tags) == len(set(tags)), "two classes share a $type"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__qualname__)
def test_values_round_trip_exactly(cls: type) -> None:
    for value in CORPUS[cls]:
        data = to_data(value)
        _json_safe(data)
        assert type(from_data(data)) is cls
        assert from_data(data) == value
        assert from_data(data, cls) == value
        text = dumps(value)
        back = loads(text)
        assert back == value
        # Exact to the last digit: "12.300" stays "12.300" (Money's == ignores that).
        assert dumps(back) == text
        assert json.loads(text) == data
        # Reading does not change the data it was given.
        frozen = copy.deepcopy(data)
        from_data(data)
        assert data == frozen


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__qualname__)
def test_values_pickle(cls: type) -> None:
    for value in CORPUS[cls]:
        back = pickle.loads(pickle.dumps(value))
        assert type(back) is cls
        assert back == value
        assert dumps(back) == dumps(value)
        assert copy.deepcopy(value) == value


def test_dumps_is_deterministic_and_compact() -> None:
    for values in CORPUS.values():
        for value in values[:2]:
            text = dumps(value)
            assert text == dumps(value)
            assert text == json.dumps(
                json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            )


def test_read_values_are_rebuilt_by_their_constructors() -> None:
    """Derived private state (a ledger's books, a plan's compiled lines) is rebuilt."""
    from billkit.credit import Ledger
    from billkit.pricing import Plan

    ledger = next(v for v in CORPUS[Ledger] if v.entries)
    back = loads(dumps(ledger), Ledger)
    for wallet in ledger.wallets:
        assert back.balance(wallet.name) == ledger.balance(wallet.name)
        assert back.credits(wallet.name) == ledger.credits(wallet.name)
    plan = next(v for v in CORPUS[Plan] if v.charges)
    assert loads(dumps(plan), Plan).metrics == plan.metrics


def test_union_members_name_their_type() -> None:
    """A field that may hold several classes says which one it holds."""
    from billkit.pricing import Plan

    plan = next(v for v in CORPUS[Plan] if v.charges)
    charge = to_data(plan)["charges"][0]
    assert charge["$type"] in ("billkit.pricing.Charge", "billkit.pricing.PercentOf")
    if charge["$type"] == "billkit.pricing.Charge":
        assert charge["model"]["$type"].startswith("billkit.pricing.")


def test_only_the_top_level_carries_a_version() -> None:
    def versions(data: object) -> int:
        if isinstance(data, Mapping):
            return ("$version" in data) + sum(versions(v) for v in data.values())
        if isinstance(data, list):
            return sum(versions(v) for v in data)
        return 0

    for values in CORPUS.values():
        assert versions(to_data(values[0])) == 1


def test_other_objects_are_not_saved() -> None:
    with pytest.raises(SerializationError, match=r"\$type"):
        to_data(object())
    with pytest.raises(SerializationError):
        to_data({"amount": "1"})


def test_the_registry_tags_only_billkit_classes() -> None:
    _tags, classes = serialize._registry()
    assert all(attrs.has(c) or issubclass(c, object) for c in classes.values())
    assert all(tag.startswith("billkit.") for tag in classes)
