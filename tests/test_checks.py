"""billkit._checks: one behaviour per check, the room's error, attrs converters."""

from __future__ import annotations

import enum
import pickle
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit import _checks as checks
from billkit.errors import (
    CreditCurrencyError,
    CreditError,
    CurrencyMismatchError,
    InvoicingCurrencyError,
    InvoicingError,
    MoneyError,
    PricingCurrencyError,
    PricingError,
    UnknownCurrencyError,
    UsageError,
    ValidationError,
)
from billkit.money import Money


class Colour(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


# --------------------------------------------------------------------------- text


@given(st.text(max_size=8))
def test_required_text_is_accepted_exactly_when_non_empty_and_unpadded(value: str) -> None:
    good = bool(value) and value == value.strip()
    if good:
        assert checks.text("name", value) == value
    else:
        with pytest.raises(ValidationError, match="non-empty str without surrounding spaces"):
            checks.text("name", value)


@given(st.text(max_size=8))
def test_free_text_keeps_any_str_as_given(value: str) -> None:
    assert checks.text("note", value, required=False) == value


def test_trimmed_free_text_refuses_padding_but_allows_empty() -> None:
    assert checks.text("city", "", required=False, trimmed=True) == ""
    with pytest.raises(ValidationError, match="without surrounding spaces"):
        checks.text("city", " Riga", required=False, trimmed=True)


def test_text_refuses_none_unless_optional_and_names_the_field_and_the_room_error() -> None:
    assert checks.text("alias", None, optional=True) is None
    with pytest.raises(UsageError) as caught:
        checks.text("customer", None, error=UsageError)
    assert (caught.value.field, caught.value.value, caught.value.expected) == (
        "customer",
        None,
        "a str",
    )


def test_texts_reads_a_bare_str_as_one_item_and_names_the_bad_index() -> None:
    assert checks.texts("notes", "Thanks") == ("Thanks",)
    assert checks.texts("notes", "") == ()
    with pytest.raises(ValidationError, match=r"^notes\[1\] = 3"):
        checks.texts("notes", ["a", 3])


# --------------------------------------------------------------------------- numbers


@given(st.integers(-50, 50), st.integers(-20, 0), st.integers(0, 20))
def test_whole_accepts_exactly_the_ints_within_bounds(value: int, low: int, high: int) -> None:
    if low <= value <= high:
        assert checks.whole("n", value, low=low, high=high) == value
    else:
        with pytest.raises(ValidationError, match=f"from {low} to {high}"):
            checks.whole("n", value, low=low, high=high)


@pytest.mark.parametrize("value", [True, 1.0, "1", Decimal(1)])
def test_whole_refuses_what_is_not_an_int(value: object) -> None:
    with pytest.raises(ValidationError, match="an int, not a bool"):
        checks.whole("n", value)


@pytest.mark.parametrize("value", [1, 0, "true", None])
def test_flag_refuses_anything_but_a_bool(value: object) -> None:
    with pytest.raises(ValidationError, match="True or False"):
        checks.flag("enabled", value)


def test_decimal_bounds_and_room_error() -> None:
    assert checks.decimal("q", "2.50", low=0) == Decimal("2.50")
    with pytest.raises(ValidationError, match="a number above zero"):
        checks.decimal("q", "0", above=0)
    with pytest.raises(ValidationError, match="a quantity of 10 or less"):
        checks.decimal("q", "11", high=10, noun="quantity")
    # A float is refused by billkit.money: a MoneyError in every room (by kind).
    with pytest.raises(MoneyError, match="floats are inexact") as caught:
        checks.decimal("value", 0.1, error=UsageError)
    assert not isinstance(caught.value, UsageError)


def test_rate_reads_percent_and_refuses_negative() -> None:
    assert checks.rate("r", "22%") == Decimal("0.22")
    with pytest.raises(MoneyError, match="a rate of zero or more"):
        checks.rate("r", "-1", error=PricingError)


# --------------------------------------------------------------------------- money


def test_money_needs_a_currency_for_a_bare_number() -> None:
    assert checks.money("fee", "1.50 EUR") == Money("1.50", "EUR")
    assert checks.money("fee", 3, "JPY") == Money(3, "JPY")
    with pytest.raises(CreditError, match="a bare number has no currency"):
        checks.money("fee", Decimal(3), error=CreditError)
    with pytest.raises(CreditError, match="a bare number has no currency"):
        checks.money("fee", "3.00", error=CreditError)


@pytest.mark.parametrize(
    ("room", "mixed"),
    [
        (PricingError, PricingCurrencyError),
        (CreditError, CreditCurrencyError),
        (InvoicingError, InvoicingCurrencyError),
        (UsageError, CurrencyMismatchError),
        (ValidationError, CurrencyMismatchError),
    ],
)
def test_a_currency_mix_is_a_currency_mismatch_in_every_room(
    room: type[ValidationError], mixed: type[CurrencyMismatchError]
) -> None:
    with pytest.raises(CurrencyMismatchError) as caught:
        checks.money("fee", Money("1", "USD"), "EUR", error=room)
    assert type(caught.value) is mixed
    assert str(caught.value) == "fee = Money('1', 'USD'): expected an amount in EUR"
    with pytest.raises(mixed):
        checks.same_currency("fee", Money("1", "USD"), "EUR", error=room)


def test_money_sign_bounds() -> None:
    assert checks.money("fee", Money(0, "EUR"), sign="zero_or_more") == Money(0, "EUR")
    with pytest.raises(ValidationError, match="above zero"):
        checks.money("fee", Money(0, "EUR"), sign="above_zero")


def test_currency_reads_codes_and_names_unknown_ones() -> None:
    assert checks.currency("currency", "rub").code == "RUB"
    with pytest.raises(UnknownCurrencyError):
        checks.currency("currency", "XXZ")
    with pytest.raises(UnknownCurrencyError, match=r"^currency = 'XXZ'"):
        checks.currency("currency", "XXZ", error=InvoicingError)  # a lookup keeps its kind
    with pytest.raises(InvoicingError, match=r"^currency = 3"):
        checks.currency("currency", 3, error=InvoicingError)


# --------------------------------------------------------------------------- time


def test_day_refuses_a_datetime() -> None:
    assert checks.day("on", date(2026, 2, 28)) == date(2026, 2, 28)
    with pytest.raises(ValidationError, match="not a datetime"):
        checks.day("on", datetime(2026, 2, 28, tzinfo=timezone.utc))


def test_moment_refuses_naive_datetimes_and_dates() -> None:
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert checks.moment("at", at) is at
    with pytest.raises(ValidationError, match="naive one is ambiguous"):
        checks.moment("at", datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValidationError, match="timezone-aware"):
        checks.moment("at", date(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("UTC", timedelta(0)),
        ("+03:00", timedelta(hours=3)),
        ("-05:30", -timedelta(hours=5, minutes=30)),
        ("+00:00", timedelta(0)),
    ],
)
def test_tz_reads_utc_and_fixed_offsets(text: str, offset: timedelta) -> None:
    zone = checks.tz("tz", text)
    assert zone.utcoffset(None) == offset


def test_tz_reads_iana_names_and_keeps_tzinfo() -> None:
    assert checks.tz("tz", "Europe/Moscow") == ZoneInfo("Europe/Moscow")
    assert checks.tz("tz", timezone.utc) is timezone.utc


@pytest.mark.parametrize("value", ["", "Mars/Olympus", "+24:00", "+03:60", "03:00", 3, None])
def test_tz_refuses_what_names_no_zone(value: object) -> None:
    with pytest.raises(PricingError, match="a time zone"):
        checks.tz("tz", value, error=PricingError)


@given(st.integers(-23 * 60 - 59, 23 * 60 + 59))
def test_tz_key_round_trips_fixed_offsets(minutes: int) -> None:
    zone = timezone(timedelta(minutes=minutes))
    key = checks.tz_key("tz", zone)
    assert checks.tz("tz", key).utcoffset(None) == timedelta(minutes=minutes)


def test_tz_key_names_iana_zones_and_utc() -> None:
    assert checks.tz_key("tz", ZoneInfo("Asia/Tehran")) == "Asia/Tehran"
    assert checks.tz_key("tz", timezone.utc) == "UTC"
    # A zone with no name (read from a file, or an offset in seconds) has no key to keep.
    with pytest.raises(ValidationError, match="a time zone with a name"):
        checks.tz_key("tz", timezone(timedelta(seconds=30)))


# --------------------------------------------------------------------------- enums, objects


def test_member_by_member_or_value_and_lists_choices() -> None:
    assert checks.member("colour", "red", Colour) is Colour.RED
    assert checks.member("colour", Colour.BLUE, Colour) is Colour.BLUE
    with pytest.raises(SubclassOfValidation, match="one of 'red', 'blue'"):
        checks.member("colour", "green", Colour, error=SubclassOfValidation)
    with pytest.raises(ValidationError):
        checks.member("colour", ["red"], Colour)  # unhashable: still a clean refusal


class SubclassOfValidation(ValidationError):
    """A room error for the test."""


def test_tuple_of_refuses_str_and_names_the_bad_item() -> None:
    assert checks.tuple_of("codes", ("a",), str) == ("a",)
    with pytest.raises(ValidationError, match="a list of str"):
        checks.tuple_of("codes", "ab", str)
    with pytest.raises(ValidationError, match=r"^codes\[0\] = 1: expected a str"):
        checks.tuple_of("codes", [1], str)


def test_tags_sorted_unique_and_picklable() -> None:
    assert checks.tags("tags", [("b", "2"), ("a", "1")]) == {"a": "1", "b": "2"}
    assert isinstance(checks.tags("tags", {}), checks.FrozenMap)
    assert list(checks.tags("tags", {"b": "", "a": "x"})) == ["a", "b"]
    with pytest.raises(ValidationError, match="'a' repeats"):
        checks.tags("tags", [("a", "1"), ("a", "2")])
    with pytest.raises(ValidationError):
        checks.tags("tags", "a=1")
    found = checks.tags("tags", {"a": "1"})
    assert pickle.loads(pickle.dumps(found)) == found


def test_mapping_checks_keys_and_values() -> None:
    assert checks.mapping("limits", {"b": 2, "a": 1}, checks.text, checks.whole) == {
        "a": 1,
        "b": 2,
    }
    with pytest.raises(ValidationError, match=r"^limits\['a'\] = -1"):
        checks.mapping("limits", {"a": -1}, checks.text, checks.whole)


# --------------------------------------------------------------------------- attrs converters


@attrs.frozen(kw_only=True)
class Line:
    code: str = attrs.field(converter=checks.TEXT)


@attrs.frozen(kw_only=True)
class Seat:
    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "seat."

    name: str = attrs.field(converter=checks.TEXT)
    note: str = attrs.field(default="", converter=checks.FREE_TEXT)
    alias: str | None = attrs.field(default=None, converter=checks.TEXT)
    colour: Colour | None = attrs.field(default=None, converter=checks.MEMBER)
    lines: tuple[Line, ...] = attrs.field(default=(), converter=checks.TUPLE)
    on: date | None = attrs.field(default=None, converter=checks.DAY)
    count: int = attrs.field(
        default=1, converter=checks.WHOLE, metadata=checks.options(low=1, high=28)
    )
    fee: Money | None = attrs.field(default=None, converter=checks.MONEY)
    tz: str = attrs.field(default="UTC", converter=checks.TZ_KEY)


def test_converters_convert_and_accept_none_only_where_annotated() -> None:
    seat = Seat(name="A1", colour="red", lines=[Line(code="x")], fee="2 EUR", tz="+03:00")
    assert seat.colour is Colour.RED
    assert seat.lines == (Line(code="x"),)
    assert seat.fee == Money(2, "EUR")
    assert seat.alias is None
    assert pickle.loads(pickle.dumps(seat)) == seat
    assert attrs.evolve(seat, count=28).count == 28
    with pytest.raises(InvoicingError, match=r"^seat\.note = None"):
        Seat(name="A1", note=None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " A1"}, r"^seat\.name = ' A1': expected a non-empty str"),
        ({"colour": "green"}, r"^seat\.colour = 'green': expected one of 'red', 'blue'"),
        ({"lines": [1]}, r"^seat\.lines\[0\] = 1: expected a Line"),
        ({"on": datetime(2026, 1, 1, tzinfo=timezone.utc)}, r"^seat\.on = "),
        ({"count": 29}, r"^seat\.count = 29: expected a whole number from 1 to 28"),
        ({"tz": "Nowhere/City"}, r"^seat\.tz = 'Nowhere/City'"),
    ],
)
def test_converters_name_the_field_and_raise_the_class_error(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvoicingError, match=message):
        Seat(**{"name": "A1", **changes})  # type: ignore[arg-type]


