"""A plan's names per language (issue 13), as a charge's: checked, read from
catalogs, saved, pickled; ``Plan.name_in`` falls back as ``Charge.name_in`` does,
to the plan's one name (what its base fee's line says) at the end."""

from __future__ import annotations

import json
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import CatalogError, PricingError
from billkit.money import Money
from billkit.pricing import Catalog, Charge, PerUnit, Plan
from billkit.pricing.catalog import dumps_catalog, loads_catalog
from billkit.serialize import dumps, from_data, loads, to_data
from tests.strategies.pricing import charge_names

CALLS = Charge(
    code="calls",
    metric="voice_minutes",
    description="Calls",
    names={"ru": "Звонки"},
    model=PerUnit(unit_price=Money("0.50", "RUB")),
)


def voice(**fields: object) -> Plan:
    return Plan(
        code="voice",
        name="Voice",
        currency="RUB",
        base_fee=Money("300.00", "RUB"),
        charges=[CALLS],
        **fields,  # type: ignore[arg-type]
    )


class TestChecked:
    def test_kept_sorted_and_read_only(self) -> None:
        plan = voice(names={"ru": "Голос", "fa_IR": "صوتی"})
        assert list(plan.names) == ["fa_IR", "ru"]
        with pytest.raises(TypeError):
            plan.names["uk"] = "Голос"  # type: ignore[index]

    def test_none_by_default(self) -> None:
        assert voice().names == {}

    @pytest.mark.parametrize(
        ("names", "field", "value", "expected"),
        [
            ({"russian": "Голос"}, "names", "russian", "a locale code"),
            ({"ru-RU": "Голос"}, "names", "ru-RU", "a locale code"),
            ({"en_XX": "Voice"}, "names", "en_XX", "a locale CLDR has data for"),
            ({"ru": ""}, "names['ru']", "", "a non-empty str"),
            ({"ru": " Голос"}, "names['ru']", " Голос", "without surrounding spaces"),
            ({"ru": 5}, "names['ru']", 5, "a str"),
            ("Голос", "names", "Голос", "a mapping"),
        ],
    )
    def test_refused_naming_field_and_value(
        self, names: object, field: str, value: object, expected: str
    ) -> None:
        with pytest.raises(PricingError) as caught:
            voice(names=names)
        assert (caught.value.field, caught.value.value) == (field, value)
        assert expected in caught.value.expected


NAMES = {"ru": "Голос", "ru_UA": "Голос по Украине", "fa": "صوتی"}


class TestNameIn:
    # One test per step of the fallback: the locale's own name, its language's, the name.

    def test_the_locales_own_name_first(self) -> None:
        assert voice(names=NAMES).name_in("ru_UA") == "Голос по Украине"

    def test_then_the_name_for_its_language(self) -> None:
        assert voice(names=NAMES).name_in("ru_RU") == "Голос"
        assert voice(names=NAMES).name_in("fa_IR") == "صوتی"

    def test_then_the_plans_name(self) -> None:
        assert voice(names=NAMES).name_in("it_IT") == "Voice"
        assert voice().name_in("ru") == "Voice"

    def test_a_locale_that_is_not_one_is_refused(self) -> None:
        for bad in ("ru-RU", "", None):
            with pytest.raises(PricingError) as caught:
                voice(names=NAMES).name_in(bad)  # type: ignore[arg-type]
            assert (caught.value.field, caught.value.value) == ("locale", bad)

    def test_a_language_does_not_read_a_countrys_name(self) -> None:
        # "ru_UA" names the plan for Russian readers in Ukraine only
        assert voice(names={"ru_UA": "Голос по Украине"}).name_in("ru") == "Voice"


