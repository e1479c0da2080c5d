"""Lago rounds a prorated charge's units up to five decimals before pricing them.

lago-api ``app/services/billable_metrics/prorated_aggregations/*_service.rb``:
``aggregation = compute_aggregation.ceil(5)``; its spec
``spec/services/billable_metrics/prorated_aggregations/unique_count_service_spec.rb``
expects, over a 31-day period (9 July to 8 August 2022, both included), a unit held all
period plus one added 10 days in: ``(1 + 21.fdiv(31)).ceil(5)``; one added 15 days in:
``16.fdiv(31).ceil(5)``. ``Prorated(prorated_unit_decimals=5)`` is that rule; the
``LAGO`` conventions carry it (``prorated_unit_decimals=5``) and billkit keeps the units
exact. The fee is then rounded to the cent (``amount_cents.round``).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.conventions import BILLKIT, KILL_BILL, LAGO, STRIPE
from billkit.errors import PricingError
from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Charge, Graduated, PerUnit, Plan, Tier, Volume, loads_catalog, quote
from billkit.pricing.catalog import dumps_catalog
from billkit.pricing.models import Presence, Prorated

# 9 July to 8 August 2022 included: 23 days of July + 8 of August = 31 days
SPEC_PERIOD = Period(date(2022, 7, 9), date(2022, 8, 9))


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def seats_plan(model: Prorated) -> Plan:
    return Plan(
        code="seats",
        name="Seats",
        currency="USD",
        charges=[Charge(code="seats", metric="seats", model=model)],
    )


class TestTheSpec:
    # one unit held all period, another from 19 July (from + 10 days): 10 days at 1 and
    # 21 days at 2 = 52 unit-days; 52 / 31 = 1.677419354... ; Lago: 1 + 21/31 up to five
    # decimals = 1.67742
    HELD = Presence(period=SPEC_PERIOD, opening=1, changes=[(date(2022, 7, 19), 1)])

    def test_the_units_are_rounded_up_to_five_decimals(self) -> None:
        lago = Prorated(model=PerUnit(unit_price=usd("1")), prorated_unit_decimals=5)
        assert lago.explain(self.HELD).steps[0].units == Decimal("1.67742")
        exact = Prorated(model=PerUnit(unit_price=usd("1")))
        assert exact.explain(self.HELD).steps[0].units == 52  # unit-days, divided once

    def test_one_added_15_days_in(self) -> None:
        # 16 / 31 = 0.516129032... -> 0.51613
        held = Presence(period=SPEC_PERIOD, changes=[(date(2022, 7, 24), 1)])
        lago = Prorated(model=PerUnit(unit_price=usd("1")), prorated_unit_decimals=5)
        assert lago.explain(held).steps[0].units == Decimal("0.51613")

    def test_the_cent_it_changes(self) -> None:
        # at 250.00 a seat: Lago 1.67742 x 250 = 419.355 -> 419.36;
        # billkit 52 x 250 / 31 = 419.3548... -> 419.35
        lago = seats_plan(Prorated(model=PerUnit(unit_price=usd("250")), prorated_unit_decimals=5))
        exact = seats_plan(Prorated(model=PerUnit(unit_price=usd("250"))))
        assert quote(lago, {"seats": self.HELD}, SPEC_PERIOD).total == usd("419.36")
        assert quote(exact, {"seats": self.HELD}, SPEC_PERIOD).total == usd("419.35")

    def test_volume(self) -> None:
        # closing quantity 2 -> the first tier (up to 10 at 250, flat 5): 1.67742 x 250 + 5
        model = Volume(
            tiers=[
                Tier(up_to=10, unit_price=usd("250"), flat_fee=usd("5")),
                Tier(unit_price=usd("200")),
            ]
        )
        lago = seats_plan(Prorated(model=model, prorated_unit_decimals=5))
        exact = seats_plan(Prorated(model=model))
        assert quote(lago, {"seats": self.HELD}, SPEC_PERIOD).total == usd("424.36")
        assert quote(exact, {"seats": self.HELD}, SPEC_PERIOD).total == usd("424.35")

    def test_graduated_keeps_exact_unit_days(self) -> None:
        # Lago's ProratedGraduatedService prices each event's prorated value; no ceil(5)
        model = Graduated(tiers=[Tier(up_to=10, unit_price=usd("250")), Tier(unit_price=usd("1"))])
        lago = Prorated(model=model, prorated_unit_decimals=5)
        assert lago.price(self.HELD) == Prorated(model=model).price(self.HELD)

    def test_held_all_period_is_unchanged(self) -> None:
        lago = Prorated(model=PerUnit(unit_price=usd("250")), prorated_unit_decimals=5)
        assert lago.price(3) == usd("750")
        assert lago.price(Presence(period=SPEC_PERIOD, opening=3)) == usd("750")

    def test_refusals(self) -> None:
        with pytest.raises(PricingError, match="prorated_unit_decimals"):
            Prorated(model=PerUnit(unit_price=usd("1")), prorated_unit_decimals=-1)
        with pytest.raises(PricingError, match="prorated_unit_decimals"):
            Prorated(model=PerUnit(unit_price=usd("1")), prorated_unit_decimals=1.5)  # type: ignore[arg-type]


class TestConventions:
    def test_the_presets(self) -> None:
        assert LAGO.prorated_unit_decimals == 5
        assert BILLKIT.prorated_unit_decimals is None
        assert KILL_BILL.prorated_unit_decimals is None
        assert STRIPE.prorated_unit_decimals is None

    CATALOG = """
conventions = "{conventions}"
[[plans]]
code = "seats"
name = "Seats"
currency = "USD"
[[plans.charges]]
code = "seats"
metric = "seats"
model = {{ type = "prorated", model = {{ type = "per_unit", unit_price = "250" }} }}
"""

    @pytest.mark.parametrize(
        ("conventions", "expected"), [("lago", "419.36"), ("billkit", "419.35")]
    )
    def test_a_catalog_fills_the_option(self, conventions: str, expected: str) -> None:
        catalog = loads_catalog(self.CATALOG.format(conventions=conventions))
        total = quote(catalog["seats"], {"seats": TestTheSpec.HELD}, SPEC_PERIOD).total
        assert total == usd(expected)
        again = loads_catalog(dumps_catalog(catalog))
        assert again["seats"] == catalog["seats"]


@given(
    opening=st.integers(min_value=0, max_value=20),
    added=st.lists(st.integers(min_value=0, max_value=30), max_size=4),
    places=st.integers(min_value=0, max_value=8),
)
def test_rounded_units_never_bill_less_and_at_most_one_step_more(
    opening: int, added: list[int], places: int
) -> None:
    price = usd("7.77")
    held = Presence(
        period=SPEC_PERIOD,
        opening=opening,
        changes=[(SPEC_PERIOD.start + timedelta(days=d), 1) for d in sorted(added)],
    )
    exact = Prorated(model=PerUnit(unit_price=price)).price(held).amount
    rounded = (
        Prorated(model=PerUnit(unit_price=price), prorated_unit_decimals=places).price(held).amount
    )
    assert exact <= rounded < exact + Decimal(1).scaleb(-places) * price.amount
