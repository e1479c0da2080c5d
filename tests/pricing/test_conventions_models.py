"""Charge-model defaults carried by the conventions presets, applied by catalogs.

Expected values come from Lago's own specs (cited beside each) and from the
arithmetic shown in the comments.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.conventions import BILLKIT, KILL_BILL, LAGO, STRIPE, Conventions
from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Catalog, loads_catalog, quote
from billkit.pricing.catalog import dumps_catalog
from billkit.pricing.models import Graduated, Percentage, Prorated, Volume

# Lago's spec/services/charge_models/graduated_service_spec.rb: ranges
# 0-10 at 10 + flat 2, 11-20 at 5 + flat 3, 21- at 5 + flat 3.
GRADUATED = """{ type = "graduated", tiers = [
  { up_to = 10, unit_price = "10", flat_fee = "2" },
  { up_to = 20, unit_price = "5", flat_fee = "3" },
  { unit_price = "5", flat_fee = "3" }]{extra} }"""
# Lago's spec/services/charge_models/volume_service_spec.rb: 0-100 at 2 + flat
# 10, 101-200 at 1, 201- at 0.5 + flat 50.
VOLUME = """{ type = "volume", tiers = [
  { up_to = 100, unit_price = "2", flat_fee = "10" },
  { up_to = 200, unit_price = "1" },
  { unit_price = "0.5", flat_fee = "50" }]{extra} }"""
PERCENTAGE = '{ type = "percentage", rate = "1%", fixed = "0.30"{extra} }'


def catalog(conventions: str | None, model: str, extra: str = "") -> Catalog:
    head = f"conventions = {conventions}" if conventions else ""
    body = model.replace("{extra}", extra).replace("\n", " ")
    return loads_catalog(f"""
{head}
[[plans]]
code = "p"
name = "P"
currency = "EUR"
[[plans.charges]]
code = "c"
metric = "m"
model = {body}
""")


def charged(cat: Catalog, quantity: str) -> Money:
    march = Period(date(2026, 3, 1), date(2026, 4, 1))
    return quote(cat["p"], {"m": Decimal(quantity)}, march).total


class TestPresets:
    def test_lago_charges_the_first_flat_fee_and_no_fixed_fee_at_a_zero_total(self) -> None:
        assert (LAGO.flat_fee_at_zero, LAGO.fixed_fee_at_zero_total) == (True, False)

    @pytest.mark.parametrize("preset", [BILLKIT, KILL_BILL, STRIPE])
    def test_the_others_keep_billkits_model_defaults(self, preset: Conventions) -> None:
        graduated = Graduated.__attrs_attrs__.flat_fee_at_zero.default  # type: ignore[attr-defined]
        percentage = Percentage.__attrs_attrs__.fixed_fee_at_zero_total.default  # type: ignore[attr-defined]
        assert (preset.flat_fee_at_zero, preset.fixed_fee_at_zero_total) == (
            graduated,
            percentage,
        )

    def test_model_defaults_by_kind(self) -> None:
        for kind in ("graduated", "volume", "graduated_percentage"):
            assert LAGO.model_defaults(kind) == {"flat_fee_at_zero": True}
        assert LAGO.model_defaults("percentage") == {"fixed_fee_at_zero_total": False}
        # lago-api prorated aggregations: compute_aggregation.ceil(5)
        assert LAGO.model_defaults("prorated") == {"prorated_unit_decimals": 5}
        # Kill Bill's ContiguousIntervalCapacityUsageInArrear: "Support for $0 Usage item"
        assert KILL_BILL.model_defaults("capacity") == {"price_at_zero": False}
        assert LAGO.model_defaults("capacity") == {"price_at_zero": True}
        for kind in ("flat", "per_unit", "package"):
            assert LAGO.model_defaults(kind) == {}


class TestLagoSpecsThroughACatalog:
    def test_graduated_at_zero_bills_the_first_flat_amount(self) -> None:
        # graduated_service_spec "when aggregation is 0": amount 2 (the first flat amount).
        assert charged(catalog('"lago"', GRADUATED), "0") == Money("2.00", "EUR")
        assert charged(catalog(None, GRADUATED), "0") == Money("0.00", "EUR")
        assert charged(catalog('"kill_bill"', GRADUATED), "0") == Money("0.00", "EUR")

    def test_graduated_above_zero_is_the_same_everywhere(self) -> None:
        # "when aggregation is 21": 2 + 10 x 10 + 3 + 10 x 5 + 3 + 1 x 5 = 163.
        for conventions in ('"lago"', None):
            assert charged(catalog(conventions, GRADUATED), "21") == Money("163.00", "EUR")

    def test_volume_at_zero_bills_the_first_flat_amount(self) -> None:
        # volume_service_spec "when aggregation is 0": amount 10; at 300: 50 + 300 x 0.5 = 200.
        assert charged(catalog('"lago"', VOLUME), "0") == Money("10.00", "EUR")
        assert charged(catalog(None, VOLUME), "0") == Money("0.00", "EUR")
        assert charged(catalog('"lago"', VOLUME), "300") == Money("200.00", "EUR")

    def test_an_explicit_option_wins(self) -> None:
        off = catalog('"lago"', GRADUATED, extra=", flat_fee_at_zero = false")
        model = off["p"].charges[0].model  # type: ignore[union-attr]
        assert isinstance(model, Graduated)
        assert not model.flat_fee_at_zero
        on = catalog(None, VOLUME, extra=", flat_fee_at_zero = true")
        assert charged(on, "0") == Money("10.00", "EUR")

    def test_percentage_fixed_fee(self) -> None:
        lago = catalog('"lago"', PERCENTAGE)["p"].charges[0].model  # type: ignore[union-attr]
        mine = catalog(None, PERCENTAGE)["p"].charges[0].model  # type: ignore[union-attr]
        assert isinstance(lago, Percentage)
        assert isinstance(mine, Percentage)
        # Two events of 0: billkit bills 2 x 0.30 = 0.60, Lago nothing.
        assert lago.price_events(["0", "0"]).amount == 0
        assert mine.price_events(["0", "0"]).amount == Decimal("0.60")

    def test_the_model_inside_a_prorated_charge(self) -> None:
        inner = GRADUATED.replace("{extra}", "").replace("\n", " ")
        cat = catalog('"lago"', f'{{ type = "prorated", model = {inner} }}')
        model = cat["p"].charges[0].model  # type: ignore[union-attr]
        assert isinstance(model, Prorated)
        assert isinstance(model.model, Graduated)
        assert model.model.flat_fee_at_zero

    def test_a_plan_table_of_conventions(self) -> None:
        text = dumps_catalog(catalog('"lago"', VOLUME))
        assert "flat_fee_at_zero" not in text  # the preset gives it
        custom = catalog('{ name = "mine", flat_fee_at_zero = true }', VOLUME)
        assert charged(custom, "0") == Money("10.00", "EUR")


# Any mix of conventions and explicit options survives a round trip.
options = st.sampled_from(["", ", flat_fee_at_zero = true", ", flat_fee_at_zero = false"])


@given(
    st.sampled_from([None, '"lago"', '"billkit"', '"kill_bill"']),
    options,
    st.sampled_from([GRADUATED, VOLUME]),
    st.sampled_from(["toml", "json"]),
)
def test_round_trip_keeps_every_option(
    conventions: str | None, extra: str, model: str, fmt: Any
) -> None:
    cat = catalog(conventions, model, extra)
    again = loads_catalog(dumps_catalog(cat, fmt), fmt)
    assert again == cat
    tiered = again["p"].charges[0].model  # type: ignore[union-attr]
    assert isinstance(tiered, (Graduated, Volume))
    wanted = "true" in extra if extra else conventions == '"lago"'  # explicit wins, else the preset
    assert tiered.flat_fee_at_zero is wanted
