"""Kill Bill's capacity tier selection, rule by rule.

Source: killbill invoice/src/main/java/org/killbill/billing/invoice/usage/
ContiguousIntervalCapacityUsageInArrear.java, ``computeToBeBilledCapacityInArrear``:

* "We ignore the min and only look at the max Limit as the tiers should be contiguous.
  Specifying a -1 value for last max tier will make the validation works": a tier complies
  when every unit's amount is at most its ``max`` (``-1``: no limit); the first tier that
  complies is billed; none complying is an error;
* "Support for $0 Usage item": ``allUnitAmountToZero ? BigDecimal.ZERO : curTierPrice``.

Its test TestContiguousIntervalCapacityInArrear.testComputeBilledUsage sets every limit's
``min`` to -1 and the third tier's ``max`` to -1 (here: a tier that names no limit).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.conventions import BILLKIT, KILL_BILL
from billkit.errors import PricingError
from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import loads_catalog, quote
from billkit.pricing.catalog import dumps_catalog
from billkit.pricing.models import Capacity, CapacityTier

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


def usd(amount: str) -> Money:
    return Money(amount, "USD")


KB_TIERS = [
    CapacityTier(limits={"unit1": 100, "unit2": 1000, "unit3": 50}, price=usd("10")),
    CapacityTier(limits={"unit1": 200, "unit2": 2000, "unit3": 100}, price=usd("20")),
    CapacityTier(limits={}, price=usd("30")),
]


class TestZeroUsage:
    def test_kill_bill_bills_nothing_when_every_unit_is_zero(self) -> None:
        kill_bill = Capacity(tiers=KB_TIERS, price_at_zero=KILL_BILL.capacity_price_at_zero)
        assert kill_bill.price({"unit1": 0, "unit2": 0, "unit3": 0}) == usd("0")
        assert kill_bill.price({}) == usd("0")
        # one unit above zero: the tier's price (tier 1, 10)
        assert kill_bill.price({"unit1": 1}) == usd("10")
        explained = kill_bill.explain({"unit1": 0})
        assert explained.amount == usd("0")
        assert "nothing used: not billed" in explained.steps[0].label

    def test_billkit_bills_the_first_tier(self) -> None:
        assert BILLKIT.capacity_price_at_zero is True
        assert Capacity(tiers=KB_TIERS).price({"unit1": 0}) == usd("10")

    def test_usage_beyond_every_tier_is_still_refused(self) -> None:
        limited = Capacity(tiers=KB_TIERS[:2], price_at_zero=False)
        with pytest.raises(PricingError, match="peaks within the limits of one tier"):
            limited.price({"unit1": 201})

    def test_a_kill_bill_catalog_fills_the_option(self) -> None:
        text = """
conventions = "{conventions}"
[[plans]]
code = "cap"
name = "Capacity"
currency = "USD"
[[plans.charges]]
code = "capacity"
metric = "capacity"
model = {{ type = "capacity", tiers = [
  {{ limits = {{ unit1 = 100 }}, price = "10" }},
  {{ limits = {{}}, price = "30" }}] }}
"""
        for conventions, at_zero in (("kill_bill", "0.00"), ("billkit", "10.00")):
            catalog = loads_catalog(text.format(conventions=conventions))
            plan = catalog["cap"]
            assert quote(plan, {}, MARCH).total == usd(at_zero)
            assert quote(plan, {"unit1": 101}, MARCH).total == usd("30.00")
            assert loads_catalog(dumps_catalog(catalog))["cap"] == plan


@given(
    unit1=st.integers(min_value=0, max_value=250),
    unit2=st.integers(min_value=0, max_value=2500),
)
def test_the_zero_rule_changes_only_zero_usage(unit1: int, unit2: int) -> None:
    billkit = Capacity(tiers=KB_TIERS)
    kill_bill = attrs.evolve(billkit, price_at_zero=False)
    peaks = {"unit1": unit1, "unit2": unit2}
    if unit1 == unit2 == 0:
        assert kill_bill.price(peaks) == usd("0")
        assert billkit.price(peaks) == usd("10")
    else:
        assert kill_bill.price(peaks) == billkit.price(peaks)
        assert kill_bill.tier_for(peaks) == billkit.tier_for(peaks)
    assert kill_bill.price(peaks).amount >= Decimal(0)
