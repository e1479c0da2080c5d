"""The precomputed CLDR table (``render/_cldr.py``) against the installed babel.

``scripts/make_cldr_table.py`` writes the table from babel; these tests fail
when babel's data changes and the table was not written again, and check
that formatting from the table writes what babel's own public functions
write (``format_date``, ``format_skeleton``, ``get_currency_symbol``,
``get_currency_precision``), on every day of several years and every
currency babel knows.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel import Locale, localedata
from babel.core import get_global
from babel.dates import format_date, format_skeleton
from babel.numbers import (
    get_currency_precision,
    get_currency_symbol,
    list_currencies,
    parse_pattern,
)
from hypothesis import given
from hypothesis import strategies as st

from billkit.invoicing.render import _cldr
from billkit.invoicing.render.fmt import (
    Formatter,
    _babel_date,
    _date_format,
    babel_locale_data,
    locale_data,
)
from billkit.invoicing.render.model import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TABLE = sorted(_cldr.LOCALES)
# every CLDR locale of billkit's five languages that the table does not hold
OTHERS = sorted(
    name
    for name in localedata.locale_identifiers()
    if name.split("_")[0] in LANGUAGES and name not in _cldr.LOCALES
)


def _script() -> object:
    spec = importlib.util.spec_from_file_location(
        "make_cldr_table", ROOT / "scripts/make_cldr_table.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_table_holds_the_scripts_locales_each_language_bare_and_with_its_country() -> None:
    assert tuple(TABLE) == _script().LOCALES  # type: ignore[attr-defined]
    assert {name.split("_")[0] for name in TABLE} == set(LANGUAGES)
    assert set(LANGUAGES) <= set(TABLE)


@pytest.mark.parametrize("name", TABLE)
def test_each_locale_equals_what_babel_gives(name: str) -> None:
    assert _cldr.LOCALES[name] == babel_locale_data(name)


def test_number_patterns_and_currency_digits_equal_babels() -> None:
    for pattern, parsed in _cldr.NUMBER_PATTERNS.items():
        babel = parse_pattern(pattern)
        assert parsed == (*babel.grouping, *babel.prefix, *babel.suffix)
    used = {p for d in _cldr.LOCALES.values() for p in (d.currency, d.decimal, d.percent)}
    assert used <= set(_cldr.NUMBER_PATTERNS)
    fractions = get_global("currency_fractions")
    assert {code: f[0] for code, f in fractions.items()} == _cldr.CURRENCY_DIGITS
    for code in list_currencies():
        digits = _cldr.CURRENCY_DIGITS.get(code, _cldr.CURRENCY_DIGITS["DEFAULT"])
        assert digits == get_currency_precision(code), code


@pytest.mark.parametrize("name", TABLE)
def test_currency_symbols_equal_babels_for_every_currency(name: str) -> None:
    symbols = _cldr.LOCALES[name].symbols
    for code in list_currencies():
        assert symbols.get(code, code) == get_currency_symbol(code, name), code


def _babel_short(day: date, name: str) -> str:
    # the rule Formatter.short_date documents: bare English writes en_GB's
    # yMMMd ("5 Mar 2026"), every other locale its yMMdd skeleton
    if name == "en":
        return str(format_skeleton("yMMMd", day, locale="en_GB"))
    return str(format_skeleton("yMMdd", day, locale=name))


@pytest.mark.parametrize("name", [*TABLE, "en_IE", "en_CA", "it_CH", "ru_UA", "fa_AF"])
def test_dates_equal_babels_on_every_day_of_four_years(name: str) -> None:
    fmt = Formatter(name, "EUR", digits="latin", calendar="gregorian")  # babel's digits for fa
    day = date(2023, 1, 1)
    while day.year < 2027:  # every month name, both month forms, a leap day
        assert fmt.long_date(day) == format_date(day, "long", locale=name), day
        assert fmt.short_date(day) == _babel_short(day, name), day
        day += timedelta(days=1)


@given(st.dates(min_value=date(1, 1, 1)), st.sampled_from(TABLE))
def test_dates_equal_babels_in_any_year(day: date, name: str) -> None:
    # years of one to four digits: babel writes 'y' unpadded, 'yy' as two digits
    fmt = Formatter(name, "EUR", digits="latin", calendar="gregorian")
    assert fmt.long_date(day) == format_date(day, "long", locale=name)
    assert fmt.short_date(day) == _babel_short(day, name)


def test_every_locale_of_the_five_languages_is_written_without_babels_formatter() -> None:
    # babel_locale_data turns each locale's two date patterns into format
    # strings; a pattern with a field it does not write would be left to babel
    for name in OTHERS:
        data = locale_data(name)
        assert data.long_date, name
        assert data.short_date, name


def test_a_pattern_with_a_weekday_is_left_to_babel() -> None:
    en = Locale.parse("en_US")
    assert _date_format("EEEE, MMMM d, y", en) == ("", ())
    assert _date_format("MMMM d, y", en) == (
        "{month} {d}, {y}",
        tuple(en.months["format"]["wide"][m] for m in range(1, 13)),
    )
    day = date(2026, 3, 5)
    assert _babel_date(day, True, en) == "March 5, 2026"
    assert _babel_date(day, False, en) == "3/5/2026"
    assert _babel_date(day, False, Locale.parse("en")) == "5 Mar 2026"


_FRESH = """
import json, sys
from datetime import date
from decimal import Decimal
from babel import localedata
from billkit.invoicing.render import RenderDocument, render_pdf
from billkit.invoicing.render.model import Field, TotalRow
from billkit.money import Money
loaded = {}
for name, currency in (("en", "EUR"), ("ru_RU", "RUB"), ("uk_UA", "UAH"), ("it", "EUR"), ("fa_IR", "IRR")):
    doc = RenderDocument(
        kind="invoice", number="1", issue_date=date(2026, 3, 5), locale=name, currency=currency,
        fields=[Field(label="due_date", value=date(2026, 3, 15))],
        totals=[TotalRow(label="total_due", amount=Money(Decimal("1234.5"), currency), strong=True)],
    )
    render_pdf(doc)
    loaded[name] = sorted(localedata._cache)
print(json.dumps(loaded))
"""


def test_rendering_in_a_table_locale_loads_none_of_babels_locale_data() -> None:
    # a fresh process: other tests have loaded babel's data into this one
    out = subprocess.run(
        [sys.executable, "-c", _FRESH],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
    ).stdout
    assert json.loads(out) == {name: [] for name in ("en", "ru_RU", "uk_UA", "it", "fa_IR")}
