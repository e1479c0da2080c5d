"""Usage events: what is accepted, what is refused, and which billing day an instant is."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billkit.errors import MoneyError, UsageError, ValidationError
from billkit.usage import UsageEvent
from billkit.usage.events import billing_day, to_timezone

UTC = timezone.utc
T0 = datetime(2026, 3, 2, 9, 4, tzinfo=UTC)


def event(**changes: object) -> UsageEvent:
    fields: dict[str, object] = {
        "customer": "org-1",
        "metric": "message",
        "timestamp": T0,
        "idempotency_key": "k1",
    }
    fields.update(changes)
    return UsageEvent(**fields)  # type: ignore[arg-type]


def test_defaults_value_one_and_no_properties() -> None:
    e = event()
    assert e.value == Decimal(1)
    assert dict(e.properties) == {}
    assert e.received_at is None


def test_values_are_exact_decimals() -> None:
    assert event(value="0.1").value == Decimal("0.1")
    assert event(value=3).value == Decimal(3)
    assert event(value=Decimal("2.50")).value == Decimal("2.50")


@pytest.mark.parametrize(
    ("value", "expected", "kind"),
    [
        # Not an exact number: billkit.money's MoneyError, in every room (errors by kind).
        (0.1, "floats are inexact", MoneyError),
        (True, "not a bool", MoneyError),
        ("abc", "decimal number", MoneyError),
        ("NaN", "finite", MoneyError),
        ("1E+40", "below 10", MoneyError),
        # A number, but not a usage quantity: the usage room's error.
        ("-1", "a quantity of zero or more", UsageError),
        (Decimal("-0.01"), "a quantity of zero or more", UsageError),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    value: object, expected: str, kind: type[ValidationError]
) -> None:
    with pytest.raises(kind, match=expected) as caught:
        event(value=value)
    assert caught.value.field == "value"
    assert caught.value.value == value


def test_naive_timestamp_is_refused_naming_the_field() -> None:
    with pytest.raises(UsageError, match="timezone-aware") as caught:
        event(timestamp=datetime(2026, 3, 2, 9, 4))  # noqa: DTZ001 - the point of the test
    assert caught.value.field == "timestamp"


def test_naive_received_at_is_refused_naming_the_field() -> None:
    with pytest.raises(UsageError) as caught:
        event(received_at=datetime(2026, 3, 2, 9, 4))  # noqa: DTZ001
    assert caught.value.field == "received_at"


def test_a_date_is_not_a_timestamp() -> None:
    with pytest.raises(UsageError) as caught:
        event(timestamp=date(2026, 3, 2))
    assert caught.value.field == "timestamp"


@pytest.mark.parametrize("field", ["customer", "metric", "idempotency_key"])
@pytest.mark.parametrize("value", ["", None, 42])
def test_identifiers_must_be_non_empty_text(field: str, value: object) -> None:
    with pytest.raises(UsageError) as caught:
        event(**{field: value})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({"workspace": ""}, "properties['workspace']"),
        ({"workspace": 7}, "properties['workspace']"),
        ({"": "x"}, "properties"),
        ("workspace=sales", "properties"),
    ],
)
def test_bad_properties_are_refused(properties: object, field: str) -> None:
    with pytest.raises(UsageError) as caught:
        event(properties=properties)
    assert caught.value.field == field


def test_properties_are_read_only_and_do_not_follow_the_callers_dict() -> None:
    given = {"workspace": "sales", "channel": "sms"}
    e = event(properties=given)
    given["workspace"] = "support"
    assert e.properties["workspace"] == "sales"
    with pytest.raises(TypeError):
        e.properties["workspace"] = "x"  # type: ignore[index]


def test_events_are_values() -> None:
    assert event(properties={"a": "1", "b": "2"}) == event(properties={"b": "2", "a": "1"})
    assert event(value="1") != event(value="2")
    assert hash(event()) == hash(event())


# --- billing days -------------------------------------------------------------------


def test_billing_day_is_the_date_on_the_billing_calendars_wall_clock() -> None:
    # 23:30 UTC on January 31st is 00:30 on February 1st in Rome (UTC+1 in winter)
    # and 03:00 on February 1st in Tehran (UTC+3:30, no daylight saving since 2022).
    instant = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    assert billing_day(instant, "UTC") == date(2026, 1, 31)
    assert billing_day(instant, "Europe/Rome") == date(2026, 2, 1)
    assert billing_day(instant, "Asia/Tehran") == date(2026, 2, 1)
    assert billing_day(instant, "America/New_York") == date(2026, 1, 31)  # 18:30 EST


def test_billing_day_does_not_depend_on_the_offset_the_timestamp_was_written_in() -> None:
    rome = datetime(2026, 2, 1, 0, 30, tzinfo=ZoneInfo("Europe/Rome"))
    written_in_tokyo = rome.astimezone(ZoneInfo("Asia/Tokyo"))
    assert billing_day(rome, "UTC") == billing_day(written_in_tokyo, "UTC") == date(2026, 1, 31)


def test_billing_day_across_a_daylight_saving_change() -> None:
    # Rome moves to UTC+2 at 01:00 UTC on 2026-03-29: 22:30 UTC is 00:30 the next day.
    assert billing_day(datetime(2026, 3, 28, 22, 30, tzinfo=UTC), "Europe/Rome") == date(
        2026, 3, 28
    )  # still UTC+1: 23:30
    assert billing_day(datetime(2026, 3, 29, 22, 30, tzinfo=UTC), "Europe/Rome") == date(
        2026, 3, 30
    )  # UTC+2: 00:30


def test_fixed_offset_calendars() -> None:
    tehran_fixed = timezone(timedelta(hours=3, minutes=30))
    assert billing_day(datetime(2026, 6, 1, 20, 30, tzinfo=UTC), tehran_fixed) == date(2026, 6, 2)


def test_time_zone_must_be_named() -> None:
    for bad in ("", "Mars/Olympus", None, 3):
        with pytest.raises(UsageError) as caught:
            to_timezone(bad)
        assert caught.value.field == "tz"
    with pytest.raises(UsageError):
        billing_day(datetime(2026, 1, 1), "UTC")  # noqa: DTZ001
