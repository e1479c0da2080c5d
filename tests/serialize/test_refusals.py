"""Saved data that is wrong is refused with a SerializationError naming the path."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from billkit.errors import SerializationError, ValidationError
from billkit.invoicing import Invoice
from billkit.money import Money
from billkit.pricing import Flat, Graduated, Plan, Tier
from billkit.serialize import SCHEMA_VERSION, dumps, from_data, loads, to_data
from billkit.subscriptions import Subscription
from tests.serialize.corpus import corpus


def _invoice() -> Invoice:
    # The first demo invoice with at least two lines.
    return next(v for v in corpus()[Invoice] if len(v.lines) >= 2)


def _refused(data: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> SerializationError:
    changed = copy.deepcopy(data)
    change(changed)
    with pytest.raises(SerializationError) as caught:
        from_data(changed)
    return caught.value


def _paths(error: SerializationError) -> list[str]:
    return [path for path, _value, _expected in error.problems]


def test_an_unknown_field_is_refused_with_its_path() -> None:
    data = to_data(_invoice())
    error = _refused(data, lambda d: d["lines"][1].update(colour="red"))
    assert error.field == "lines[1].colour"
    assert error.value == "red"
    assert "no such field in billkit.invoicing.DocumentLine" in error.expected
    assert "lines[1].colour = 'red'" in str(error)
    error = _refused(data, lambda d: d.update(colour="red"))
    assert error.field == "colour"


def test_a_missing_required_field_is_refused_with_its_path() -> None:
    data = to_data(_invoice())
    error = _refused(data, lambda d: d["lines"][1].pop("net"))
    assert error.field == "lines[1].net"
    assert "required" in error.expected
    assert str(error).startswith("billkit.invoicing.Invoice: lines[1].net = <missing>")
    error = _refused(data, lambda d: d["lines"][1]["net"].pop("currency"))
    assert error.field == "lines[1].net.currency"


def test_a_wrong_currency_is_refused_with_its_path() -> None:
    data = to_data(_invoice())
    error = _refused(data, lambda d: d["lines"][1]["net"].update(currency="EURO"))
    assert error.field == "lines[1].net.currency"
    assert error.value == "EURO"
    assert "ISO 4217" in error.expected
    error = _refused(data, lambda d: d["lines"][1]["net"].update(currency=978))
    assert (error.field, error.value) == ("lines[1].net.currency", 978)


@pytest.mark.parametrize("amount", [12, 12.5, None, ["12.30"], "12,30", " 12.30", "NaN", "1e"])
def test_an_amount_that_is_not_a_decimal_string_is_refused(amount: object) -> None:
    data = to_data(_invoice())
    error = _refused(data, lambda d: d["lines"][1]["net"].update(amount=amount))
    assert error.field == "lines[1].net.amount"
    assert error.value == amount
    assert "a decimal number written as a string" in error.expected


def test_a_float_in_json_text_is_refused_with_its_path() -> None:
    text = dumps(Flat(amount=Money("12.30", "EUR"))).replace('"12.30"', "12.30")
    with pytest.raises(SerializationError) as caught:
        loads(text)
    assert caught.value.field == "amount.amount"
    assert "12.30" in str(caught.value)
    # A float where a decimal belongs is refused too.
    tiers = json.loads(dumps(Graduated(tiers=[Tier(unit_price=Money("1", "EUR"))])))
    tiers["tiers"][0]["up_to"] = 10.0
    with pytest.raises(SerializationError) as caught:
        from_data(tiers)
    assert caught.value.field == "tiers[0].up_to"


def test_a_value_of_the_wrong_type_is_refused() -> None:
    data = to_data(_invoice())
    cases: list[tuple[Callable[[dict[str, Any]], None], str, str]] = [
        (lambda d: d["lines"][0].update(position="1"), "lines[0].position", "an integer"),
        (lambda d: d["lines"][0].update(description=5), "lines[0].description", "a string"),
        (lambda d: d["lines"][0].update(position=True), "lines[0].position", "an integer"),
        (lambda d: d.update(prices_include_tax="yes"), "prices_include_tax", "true or false"),
        (lambda d: d.update(notes="abc"), "notes", "a list"),
        (lambda d: d.update(issue_date="2026-02-30"), "issue_date", "calendar date"),
        (lambda d: d.update(issue_date="30.01.2026"), "issue_date", "ISO 8601"),
        (lambda d: d.update(tax_rounding="sometimes"), "tax_rounding", "one of"),
        (lambda d: d.update(seller=[]), "seller", "an object"),
        (lambda d: d["seller"].update(country=7), "seller.country", "a string"),
    ]
    for change, path, expected in cases:
        error = _refused(data, change)
        assert error.field == path, (path, str(error))
        assert expected in error.expected, (path, error.expected)


def test_every_problem_is_reported() -> None:
    data = to_data(_invoice())

    def change(d: dict[str, Any]) -> None:
        d["lines"][0]["net"]["currency"] = "EURO"
        d["lines"][1].pop("tax")
        d["colour"] = "red"

    error = _refused(data, change)
    assert _paths(error) == ["lines[0].net.currency", "lines[1].tax", "colour"]
    assert "and 2 more" in str(error)


def test_a_value_its_constructor_refuses_is_refused_with_the_path() -> None:
    data = to_data(_invoice())
    # Totals must add up: net + tax = gross.
    error = _refused(data, lambda d: d["totals"]["net"].update(amount="1.00"))
    assert isinstance(error, ValidationError)
    assert error.field.startswith("totals.")
    plan = to_data(
        Graduated(
            tiers=[Tier(up_to=5, unit_price=Money("1", "EUR")), Tier(unit_price=Money("1", "EUR"))]
        )
    )
    error = _refused(plan, lambda d: d["tiers"][1].update(up_to="3"))
    assert error.field == "tiers[1].up_to"


def test_an_unknown_type_is_refused() -> None:
    data = to_data(Flat(amount=Money("1", "EUR")))
    error = _refused(data, lambda d: d.update({"$type": "billkit.pricing.Flatt"}))
    assert (error.field, error.value) == ("$type", "billkit.pricing.Flatt")
    error = _refused(data, lambda d: d.pop("$type"))
    assert error.field == "$type"
    # An enum is not a value that can be read on its own.
    error = _refused(data, lambda d: d.update({"$type": "billkit.money.RoundingMode"}))
    assert error.field == "$type"


def test_an_unknown_type_inside_a_union_is_refused_with_its_path() -> None:
    plan = Plan(code="p", name="P", currency="EUR", base_fee=Money("1", "EUR"), charges=[])
    data = to_data(plan)
    data["charges"] = [{"$type": "billkit.pricing.Nope", "code": "x"}]
    with pytest.raises(SerializationError) as caught:
        from_data(data)
    assert caught.value.field == "charges[0].$type"
    data["charges"] = [{"code": "x"}]  # which class? it must say
    with pytest.raises(SerializationError) as caught:
        from_data(data)
    assert caught.value.field == "charges[0]"
    assert "'$type'" in caught.value.expected


def test_a_newer_version_is_refused() -> None:
    data = to_data(Flat(amount=Money("1", "EUR")))
    error = _refused(data, lambda d: d.update({"$version": SCHEMA_VERSION + 1}))
    assert (error.field, error.value) == ("$version", SCHEMA_VERSION + 1)
    assert "newer" in error.expected
    for version in (0, "1", True, None):
        error = _refused(data, lambda d, v=version: d.update({"$version": v}))
        assert error.field == "$version"
    error = _refused(data, lambda d: d.pop("$version"))
    assert error.field == "$version"


def test_the_class_asked_for_must_match() -> None:
    data = to_data(Flat(amount=Money("1", "EUR")))
    with pytest.raises(SerializationError) as caught:
        from_data(data, Subscription)
    assert caught.value.field == "$type"
    assert "billkit.subscriptions.Subscription" in caught.value.expected


def test_text_that_is_not_a_billkit_value_is_refused() -> None:
    for text in ("[]", "not json", '{"a": 1, "a": 2}', "NaN", '{"x": Infinity}'):
        with pytest.raises(SerializationError):
            loads(text)
    with pytest.raises(SerializationError):
        from_data([1, 2])  # type: ignore[arg-type]


def test_datetimes_and_zones_are_checked() -> None:
    from datetime import datetime, timezone

    from billkit.usage import UsageEvent

    event = UsageEvent(
        customer="c",
        metric="m",
        idempotency_key="k",
        timestamp=datetime(2026, 3, 1, tzinfo=timezone.utc),
    )
    data = to_data(event)
    for bad in (
        "2026-03-01",
        "2026-03-01T00:00:00+00:00[Mars/Olympus]",
        "2026-03-01T00:00:00[Europe/Paris]",
        "yesterday",
    ):
        error = _refused(data, lambda d, b=bad: d.update(timestamp=b))
        assert error.field == "timestamp", bad


def test_a_serialization_error_is_a_validation_error_and_pickles() -> None:
    data = to_data(_invoice())
    error = _refused(data, lambda d: d["lines"][1]["net"].update(currency="EURO"))
    assert isinstance(error, ValidationError)
    assert isinstance(error, ValueError)
    back = pickle.loads(pickle.dumps(error))
    assert str(back) == str(error)
    assert back.problems == error.problems


def test_reading_a_date_where_a_date_belongs() -> None:
    # A plain date field refuses a datetime string (no silent truncation).
    from billkit.periods import Period

    data = to_data(Period(start=date(2026, 3, 1), end=date(2026, 4, 1)))
    error = _refused(data, lambda d: d.update(start="2026-03-01T00:00:00"))
    assert error.field == "start"
