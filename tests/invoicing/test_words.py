"""The amount in words for Russian, Ukrainian and Persian invoices and acts.

Each expected text is written by hand from Russian and Ukrainian grammar:
the number agrees with the currency (рубль, -я, -ей; гривня, -і, -ень) and
with the kopecks (копейка, -и, копеек; копійка, -и, копійок).
"""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import BillkitError, InvoicingError
from billkit.invoicing.words import WORDS_LANGUAGES, amount_in_words
from billkit.money import Money


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0.00", "Ноль рублей 00 копеек"),
        ("1.01", "Один рубль 01 копейка"),
        ("2.02", "Два рубля 02 копейки"),
        ("5.05", "Пять рублей 05 копеек"),
        ("11.11", "Одиннадцать рублей 11 копеек"),
        ("21.21", "Двадцать один рубль 21 копейка"),
        ("122.00", "Сто двадцать два рубля 00 копеек"),
        ("90000.00", "Девяносто тысяч рублей 00 копеек"),
        ("16229.51", "Шестнадцать тысяч двести двадцать девять рублей 51 копейка"),
        ("2002002.02", "Два миллиона две тысячи два рубля 02 копейки"),
    ],
)
def test_russian_rubles(amount: str, text: str) -> None:
    assert amount_in_words(Money(amount, "RUB"), "ru") == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1.01", "Одна гривня 01 копійка"),
        ("2.02", "Дві гривні 02 копійки"),
        ("5.05", "П'ять гривень 05 копійок"),
        ("21.00", "Двадцять одна гривня 00 копійок"),
        ("585.16", "П'ятсот вісімдесят п'ять гривень 16 копійок"),
        ("1001000.00", "Один мільйон одна тисяча гривень 00 копійок"),
    ],
)
def test_ukrainian_hryvnias(amount: str, text: str) -> None:
    assert amount_in_words(Money(amount, "UAH"), "uk") == text


def test_kopecks_in_words_and_lowercase() -> None:
    assert (
        amount_in_words(Money("21.21", "RUB"), "ru", minor_in_words=True, capitalize=False)
        == "двадцать один рубль, двадцать одна копейка"
    )
    assert (
        amount_in_words(Money("2.02", "UAH"), "uk", minor_in_words=True)
        == "Дві гривні, дві копійки"
    )


def test_russian_words_for_a_feminine_currency_keep_millions_masculine() -> None:
    # "один миллион одна тысяча гривен", never "одна миллион"
    assert (
        amount_in_words(Money("1001000.00", "UAH"), "ru")
        == "Один миллион одна тысяча гривен 00 копеек"
    )
    assert amount_in_words(Money("2000000.00", "UAH"), "ru") == "Два миллиона гривен 00 копеек"


def test_english() -> None:
    assert amount_in_words(Money("101.50", "USD"), "en") == "One hundred and one dollars 50 cents"
    assert WORDS_LANGUAGES == ("en", "ru", "uk", "fa")


def test_refusals() -> None:
    with pytest.raises(InvoicingError, match="whole number of kopecks"):
        amount_in_words(Money("22.4137", "RUB"), "ru")
    with pytest.raises(InvoicingError, match="zero or more"):
        amount_in_words(Money("-1.00", "RUB"), "ru")
    with pytest.raises(InvoicingError, match="one of en, ru, uk"):
        amount_in_words(Money("1.00", "EUR"), "it")
    with pytest.raises(InvoicingError, match="two decimal places"):
        amount_in_words(Money("100", "JPY"), "en")
    with pytest.raises(InvoicingError, match="a currency num2words names"):
        amount_in_words(Money("1.00", "BRL"), "ru")


def test_a_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail, as without the package.
    monkeypatch.setitem(sys.modules, "num2words", None)
    with pytest.raises(BillkitError, match=r"pip install 'py-billkit\[words\]'"):
        amount_in_words(Money("1.00", "RUB"), "ru")


def test_the_callers_decimal_context_changes_nothing() -> None:
    import decimal

    hostile = decimal.Context(prec=3, rounding=decimal.ROUND_DOWN)
    with decimal.localcontext(hostile):
        assert (
            amount_in_words(Money("16229.51", "RUB"), "ru")
            == "Шестнадцать тысяч двести двадцать девять рублей 51 копейка"
        )


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        # 1 250 000 rials: یک میلیون (one million) و دویست و پنجاه هزار (and 250 thousand) ریال.
        (Money("1250000", "IRR"), "یک میلیون و دویست و پنجاه هزار ریال"),
        # 101.50 dollars: صد و یک (100 and 1) with the CLDR Persian name of the
        # dollar, and the 50 cents in Persian digits over a hundred.
        (Money("101.50", "USD"), "صد و یک دلار آمریکا و ۵۰/۱۰۰"),
        # 2 500.05 euros: دو هزار و پانصد (two thousand and five hundred) یورو, 05 cents.
        (Money("2500.05", "EUR"), "دو هزار و پانصد یورو و ۰۵/۱۰۰"),
        # Whole units only: no cents part is written.
        (Money("7.00", "RUB"), "هفت روبل روسیه"),
        # A currency with no minor units: the yen.
        (Money("1000", "JPY"), "هزار ین ژاپن"),
    ],
)
def test_persian(amount: Money, text: str) -> None:
    assert amount_in_words(amount, "fa") == text


def test_persian_refusals() -> None:
    with pytest.raises(InvoicingError, match="whole number of rials"):
        amount_in_words(Money("10.5", "IRR"), "fa")
    with pytest.raises(InvoicingError, match="round the total first"):
        amount_in_words(Money("1.005", "USD"), "fa")
    with pytest.raises(InvoicingError, match="no or two decimal places"):
        amount_in_words(Money("1.000", "KWD"), "fa")  # the dinar has three


@given(cents=st.integers(min_value=0, max_value=10**12))
def test_persian_cents_are_the_amounts_cents(cents: int) -> None:
    """Any dollar amount is written; its cents, when there are any, end the text
    in Persian digits over a hundred, and the whole dollars precede the name."""
    whole, minor = divmod(cents, 100)
    text = amount_in_words(Money(Decimal(cents) / 100, "USD"), "fa")
    if minor:
        digits = text.rsplit(" و ", 1)[1].translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
        assert digits == f"{minor:02d}/100"
        text = text.rsplit(" و ", 1)[0]
    assert text.endswith(" دلار آمریکا")
    assert ("صفر" in text) == (whole == 0)
