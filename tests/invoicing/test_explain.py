"""Explanation lines in the document's language (issue 15).

Expected words come from the label catalog's rows written out here; numbers
from the locales' published separators (ru/uk: space groups, comma decimals;
it: dot groups, comma decimals; fa: Persian digits, ٬ and ٫).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import InvoicingError
from billkit.invoicing._explain import Explainer
from billkit.invoicing.items import items_from_quote
from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Charge, PerUnit, Plan, quote

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
PLAN = Plan(
    code="api-pro",
    name="API Pro",
    currency="EUR",
    base_fee=Money("300.00", "EUR"),
    charges=[
        Charge(
            code="api",
            metric="calls",
            included=10000,
            model=PerUnit(unit_price=Money("0.002", "EUR")),
        )
    ],
)
NAMES = {
    "base": {"en": "API Pro", "ru": "API Pro", "uk": "API Pro", "it": "API Pro", "fa": "API Pro"},
    "api": {
        "en": "API calls",
        "ru": "Запросы API",
        "uk": "Запити API",
        "it": "Chiamate API",
        "fa": "درخواست‌های API",
    },
}
# 12044 - 10000 = 2044 calls x 0.002 = 4.088 EUR
EXPECTED = {
    "en": ("12,044 − 10,000 included = 2,044", "per unit: 2,044 × 0.002 = 4.088"),
    "ru": ("12\xa0044 − 10\xa0000 включено = 2\xa0044", "за единицу: 2\xa0044 × 0,002 = 4,088"),
    "uk": ("12\xa0044 − 10\xa0000 включено = 2\xa0044", "за одиницю: 2\xa0044 × 0,002 = 4,088"),
    "it": ("12.044 − 10.000 inclusi = 2.044", "per unità: 2.044 × 0,002 = 4,088"),
    "fa": ("۱۲٬۰۴۴ − ۱۰٬۰۰۰ رایگان = ۲٬۰۴۴", "هر واحد: ۲٬۰۴۴ × ۰٫۰۰۲ = ۴٫۰۸۸"),
}


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_explanations_are_in_the_document_language(lang: str) -> None:
    q = quote(PLAN, {"calls": 12044}, MARCH)
    base, api = items_from_quote(q, locale=lang, names=NAMES)
    assert api.description == NAMES["api"][lang]
    assert api.explanation == EXPECTED[lang]
    # the base fee: 1 x 300.00, no trailing zero beyond the cent
    assert base.explanation[0].endswith(
        {"en": "300.00", "ru": "300,00", "uk": "300,00", "it": "300,00", "fa": "۳۰۰٫۰۰"}[lang]
    )


def test_a_charge_without_a_name_in_the_language_is_refused() -> None:
    q = quote(PLAN, {"calls": 12044}, MARCH)
    with pytest.raises(InvoicingError, match=r"names\['api'\]\['it'\]"):
        items_from_quote(q, locale="it", names={"base": {"it": "API Pro"}, "api": {"en": "x"}})
    # without a locale the quote's own text is kept (English, for consoles)
    assert items_from_quote(q)[1].description == "api"


def test_trailing_zeros_go_down_to_the_minor_unit() -> None:
    e = Explainer("it", "EUR")
    assert e.money(Decimal("15.9000")) == "15,90"
    assert e.money(Decimal("4.0880")) == "4,088"
    assert e.number(Decimal("0.000")) == "0"
    assert e.number(Decimal("2.500")) == "2,5"


@given(st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False))
def test_money_text_keeps_the_value(value: Decimal) -> None:
    text = Explainer("en", "EUR").money(value)
    shown = Decimal(text.replace(",", ""))
    assert shown == value
    places = -shown.as_tuple().exponent  # type: ignore[operator]
    assert places >= 2
    assert places == 2 or text[-1] != "0"  # no zero beyond the cent
