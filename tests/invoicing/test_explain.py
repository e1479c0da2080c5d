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

from billkit import serialize
from billkit.errors import InvoicingError
from billkit.invoicing import DocumentTerms
from billkit.invoicing._explain import Explainer
from billkit.invoicing._template import compile_invoice
from billkit.invoicing.items import items_from_quote
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period
from billkit.pricing import Charge, Percentage, PercentOf, PerUnit, Plan, quote
from tests.invoicing.test_template import ISSUED, _general

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


# Percentage lines (a PercentOf charge, a Percentage model) on billing's documents.
# Pro: 200.00 EUR a month; support, 10 % of the base fee: 200.00 x 10 % = 20.00;
# card payments, 2.9 % of five payments 100 + 150 + 200 + 250 + 300 = 1000.00:
# 1000.00 x 2.9 % = 29.00; cover, 1 % of the base fee and the card line:
# (200.00 + 29.00) x 1 % = 2.29. A document names the lines the cover sums as it
# names those lines: the plan's name (Pro, the same in every language) and the
# card line's name in the document's language.
PERCENT_PLAN = Plan(
    code="pro",
    name="Pro",
    currency="EUR",
    base_fee=Money("200.00", "EUR"),
    charges=[
        PercentOf(code="support", of=["base"], rate=Decimal("0.10")),
        Charge(
            code="card",
            metric="payments",
            model=Percentage(rate=Decimal("0.029"), currency="EUR"),
            names={
                "ru": "Оплата картой",
                "uk": "Оплата карткою",
                "it": "Pagamenti con carta",
                "fa": "پرداخت با کارت",
                "en": "Card payments",
            },
        ),
        PercentOf(code="cover", of=["base", "card"], rate=Decimal("0.01")),
    ],
)
PAYMENTS = {"payments": [Decimal(x) for x in ("100", "150", "200", "250", "300")]}
PERCENT_EXPECTED = {
    # English: the quote's own words and numbers, with the signs of the other
    # languages; the lines a percentage sums named as the document names them
    "en": [
        ("10% of base: 200.00 × 0.10 = 20.0000",),
        ("5 events", "2.9% of 5 events: 1000 × 0.029 = 29.000"),
        ("1% of Pro + Card payments: 229.00 × 0.01 = 2.2900",),
    ],
    "ru_RU": [
        ("10\xa0% от абонентской платы: 200,00 × 10\xa0% = 20,00",),
        ("5 операций", "2,9\xa0% от 5 операций: 1\xa0000,00 × 2,9\xa0% = 29,00"),
        ("1\xa0% от суммы (Pro + Оплата картой): 229,00 × 1\xa0% = 2,29",),
    ],
    "uk_UA": [
        ("10% від абонентської плати: 200,00 × 10% = 20,00",),
        ("5 операцій", "2,9% від 5 операцій: 1\xa0000,00 × 2,9% = 29,00"),
        ("1% від суми (Pro + Оплата карткою): 229,00 × 1% = 2,29",),
    ],
    "it_IT": [
        ("10% del canone: 200,00 × 10% = 20,00",),
        ("5 eventi", "2,9% di 5 eventi: 1.000,00 × 2,9% = 29,00"),
        ("1% della somma (Pro + Pagamenti con carta): 229,00 × 1% = 2,29",),
    ],
    "fa_IR": [  # Persian digits, ٫ and ٬, the Persian percent sign ٪
        ("۱۰٪ از هزینه ثابت: ۲۰۰٫۰۰ × ۱۰٪ = ۲۰٫۰۰",),
        ("۵ رویداد", "۲٫۹٪ از ۵ رویداد: ۱٬۰۰۰٫۰۰ × ۲٫۹٪ = ۲۹٫۰۰"),
        ("۱٪ از جمع (Pro + پرداخت با کارت): ۲۲۹٫۰۰ × ۱٪ = ۲٫۲۹",),
    ],
}


@pytest.mark.parametrize("locale", sorted(PERCENT_EXPECTED))
def test_percentage_lines_are_explained_in_the_document_language(locale: str) -> None:
    bill = quote(PERCENT_PLAN, PAYMENTS, MARCH)
    assert [line.amount.amount for line in bill.lines] == [
        Decimal("200.00"),
        Decimal("20.00"),
        Decimal("29.00"),
        Decimal("2.29"),
    ]
    seller = Party(kind="legal_entity", country="IT", name="Chat Srl")
    terms = DocumentTerms(seller=seller, buyer=seller, locale=locale, rules=None)
    # billing's general path, and the compiled one (percentage lines read off the quote)
    general = _general(bill, terms, None, None, named=True)
    template = compile_invoice(
        PERCENT_PLAN,
        terms,
        issue_date=ISSUED,
        period=MARCH,
        invoice_kind="subscription",
        named=True,
    )
    assert template is not None
    compiled = template.invoice(bill, terms.buyer, None)
    assert compiled == general
    assert serialize.dumps(compiled) == serialize.dumps(general)
    assert [line.explanation for line in general.lines[1:]] == PERCENT_EXPECTED[locale]
    if locale == "fa_IR":  # no Latin digit left in a Persian line
        text = "".join(t for line in general.lines for t in line.explanation)
        assert not any(c.isascii() and c.isdigit() for c in text)


def test_per_event_percentage_steps_are_in_the_document_language() -> None:
    # 2.9 % + 0.30 a payment, at least 0.50, the first payment free: payments
    # 100 (free), 5 and 250.50 -> 2.9 % of 255.50 = 7.4095, 2 x 0.30 = 0.60, and
    # the 5.00 payment's 0.145 + 0.30 = 0.445 raised to 0.50: + 0.055.
    model = Percentage(
        rate=Decimal("0.029"),
        currency="EUR",
        fixed=Money("0.30", "EUR"),
        min_per_event=Money("0.50", "EUR"),
        free_events=1,
    )
    steps = model.explain_events([Decimal("100"), Decimal("5"), Decimal("250.50")]).steps
    got = [Explainer("fa_IR", "EUR").step(step) for step in steps]
    assert got == [
        "رویدادهای رایگان (۱): ۱۰۰ × ۰٫۰۰ = ۰٫۰۰",
        "۲٫۹٪ از ۲ رویداد: ۲۵۵٫۵۰ × ۲٫۹٪ = ۷٫۴۰۹۵",
        "هزینه ثابت هر رویداد: ۲ × ۰٫۳۰ = ۰٫۶۰",
        "حداقل هر رویداد (۱) / حداکثر (۰): ۱ × ۰٫۰۵۵ = ۰٫۰۵۵",
    ]
    assert not any(c.isascii() and c.isdigit() for text in got for c in text)
    assert [Explainer("ru_RU", "EUR").step_label(step)[0] for step in steps] == [
        "бесплатные операции (1)",
        "2,9\xa0% от 2 операций",
        "фиксированная плата за операцию",
        "минимум за операцию (1) / максимум (0)",
    ]
    # English: the quote's own words (as before)
    assert [Explainer("en", "EUR").step_label(step)[0] for step in steps] == [
        step.label for step in steps
    ]
