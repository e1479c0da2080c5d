"""Numbers, amounts, percentages and dates formatted for a document's locale.

babel supplies every locale's data: number patterns, group and decimal
symbols, currency symbols and date patterns. Amounts are formatted with the
locale's currency pattern and never rounded: a value shows at least its
currency's decimals (CLDR's, as babel reports them) and every further digit it
has (``22.4137`` stays ``22,4137``), so what prints is exactly what the
document computed. babel's own rounding (half-even) never applies.

Persian documents (unless ``RenderOptions(digits="latin")``) use Persian digits
(۰-۹) with the Persian group and decimal separators (٬ ٫) from CLDR's
``arabext`` numbering system, which babel reports but does not apply to
digits; amounts are written as Iranian documents write them, number then
currency (``۱٬۲۵۰٬۰۰۰ ریال``), instead of CLDR's symbol-first pattern with a
left-to-right mark. Dates are Solar Hijri (via jdatetime) unless
``calendar="gregorian"``.

>>> from decimal import Decimal
>>> from billkit.money import Money
>>> Formatter("ru", "RUB").money(Money("1234567.5", "RUB"))
'1\\xa0234\\xa0567,50\\xa0₽'
>>> Formatter("it", "EUR").amount(Money("22.4137", "EUR"))
'22,4137'
>>> Formatter("fa", "IRR").money(Money("1250000", "IRR"))
'۱٬۲۵۰٬۰۰۰\\xa0ریال'
>>> from datetime import date
>>> Formatter("fa", "IRR").short_date(date(2026, 3, 5)), Formatter("fa", "IRR").long_date(date(2026, 3, 5))
('۱۴۰۴/۱۲/۱۴', '۱۴ اسفند ۱۴۰۴')
"""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import (
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_pattern,
)
from moneyed import Money

from billkit.errors import MissingDependencyError
from billkit.invoicing.render.labels import translate
from billkit.invoicing.render.model import Label, Value
from billkit.money import CONTEXT, minor_units
from billkit.periods import Period

__all__ = ["Formatter"]

_PERSIAN_DIGITS: Final = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_FRACTION = re.compile(r"0(\.0+)?")
_QUOTED = re.compile(r"'([^']*)'")
_ONE_DAY: Final = timedelta(days=1)
_EN_GB: Final = Locale.parse("en_GB")


def _unquote(text: str) -> str:
    return _QUOTED.sub(lambda m: m.group(1) or "'", text)


class _Pattern:
    """A CLDR number pattern applied exactly, without rounding.

    The same output as babel's ``format_decimal`` / ``format_currency`` with
    the pattern's fraction set to the digits the value needs; built once per
    document and several times faster than babel's per-call parsing.
    """

    __slots__ = ("_decimal", "_group", "_prefix", "_primary", "_secondary", "_suffix")

    def __init__(self, pattern: str, group: str, decimal: str, symbol: str, percent: str) -> None:
        parsed = parse_pattern(pattern)
        self._primary, self._secondary = parsed.grouping
        self._group = group
        self._decimal = decimal

        def fix(text: str) -> str:
            return _unquote(text.replace("¤", symbol).replace("%", percent))

        self._prefix = (fix(parsed.prefix[0]), fix(parsed.prefix[1]))
        self._suffix = (fix(parsed.suffix[0]), fix(parsed.suffix[1]))

    def apply(self, value: Decimal, digits: int) -> str:
        negative = int(value.is_signed())
        text = format(value.copy_abs().quantize(_QUANTA[digits], context=CONTEXT), "f")
        whole, _, fraction = text.partition(".")
        if len(whole) > self._primary:
            head, tail = whole[: -self._primary], whole[-self._primary :]
            groups = [tail]
            size = self._secondary
            while len(head) > size:
                groups.append(head[-size:])
                head = head[:-size]
            groups.append(head)
            whole = self._group.join(reversed(groups))
        number = f"{whole}{self._decimal}{fraction}" if digits else whole
        return f"{self._prefix[negative]}{number}{self._suffix[negative]}"


