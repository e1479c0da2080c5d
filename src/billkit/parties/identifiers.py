"""Identifiers: the schemes billkit checks and how.

:func:`validate_identifier` checks one identifier against its scheme
(:data:`IDENTIFIER_SCHEMES`); :func:`validate_settlement_account` and
:func:`validate_correspondent_account` check a Russian bank account together
with its bank's BIK.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final

import attrs

from billkit import _checks as checks
from billkit.errors import IdentifierError, InvoicingError

__all__ = [
    "IDENTIFIER_SCHEMES",
    "Identifier",
    "IdentifierScheme",
    "validate_correspondent_account",
    "validate_identifier",
    "validate_settlement_account",
]


@attrs.frozen(kw_only=True)
class IdentifierScheme:
    """One kind of identifier: its code, label, country and check.

    ``validate`` returns the identifier's compact form (spaces and separators
    removed) or raises :class:`~billkit.errors.IdentifierError`.

    >>> scheme: IdentifierScheme = IDENTIFIER_SCHEMES["ru.kpp"]
    >>> scheme.label, scheme.country
    ('KPP', 'RU')
    """

    code: str
    label: str
    country: str
    description: str
    validate: Callable[[str, str], str] = attrs.field(repr=False, eq=False)


@attrs.frozen
class _StdnumCheck:
    """A python-stdnum check as a function ``(field, value) -> compact value``.

    A class rather than a closure, so that a scheme holding it can be pickled.
    """

    module_name: str
    what: str

    def __call__(self, field: str, value: str) -> str:
        import importlib

        from stdnum.exceptions import (
            InvalidChecksum,
            InvalidComponent,
            InvalidFormat,
            InvalidLength,
            ValidationError,
        )

        module = importlib.import_module(self.module_name)
        try:
            return str(module.validate(value))
        except InvalidChecksum:
            reason = "the check digit does not match"
        except InvalidLength:
            reason = "the length is wrong"
        except InvalidFormat:
            reason = "the format is wrong"
        except InvalidComponent:
            reason = "a part of it is invalid"
        except ValidationError:  # pragma: no cover - every stdnum error subclasses the above
            reason = "it fails its check"
        raise IdentifierError(field, value, f"{self.what} ({reason})")


def _stdnum_check(module_name: str, what: str) -> Callable[[str, str], str]:
    return _StdnumCheck(module_name, what)


def _digits(field: str, value: str, lengths: Sequence[int], what: str) -> str:
    if not isinstance(value, str):
        raise IdentifierError(field, value, f"{what} as a str")
    compact = value.replace(" ", "").replace("-", "")
    if not compact.isascii() or not compact.isdigit() or len(compact) not in lengths:
        counts = " or ".join(str(n) for n in lengths)
        raise IdentifierError(field, value, f"{what}: {counts} digits")
    return compact


def _check_ogrn(field: str, value: str) -> str:
    """OGRN (13 digits) or OGRNIP (15 digits), as published by the Federal Tax
    Service (Order of the Ministry of Finance No. 66n of 2002 and No. 37n of
    2004): the check digit is the last digit of the remainder of the first 12
    digits divided by 11 (OGRN) or of the first 14 divided by 13 (OGRNIP); a
    remainder of 10 gives 0, of 11 gives 1, of 12 gives 2. The first digit is
    1 or 5 for an OGRN and 3 for an OGRNIP."""
    number = _digits(field, value, (13, 15), "an OGRN (13 digits) or OGRNIP (15 digits)")
    if len(number) == 13:
        if number[0] not in "15":
            raise IdentifierError(field, value, "an OGRN starting with 1 or 5")
        check = int(number[:12]) % 11 % 10
    else:
        if number[0] != "3":
            raise IdentifierError(field, value, "an OGRNIP starting with 3")
        check = int(number[:14]) % 13 % 10
    if int(number[-1]) != check:
        raise IdentifierError(
            field, value, f"an OGRN whose check digit matches (expected {check} last)"
        )
    return number


_KPP: Final = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")  # ASCII digits only: not \d


def _check_kpp(field: str, value: str) -> str:
    """KPP (tax registration reason code): 9 characters, NNNN PP XXX: the tax
    office (4 digits), the reason (2 digits or capital Latin letters, allowed
    since 2012 by FNS order ММВ-7-6/435@) and a sequence number (3 digits).
    It has no check digit."""
    compact = value.replace(" ", "")
    if not _KPP.fullmatch(compact):
        raise IdentifierError(
            field, value, "a KPP: 4 digits, 2 digits or capital Latin letters, 3 digits"
        )
    return compact


def _check_bik(field: str, value: str) -> str:
    """BIK (Russian bank identification code): 9 digits starting with 04, the
    code of Russia in the Bank of Russia's directory. It has no check digit;
    its last three digits key the account numbers (see
    :func:`validate_settlement_account`)."""
    number = _digits(field, value, (9,), "a BIK")
    if not number.startswith("04"):
        raise IdentifierError(field, value, "a BIK starting with 04 (Russia)")
    return number


def _check_iran_national_id(field: str, value: str) -> str:
    """Iranian national ID (kod-e melli): 10 digits, the last a check digit.
    With ``s`` the sum of the first nine digits times 10, 9, ..., 2 and
    ``r = s mod 11``, the check digit is ``r`` when ``r < 2`` and ``11 - r``
    otherwise. Ten equal digits pass that sum but are never issued."""
    number = _digits(field, value, (10,), "an Iranian national ID")
    if len(set(number)) == 1:
        raise IdentifierError(field, value, "an Iranian national ID (ten equal digits are void)")
    r = sum(int(d) * (10 - i) for i, d in enumerate(number[:9])) % 11
    check = r if r < 2 else 11 - r
    if int(number[9]) != check:
        raise IdentifierError(
            field, value, f"an Iranian national ID whose check digit matches (expected {check})"
        )
    return number


_IRAN_LEGAL_WEIGHTS: Final = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)


def _check_iran_legal_id(field: str, value: str) -> str:
    """Iranian legal-entity national ID (shenase-ye melli), 11 digits, the last
    a check digit, as the Organisation for Registration of Deeds publishes
    it: with ``d`` the tenth digit plus 2, ``s`` the sum of (each of the first
    ten digits + ``d``) times 29, 27, 23, 19, 17, 29, 27, 23, 19, 17, and
    ``r = s mod 11`` (10 counts as 0), the check digit is ``r``."""
    number = _digits(field, value, (11,), "an Iranian legal-entity national ID")
    if len(set(number)) == 1:
        raise IdentifierError(
            field, value, "an Iranian legal-entity national ID (not 11 equal digits)"
        )
    d = int(number[9]) + 2
    r = sum((int(c) + d) * w for c, w in zip(number[:10], _IRAN_LEGAL_WEIGHTS, strict=True)) % 11
    check = 0 if r == 10 else r
    if int(number[10]) != check:
        raise IdentifierError(
            field,
            value,
            f"an Iranian legal-entity national ID whose check digit matches (expected {check})",
        )
    return number


def _check_iran_economic_code(field: str, value: str) -> str:
    """Iranian economic code (kod-e eghtesadi). Since 1397 (2018) it is the
    national ID: 11 digits (a legal entity) or the 10-digit national code (a
    person), each checked as such; older codes have 12 digits and no
    published check digit."""
    number = _digits(field, value, (10, 11, 12), "an Iranian economic code")
    if len(number) == 10:
        return _check_iran_national_id(field, value)
    if len(number) == 11:
        return _check_iran_legal_id(field, value)
    return number


def _check_iran_postal_code(field: str, value: str) -> str:
    """Iranian postal code: 10 digits with no check digit; none starts with 0
    and ten equal digits are never issued."""
    number = _digits(field, value, (10,), "an Iranian postal code")
    if number[0] == "0" or len(set(number)) == 1:
        raise IdentifierError(
            field, value, "an Iranian postal code (not starting with 0, not ten equal digits)"
        )
    return number


def _check_ua_ipn(field: str, value: str) -> str:
    """Ukrainian VAT payer's individual tax number (ІПН платника ПДВ): 12
    digits. No check digit is published for it, so only its form is checked."""
    return _digits(field, value, (12,), "a Ukrainian VAT payer's number (ІПН)")


_IBAN: Final = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_IBAN_LENGTHS: Final = {"IR": 26}  # Sheba: IR, 2 check digits, 22 digits


def _check_iban(field: str, value: str) -> str:
    """IBAN (ISO 13616): two letters, two check digits, the account (BBAN).
    The check: move the first four characters to the end, replace each
    letter by 10..35, and the number mod 97 must be 1. An Iranian Sheba
    number is IR + 24 digits; other countries' lengths and formats come from
    python-stdnum's registry. The message says which part failed."""
    compact = value.replace(" ", "").replace("-", "").upper()
    if not _IBAN.fullmatch(compact):
        raise IdentifierError(
            field, value, "an IBAN: 2 letters, 2 check digits, then 11 to 30 letters or digits"
        )
    country = compact[:2]
    length = _IBAN_LENGTHS.get(country)
    if length is not None and (len(compact) != length or not compact[4:].isdigit()):
        raise IdentifierError(
            field, value, f"an IBAN of {country}: {length} characters, all digits after {country}"
        )
    remainder = int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97
    if remainder != 1:
        raise IdentifierError(
            field,
            value,
            f"an IBAN whose check digits match (ISO 13616 mod 97 gives {remainder}, not 1)",
        )
    if length is None:
        from stdnum import iban
        from stdnum.exceptions import ValidationError

        try:
            iban.validate(compact)
        except ValidationError:
            raise IdentifierError(
                field, value, f"an IBAN whose length and bank part fit {country}'s format"
            ) from None
    return compact


