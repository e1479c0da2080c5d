"""A quote never makes an amount beyond billkit's range (below 10**18 in size).

Found by the deep fuzz profile: 999 999 999 999 999 999.999 999 999 999 units
at 1 KWD (three decimals) round half up to exactly 10**18 KWD, an amount
billkit refuses to read back (docs/limits.md), yet ``quote()`` returned it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billkit import Money, Period
from billkit.errors import PricingError
from billkit.pricing import Charge, PerUnit, Plan, quote

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
PLAN = Plan(
    code="p",
    name="P",
    currency="KWD",
    charges=[Charge(code="c", metric="m", model=PerUnit(unit_price=Money("1", "KWD")))],
)


@pytest.mark.parametrize("attempt", [1, 2])  # the first quote is careful, the second fast
def test_rounding_onto_the_limit_is_refused(attempt: int) -> None:
    # 999999999999999999.9995 x 1 = ...999.9995, half up to 3 places: 10**18
    with pytest.raises(PricingError, match=r"below 10\*\*18"):
        quote(PLAN, {"m": Decimal("999999999999999999.9995")}, MARCH)


@pytest.mark.parametrize("attempt", [1, 2])
def test_just_below_the_limit_is_priced(attempt: int) -> None:
    # ...999.9994 rounds half up to ...999.999, the largest KWD amount in range
    result = quote(PLAN, {"m": Decimal("999999999999999999.9994")}, MARCH)
    assert result.total == Money("999999999999999999.999", "KWD")
    assert [line.amount for line in result.lines] == [result.total]
