"""The amount in words for Russian and Ukrainian invoices and acts.

Each expected text is written by hand from Russian and Ukrainian grammar:
the number agrees with the currency (рубль, -я, -ей; гривня, -і, -ень) and
with the kopecks (копейка, -и, копеек; копійка, -и, копійок).
"""

from __future__ import annotations

import sys

import pytest

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
