"""The one check of the parties' room that billkit._checks does not hold:
country codes (private)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from billkit import _checks as checks
from billkit.errors import InvoicingError, ValidationError

_COUNTRY: Final = re.compile(r"[A-Z]{2}")


def country(
    field: str,
    value: object,
    *,
    capitals: bool = False,
    error: type[ValidationError] = InvoicingError,
) -> str:
    """``value`` upper-cased if it is an ISO 3166-1 alpha-2 code (``'ru'`` -> ``'RU'``);
    with ``capitals=True`` only a code already in capitals (tax tables' keys).

    >>> country("country", "ru"), country("country", "RU", capitals=True)
    ('RU', 'RU')
    """
    if capitals:
        if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
            raise error(field, value, "an ISO 3166-1 alpha-2 code in capitals, such as 'RU'")
        return value
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value.upper()):
        raise error(field, value, "an ISO 3166-1 alpha-2 country code such as 'RU'")
    return value.upper()


if TYPE_CHECKING:  # mypy's attrs plugin needs named functions (see billkit._checks)

    def COUNTRY(value: object) -> str: ...

else:
    COUNTRY = checks.converter(country)
