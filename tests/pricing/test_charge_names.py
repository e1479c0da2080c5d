"""A charge's names per language (issue 13): checked, read from catalogs, saved, pickled."""

from __future__ import annotations

import json
import pickle

import pytest
from hypothesis import given

from billkit.errors import CatalogError, PricingError
from billkit.money import Money
from billkit.pricing import Catalog, Charge, PerUnit, Plan
from billkit.pricing.catalog import dumps_catalog, loads_catalog
from billkit.serialize import dumps, from_data, loads, to_data
from tests.strategies.pricing import charge_names

PRICE = PerUnit(unit_price=Money("0.50", "RUB"))


def calls(**fields: object) -> Charge:
    return Charge(code="calls", metric="voice_minutes", model=PRICE, **fields)  # type: ignore[arg-type]


def plan(charge: Charge) -> Plan:
    return Plan(code="voice", name="Voice", currency="RUB", charges=[charge])


class TestChecked:
    def test_kept_sorted_and_read_only(self) -> None:
        charge = calls(names={"ru": "Звонки", "fa_IR": "تماس صوتی"})
        assert list(charge.names) == ["fa_IR", "ru"]
        with pytest.raises(TypeError):
            charge.names["uk"] = "Дзвінки"  # type: ignore[index]

    def test_none_by_default(self) -> None:
        assert calls().names == {}

    @pytest.mark.parametrize(
        ("names", "field", "value", "expected"),
        [
            ({"russian": "Звонки"}, "names", "russian", "a locale code"),
            ({"ru-RU": "Звонки"}, "names", "ru-RU", "a locale code"),
            ({"en_XX": "Calls"}, "names", "en_XX", "a locale CLDR has data for"),
            ({"ru": ""}, "names['ru']", "", "a non-empty str"),
            ({"ru": " Звонки"}, "names['ru']", " Звонки", "without surrounding spaces"),
            ({"ru": 5}, "names['ru']", 5, "a str"),
            ("Звонки", "names", "Звонки", "a mapping"),
        ],
    )
    def test_refused_naming_field_and_value(
        self, names: object, field: str, value: object, expected: str
    ) -> None:
        with pytest.raises(PricingError) as caught:
            calls(names=names)
        assert (caught.value.field, caught.value.value) == (field, value)
        assert expected in caught.value.expected


NAMES = {"ru": "Звонки", "ru_UA": "Звонки по Украине", "fa": "تماس صوتی"}


class TestNameIn:
    # One test per step of the fallback: the locale's own name, its language's,
    # the description, the code.

    def test_the_locales_own_name_first(self) -> None:
        assert calls(names=NAMES, description="Calls").name_in("ru_UA") == ("Звонки по Украине")

    def test_then_the_name_for_its_language(self) -> None:
        assert calls(names=NAMES, description="Calls").name_in("ru_RU") == "Звонки"
        assert calls(names=NAMES, description="Calls").name_in("fa_IR") == "تماس صوتی"

    def test_then_the_description(self) -> None:
        assert calls(names=NAMES, description="Calls").name_in("it_IT") == "Calls"

    def test_then_the_code(self) -> None:
        assert calls(names=NAMES).name_in("it") == "calls"

    def test_a_locale_that_is_not_one_is_refused(self) -> None:
        for bad in ("ru-RU", "", None):
            with pytest.raises(PricingError) as caught:
                calls(names=NAMES).name_in(bad)  # type: ignore[arg-type]
            assert (caught.value.field, caught.value.value) == ("locale", bad)

    def test_a_language_does_not_read_a_countrys_name(self) -> None:
        # "ru_UA" names the charge for Russian readers in Ukraine only
        assert calls(names={"ru_UA": "Звонки по Украине"}).name_in("ru") == "calls"


CATALOG = """
[[plans]]
code = "voice"
name = "Voice"
currency = "RUB"

[[plans.charges]]
code = "calls"
metric = "voice_minutes"
description = "Calls"
model = { type = "per_unit", unit_price = "0.50" }

[plans.charges.names]
ru = "Звонки"
fa_IR = "تماس صوتی"
"""


class TestCatalog:
    def test_a_names_table_is_read(self) -> None:
        charge = loads_catalog(CATALOG)["voice"].charge("calls")
        assert isinstance(charge, Charge)
        assert charge.names == {"ru": "Звонки", "fa_IR": "تماس صوتی"}
        assert charge.name_in("ru_RU") == "Звонки"

    def test_written_back_as_read(self) -> None:
        catalog = loads_catalog(CATALOG)
        assert "[plans.charges.names]" in dumps_catalog(catalog)
        assert loads_catalog(dumps_catalog(catalog)) == catalog
        assert loads_catalog(dumps_catalog(catalog, "json"), "json") == catalog

    def test_a_charge_without_names_writes_none(self) -> None:
        assert "names" not in dumps_catalog(Catalog([plan(calls())]))

    def test_a_bad_locale_names_the_plan_and_the_field(self) -> None:
        bad = CATALOG.replace('ru = "Звонки"', 'russian = "Звонки"')
        with pytest.raises(CatalogError) as caught:
            loads_catalog(bad)
        assert caught.value.field == "<string>: plan 'voice': charges[0].names"
        assert caught.value.value == "russian"

    def test_an_empty_name_names_its_locale(self) -> None:
        with pytest.raises(CatalogError) as caught:
            loads_catalog(CATALOG.replace('ru = "Звонки"', 'ru = ""'))
        assert caught.value.field == "<string>: plan 'voice': charges[0].names['ru']"


class TestSaved:
    def test_serialize_round_trips(self) -> None:
        charge = calls(names={"ru": "Звонки", "fa_IR": "تماس صوتی"})
        assert to_data(charge)["names"] == {"fa_IR": "تماس صوتی", "ru": "Звонки"}
        assert loads(dumps(plan(charge))) == plan(charge)

    def test_data_saved_before_names_existed_loads(self) -> None:
        data = to_data(calls())
        del data["names"]
        assert from_data(data) == calls()

    def test_saved_names_are_checked_again(self) -> None:
        data = json.loads(dumps(calls(names={"ru": "Звонки"})))
        data["names"] = {"russian": "Звонки"}
        with pytest.raises(ValueError, match="russian"):
            from_data(data)

    def test_pickles(self) -> None:
        charge = calls(names={"ru": "Звонки", "fa_IR": "تماس صوتی"})
        again = pickle.loads(pickle.dumps(plan(charge)))
        assert again == plan(charge)
        assert again.charge("calls").names == charge.names  # type: ignore[union-attr]


@given(charge_names())
def test_any_names_round_trip_through_serialize_and_the_catalog(names: dict[str, str]) -> None:
    charge = calls(names=names, description="Calls")
    assert from_data(to_data(charge)).names == names
    assert loads(dumps(plan(charge))) == plan(charge)
    catalog = Catalog([plan(charge)])
    for fmt in ("toml", "json"):
        back = loads_catalog(dumps_catalog(catalog, fmt), fmt)  # type: ignore[arg-type]
        assert back == catalog
        assert back["voice"].charge("calls").names == names  # type: ignore[union-attr]