IDENTIFIER_SCHEMES: Final[Mapping[str, IdentifierScheme]] = checks.FrozenMap(
    {
        scheme.code: scheme
        for scheme in (
            IdentifierScheme(
                code="ru.inn",
                label="INN",
                country="RU",
                description="Russian taxpayer number (10 digits: organisation; 12: person)",
                validate=_stdnum_check("stdnum.ru.inn", "a Russian INN whose check digits match"),
            ),
            IdentifierScheme(
                code="ru.kpp",
                label="KPP",
                country="RU",
                description="Russian tax registration reason code",
                validate=_check_kpp,
            ),
            IdentifierScheme(
                code="ru.ogrn",
                label="OGRN",
                country="RU",
                description="Russian primary state registration number (OGRN or OGRNIP)",
                validate=_check_ogrn,
            ),
            IdentifierScheme(
                code="ru.bik",
                label="BIK",
                country="RU",
                description="Russian bank identification code",
                validate=_check_bik,
            ),
            IdentifierScheme(
                code="ua.edrpou",
                label="EDRPOU",
                country="UA",
                description="Ukrainian legal entity code (ЄДРПОУ)",
                validate=_stdnum_check(
                    "stdnum.ua.edrpou", "a Ukrainian EDRPOU code whose check digit matches"
                ),
            ),
            IdentifierScheme(
                code="ua.rntrc",
                label="RNTRC",
                country="UA",
                description="Ukrainian individual taxpayer number (РНОКПП)",
                validate=_stdnum_check(
                    "stdnum.ua.rntrc", "a Ukrainian RNTRC whose check digit matches"
                ),
            ),
            IdentifierScheme(
                code="it.iva",
                label="Partita IVA",
                country="IT",
                description="Italian VAT number (11 digits)",
                validate=_stdnum_check(
                    "stdnum.it.iva", "an Italian Partita IVA whose check digit matches"
                ),
            ),
            IdentifierScheme(
                code="it.cf",
                label="Codice Fiscale",
                country="IT",
                description="Italian fiscal code (16 characters: person; 11 digits: company)",
                validate=_stdnum_check(
                    "stdnum.it.codicefiscale", "an Italian Codice Fiscale whose check matches"
                ),
            ),
            IdentifierScheme(
                code="eu.vat",
                label="VAT",
                country="",
                description="EU VAT identification number with its country prefix",
                validate=_stdnum_check(
                    "stdnum.eu.vat", "an EU VAT number with its country prefix, whose check matches"
                ),
            ),
            IdentifierScheme(
                code="ir.national_id",
                label="National ID",
                country="IR",
                description="Iranian national ID (kod-e melli, 10 digits)",
                validate=_check_iran_national_id,
            ),
            IdentifierScheme(
                code="ir.legal_id",
                label="National ID",
                country="IR",
                description="Iranian legal-entity national ID (shenase-ye melli, 11 digits)",
                validate=_check_iran_legal_id,
            ),
            IdentifierScheme(
                code="ir.economic_code",
                label="Economic code",
                country="IR",
                description="Iranian economic code (kod-e eghtesadi)",
                validate=_check_iran_economic_code,
            ),
            IdentifierScheme(
                code="ir.postal_code",
                label="Postal code",
                country="IR",
                description="Iranian postal code (10 digits)",
                validate=_check_iran_postal_code,
            ),
            IdentifierScheme(
                code="ua.ipn",
                label="IPN",
                country="UA",
                description="Ukrainian VAT payer's individual tax number (ІПН, 12 digits)",
                validate=_check_ua_ipn,
            ),
            IdentifierScheme(
                code="iban",
                label="IBAN",
                country="",
                description="International bank account number (ISO 13616), Sheba in Iran",
                validate=_check_iban,
            ),
            IdentifierScheme(
                code="swift",
                label="SWIFT",
                country="",
                description="SWIFT bank identifier code (BIC)",
                validate=_stdnum_check("stdnum.bic", "a SWIFT BIC (8 or 11 characters)"),
            ),
        )
    }
)
"""Every identifier scheme billkit checks, by code.

>>> sorted(IDENTIFIER_SCHEMES)
['eu.vat', 'iban', 'ir.economic_code', 'ir.legal_id', 'ir.national_id', 'ir.postal_code', 'it.cf', 'it.iva', 'ru.bik', 'ru.inn', 'ru.kpp', 'ru.ogrn', 'swift', 'ua.edrpou', 'ua.ipn', 'ua.rntrc']
"""