@given(
    names=charge_names(),
    locale=st.sampled_from(["ru", "ru_RU", "ru_UA", "fa", "fa_IR", "uk_UA", "it", "en_GB"]),
)
def test_a_plan_is_named_as_a_charge_with_the_same_names(
    names: dict[str, str], locale: str
) -> None:
    # Plan.name_in keeps Charge.name_in's order; only the last resort differs:
    # the plan's name where the charge has its description.
    plan = voice(names=names)
    charge = Charge(
        code="calls",
        metric="calls",
        description="Voice",
        names=names,
        model=PerUnit(unit_price=Money("0.50", "RUB")),
    )
    assert plan.name_in(locale) == charge.name_in(locale)
    language = locale.split("_")[0]
    expected = names.get(locale) or names.get(language) or "Voice"
    assert plan.name_in(locale) == expected


CATALOG = """
[[plans]]
code = "voice"
name = "Voice"
currency = "RUB"
base_fee = "300.00"

[plans.names]
ru = "Голос"
fa_IR = "صوتی"

[[plans.charges]]
code = "calls"
metric = "voice_minutes"
description = "Calls"
model = { type = "per_unit", unit_price = "0.50" }

[plans.charges.names]
ru = "Звонки"
"""


class TestCatalog:
    def test_a_names_table_is_read(self) -> None:
        plan = loads_catalog(CATALOG)["voice"]
        assert plan.names == {"ru": "Голос", "fa_IR": "صوتی"}
        assert plan.name_in("ru_RU") == "Голос"
        assert plan.charge("calls").names == {"ru": "Звонки"}  # type: ignore[union-attr]

    def test_written_back_as_read(self) -> None:
        catalog = loads_catalog(CATALOG)
        assert "[plans.names]" in dumps_catalog(catalog)
        assert loads_catalog(dumps_catalog(catalog)) == catalog
        assert loads_catalog(dumps_catalog(catalog, "json"), "json") == catalog

    def test_a_plan_without_names_writes_none(self) -> None:
        plain = Plan(code="voice", name="Voice", currency="RUB", base_fee=Money("300.00", "RUB"))
        assert "names" not in dumps_catalog(Catalog([plain]))

    def test_a_bad_locale_names_the_plan_and_the_field(self) -> None:
        bad = CATALOG.replace('ru = "Голос"', 'russian = "Голос"')
        with pytest.raises(CatalogError) as caught:
            loads_catalog(bad)
        assert caught.value.field == "<string>: plan 'voice': names"
        assert caught.value.value == "russian"

    def test_an_empty_name_names_its_locale(self) -> None:
        with pytest.raises(CatalogError) as caught:
            loads_catalog(CATALOG.replace('ru = "Голос"', 'ru = ""'))
        assert caught.value.field == "<string>: plan 'voice': names['ru']"


class TestSaved:
    def test_serialize_round_trips(self) -> None:
        plan = voice(names={"ru": "Голос", "fa_IR": "صوتی"})
        assert to_data(plan)["names"] == {"fa_IR": "صوتی", "ru": "Голос"}
        assert loads(dumps(plan)) == plan

    def test_data_saved_before_names_existed_loads(self) -> None:
        data = to_data(voice())
        del data["names"]
        assert from_data(data) == voice()

    def test_saved_names_are_checked_again(self) -> None:
        data = json.loads(dumps(voice(names={"ru": "Голос"})))
        data["names"] = {"russian": "Голос"}
        with pytest.raises(ValueError, match="russian"):
            from_data(data)

    def test_pickles(self) -> None:
        plan = voice(names={"ru": "Голос", "fa_IR": "صوتی"})
        again = pickle.loads(pickle.dumps(plan))
        assert again == plan
        assert again.names == plan.names
        assert again.name_in("fa_IR") == "صوتی"


@given(charge_names())
def test_any_names_round_trip_through_serialize_and_the_catalog(names: dict[str, str]) -> None:
    plan = voice(names=names)
    assert from_data(to_data(plan)).names == names
    assert loads(dumps(plan)) == plan
    catalog = Catalog([plan])
    for fmt in ("toml", "json"):
        back = loads_catalog(dumps_catalog(catalog, fmt), fmt)  # type: ignore[arg-type]
        assert back == catalog
        assert back["voice"].names == names