def test_a_class_without_error_class_raises_validation_error() -> None:
    with pytest.raises(ValidationError, match=r"^code = ''") as caught:
        Line(code="")
    assert type(caught.value) is ValidationError


def test_an_annotation_that_does_not_resolve_is_a_clear_type_error() -> None:
    @attrs.frozen
    class Broken:
        kind: NotDefinedAnywhere = attrs.field(converter=checks.MEMBER)  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(TypeError, match="must resolve at run time"):
        Broken(kind="x")


def test_frozen_map_is_read_only_equal_hashable_and_picklable() -> None:
    frozen = checks.FrozenMap({"b": 2, "a": 1})
    assert frozen == {"b": 2, "a": 1}
    assert list(frozen) == ["b", "a"]
    assert hash(frozen) == hash(checks.FrozenMap([("a", 1), ("b", 2)]))
    assert pickle.loads(pickle.dumps(frozen)) == frozen
    assert frozen.get("c", 3) == 3
    assert "a" in frozen
    assert len(frozen) == 2
    with pytest.raises(TypeError):
        frozen["c"] = 3
    for change in (
        frozen.clear,
        frozen.popitem,
        lambda: frozen.update(c=3),
        lambda: frozen.pop("a"),
    ):
        with pytest.raises(TypeError):
            change()
    assert frozen == {"a": 1, "b": 2}
    with pytest.raises(AttributeError):
        frozen.x = 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["ru", "RUS", "R", "", 7, None, " RU"])
