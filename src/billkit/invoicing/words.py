"""The amount in words, as Russian and Ukrainian invoices and acts print it.

"Всего к оплате: Двенадцать тысяч триста сорок пять рублей 67 копеек" -- the
total written out, the currency and its minor unit inflected for the number
(1 рубль, 2 рубля, 5 рублей; 1 копейка, 2 копейки, 5 копеек; in Ukrainian
1 гривня, 2 гривні, 5 гривень; 1 копійка, 2 копійки, 5 копійок).

The words come from `num2words <https://pypi.org/project/num2words/>`_, a
maintained library under the LGPL, a required dependency because Russian,
Ukrainian and Persian documents must carry the amount in words. It is
imported only when :func:`amount_in_words` is called (if it is missing
anyway, building such a document raises ``MissingDependencyError``). billkit passes it a ``Decimal`` (num2words reads an ``int`` currency
amount as minor units) and corrects one of its Russian slips: with a
feminine currency (the hryvnia) it writes "одна миллион"; billkit writes
"один миллион".

>>> amount_in_words(Money("12345.67", "RUB"), "ru")
'Двенадцать тысяч триста сорок пять рублей 67 копеек'
>>> amount_in_words(Money("21.01", "UAH"), "uk", minor_in_words=True)
'Двадцять одна гривня, одна копійка'
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from typing import Final

from moneyed import Money

from billkit import _checks as checks
from billkit.errors import InvoicingError, MissingDependencyError
from billkit.money import CONTEXT, minor_units

__all__ = ["WORDS_LANGUAGES", "amount_in_words"]

WORDS_LANGUAGES: Final = ("en", "ru", "uk", "fa")
"""The languages :func:`amount_in_words` writes.

>>> WORDS_LANGUAGES
('en', 'ru', 'uk', 'fa')
"""

_PERSIAN_UNITS: Final = {"IRR": "ریال"}
_PERSIAN_DIGITS: Final = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

_RU_FEMININE_SLIP: Final = re.compile(r"\b(одна|две) (миллион|миллиард|триллион)")
_RU_MASCULINE: Final = {"одна": "один", "две": "два"}
_CENT: Final = Decimal("0.01")


def _num2words() -> object:
    try:
        from num2words import num2words  # type: ignore[import-untyped]
    except ImportError:
        raise MissingDependencyError("num2words", "the amount in words", "words") from None
    return num2words


def amount_in_words(
    amount: Money, language: str, *, minor_in_words: bool = False, capitalize: bool = True
) -> str:
    """``amount`` in words in ``language`` (``'ru'``, ``'uk'``, ``'en'`` or ``'fa'``).

    The whole units are written in words with the currency's name, the minor
    units in digits with theirs (the usual style of Russian and Ukrainian
    accounting documents), or in words too with ``minor_in_words``. The first
    letter is a capital unless ``capitalize=False``. The amount must be zero
    or more, in a currency with two decimal places that num2words names in
    that language, and a whole number of kopecks (cents). In Persian, rials
    are written in words; another currency (with no or two decimal places)
    is named as the Persian locale data names it, its minor units in Persian
    digits over a hundred.

    >>> amount_in_words(Money("1.00", "RUB"), "ru")
    'Один рубль 00 копеек'
    >>> amount_in_words(Money("2.02", "UAH"), "uk")
    'Дві гривні 02 копійки'
    >>> amount_in_words(Money("101.50", "USD"), "en", capitalize=False)
    'one hundred and one dollars 50 cents'
    >>> amount_in_words(Money("1250000", "IRR"), "fa")
    'یک میلیون و دویست و پنجاه هزار ریال'
    >>> amount_in_words(Money("101.50", "USD"), "fa")
    'صد و یک دلار آمریکا و ۵۰/۱۰۰'
    >>> amount_in_words(Money("10.005", "RUB"), "ru")
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: amount = Money('10.005', 'RUB'): expected a whole number of kopecks (cents): round the total first
    """
    if not isinstance(amount, Money):
        raise InvoicingError("amount", amount, "a Money")
    if language not in WORDS_LANGUAGES:
        raise InvoicingError("language", language, f"one of {', '.join(WORDS_LANGUAGES)}")
    checks.flag("minor_in_words", minor_in_words, error=InvoicingError)
    checks.flag("capitalize", capitalize, error=InvoicingError)
    value = amount.amount
    if not value.is_finite() or value < 0:
        raise InvoicingError("amount", amount, "an amount of zero or more")
    code = amount.currency.code
    if language == "fa":
        return _persian(amount, value, code)
    if minor_units(code) != 2:
        raise InvoicingError(
            "amount", amount, "an amount in a currency with two decimal places (kopecks, cents)"
        )
    cents = value.quantize(_CENT, context=CONTEXT)
    if cents != value:
        raise InvoicingError(
            "amount", amount, "a whole number of kopecks (cents): round the total first"
        )
    convert = _num2words()
    try:
        with decimal.localcontext(CONTEXT):  # num2words computes in the thread's context
            text = str(convert(cents, lang=language, to="currency", currency=code))  # type: ignore[operator]
    except NotImplementedError:
        raise InvoicingError(
            "amount", amount, f"a currency num2words names in {language!r} (not {code})"
        ) from None
    if language == "ru":
        text = _RU_FEMININE_SLIP.sub(lambda m: f"{_RU_MASCULINE[m[1]]} {m[2]}", text)
    if not minor_in_words:
        major, _, minor = text.rpartition(", ")
        noun = minor.rsplit(" ", 1)[-1]
        minor_count = int(CONTEXT.multiply(CONTEXT.subtract(cents, int(cents)), 100))
        text = f"{major} {minor_count:02d} {noun}"
    if capitalize:
        text = text[:1].upper() + text[1:]
    return text


def _persian(amount: Money, value: Decimal, code: str) -> str:
    """Persian words for an amount.

    num2words's Persian currency words name tomans; billkit writes the number
    in words and names the rial itself. Another currency is named as the
    Persian locale data names it (``دلار آمریکا``), its whole units in words
    and its minor units, if any, in Persian digits over a hundred (``و ۵۰/۱۰۰``),
    as cheques and accounting documents write cents.
    """
    convert = _num2words()
    unit = _PERSIAN_UNITS.get(code)
    if unit is not None:
        if value != value.to_integral_value():
            raise InvoicingError("amount", amount, "a whole number of rials")
        return f"{convert(int(value), lang='fa')} {unit}"  # type: ignore[operator]
    places = minor_units(code)
    if places not in (0, 2):
        raise InvoicingError(
            "amount", amount, "an amount in a currency with no or two decimal places"
        )
    whole = value.to_integral_value(rounding=decimal.ROUND_DOWN)
    minor = CONTEXT.multiply(CONTEXT.subtract(value, whole), 10**places)
    if minor != minor.to_integral_value():
        raise InvoicingError(
            "amount", amount, "a whole number of minor units (cents): round the total first"
        )
    from babel.numbers import get_currency_name

    text = f"{convert(int(whole), lang='fa')} {get_currency_name(code, locale='fa')}"  # type: ignore[operator]
    if minor:
        text += f" و {int(minor):02d}/100".translate(_PERSIAN_DIGITS)
    return text
