"""Tests for billkit.pricing.catalog: exact round trips, strict reading, and
errors that name the source, the plan and the field path."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given

from billkit.errors import CatalogError, UnknownPlanError, ValidationError
from billkit.money import Money, RoundingMode, RoundingPolicy
from billkit.periods import Cycle, CycleUnit, Period
from billkit.pricing import (
    Catalog,
    Charge,
    Graduated,
    Package,
    Percentage,
    PercentOf,
    PerUnit,
    Plan,
    Tier,
    load_catalog,
    quote,
)
from billkit.pricing.catalog import dump_catalog, dumps_catalog, loads_catalog
from tests.strategies.pricing import catalog_plans

# The attribution business of REQUIREMENTS.md (section 5), written by hand:
# every 30 days, whole rials, attributions above the plan at an overage
# price, and analytics features as a percentage of the plan fee. Numbers are
# written both with and without quotes.
ATTRIBUTION_TOML = """
[[plans]]
code = "attribution-10k"
name = "Attribution 10k"
currency = "IRR"
cycle = "30 days"
base_fee = 150000000
rounding = { mode = "half_up", minor_units = { IRR = 0 } }

[[plans.charges]]
code = "overage"
metric = "attributions"
included = 10000
description = "Attributions above the plan"
model = { type = "per_unit", unit_price = "18000" }

[[plans.charges]]
code = "cohorts"
of = "base"
rate = "5%"

[[plans.charges]]
code = "audiences"
of = ["base"]
rate = 0.03
"""

PLAN_HEAD = """
[[plans]]
code = "pro"
name = "Pro"
currency = "EUR"
base_fee = "49.00"
"""


def with_charge(charge_toml: str) -> str:
    return PLAN_HEAD + "[[plans.charges]]\n" + charge_toml


def graduated_charge(tiers: str) -> str:
    return with_charge(
        f'code = "api"\nmetric = "calls"\nmodel = {{ type = "graduated", tiers = [{tiers}] }}\n'
    )


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


# ---------------------------------------------------------------- reading


class TestReading:
    def test_the_attribution_plan(self) -> None:
        catalog = loads_catalog(ATTRIBUTION_TOML)
        plan = catalog["attribution-10k"]
        assert plan.cycle == Cycle(CycleUnit.DAY, 30)
        assert plan.rounding == RoundingPolicy(minor_units={"IRR": 0})
        assert plan.charge("cohorts") == PercentOf(code="cohorts", of=("base",), rate="0.05")
        assert plan.charge("audiences") == PercentOf(code="audiences", of="base", rate="0.03")
        # 9 000 + 1 500 + 700 billable attributions = 11 200; the same bill as
        # the plan built in Python (tests/pricing/test_plans_quote.py):
        # 150 000 000 + 1 200 x 18 000 + 5 % and 3 % of 150 000 000 = 183 600 000.
        q = quote(plan, {"attributions": 11200}, Period(date(2026, 1, 1), date(2026, 1, 31)))
        assert q.total == Money("183600000", "IRR")

    def test_numbers_without_quotes_are_exact(self) -> None:
        text = PLAN_HEAD.replace('"49.00"', "49.10") + (
            '[[plans.charges]]\ncode = "api"\nmetric = "calls"\nincluded = 2500\n'
            'model = { type = "per_unit", unit_price = 0.1 }\n'
        )
        plan = loads_catalog(text)["pro"]
        # 49.10 keeps its two decimals; 0.1 is one tenth, not the float
        # 0.1000000000000000055511151231257827...
        assert plan.base_fee is not None
        assert plan.base_fee.amount.as_tuple() == Decimal("49.10").as_tuple()
        assert plan.charge("api").model.unit_price.amount == Decimal("0.1")  # type: ignore[union-attr]
        assert str(plan.charge("api").model.unit_price.amount) == "0.1"  # type: ignore[union-attr]
        assert plan.charge("api").included == Decimal(2500)  # type: ignore[union-attr]

    def test_json_numbers_are_exact(self) -> None:
        doc = {
            "plans": [
                {
                    "code": "pro",
                    "name": "Pro",
                    "currency": "EUR",
                    "base_fee": "49.00",
                    "charges": [
                        {
                            "code": "api",
                            "metric": "calls",
                            "model": {"type": "per_unit", "unit_price": "PRICE"},
                        }
                    ],
                }
            ]
        }
        text = json.dumps(doc).replace('"PRICE"', "0.1")
        model = loads_catalog(text, "json")["pro"].charge("api").model
        assert str(model.unit_price.amount) == "0.1"  # type: ignore[union-attr]

    def test_amount_with_its_currency(self) -> None:
        text = with_charge(
            'code = "api"\nmetric = "calls"\nmodel = { type = "per_unit", unit_price = "0.01 EUR" }\n'
        )
        assert loads_catalog(text)["pro"].charge("api").model == PerUnit(unit_price=eur("0.01"))  # type: ignore[union-attr]

    def test_every_model_type(self) -> None:
        text = (
            PLAN_HEAD
            + """
