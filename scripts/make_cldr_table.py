"""Write ``src/billkit/invoicing/render/_cldr.py``: the CLDR data billkit's formatter needs.

A document's numbers, amounts and dates need a few dozen values of its
locale's CLDR data (number symbols and patterns, currency symbols, two date
patterns and the month names they print, the currencies' decimals). babel
keeps them in one pickled file per locale with everything else CLDR knows
(about 9 000 objects for English, 10 ms to load): the first document a
process rendered spent that loading them. This script reads exactly those
values with ``fmt.babel_locale_data`` (the function ``fmt.Formatter`` uses
for a locale the table does not list), for the locales of billkit's five
languages, and writes them as a small module.

``tests/render/test_cldr_table.py`` checks the module equals what the
installed babel gives, and that formatting with it writes what babel's own
``format_date``/``format_currency`` write: after a babel upgrade that
changes CLDR, the test fails until this script is run again::

    PYTHONPATH=src python scripts/make_cldr_table.py

The module is deterministic (the same babel, the same bytes), formatted by
ruff like the rest of the code.
"""

from __future__ import annotations

import pprint
import subprocess
import sys
from pathlib import Path

import babel
from babel.core import get_global

from billkit.invoicing.render.fmt import _IRANIAN_CURRENCY, babel_locale_data

LOCALES = ("en", "en_GB", "en_US", "fa", "fa_IR", "it", "it_IT", "ru", "ru_RU", "uk", "uk_UA")
"""The locales in the table: each of billkit's languages, bare and with its main country."""

TARGET = Path(__file__).resolve().parent.parent / "src/billkit/invoicing/render/_cldr.py"


def number_patterns(patterns: set[str]) -> dict[str, tuple[int, int, str, str, str, str]]:
    """babel's ``parse_pattern`` of each pattern: grouping, then prefixes and suffixes."""
    from babel.numbers import parse_pattern

    found = {}
    for pattern in sorted(patterns):
        parsed = parse_pattern(pattern)
        found[pattern] = (*parsed.grouping, *parsed.prefix, *parsed.suffix)
    return found


def currency_digits() -> dict[str, int]:
    """CLDR's decimals per currency, as babel's ``get_currency_precision`` reads them."""
    return {code: int(f[0]) for code, f in sorted(get_global("currency_fractions").items())}


def source() -> str:
    """The text of ``_cldr.py``."""
    locales = {name: babel_locale_data(name) for name in LOCALES}
    patterns = {_IRANIAN_CURRENCY}
    for data in locales.values():
        patterns |= {data.currency, data.decimal, data.percent}
    shared: dict[str, str] = {}  # the text of a symbols dict or month tuple -> its name
    tables = []

    def literal(value: object) -> str:
        return pprint.pformat(value, width=96, sort_dicts=False)

    def share(prefix: str, value: object) -> str:
        text = literal(value)
        if text not in shared:
            shared[text] = f"_{prefix}{len(shared)}"
            tables.append(f"{shared[text]} = {text}\n")
        return shared[text]

    entries = []
    for name, data in locales.items():
        fields = []
        for key, value in data._asdict().items():
            if key in ("symbols", "long_months", "short_months") and value:
                value_text = share("SYMBOLS" if key == "symbols" else "MONTHS", value)
            else:
                value_text = repr(value)
            fields.append(f"    {key}={value_text},")
        entries.append(f"{name!r}: LocaleData(\n" + "\n".join(fields) + "\n),")
    body = "\n".join(entries)
    return f'''"""CLDR data for billkit's locales, from babel {
        babel.__version__
    } (generated: do not edit).

Written by ``scripts/make_cldr_table.py``; ``tests/render/test_cldr_table.py``
checks it equals what the installed babel gives. ``fmt.Formatter`` reads a
locale listed here without loading babel's locale data, and asks babel for
any other.
"""

from __future__ import annotations

from typing import NamedTuple

BABEL_VERSION = {babel.__version__!r}


class LocaleData(NamedTuple):
    """What ``fmt.Formatter`` needs of one locale's CLDR data."""

    latin: tuple[str, str, str]
    """Group, decimal and percent symbols of the Latin digits (``latn``)."""
    native: tuple[str, str, str]
    """The same for the locale's default numbering system (``arabext`` for Persian)."""
    currency: str
    """The standard currency pattern."""
    decimal: str
    """The decimal pattern."""
    percent: str
    """The percent pattern."""
    symbols: dict[str, str]
    """Currency symbols, where one differs from the ISO code."""
    long_date: str
    """The long date pattern as a ``str.format`` string (empty: babel formats it)."""
    long_months: tuple[str, ...]
    """The month names it prints (empty: numeric months)."""
    short_date: str
    """``Formatter.short_date``'s pattern as a ``str.format`` string (empty: babel's)."""
    short_months: tuple[str, ...]
    """The month names it prints (empty: numeric months)."""


CURRENCY_DIGITS: dict[str, int] = {literal(currency_digits())}
"""CLDR's decimals per currency (``DEFAULT`` for the others): babel's ``get_currency_precision``."""

NUMBER_PATTERNS: dict[str, tuple[int, int, str, str, str, str]] = {
        literal(number_patterns(patterns))
    }
"""babel's ``parse_pattern`` of each pattern: grouping, prefixes (+, -), suffixes (+, -)."""

{"".join(tables)}
LOCALES: dict[str, LocaleData] = {{
{body}
}}
"""The locales in the table, by the name a document gives."""
'''


def main() -> None:
    TARGET.write_text(source(), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(TARGET)], check=True)
    print(f"wrote {TARGET}", file=sys.stderr)


if __name__ == "__main__":
    main()