def test_country_wants_two_capitals_and_never_recases(value: object) -> None:
    with pytest.raises(InvoicingError, match="alpha-2 code in capitals"):
        checks.country("country", value, error=InvoicingError)


def test_locale_codes() -> None:
    assert checks.locale("locale", "ru_RU") == "ru_RU"
    assert checks.locale("locale", "fil") == "fil"
    for bad in ("ru-RU", "RU", "ru_ru", "", None):
        with pytest.raises(ValidationError, match="a locale code"):
            checks.locale("locale", bad)


def test_minor_units_under_the_policy() -> None:
    from billkit.money import RoundingPolicy

    irr_whole = RoundingPolicy(minor_units={"IRR": 0})
    assert checks.whole_minor_units("amount", Money("1.05", "EUR"), RoundingPolicy())
    with pytest.raises(CreditError, match=r"0 decimal places"):
        checks.whole_minor_units("amount", Money("10.50", "IRR"), irr_whole, error=CreditError)


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class PreparedSeat:
    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    name: str = attrs.field(converter=checks.TEXT)
    colour: Colour | None = attrs.field(default=None, converter=checks.MEMBER)
    count: int = attrs.field(default=1, converter=checks.WHOLE, metadata=checks.options(low=1))


def test_prepared_fields_behave_like_the_converters() -> None:
    seat = PreparedSeat(name="A1", colour="blue")
    assert seat.colour is Colour.BLUE
    assert PreparedSeat(name="A1").colour is None
    assert pickle.loads(pickle.dumps(seat)) == seat
    with pytest.raises(InvoicingError, match=r"^colour = 'green': expected one of 'red', 'blue'$"):
        PreparedSeat(name="A1", colour="green")
    with pytest.raises(InvoicingError, match=r"^count = 0: expected a whole number of 1 or more$"):
        PreparedSeat(name="A1", count=0)
    with pytest.raises(InvoicingError, match=r"^name = None: expected a str$"):
        PreparedSeat(name=None)