def validate_identifier(scheme: str, value: str, *, field: str | None = None) -> str:
    """``value`` checked as an identifier of ``scheme``, in its compact form.

    Raises :class:`~billkit.errors.IdentifierError` naming ``field`` (the
    scheme by default), the value and what was expected.

    >>> validate_identifier("ru.ogrn", "304500116000157")      # an OGRNIP
    '304500116000157'
    >>> validate_identifier("ir.national_id", "0499370899")
    '0499370899'
    >>> validate_identifier("iban", "IR06 2960 0000 0010 0324 2000 01")  # a Sheba number
    'IR062960000000100324200001'
    >>> validate_identifier("iban", "IR072960000000100324200001")
    Traceback (most recent call last):
    ...
    billkit.errors.IdentifierError: iban = 'IR072960000000100324200001': expected an IBAN whose check digits match (ISO 13616 mod 97 gives 2, not 1)
    >>> validate_identifier("ru.kpp", "7736 01 001")
    '773601001'
    >>> validate_identifier("ua.edrpou", "32855968")
    Traceback (most recent call last):
    ...
    billkit.errors.IdentifierError: ua.edrpou = '32855968': expected a Ukrainian EDRPOU code whose check digit matches (the check digit does not match)
    """
    name = scheme if field is None else field
    found = IDENTIFIER_SCHEMES.get(scheme) if isinstance(scheme, str) else None
    if found is None:
        raise InvoicingError("scheme", scheme, f"one of {sorted(IDENTIFIER_SCHEMES)}")
    if not isinstance(value, str) or not value.strip():
        raise IdentifierError(name, value, f"a {found.label} as a non-empty str")
    return found.validate(name, value.strip())