_QUANTA: Final = tuple(Decimal(1).scaleb(-n) for n in range(40))


def _natural_digits(value: Decimal) -> int:
    """Decimal places ``value`` needs once trailing zeros go (never negative)."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    if value == value.to_integral_value(context=CONTEXT):
        return 0
    return -int(value.normalize(CONTEXT).as_tuple().exponent)


class Formatter:
    """Formats the values of one document: one locale, one currency.

    ``digits`` and ``calendar`` are :class:`RenderOptions`'s choices; they
    only change Persian documents.
    """

    def __init__(
        self,
        locale: str,
        currency: str,
        *,
        digits: str = "locale",
        calendar: str = "locale",
        money_unit: str = "currency",
    ) -> None:
        self.locale = Locale.parse(locale)
        self.language = self.locale.language
        persian = self.language == "fa"
        self.native_digits = persian and digits == "locale"
        self.jalali = persian and calendar == "locale"
        numbering = "default" if self.native_digits else "latn"
        loc = self.locale
        group = get_group_symbol(loc, numbering_system=numbering)
        decimal = get_decimal_symbol(loc, numbering_system=numbering)
        self._group, self._decimal_symbol = group, decimal
        # babel keeps the pattern's '%' whatever the numbering system; Persian
        # digits come with CLDR's Persian percent sign (٪).
        percent = loc.number_symbols["arabext"]["percentSign"] if self.native_digits else "%"
        self.currency = currency
        self.symbol = get_currency_symbol(currency, loc)
        # tomans: an Iranian rial amount divided by ten, chosen explicitly
        self.toman = money_unit == "toman" and currency == "IRR"
        if self.toman:
            self.symbol = "تومان" if persian else "toman"
        self._min_digits = get_currency_precision(currency)
        self._iso_digits = minor_units(currency)
        # Iranian documents write the number, then the currency (see the module notes)
        standard = loc.currency_formats["standard"].pattern
        currency_pattern = "#,##0.00\xa0¤" if persian else standard
        decimal_pattern = loc.decimal_formats[None].pattern
        percent_pattern = loc.percent_formats[None].pattern
        self._currency = _Pattern(currency_pattern, group, decimal, self.symbol, percent)
        self._decimal = _Pattern(decimal_pattern, group, decimal, self.symbol, percent)
        self._percent = _Pattern(percent_pattern, group, decimal, self.symbol, percent)
        self._dates: dict[tuple[date, bool], str] = {}
        self._ambiguous = self.language == "en" and self.locale.territory is None

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def cached(
        locale: str, currency: str, digits: str, calendar: str, money_unit: str = "currency"
    ) -> Formatter:
        """A shared formatter: building one parses babel's locale data."""
        return Formatter(locale, currency, digits=digits, calendar=calendar, money_unit=money_unit)

    def _digits(self, text: str) -> str:
        return text.translate(_PERSIAN_DIGITS) if self.native_digits else text

    def digits(self, text: str) -> str:
        """``text`` with Persian digits on a Persian page (unless ``digits="latin"``)."""
        return self._digits(text)

    def money_digits(self, amount: Decimal) -> int:
        """Decimals shown for ``amount``: at least the currency's, never fewer than it has.

        An amount finer than the currency's minor unit shows every decimal it
        carries (``22.4137``, and a sum of such amounts, ``429.3240``); a
        whole amount shows the locale's decimals for the currency (CLDR's: none
        for the Iranian rial, two for the rouble); any other shows the
        currency's.
        """
        exponent = amount.as_tuple().exponent
        given = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if given > self._iso_digits:
            return given
        natural = _natural_digits(amount)
        if natural == 0:
            return self._min_digits
        return max(natural, self._min_digits, self._iso_digits)

    def _unit(self, money: Money | Decimal) -> Decimal:
        amount = money.amount if isinstance(money, Money) else money
        return amount.scaleb(-1, CONTEXT) if self.toman else amount

    def money(self, money: Money | Decimal) -> str:
        """An amount with its currency, as the locale writes it (``€1,234.50``)."""
        amount = self._unit(money)
        return self._digits(self._currency.apply(amount, self.money_digits(amount)))

    def rials(self, money: Money | Decimal) -> str:
        """An amount in rials, whatever the unit shown (for the total in tomans)."""
        amount = money.amount if isinstance(money, Money) else money
        pattern = _Pattern(
            "#,##0.00\xa0¤",
            self._group,
            self._decimal_symbol,
            "ریال" if self.language == "fa" else "IRR",
            "%",
        )
        return self._digits(pattern.apply(amount, self.money_digits(amount)))

    def amount(self, money: Money | Decimal) -> str:
        """An amount without its currency, for table cells (``1 234,50``)."""
        amount = self._unit(money)
        return self._digits(self._decimal.apply(amount, self.money_digits(amount)))

    def number(self, value: Decimal | int) -> str:
        """A quantity or other number, with exactly the decimals it was given."""
        if isinstance(value, int):
            return self._digits(self._decimal.apply(Decimal(value), 0))
        exponent = value.as_tuple().exponent
        digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return self._digits(self._decimal.apply(value, digits))

    def percent(self, rate: Decimal) -> str:
        """A fraction as a percentage: ``Decimal("0.22")`` -> ``22%``, ``0.039`` -> ``3.9%``."""
        scaled = rate.scaleb(2, CONTEXT)
        return self._digits(self._percent.apply(scaled, _natural_digits(scaled)))

    def short_date(self, day: date) -> str:
        """A date in numeric form with a four-digit year (``05.03.2026``)."""
        return self._date(day, False)

    def long_date(self, day: date) -> str:
        """A date with its month's name (``5 марта 2026 г.``)."""
        return self._date(day, True)

    def _date(self, day: date, long: bool) -> str:
        key = (day, long)
        found = self._dates.get(key)
        if found is None:
            if self.jalali:
                found = _jalali(day, long)
            elif long:
                found = format_date(day, "long", locale=self.locale)
            elif self._ambiguous:
                # bare English: neither 3/1/2026 (US) nor 01/03/2026 (UK) reads the
                # same everywhere; "1 Mar 2026" does
                found = format_skeleton("yMMMd", day, locale=_EN_GB)
            else:
                found = format_skeleton("yMMdd", day, locale=self.locale)
            found = self._digits(found)
            self._dates[key] = found
        return found

    def period(self, period: Period) -> str:
        """A half-open period as its first and last day: ``01.03.2026 – 31.03.2026``.

        Persian joins them with "تا" (to): a word, so the period reads from
        its start, on the right, to its end in any right-to-left layout.
        """
        start, last = self.short_date(period.start), self.short_date(period.end - _ONE_DAY)
        if self.language == "fa":
            return f"{start} تا {last}"
        return f"{start} – {last}"

    def label(self, key: str) -> str:
        """A label in the document's language (a non-key prints as written)."""
        return translate(key, self.language)

    def value(self, value: Value, *, cell: str = "text", long: bool = False) -> str:
        """Any field or cell value as text; ``cell`` is the column kind."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, Money):
            return self.amount(value) if cell == "money" else self.money(value)
        if isinstance(value, Decimal):
            return self.percent(value) if cell == "percent" else self.number(value)
        if isinstance(value, int):
            return self.number(value)
        if isinstance(value, Period):
            return self.period(value)
        if isinstance(value, date):
            return self._date(value, long)
        if isinstance(value, Label):
            return self.label(value.key)
        raise TypeError(value)  # pragma: no cover - the model refuses other types


@functools.lru_cache(maxsize=1024)
def _jalali(day: date, long: bool) -> str:
    try:
        import jdatetime  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise MissingDependencyError(
            "jdatetime", "Solar Hijri dates", "persian", "or RenderOptions(calendar='gregorian')"
        ) from None

    j = jdatetime.date.fromgregorian(date=day)
    if long:
        return f"{j.day} {jdatetime.date.j_months_fa[j.month - 1]} {j.year}"
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
