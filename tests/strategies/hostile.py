"""Hostile inputs for the fuzz suite (tests/fuzz/): whatever a caller, a file or
a command line might hand billkit, valid or not.

Every strategy mixes values billkit must accept with values it must refuse
with a :class:`~billkit.errors.BillkitError`: wrong types, floats, NaN and
signalling NaN, infinities, numbers beyond the range of docs/limits.md (10**18,
12 decimal places), huge exponents, non-ASCII digits, surrogates and control
characters, dates at the ends of the calendar.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

from hypothesis import strategies as st

from billkit.money import Money

__all__ = [
    "EDGE_NUMBERS",
    "anything",
    "catalog_texts",
    "cli_arguments",
    "hostile_dates",
    "hostile_decimals",
    "hostile_moments",
    "hostile_money",
    "hostile_rates",
    "hostile_texts",
    "in_range_decimals",
    "in_range_money",
]

EDGE_NUMBERS: Final[tuple[str, ...]] = (
    "0",
    "-0",
    "1",
    "-1",
    "0.000000000001",
    "0.0000000000001",
    "999999999999999999.999999999999",
    "1000000000000000000",
    "-999999999999999999",
    "1e17",
    "1e18",
    "1e59",
    "1E-100000000",
    "1E+999999999",
    "NaN",
    "sNaN",
    "-NaN",
    "Infinity",
    "-Infinity",
    "0.9999999999999999999999999999999",
)

_ZONES: Final = ("UTC", "Asia/Tokyo", "Europe/Rome", "America/New_York", "Pacific/Kiritimati")


def in_range_decimals(*, low: int = -(10**18) + 1, places: int = 12) -> st.SearchStrategy[Decimal]:
    """Decimals billkit must accept: below 10**18, at most ``places`` decimal places.

    Built from a str, never through the thread's context (which would round).
    """
    units = st.integers(min_value=low * 10**places, max_value=10 ** (18 + places) - 1)
    small = st.integers(min_value=max(low, -1000) * 10**places, max_value=1000 * 10**places)
    return st.one_of(units, small).map(lambda u: Decimal(f"{u}E-{places}"))


def hostile_decimals() -> st.SearchStrategy[object]:
    """Anything a caller might pass where billkit wants a number."""
    return st.one_of(
        st.sampled_from(EDGE_NUMBERS),
        st.sampled_from(EDGE_NUMBERS).map(Decimal),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.integers(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(),
        st.booleans(),
        st.none(),
        st.text(max_size=40),
        st.text(alphabet="0123456789.-+eE_ \u0660\u0661\u06f1\uff11", max_size=30),
        st.builds(
            lambda u, e: Decimal(f"{u}E{e}"),
            st.integers(min_value=-(10**40), max_value=10**40),
            st.integers(min_value=-60, max_value=60),
        ),
    )


def hostile_rates() -> st.SearchStrategy[object]:
    """What a caller might pass as a rate: percent strings, fractions, junk."""
    return st.one_of(
        hostile_decimals(),
        st.integers(min_value=-200, max_value=10**6).map(lambda n: f"{n}%"),
        st.sampled_from(["20%", "0%", "100%", "0.2", "1", "99.999999999999%", "%", "-1%"]),
    )


_CURRENCIES: Final = ("EUR", "JPY", "KWD", "CLF", "RUB", "IRR", "USD")


def in_range_money(
    *, currencies: tuple[str, ...] = _CURRENCIES, places: int = 12, nonnegative: bool = False
) -> st.SearchStrategy[Money]:
    """Money billkit must accept (any precision within the range)."""
    low = 0 if nonnegative else -(10**18) + 1
    return st.builds(Money, in_range_decimals(low=low, places=places), st.sampled_from(currencies))


def hostile_money() -> st.SearchStrategy[object]:
    """Money with any amount py-moneyed allows, and things that are not Money."""
    return st.one_of(
        in_range_money(),
        st.builds(
            Money,
            st.sampled_from(EDGE_NUMBERS).map(Decimal),
            st.sampled_from(_CURRENCIES),
        ),
        st.builds(
            Money,
            st.decimals(allow_nan=True, allow_infinity=True),
            st.sampled_from(_CURRENCIES),
        ),
        hostile_decimals(),
        st.sampled_from(["12.50 EUR", "12.50", "EUR", "1e99 EUR", "NaN EUR", "1 XXX", "1 eur"]),
    )


def hostile_texts() -> st.SearchStrategy[object]:
    """Strings with surrogates, controls, bidi marks, padding; and non-strings."""
    return st.one_of(
        st.text(max_size=30),
        st.text(
            alphabet=st.characters(codec=None, categories=None, exclude_characters=()),
            max_size=30,
        ),
        st.sampled_from(
            [
                "",
                " ",
                " pad",
                "pad ",
                "\x00",
                "\ud800",
                "a\u202eb",
                "<b>x</b>",
                "\u0667\u0667\u0663\u0666\u0660\u0661\u0660\u0660\u0661",
                "x" * 5000,
            ]
        ),
        st.integers(),
        st.none(),
        st.binary(max_size=10),
    )


def hostile_dates() -> st.SearchStrategy[object]:
    """Dates over the whole calendar (ends included), datetimes and junk."""
    return st.one_of(
        st.dates(),
        st.sampled_from([date.min, date.max, date(1, 1, 2), date(9999, 12, 30)]),
        st.datetimes(timezones=st.just(timezone.utc)),
        st.none(),
        st.text(max_size=12),
    )


def hostile_moments() -> st.SearchStrategy[object]:
    """Aware datetimes near the ends of the calendar in zones with offsets, naive ones, junk."""
    from zoneinfo import ZoneInfo

    zones = st.sampled_from([timezone.utc, *(ZoneInfo(z) for z in _ZONES[1:])])
    return st.one_of(
        st.datetimes(timezones=zones),
        st.sampled_from(
            [
                datetime.min.replace(tzinfo=timezone.utc),
                datetime.max.replace(tzinfo=timezone.utc),
                datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc),
                datetime(1, 1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
            ]
        ),
        st.datetimes(),
        hostile_dates(),
    )


def anything() -> st.SearchStrategy[Any]:
    """Any of the above, or a container of them: for arguments of the wrong type."""
    leaf = st.one_of(hostile_decimals(), hostile_texts(), hostile_money(), hostile_dates())
    return st.one_of(leaf, st.lists(leaf, max_size=3), st.dictionaries(st.text(max_size=5), leaf))


_TOML_VALUES: Final = st.one_of(
    st.integers().map(str),
    st.sampled_from(['"EUR"', '"x"', "1.5", "nan", "inf", "1e400", '"1e999999999"', "true", "[]"]),
    st.text(max_size=10).map(lambda s: '"' + s.replace("\\", "").replace('"', "") + '"'),
)
_KEYS: Final = st.sampled_from(
    [
        "code",
        "name",
        "currency",
        "cycle",
        "base_fee",
        "charges",
        "metric",
        "model",
        "unit_price",
        "included",
        "tiers",
        "up_to",
        "rate",
        "plans",
        "format",
        "version",
    ]
)


@st.composite
def _toml_docs(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["[[plans]]", "[[plans.charges]]", "[plans.x]"])))
        for _ in range(draw(st.integers(min_value=0, max_value=5))):
            lines.append(f"{draw(_KEYS)} = {draw(_TOML_VALUES)}")
    return "\n".join(lines)


@st.composite
def _json_docs(draw: st.DrawFn) -> str:
    import json

    leaf = st.one_of(
        st.integers(),
        st.text(max_size=8),
        st.sampled_from(["EUR", "1.00", "month", "per_unit", "graduated"]),
        st.none(),
        st.booleans(),
    )
    tree = st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=5)
        ),
        max_leaves=20,
    )
    data = draw(st.dictionaries(_KEYS, tree, max_size=5))
    return json.dumps(data)


def catalog_texts() -> st.SearchStrategy[tuple[str, str]]:
    """``(text, format)``: catalog-shaped TOML and JSON, junk, deep nesting, huge numbers."""
    return st.one_of(
        st.tuples(_toml_docs(), st.just("toml")),
        st.tuples(_json_docs(), st.just("json")),
        st.tuples(st.text(max_size=200), st.sampled_from(["toml", "json"])),
        st.tuples(
            st.sampled_from(
                [
                    "[" * 5000,
                    '{"plans": ' * 3000,
                    "x = " + "1" * 5000,
                    '{"plans": [{"code": "p", "base_fee": ' + "9" * 5000 + "}]}",
                    "a = [" * 2000,
                    "plans = []",
                    '{"plans": []}',
                ]
            ),
            st.sampled_from(["toml", "json"]),
        ),
    )


def cli_arguments() -> st.SearchStrategy[list[str]]:
    """Argument lists for ``billkit``: sub-commands with hostile operands."""
    operand = st.one_of(
        st.text(
            alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
            max_size=20,
        ),
        st.sampled_from(
            [
                "2026-03-01..2026-04-01",
                "2026-04-01..2026-03-01",
                "9999-12-01..9999-12-31",
                "emails=1e999999999",
                "emails=NaN",
                "emails=-1",
                "=",
                "x=",
                "--usage",
                "--period",
                "-h",
            ]
        ),
    )
    return st.one_of(
        st.lists(operand, max_size=5),
        st.tuples(st.just("quote"), st.lists(operand, max_size=6)).map(lambda t: [t[0], *t[1]]),
        st.tuples(st.just("check"), operand).map(list),
    )