_ACCOUNT_WEIGHTS: Final = (7, 1, 3) * 8


def _account_key_ok(prefix: str, account: str) -> bool:
    digits = prefix + account
    return (
        sum(int(d) * w for d, w in zip(digits, _ACCOUNT_WEIGHTS[: len(digits)], strict=True)) % 10
        == 0
    )


def validate_settlement_account(account: str, bik: str, *, field: str = "account") -> str:
    """A Russian settlement account (расчётный счёт, 20 digits) checked with
    the BIK of its bank; returns the account's digits.

    The Bank of Russia's control key (its procedure of 8 September 1997,
    No. 515, kept by Regulation 579-P): the last three digits of the BIK
    followed by the 20 digits of the account are multiplied by the weights
    7, 1, 3, 7, 1, 3, ...; the sum of the products must end in 0. For an
    account held at a Bank of Russia division (BIK ending in 000 to 002) the
    three digits are ``0`` and the 5th and 6th digits of the BIK.

    >>> validate_settlement_account("40702810900000000001", "044525225")
    Traceback (most recent call last):
    ...
    billkit.errors.IdentifierError: account = '40702810900000000001': expected a settlement account whose control key matches BIK 044525225
    """
    number = _digits(field, account, (20,), "a Russian bank account")
    code = _check_bik("bik", bik.strip()) if isinstance(bik, str) else None
    if code is None:
        raise IdentifierError("bik", bik, "a BIK as a str")
    prefix = "0" + code[4:6] if code[6:] in ("000", "001", "002") else code[6:]
    if not _account_key_ok(prefix, number):
        raise IdentifierError(
            field, account, f"a settlement account whose control key matches BIK {code}"
        )
    return number


