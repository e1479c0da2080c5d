"""Numbers, amounts, percentages and dates formatted for a document's locale.

CLDR (through babel) supplies every locale's data: number patterns, group
and decimal symbols, currency symbols and date patterns. For the locales of
billkit's five languages (``en``, ``ru``, ``uk``, ``it``, ``fa``, bare and
with their main country) the values billkit uses come from ``_cldr.py``, a
table written from babel by ``scripts/make_cldr_table.py`` and checked
against it by the tests, so a document in them loads none of babel's locale
data; any other locale is read from babel. Amounts are formatted with the
locale's currency pattern and never rounded: a value shows at least its
currency's decimals (CLDR's) and every further digit it has (``22.4137``
stays ``22,4137``), so what prints is exactly what the document computed.
babel's own rounding (half-even) never applies.

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
from typing import TYPE_CHECKING, Final

from moneyed import Money

from billkit.errors import MissingDependencyError
from billkit.invoicing.render import _cldr
from billkit.invoicing.render.labels import translate
from billkit.invoicing.render.model import Label, Value
from billkit.money import CONTEXT, minor_units
from billkit.periods import Period

if TYPE_CHECKING:
    from babel import Locale

__all__ = ["Formatter"]

_PERSIAN_DIGITS: Final = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_FRACTION = re.compile(r"0(\.0+)?")
_QUOTED = re.compile(r"'([^']*)'")
_ONE_DAY: Final = timedelta(days=1)
_IRANIAN_CURRENCY: Final = "#,##0.00\xa0¤"
"""The pattern Persian documents write amounts in: the number, then the currency."""


# ---------------------------------------------------------------- locale data
#
# A formatter needs a few dozen values of its locale's CLDR data. babel keeps
# them in one pickled file per locale with everything else CLDR knows (about
# 9 000 objects for English, 10 ms to load, and the first document rendered
# in a process set off a full garbage-collection pass with them). The
# locales of billkit's five languages come from ``_cldr.py``, a table
# ``scripts/make_cldr_table.py`` writes with the functions below and
# ``tests/render/test_cldr_table.py`` checks against the installed babel;
# any other locale is read from babel by the same functions.


def locale_data(name: str) -> _cldr.LocaleData:
    """The CLDR data a formatter needs for ``name``: the table's, or babel's."""
    found = _cldr.LOCALES.get(name)
    return found if found is not None else babel_locale_data(name)


def babel_locale_data(name: str) -> _cldr.LocaleData:
    """``name``'s data read from babel (what ``_cldr.py`` holds for its locales).

    A date pattern with fields the table does not write (a weekday, an era)
    is left empty: the formatter then asks babel to format those dates.
    """
    from babel import Locale
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = Locale.parse(name)

    def symbols(numbering: str) -> tuple[str, str, str]:
        system = locale.default_numbering_system if numbering == "default" else numbering
        return (
            get_group_symbol(locale, numbering_system=numbering),
            get_decimal_symbol(locale, numbering_system=numbering),
            locale.number_symbols[system]["percentSign"],
        )

    short_locale, short = _short_date_pattern(locale)
    long_date, long_months = _date_format(locale.date_formats["long"].pattern, locale)
    short_date, short_months = _date_format(short, short_locale)
    return _cldr.LocaleData(
        latin=symbols("latn"),
        native=symbols("default"),
        currency=locale.currency_formats["standard"].pattern,
        decimal=locale.decimal_formats[None].pattern,
        percent=locale.percent_formats[None].pattern,
        symbols={c: s for c, s in sorted(locale.currency_symbols.items()) if c != s},
        long_date=long_date,
        long_months=long_months,
        short_date=short_date,
        short_months=short_months,
    )


def _short_date_pattern(locale: Locale) -> tuple[Locale, str]:
    """The locale and pattern of ``Formatter.short_date``.

    Bare English (no country) writes en_GB's ``yMMMd`` (``5 Mar 2026``):
    neither 3/1/2026 (US) nor 01/03/2026 (UK) reads the same everywhere.
    Every other locale writes its ``yMMdd`` skeleton's pattern, or the
    nearest one it has (as babel's ``format_skeleton`` chooses it).
    """
    from babel import Locale
    from babel.dates import match_skeleton

    skeleton = "yMMdd"
    if locale.language == "en" and locale.territory is None:
        locale, skeleton = Locale.parse("en_GB"), "yMMMd"
    skeletons = locale.datetime_skeletons
    if skeleton not in skeletons:
        skeleton = match_skeleton(skeleton, skeletons) or skeleton
    return locale, str(skeletons[skeleton].pattern)


# A date pattern's fields as ``str.format`` fields, written as babel's
# DateTimeFormat writes them ('%0*d' % (width, value); a two-letter year is
# the last two digits); month names go in as {month}.
_DATE_FIELDS: Final = {
    ("d", 1): "{d}",
    ("d", 2): "{dd}",
    ("M", 1): "{M}",
    ("M", 2): "{MM}",
    ("L", 1): "{M}",
    ("L", 2): "{MM}",
    ("y", 1): "{y}",
    ("y", 2): "{yy}",
    ("y", 4): "{yyyy}",
}
_MONTH_NAMES: Final = {
    ("M", 3): ("format", "abbreviated"),
    ("M", 4): ("format", "wide"),
    ("L", 3): ("stand-alone", "abbreviated"),
    ("L", 4): ("stand-alone", "wide"),
}


def _date_format(pattern: str, locale: Locale) -> tuple[str, tuple[str, ...]]:
    """A CLDR date pattern as a ``str.format`` string and the month names it prints.

    ``("", ())`` for a pattern with any other field (a weekday, an era): its
    dates are left to babel.
    """
    from babel.dates import tokenize_pattern

    parts: list[str] = []
    months: tuple[str, ...] = ()
    for kind, value in tokenize_pattern(pattern):
        if kind == "chars":
            parts.append(str(value).replace("{", "{{").replace("}", "}}"))
        elif value in _DATE_FIELDS:
            parts.append(_DATE_FIELDS[value])
        elif value in _MONTH_NAMES:
            context, width = _MONTH_NAMES[value]
            names = locale.months[context][width]
            months = tuple(names[m] for m in range(1, 13))
            parts.append("{month}")
        else:
            return "", ()
    return "".join(parts), months


def number_pattern(pattern: str) -> tuple[int, int, str, str, str, str]:
    """babel's parse of a number pattern: grouping (primary, secondary), prefixes, suffixes."""
    found = _cldr.NUMBER_PATTERNS.get(pattern)
    if found is not None:
        return found
    from babel.numbers import parse_pattern

    parsed = parse_pattern(pattern)
    primary, secondary = parsed.grouping
    return (primary, secondary, *parsed.prefix, *parsed.suffix)


def _apply_date(text: str, months: tuple[str, ...], day: date) -> str:
    """``day`` written in a pattern ``_date_format`` made."""
    year = day.year
    return text.format(
        d=day.day,
        dd=f"{day.day:02d}",
        M=day.month,
        MM=f"{day.month:02d}",
        y=year,
        yy=f"{year:02d}"[-2:],
        yyyy=f"{year:04d}",
        month=months[day.month - 1] if months else "",
    )


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
        self._primary, self._secondary, *affixes = number_pattern(pattern)
        self._group = group
        self._decimal = decimal

        def fix(text: str) -> str:
            return _unquote(text.replace("¤", symbol).replace("%", percent))

        prefix, negative_prefix, suffix, negative_suffix = map(fix, affixes)
        self._prefix = (prefix, negative_prefix)
        self._suffix = (suffix, negative_suffix)

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
        self._name = locale
        data = self._data = locale_data(locale)
        self.language = locale.split("_")[0] if locale in _cldr.LOCALES else self.locale.language
        persian = self.language == "fa"
        self.native_digits = persian and digits == "locale"
        self.jalali = persian and calendar == "locale"
        # babel keeps the pattern's '%' whatever the numbering system; Persian
        # digits come with CLDR's Persian percent sign (٪).
        if self.native_digits:
            group, decimal, percent = data.native
        else:
            (group, decimal, _), percent = data.latin, "%"
        self._group, self._decimal_symbol = group, decimal
        self.currency = currency
        self.symbol = data.symbols.get(currency, currency)
        # tomans: an Iranian rial amount divided by ten, chosen explicitly
        self.toman = money_unit == "toman" and currency == "IRR"
        if self.toman:
            self.symbol = "تومان" if persian else "toman"
        digits_of = _cldr.CURRENCY_DIGITS
        self._min_digits = digits_of.get(currency, digits_of["DEFAULT"])
        self._iso_digits = minor_units(currency)
        # Iranian documents write the number, then the currency (see the module notes)
        currency_pattern = _IRANIAN_CURRENCY if persian else data.currency
        self._currency = _Pattern(currency_pattern, group, decimal, self.symbol, percent)
        self._decimal = _Pattern(data.decimal, group, decimal, self.symbol, percent)
        self._percent = _Pattern(data.percent, group, decimal, self.symbol, percent)
        self._dates: dict[tuple[date, bool], str] = {}

    @functools.cached_property
    def locale(self) -> Locale:
        """The document's babel ``Locale`` (its data loads when first read)."""
        from babel import Locale

        return Locale.parse(self._name)

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def cached(
        locale: str, currency: str, digits: str, calendar: str, money_unit: str = "currency"
    ) -> Formatter:
        """A shared formatter (building one reads the locale's data and prepares its patterns)."""
        return Formatter(locale, currency, digits=digits, calendar=calendar, money_unit=money_unit)

    def _digits(self, text: str) -> str:
        return text.translate(_PERSIAN_DIGITS) if self.native_digits else text

    def digits(self, text: str) -> str:
        """``text`` with Persian digits on a Persian page (unless ``digits="latin"``)."""
        return self._digits(text)

    def grouped(self) -> tuple[dict[int, int | str], str, str, int, int] | None:
        """How :meth:`amount` and :meth:`number` write a value of zero or more,
        for a compiled formatter (the compiled invoice's explanations,
        ``invoicing/_template.py``): a ``str.translate`` table that turns
        ``format(value, ",f")`` (groups of three, ``,`` and ``.``) into the
        locale's group and decimal symbols and digits, the positive prefix and
        suffix (their digits translated), the currency's CLDR digits and its
        minor units; ``None`` where the locale does not group by threes or in
        tomans (then only these methods write its numbers)."""
        pattern = self._decimal
        if pattern._primary != 3 or pattern._secondary != 3 or self.toman:
            return None
        table: dict[int, int | str] = {ord(","): self._group, ord("."): self._decimal_symbol}
        if self.native_digits:
            table.update(_PERSIAN_DIGITS)
        return (
            table,
            self._digits(pattern._prefix[0]),
            self._digits(pattern._suffix[0]),
            self._min_digits,
            self._iso_digits,
        )

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
            _IRANIAN_CURRENCY,
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
            data = self._data
            text, months = (
                (data.long_date, data.long_months) if long else (data.short_date, data.short_months)
            )
            if self.jalali:
                found = _jalali(day, long)
            elif text:
                found = _apply_date(text, months, day)
            else:  # a pattern the table does not write: babel formats it
                found = _babel_date(day, long, self.locale)
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


def _babel_date(day: date, long: bool, locale: Locale) -> str:
    """``day`` formatted by babel: for a date pattern ``_date_format`` does not write."""
    from babel.dates import format_date

    if long:
        return str(format_date(day, "long", locale=locale))
    short_locale, pattern = _short_date_pattern(locale)
    return str(format_date(day, pattern, locale=short_locale))


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