[[plans.charges]]
code = "setup"
metric = "setup"
model = { type = "flat", amount = "99.00" }

[[plans.charges]]
code = "seats"
metric = "seats"
model = { type = "volume", flat_fee_at_zero = true, tiers = [
  { up_to = 10, unit_price = "10", flat_fee = "5" },
  { unit_price = "8" },
] }

[[plans.charges]]
code = "contacts"
metric = "contacts"
included = 1000
model = { type = "package", size = 100, price = "20.00", included = 0 }

[[plans.charges]]
code = "cards"
metric = "card_payments"
model = { type = "percentage", rate = "2.9%", fixed = "0.30", min_per_event = "0.50", max_per_event = "5", included = "0", free_events = 2 }
"""
        )
        plan = loads_catalog(text)["pro"]
        assert plan.charge("seats").model.flat_fee_at_zero is True  # type: ignore[union-attr]
        assert plan.charge("contacts").model == Package(size=100, price=eur("20.00"))  # type: ignore[union-attr]
        assert plan.charge("cards").model == Percentage(  # type: ignore[union-attr]
            rate="0.029",
            currency="EUR",
            fixed=eur("0.30"),
            min_per_event=eur("0.50"),
            max_per_event=eur("5"),
            free_events=2,
        )


# ---------------------------------------------------------------- errors


class TestErrors:
    def test_error_names_source_plan_and_field_path(self) -> None:
        text = graduated_charge(
            '{ up_to = 100, unit_price = "1" }, { up_to = 50, unit_price = "1" }, { unit_price = "1" }'
        )
        with pytest.raises(
            CatalogError,
            match=r"^plans\.toml: plan 'pro': charges\[0\]\.model\.tiers\[1\]\.up_to = "
            r"Decimal\('50'\): expected a bound above the previous tier's \(100\)$",
        ) as info:
            loads_catalog(text, source="plans.toml")
        assert isinstance(info.value, ValidationError)
        assert info.value.field == "plans.toml: plan 'pro': charges[0].model.tiers[1].up_to"

    def test_error_inside_a_tier(self) -> None:
        text = graduated_charge('{ up_to = 0, unit_price = "1" }, { unit_price = "1" }')
        with pytest.raises(
            CatalogError,
            match=r"^<string>: plan 'pro': charges\[0\]\.model\.tiers\[0\]\.up_to = Decimal\('0'\)",
        ):
            loads_catalog(text)

    def test_bounded_last_tier(self) -> None:
        text = graduated_charge('{ up_to = 10, unit_price = "1" }')
        with pytest.raises(
            CatalogError,
            match=r"charges\[0\]\.model\.tiers\[0\]\.up_to = Decimal\('10'\): expected None",
        ):
            loads_catalog(text)

    @pytest.mark.parametrize(
        ("text", "where", "key"),
        [
            (PLAN_HEAD + "colour = 'blue'\n", r"plan 'pro': plan", "colour"),
            (
                with_charge(
                    'code = "api"\nmetric = "c"\ninclded = 5\nmodel = { type = "flat", amount = "1" }\n'
                ),
                r"plan 'pro': charges\[0\]",
                "inclded",
            ),
            (
                with_charge(
                    'code = "api"\nmetric = "c"\nmodel = { type = "flat", amount = "1", amont = "2" }\n'
                ),
                r"plan 'pro': charges\[0\]\.model",
                "amont",
            ),
            (
                graduated_charge(
                    '{ up_to = 1, unit_price = "1", colour = 1 }, { unit_price = "1" }'
                ),
                r"plan 'pro': charges\[0\]\.model\.tiers\[0\]",
                "colour",
            ),
            (
                PLAN_HEAD + "rounding = { mode = 'half_up', digits = 2 }\n",
                r"plan 'pro': rounding\.digits",
                "2",
            ),
        ],
    )
    def test_unknown_keys_are_refused_naming_the_key(self, text: str, where: str, key: str) -> None:
        with pytest.raises(CatalogError, match=rf"^cat\.toml: {where} = '?{key}'?: expected"):
            loads_catalog(text, source="cat.toml")

    def test_unknown_top_level_key(self) -> None:
        with pytest.raises(
            CatalogError,
            match=r"^cat\.toml: plan = \[\{'code': 'x'\}\]: expected only 'version', 'plans'$",
        ):
            loads_catalog('[[plan]]\ncode = "x"\n', source="cat.toml")

    def test_plan_without_a_code_is_named_by_index(self) -> None:
        with pytest.raises(
            CatalogError, match=r"^cat\.toml: plans\[0\]\.code = None: expected a value"
        ):
            loads_catalog('[[plans]]\nname = "x"\ncurrency = "EUR"\n', source="cat.toml")

    def test_unknown_currency(self) -> None:
        with pytest.raises(
            CatalogError, match=r"^cat\.toml: plan 'pro': currency = 'EURO': expected"
        ):
            loads_catalog(PLAN_HEAD.replace('"EUR"', '"EURO"'), source="cat.toml")

    def test_amount_in_another_currency(self) -> None:
        text = with_charge(
            'code = "api"\nmetric = "c"\nmodel = { type = "per_unit", unit_price = "1 USD" }\n'
        )
        with pytest.raises(
            CatalogError,
            match=r"^<string>: plan 'pro': charges\[0\]\.model\.unit_price = Money\('1', 'USD'\): "
            r"expected an amount in EUR$",
        ):
            loads_catalog(text)

    def test_unknown_model_type(self) -> None:
        text = with_charge('code = "api"\nmetric = "c"\nmodel = { type = "tiered" }\n')
        with pytest.raises(
            CatalogError, match=r"charges\[0\]\.model\.type = 'tiered': expected one of \['flat'"
        ):
            loads_catalog(text)

    def test_bad_cycle_names_the_cycle_field(self) -> None:
        with pytest.raises(
            CatalogError, match=r"^<string>: plan 'pro': cycle = 'fortnightly': expected"
        ):
            loads_catalog(PLAN_HEAD + 'cycle = "fortnightly"\n')

    def test_plan_level_rule(self) -> None:
        text = with_charge('code = "base"\nmetric = "c"\nmodel = { type = "flat", amount = "1" }\n')
        with pytest.raises(
            CatalogError, match=r"^<string>: plan 'pro': charges\[0\]\.code = 'base'"
        ):
            loads_catalog(text)

    def test_percent_of_a_later_line(self) -> None:
        text = PLAN_HEAD + '[[plans.charges]]\ncode = "fee"\nof = "later"\nrate = "1%"\n'
        with pytest.raises(
            CatalogError, match=r"^<string>: plan 'pro': charges\[0\]\.of = 'later'"
        ):
            loads_catalog(text)

    @pytest.mark.parametrize(
        ("model", "field", "shown", "expected"),
        [
            # cattrs alone would read these as True, 2, 1 and True.
            (
                '{ type = "volume", flat_fee_at_zero = "false", tiers = [{ unit_price = "1" }] }',
                "flat_fee_at_zero",
                "'false'",
                "true or false",
            ),
            (
                '{ type = "volume", flat_fee_at_zero = 1, tiers = [{ unit_price = "1" }] }',
                "flat_fee_at_zero",
                "1",
                "true or false",
            ),
            (
                '{ type = "percentage", rate = "1%", free_events = 2.5 }',
                "free_events",
                r"Decimal\('2\.5'\)",
                "a whole number",
            ),
            (
                '{ type = "percentage", rate = "1%", free_events = true }',
                "free_events",
                "True",
                "a whole number",
            ),
        ],
    )
    def test_values_of_the_wrong_type_are_not_coerced(
        self, model: str, field: str, shown: str, expected: str
    ) -> None:
        text = with_charge(f'code = "api"\nmetric = "c"\nmodel = {model}\n')
        with pytest.raises(
            CatalogError,
            match=rf"^<string>: plan 'pro': charges\[0\]\.model\.{field} = {shown}: expected {expected}",
        ):
            loads_catalog(text)

    def test_texts_are_not_coerced(self) -> None:
        # name = 5 would otherwise become "5".
        with pytest.raises(CatalogError, match=r"^<string>: plan 'pro': name = 5: expected a text"):
            loads_catalog(PLAN_HEAD.replace('name = "Pro"', "name = 5"))
        text = PLAN_HEAD + '[[plans.charges]]\ncode = "fee"\nof = ["base", 5]\nrate = "1%"\n'
        with pytest.raises(CatalogError, match=r"^<string>: plan 'pro': charges\[0\]\.of\[1\] = 5"):
            loads_catalog(text)

    def test_duplicate_plan_codes(self) -> None:
        with pytest.raises(
            CatalogError,
            match=r"^cat\.toml: plans\[1\]\.code = 'pro': expected a plan code used only once$",
        ):
            loads_catalog(PLAN_HEAD + PLAN_HEAD, source="cat.toml")
        with pytest.raises(CatalogError, match=r"^plans\[1\]\.code = 'p'"):
            Catalog(
                [Plan(code="p", name="A", currency="EUR"), Plan(code="p", name="B", currency="EUR")]
            )

    def test_not_plans(self) -> None:
        with pytest.raises(CatalogError, match=r"^plans\[0\] = 'p': expected a Plan"):
            Catalog(["p"])  # type: ignore[list-item]
        with pytest.raises(CatalogError, match=r"^x\.json: catalog = \[\]: expected a table"):
            Catalog.from_dict([], "x.json")  # type: ignore[arg-type]
        with pytest.raises(CatalogError, match=r"^x\.json: plans = 5: expected a list"):
            Catalog.from_dict({"plans": 5}, "x.json")
        with pytest.raises(CatalogError, match=r"^x\.json: version = 2: expected 1"):
            Catalog.from_dict({"version": 2, "plans": []}, "x.json")

    def test_malformed_toml(self) -> None:
        with pytest.raises(CatalogError, match=r"^bad\.toml = '\.\.\.': expected valid TOML \("):
            loads_catalog("[[plans]\ncode = 1", source="bad.toml")

    def test_malformed_json(self) -> None:
        with pytest.raises(CatalogError, match=r"^bad\.json = '\.\.\.': expected valid JSON \("):
            loads_catalog('{"plans": [', "json", source="bad.json")

    def test_unknown_format(self) -> None:
        with pytest.raises(CatalogError, match=r"^format = 'yaml': expected 'toml' or 'json'"):
            loads_catalog("", "yaml")  # type: ignore[arg-type]
        with pytest.raises(CatalogError, match=r"^format = 'yaml': expected 'toml' or 'json'"):
            dumps_catalog(Catalog([]), "yaml")  # type: ignore[arg-type]


# ---------------------------------------------------------------- lookup


class TestLookup:
    catalog = Catalog(
        [
            Plan(code="basic", name="Basic", currency="EUR", base_fee=eur("9.00")),
            Plan(code="pro", name="Pro", currency="EUR", base_fee=eur("49.00")),
        ]
    )

    def test_by_code(self) -> None:
        assert self.catalog["pro"].name == "Pro"
        assert "basic" in self.catalog
        assert "gold" not in self.catalog
        assert len(self.catalog) == 2
        assert [p.code for p in self.catalog] == self.catalog.codes == ["basic", "pro"]

    def test_unknown_plan_lists_the_codes(self) -> None:
        with pytest.raises(
            UnknownPlanError, match=r"^plan = 'gold': expected one of \['basic', 'pro'\]$"
        ) as info:
            self.catalog["gold"]
        assert isinstance(info.value, CatalogError)
        assert isinstance(info.value, LookupError)


# ---------------------------------------------------------------- files


@pytest.fixture
def catalog() -> Catalog:
    return loads_catalog(ATTRIBUTION_TOML)


class TestFiles:
    @pytest.mark.parametrize("suffix", [".toml", ".json", ".TOML"])
    def test_dump_and_load_by_suffix(self, catalog: Catalog, tmp_path: Path, suffix: str) -> None:
        path = tmp_path / f"plans{suffix}"
        dump_catalog(catalog, path)
        assert load_catalog(path) == catalog
        assert load_catalog(str(path)) == catalog

    def test_written_in_the_format_of_the_suffix(self, catalog: Catalog, tmp_path: Path) -> None:
        dump_catalog(catalog, tmp_path / "plans.json")
        data = json.loads((tmp_path / "plans.json").read_text(encoding="utf-8"))
        assert data["version"] == 1
        assert data["plans"][0]["base_fee"] == "150000000"  # amounts as text
        dump_catalog(catalog, tmp_path / "plans.toml")
        assert 'base_fee = "150000000"' in (tmp_path / "plans.toml").read_text(encoding="utf-8")

    def test_bad_suffix(self, catalog: Catalog, tmp_path: Path) -> None:
        path = tmp_path / "plans.yaml"
        path.write_text(dumps_catalog(catalog), encoding="utf-8")
        with pytest.raises(
            CatalogError,
            match=r"^path = '.*plans\.yaml': expected a file ending in \.toml or \.json",
        ):
            load_catalog(path)
        with pytest.raises(CatalogError, match=r"^path = '.*plans\.yaml'"):
            dump_catalog(catalog, path)
        # An explicit format overrides the suffix.
        assert load_catalog(path, "toml") == catalog

    def test_errors_name_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "plans.toml"
        path.write_text(
            graduated_charge('{ up_to = 10, unit_price = "-1" }, { unit_price = "1" }'),
            encoding="utf-8",
        )
        with pytest.raises(
            CatalogError,
            match=rf"^{str(path)!s}: plan 'pro': charges\[0\]\.model\.tiers\[0\]\.unit_price = ",
        ):
            load_catalog(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(CatalogError, match=r"^path = '.*nope\.toml': expected a readable"):
            load_catalog(tmp_path / "nope.toml")


# ---------------------------------------------------------------- round trips


class TestRoundTrip:
    def test_every_field_survives(self) -> None:
        plan = Plan(
            code="all",
            name="Всё включено «все» — همه",  # Cyrillic, guillemets, Persian
            description='quotes " and \\ and\nnewline',
            currency="KWD",
            cycle="quarterly",
            base_fee=Money("1.2345", "KWD"),
            rounding=RoundingPolicy(mode=RoundingMode.HALF_EVEN, minor_units={"KWD": 2}),
            charges=[
                Charge(
                    code="api",
                    metric="calls",
                    included="0.5",
                    description="<b>",
                    model=Graduated(
                        tiers=[
                            Tier(
                                up_to="1E+3",
                                unit_price=Money("0.001", "KWD"),
                                flat_fee=Money("1", "KWD"),
                            ),
                            Tier(unit_price=Money("0", "KWD")),
                        ],
                        flat_fee_at_zero=True,
                    ),
                ),
                Charge(
                    code="cards",
                    metric="payments",
                    model=Percentage(
                        rate="2.5%",
                        currency="KWD",
                        fixed=Money("0.100", "KWD"),
                        included="10",
                        free_events=3,
                    ),
                ),
                PercentOf(code="support", of=["base", "api"], rate="12.5%", description="Support"),
            ],
        )
        catalog = Catalog([plan])
        for fmt in ("toml", "json"):
            text = dumps_catalog(catalog, fmt)
            assert loads_catalog(text, fmt) == catalog
            # Writing again gives the same text: the output is canonical.
            assert dumps_catalog(loads_catalog(text, fmt), fmt) == text

    def test_defaults_are_omitted(self) -> None:
        # No cycle, base fee, charges, rounding or description: all defaults.
        catalog = Catalog([Plan(code="p", name="P", currency="EUR")])
        assert catalog.to_dict() == {
            "version": 1,
            "plans": [{"code": "p", "name": "P", "currency": "EUR"}],
        }


@pytest.mark.slow
@given(catalog_plans())
def test_toml_round_trip(found: list[Plan]) -> None:
    catalog = Catalog(found)
    assert loads_catalog(dumps_catalog(catalog, "toml"), "toml") == catalog


@given(catalog_plans())
def test_json_round_trip(found: list[Plan]) -> None:
    catalog = Catalog(found)
    assert loads_catalog(dumps_catalog(catalog, "json"), "json") == catalog


@given(catalog_plans())
def test_round_trip_quotes_the_same(found: list[Plan]) -> None:
    # An equal plan read back bills the same: no hidden field is lost.
    catalog = Catalog(found)
    again = loads_catalog(dumps_catalog(catalog))
    for plan in catalog:
        period = plan.cycle.period(date(2026, 1, 31), 0)
        assert quote(again[plan.code], {}, period) == quote(plan, {}, period)


def test_catalog_loads_lazily() -> None:
    # billkit.pricing does not import cattrs or the TOML writer until a
    # catalog function is used.
    code = (
        "import sys, billkit.pricing as p\n"
        "assert 'cattrs' not in sys.modules, 'cattrs imported early'\n"
        "p.Catalog\n"
        "assert 'cattrs' in sys.modules\n"
    )
    src = Path(__file__).resolve().parents[2] / "src"
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(src)}, timeout=60
    )