def validate_correspondent_account(
    account: str, bik: str, *, field: str = "correspondent_account"
) -> str:
    """A Russian bank's correspondent account (20 digits) checked with its BIK.

    It starts with 301 (a credit institution's account at the Bank of
    Russia), ends with the last three digits of the BIK, and its control key
    (see :func:`validate_settlement_account`) is computed with ``0`` and the
    5th and 6th digits of the BIK.

    >>> validate_correspondent_account("30101810400000000225", "044525225")
    '30101810400000000225'
    """
    number = _digits(field, account, (20,), "a correspondent account")
    code = _check_bik("bik", bik.strip()) if isinstance(bik, str) else None
    if code is None:
        raise IdentifierError("bik", bik, "a BIK as a str")
    if not number.startswith("301") or number[-3:] != code[6:]:
        raise IdentifierError(
            field,
            account,
            f"a correspondent account starting with 301 and ending with {code[6:]} (BIK {code})",
        )
    if not _account_key_ok("0" + code[4:6], number):
        raise IdentifierError(
            field, account, f"a correspondent account whose control key matches BIK {code}"
        )
    return number


@attrs.frozen(kw_only=True)
class Identifier:
    """One identifier of a party: its scheme (``'ru.inn'``) and compact value.

    >>> Identifier(scheme="ru.inn", value="7707083893").label
    'INN'
    """

    scheme: str
    value: str

    def __attrs_post_init__(self) -> None:
        checked = validate_identifier(self.scheme, self.value)
        object.__setattr__(self, "value", checked)

    @property
    def label(self) -> str:
        """The identifier's short label (INN, KPP, EDRPOU, Partita IVA...)."""
        return IDENTIFIER_SCHEMES[self.scheme].label


def _identifiers(value: object) -> tuple[Identifier, ...]:
    items: list[object]
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, str) or key not in IDENTIFIER_SCHEMES:
                raise InvoicingError(
                    "identifiers", key, f"a scheme, one of {sorted(IDENTIFIER_SCHEMES)}"
                )
            field = f"identifiers[{key!r}]"
            if not isinstance(item, str):
                raise IdentifierError(field, item, "a non-empty str")
            # checked here first, so an error names the party's field
            items.append(Identifier(scheme=key, value=validate_identifier(key, item, field=field)))
    elif isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvoicingError(
            "identifiers", value, "a mapping of scheme to value, such as {'ru.inn': '7707083893'}"
        )
    else:
        items = list(value)
    seen: set[str] = set()
    result = []
    for i, ident in enumerate(items):
        if not isinstance(ident, Identifier):
            raise InvoicingError(f"identifiers[{i}]", ident, "an Identifier")
        if ident.scheme in seen:
            raise InvoicingError(
                "identifiers", value, f"each scheme once ({ident.scheme!r} repeats)"
            )
        seen.add(ident.scheme)
        result.append(ident)
    return tuple(sorted(result, key=lambda ident: ident.scheme))
