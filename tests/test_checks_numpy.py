"""Quantities from numpy, pandas and Arrow are exact; their floats are refused with a way out.

Expected totals come from the messaging business's Growth plan (docs/examples-businesses.md):
99.00 EUR with 1 000 contacts, then 20.00 EUR per block of 100: 1 250 contacts bill
99.00 + 3 x 20.00 = 159.00.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit import _checks as checks
from billkit.demo import demo_catalog
from billkit.errors import MoneyError, ValidationError
from billkit.invoicing import Item
from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import quote
from billkit.usage import UsageEvent

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

GROWTH = demo_catalog()["growth-monthly"]
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
MAC = "monthly_active_contacts"

EXACT = [
    np.int64(1250),
    np.int32(1250),
    np.int16(1250),
    np.uint64(1250),
    np.uint16(1250),
    pa.scalar(1250),
    pa.scalar(1250, pa.uint32()),
    pa.scalar(Decimal("1250"), pa.decimal128(10, 0)),
    pa.scalar(Decimal("1250.00"), pa.decimal128(12, 2)),
    pd.Series([1250], dtype="Int64")[0],
    pd.Series([1250], dtype="int64")[0],
    pd.Series([Decimal("1250")], dtype=pd.ArrowDtype(pa.decimal128(10, 0)))[0],
]


@pytest.mark.parametrize("value", EXACT, ids=lambda v: type(v).__name__)
def test_exact_numbers_from_numpy_pandas_and_arrow_are_quantities(value: Any) -> None:
    assert quote(GROWTH, {MAC: value}, MARCH).total == Money("159.00", "EUR")
    assert checks.decimal("quantity", value, low=0) == Decimal(1250)


FLOATS = [np.float64(0.1), np.float32(0.1), np.float16(0.1), pd.Series([0.1])[0]]


@pytest.mark.parametrize("value", FLOATS, ids=lambda v: type(v).__name__)
def test_numpy_floats_are_refused_with_how_to_pass_them(value: Any) -> None:
    with pytest.raises(MoneyError) as caught:
        quote(GROWTH, {MAC: value}, MARCH)
    message = str(caught.value)
    assert "floats are inexact" in message
    assert "write '0.1'" in message  # not 'np.float64(0.1)' nor 0.10000000149011612
    assert "Decimal(str(x))" in message or type(value) is float


@pytest.mark.parametrize(
    "value", [np.float64("nan"), np.bool_(True), pa.scalar(None, pa.int64()), pd.NA, pa.scalar(0.5)]
)
def test_what_is_never_a_quantity_stays_refused(value: Any) -> None:
    with pytest.raises(ValidationError):
        quote(GROWTH, {MAC: value}, MARCH)


def test_items_and_usage_events_take_numpy_integers() -> None:
    item = Item(description="VPS", quantity=np.int64(3), unit_price=Money("33.33", "RUB"))
    assert item.quantity == Decimal(3)
    event = UsageEvent(
        customer="org-1",
        metric="emails",
        idempotency_key="e1",
        value=np.uint8(7),
        timestamp=datetime(2026, 3, 1, tzinfo=timezone.utc),
    )
    assert event.value == Decimal(7)


@given(st.integers(0, 10**18 - 1))  # billkit's range: below 10**18
def test_every_int64_is_exact(n: int) -> None:
    assert checks.decimal("quantity", np.int64(n)) == Decimal(n)
    assert checks.decimal("quantity", pa.scalar(n)) == Decimal(n)


@given(st.decimals(min_value=0, max_value=Decimal("1e15"), places=4))
def test_every_arrow_decimal_is_exact(d: Decimal) -> None:
    assert checks.decimal("quantity", pa.scalar(d, pa.decimal128(24, 4))) == d
