"""Parties: who sells, who pays, and the identifiers printed on their documents.

A :class:`Party` is a seller or a payer: an individual, a legal entity or a
sole proprietor (:class:`PartyKind`), registered in a country, with its
addresses, bank details, director and identifiers. Every document snapshots
the parties it was built from, so details changed later apply to the next
document only.

Identifiers are checked when a party is built (:func:`validate_identifier`):

* with `python-stdnum <https://arthurdejong.org/python-stdnum/>`_ where it has
  the identifier: Russian INN (``ru.inn``), Ukrainian EDRPOU (``ua.edrpou``)
  and RNTRC (``ua.rntrc``), Italian Partita IVA (``it.iva``) and Codice Fiscale
  (``it.cf``), EU VAT numbers (``eu.vat``), IBAN (``iban``) and SWIFT BIC
  (``swift``);
* with a small implementation of the published algorithm where it has not, or
  where its check is wrong: Russian OGRN and OGRNIP (``ru.ogrn``: stdnum's
  15-digit check omits the final ``mod 10`` and refuses valid OGRNIPs whose
  remainder is 10, 11 or 12), KPP (``ru.kpp``), BIK (``ru.bik``), a
  settlement or correspondent account checked together with the BIK
  (:func:`validate_settlement_account`, :func:`validate_correspondent_account`)
  and the Iranian national ID, *kod-e melli* (``ir.national_id``).

Which details a kind of payer must have in a country is data
(:class:`PartyRules`); :func:`missing_details` lists what a party lacks and
:func:`check_party` refuses it. Russia's rules follow the hosting provider's
payer forms (REQUIREMENTS.md, section 3).

An :class:`Account` holds several payers and their contracts; two payers
created by mistake are merged with :func:`merge_payers`.

>>> seller = Party(
...     kind="legal_entity", country="RU", name='ПАО "Сбербанк"',
...     identifiers={"ru.inn": "7707083893", "ru.kpp": "773601001", "ru.ogrn": "1027700132195"},
...     bank=BankAccount(bank_name="ПАО Сбербанк", bik="044525225",
...                      correspondent_account="30101810400000000225"),
... )
>>> seller.identifier("ru.inn")
'7707083893'
>>> Party(kind="legal_entity", country="RU", name="ACME", identifiers={"ru.inn": "7707083894"})
Traceback (most recent call last):
...
billkit.errors.IdentifierError: identifiers['ru.inn'] = '7707083894': expected a Russian INN whose check digits match (the check digit does not match)
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Final, TypeVar

import attrs

from billkit._frozen import FrozenDict
from billkit.errors import IdentifierError, InvoicingError

__all__ = [
    "DEFAULT_RULES",
    "IDENTIFIER_SCHEMES",
    "Account",
    "Address",
    "BankAccount",
    "Contract",
    "Identifier",
    "IdentifierScheme",
    "Party",
    "PartyKind",
    "PartyRules",
    "Passport",
    "PayerMerge",
    "Signatory",
    "check_party",
    "merge_payers",
    "missing_details",
    "validate_correspondent_account",
    "validate_identifier",
    "validate_settlement_account",
]


# --------------------------------------------------------------------------- checks


def _text(field: str, value: object, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvoicingError(field, value, "a str")
    if value != value.strip():
        raise InvoicingError(field, value, "a str without surrounding spaces")
    if required and not value:
        raise InvoicingError(field, value, "a non-empty str")
    return value


def _optional_date(field: str, value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvoicingError(field, value, "a datetime.date or None")
    return value


_COUNTRY: Final = re.compile(r"[A-Z]{2}")


def _country(field: str, value: object) -> str:
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value.upper()):
        raise InvoicingError(field, value, "an ISO 3166-1 alpha-2 country code such as 'RU'")
    return value.upper()


class PartyKind(str, enum.Enum):
    """What kind of party: an individual, a legal entity or a sole proprietor.

    >>> PartyKind("sole_proprietor") is PartyKind.SOLE_PROPRIETOR
    True
    """

    INDIVIDUAL = "individual"
    LEGAL_ENTITY = "legal_entity"
    SOLE_PROPRIETOR = "sole_proprietor"


def _kind(value: object) -> PartyKind:
    try:
        return PartyKind(value)
    except ValueError:
        choices = ", ".join(repr(k.value) for k in PartyKind)
        raise InvoicingError("kind", value, f"one of {choices}") from None


# --------------------------------------------------------------------------- identifiers


# Named converters (mypy's attrs plugin needs named functions).


def _c_account_id_required(value: object) -> str:
    return _text("account.id", value, required=True)


def _c_address_city(value: object) -> str:
    return _text("address.city", value)


def _c_address_country_country(value: object) -> str:
    return _country("address.country", value)


def _c_address_postal_code(value: object) -> str:
    return _text("address.postal_code", value)


def _c_address_region(value: object) -> str:
    return _text("address.region", value)


def _c_address_street(value: object) -> str:
    return _text("address.street", value)


def _c_bank_account(value: object) -> str:
    return _text("bank.account", value)


def _c_bank_bank_address(value: object) -> str:
    return _text("bank.bank_address", value)


def _c_bank_bank_name(value: object) -> str:
    return _text("bank.bank_name", value)


def _c_bank_bik(value: object) -> str:
    return _text("bank.bik", value)


def _c_bank_correspondent_account(value: object) -> str:
    return _text("bank.correspondent_account", value)


def _c_bank_iban(value: object) -> str:
    return _text("bank.iban", value)


def _c_bank_swift(value: object) -> str:
    return _text("bank.swift", value)


def _c_contact(value: object) -> str:
    return _text("contact", value)


def _c_contract_number_required(value: object) -> str:
    return _text("contract.number", value, required=True)


def _c_contract_payer_required(value: object) -> str:
    return _text("contract.payer", value, required=True)


def _c_contract_signed_on_opt_date(value: object) -> date | None:
    return _optional_date("contract.signed_on", value)


def _c_contract_title(value: object) -> str:
    return _text("contract.title", value)


def _c_country_country(value: object) -> str:
    return _country("country", value)


def _c_director_basis(value: object) -> str:
    return _text("director.basis", value)


def _c_director_name_dative(value: object) -> str:
    return _text("director.name_dative", value)


def _c_director_name_genitive(value: object) -> str:
    return _text("director.name_genitive", value)


def _c_director_name_required(value: object) -> str:
    return _text("director.name", value, required=True)


def _c_director_position(value: object) -> str:
    return _text("director.position", value)


def _c_director_position_dative(value: object) -> str:
    return _text("director.position_dative", value)


def _c_director_position_genitive(value: object) -> str:
    return _text("director.position_genitive", value)


def _c_email(value: object) -> str:
    return _text("email", value)


def _c_fax(value: object) -> str:
    return _text("fax", value)


def _c_id(value: object) -> str:
    return _text("id", value)


def _c_name_required(value: object) -> str:
    return _text("name", value, required=True)


def _c_passport_birth_date_opt_date(value: object) -> date | None:
    return _optional_date("passport.birth_date", value)


def _c_passport_issued_by(value: object) -> str:
    return _text("passport.issued_by", value)


def _c_passport_issued_on_opt_date(value: object) -> date | None:
    return _optional_date("passport.issued_on", value)


def _c_passport_number(value: object) -> str:
    return _text("passport.number", value)


def _c_passport_registration_address(value: object) -> str:
    return _text("passport.registration_address", value)


def _c_passport_registration_city(value: object) -> str:
    return _text("passport.registration_city", value)


def _c_phone(value: object) -> str:
    return _text("phone", value)


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


_KPP: Final = re.compile(r"\d{4}[0-9A-Z]{2}\d{3}")


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


IDENTIFIER_SCHEMES: Final[Mapping[str, IdentifierScheme]] = FrozenDict(
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
                code="iban",
                label="IBAN",
                country="",
                description="International bank account number",
                validate=_stdnum_check("stdnum.iban", "an IBAN whose check digits match"),
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
['eu.vat', 'iban', 'ir.national_id', 'it.cf', 'it.iva', 'ru.bik', 'ru.inn', 'ru.kpp', 'ru.ogrn', 'swift', 'ua.edrpou', 'ua.rntrc']
"""


def validate_identifier(scheme: str, value: str, *, field: str | None = None) -> str:
    """``value`` checked as an identifier of ``scheme``, in its compact form.

    Raises :class:`~billkit.errors.IdentifierError` naming ``field`` (the
    scheme by default), the value and what was expected.

    >>> validate_identifier("ru.ogrn", "304500116000157")      # an OGRNIP
    '304500116000157'
    >>> validate_identifier("ir.national_id", "0499370899")
    '0499370899'
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


# --------------------------------------------------------------------------- details


def _str_field(name: str) -> Callable[[object], str]:
    return lambda value: _text(name, value)


@attrs.frozen(kw_only=True)
class Address:
    """A postal address. ``country`` is an ISO 3166-1 alpha-2 code.

    >>> print(Address(country="RU", postal_code="140140", city="Москва",
    ...               street="ул. Ленина, д. 1"))
    140140, Москва, ул. Ленина, д. 1
    """

    country: str = attrs.field(converter=_c_address_country_country)
    postal_code: str = attrs.field(default="", converter=_c_address_postal_code)
    region: str = attrs.field(default="", converter=_c_address_region)
    city: str = attrs.field(default="", converter=_c_address_city)
    street: str = attrs.field(default="", converter=_c_address_street)

    def __str__(self) -> str:
        return ", ".join(p for p in (self.postal_code, self.region, self.city, self.street) if p)


@attrs.frozen(kw_only=True)
class BankAccount:
    """Bank details: the account to pay into, and the bank's identifiers.

    Russian details are a settlement ``account`` (расчётный счёт), the bank's
    ``bik`` and ``correspondent_account``; both accounts are checked against
    the BIK when given together. Elsewhere an ``iban`` and the bank's ``swift``
    code (both checked). Empty fields are simply absent.

    >>> BankAccount(bank_name="ПАО Сбербанк", bik="044525225",
    ...             correspondent_account="30101810400000000225").bik
    '044525225'
    >>> BankAccount(bik="044525225", correspondent_account="30101810400000000226")
    Traceback (most recent call last):
    ...
    billkit.errors.IdentifierError: bank.correspondent_account = '30101810400000000226': expected a correspondent account starting with 301 and ending with 225 (BIK 044525225)
    """

    bank_name: str = attrs.field(default="", converter=_c_bank_bank_name)
    account: str = attrs.field(default="", converter=_c_bank_account)
    bik: str = attrs.field(default="", converter=_c_bank_bik)
    correspondent_account: str = attrs.field(default="", converter=_c_bank_correspondent_account)
    iban: str = attrs.field(default="", converter=_c_bank_iban)
    swift: str = attrs.field(default="", converter=_c_bank_swift)
    bank_address: str = attrs.field(default="", converter=_c_bank_bank_address)

    def __attrs_post_init__(self) -> None:
        set_ = object.__setattr__
        if self.bik:
            set_(self, "bik", validate_identifier("ru.bik", self.bik, field="bank.bik"))
            if self.account:
                set_(
                    self,
                    "account",
                    validate_settlement_account(self.account, self.bik, field="bank.account"),
                )
            if self.correspondent_account:
                set_(
                    self,
                    "correspondent_account",
                    validate_correspondent_account(
                        self.correspondent_account, self.bik, field="bank.correspondent_account"
                    ),
                )
        elif self.correspondent_account:
            raise InvoicingError(
                "bank.bik", "", "the bank's BIK: a correspondent account is checked with it"
            )
        if self.iban:
            set_(self, "iban", validate_identifier("iban", self.iban, field="bank.iban"))
        if self.swift:
            set_(self, "swift", validate_identifier("swift", self.swift, field="bank.swift"))


@attrs.frozen(kw_only=True)
class Passport:
    """An individual's identity document, as Russian contracts print it.

    >>> Passport(number="1111 111111", issued_on=date(2000, 12, 1),
    ...          issued_by="УФМС г. Москва").issued_by
    'УФМС г. Москва'
    """

    number: str = attrs.field(default="", converter=_c_passport_number)
    issued_on: date | None = attrs.field(default=None, converter=_c_passport_issued_on_opt_date)
    issued_by: str = attrs.field(default="", converter=_c_passport_issued_by)
    birth_date: date | None = attrs.field(default=None, converter=_c_passport_birth_date_opt_date)
    registration_city: str = attrs.field(default="", converter=_c_passport_registration_city)
    registration_address: str = attrs.field(default="", converter=_c_passport_registration_address)


@attrs.frozen(kw_only=True)
class Signatory:
    """Who signs for a legal entity, and on what authority.

    Russian documents also need the name and position in the genitive and
    dative cases ("в лице Генерального директора Иванова Ивана Ивановича,
    действующего на основании Устава").

    >>> Signatory(name="Иванов Иван Иванович", position="Генеральный директор",
    ...           basis="Устава").basis
    'Устава'
    """

    name: str = attrs.field(converter=_c_director_name_required)
    position: str = attrs.field(default="", converter=_c_director_position)
    basis: str = attrs.field(default="", converter=_c_director_basis)
    name_genitive: str = attrs.field(default="", converter=_c_director_name_genitive)
    position_genitive: str = attrs.field(default="", converter=_c_director_position_genitive)
    name_dative: str = attrs.field(default="", converter=_c_director_name_dative)
    position_dative: str = attrs.field(default="", converter=_c_director_position_dative)


_T = TypeVar("_T")


def _opt(kind: type[_T], field: str, value: object) -> _T | None:
    if value is not None and not isinstance(value, kind):
        raise InvoicingError(field, value, f"a {kind.__name__} or None")
    return value


def _c_legal_address_opt(value: object) -> Address | None:
    return _opt(Address, "legal_address", value)


def _c_actual_address_opt(value: object) -> Address | None:
    return _opt(Address, "actual_address", value)


def _c_bank_opt(value: object) -> BankAccount | None:
    return _opt(BankAccount, "bank", value)


def _c_director_opt(value: object) -> Signatory | None:
    return _opt(Signatory, "director", value)


def _c_passport_opt(value: object) -> Passport | None:
    return _opt(Passport, "passport", value)


@attrs.frozen(kw_only=True)
class Party:
    """A seller or payer, with every detail its documents print.

    ``id`` is the payer's id in your system (unique within an
    :class:`Account`). ``actual_address`` is ``None`` when it is the same as
    the legal address. ``identifiers`` maps a scheme (see
    :data:`IDENTIFIER_SCHEMES`) to its value; each is checked, and a Russian
    INN, OGRN and KPP must fit the kind of party (a 10-digit INN and 13-digit
    OGRN for a legal entity, a 12-digit INN and 15-digit OGRNIP otherwise,
    a KPP for legal entities only).

    >>> ip = Party(kind="sole_proprietor", country="RU", name="ИП Иванов Иван Иванович",
    ...            identifiers={"ru.inn": "500100732259", "ru.ogrn": "304500116000157"})
    >>> [i.label for i in ip.identifiers]
    ['INN', 'OGRN']
    >>> Party(kind="legal_entity", country="RU", name="ACME", identifiers={"ru.inn": "500100732259"})
    Traceback (most recent call last):
    ...
    billkit.errors.IdentifierError: identifiers['ru.inn'] = '500100732259': expected a 10-digit INN for a legal entity
    """

    kind: PartyKind = attrs.field(converter=_kind)
    country: str = attrs.field(converter=_c_country_country)
    name: str = attrs.field(converter=_c_name_required)
    id: str = attrs.field(default="", converter=_c_id)
    contact: str = attrs.field(default="", converter=_c_contact)
    email: str = attrs.field(default="", converter=_c_email)
    phone: str = attrs.field(default="", converter=_c_phone)
    fax: str = attrs.field(default="", converter=_c_fax)
    legal_address: Address | None = attrs.field(default=None, converter=_c_legal_address_opt)
    actual_address: Address | None = attrs.field(default=None, converter=_c_actual_address_opt)
    identifiers: tuple[Identifier, ...] = attrs.field(default=(), converter=_identifiers)
    bank: BankAccount | None = attrs.field(default=None, converter=_c_bank_opt)
    director: Signatory | None = attrs.field(default=None, converter=_c_director_opt)
    passport: Passport | None = attrs.field(default=None, converter=_c_passport_opt)

    def __attrs_post_init__(self) -> None:
        legal = self.kind is PartyKind.LEGAL_ENTITY
        inn = self.identifier("ru.inn")
        if inn is not None:
            if legal and len(inn) != 10:
                raise IdentifierError(
                    "identifiers['ru.inn']", inn, "a 10-digit INN for a legal entity"
                )
            if not legal and len(inn) != 12:
                raise IdentifierError(
                    "identifiers['ru.inn']", inn, f"a 12-digit INN for {_A[self.kind]}"
                )
        ogrn = self.identifier("ru.ogrn")
        if ogrn is not None:
            if legal and len(ogrn) != 13:
                raise IdentifierError(
                    "identifiers['ru.ogrn']", ogrn, "a 13-digit OGRN for a legal entity"
                )
            if self.kind is PartyKind.SOLE_PROPRIETOR and len(ogrn) != 15:
                raise IdentifierError(
                    "identifiers['ru.ogrn']", ogrn, "a 15-digit OGRNIP for a sole proprietor"
                )
            if self.kind is PartyKind.INDIVIDUAL:
                raise IdentifierError(
                    "identifiers['ru.ogrn']", ogrn, "no OGRN: an individual is not registered"
                )
        if self.identifier("ru.kpp") is not None and not legal:
            raise IdentifierError(
                "identifiers['ru.kpp']",
                self.identifier("ru.kpp"),
                f"no KPP: only legal entities have one, not {_A[self.kind]}",
            )

    def identifier(self, scheme: str) -> str | None:
        """The value of the identifier of ``scheme``, or ``None``."""
        for ident in self.identifiers:
            if ident.scheme == scheme:
                return ident.value
        return None

    @property
    def address(self) -> Address | None:
        """Where the party actually is: the actual address, else the legal one."""
        return self.actual_address if self.actual_address is not None else self.legal_address


_A: Final = {
    PartyKind.INDIVIDUAL: "an individual",
    PartyKind.LEGAL_ENTITY: "a legal entity",
    PartyKind.SOLE_PROPRIETOR: "a sole proprietor",
}


# --------------------------------------------------------------------------- rules


_DETAILS: Final[Mapping[str, Callable[[Party], object]]] = FrozenDict(
    {
        "name": lambda p: p.name,
        "contact": lambda p: p.contact,
        "email": lambda p: p.email,
        "phone": lambda p: p.phone,
        "legal_address": lambda p: p.legal_address,
        "bank.bank_name": lambda p: p.bank and p.bank.bank_name,
        "bank.account": lambda p: p.bank and p.bank.account,
        "bank.bik": lambda p: p.bank and p.bank.bik,
        "bank.correspondent_account": lambda p: p.bank and p.bank.correspondent_account,
        "bank.iban": lambda p: p.bank and p.bank.iban,
        "bank.swift": lambda p: p.bank and p.bank.swift,
        "director.name": lambda p: p.director and p.director.name,
        "director.position": lambda p: p.director and p.director.position,
        "director.basis": lambda p: p.director and p.director.basis,
        "passport.number": lambda p: p.passport and p.passport.number,
        "passport.issued_on": lambda p: p.passport and p.passport.issued_on,
        "passport.issued_by": lambda p: p.passport and p.passport.issued_by,
        "passport.birth_date": lambda p: p.passport and p.passport.birth_date,
        "passport.registration_address": lambda p: p.passport and p.passport.registration_address,
        **{
            f"identifiers[{scheme!r}]": (lambda s: lambda p: p.identifier(s))(scheme)
            for scheme in IDENTIFIER_SCHEMES
        },
    }
)


def _rules(value: object) -> Mapping[tuple[str, PartyKind], tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise InvoicingError(
            "required", value, "a mapping of (country, kind) to the names of required details"
        )
    result: dict[tuple[str, PartyKind], tuple[str, ...]] = {}
    for key, names in value.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise InvoicingError("required", key, "a (country, kind) pair as key")
        country = key[0] if key[0] == "*" else _country("required", key[0])
        kind = _kind(key[1])
        if isinstance(names, str) or not isinstance(names, Iterable):
            raise InvoicingError(f"required[{key!r}]", names, "a sequence of detail names")
        checked = tuple(names)
        for name in checked:
            if name not in _DETAILS:
                raise InvoicingError(
                    f"required[{key!r}]", name, f"a detail name, one of {sorted(_DETAILS)}"
                )
        result[(country, kind)] = checked
    return FrozenDict(result)


@attrs.frozen(kw_only=True)
class PartyRules:
    """Which details each kind of party must have, per country.

    ``required`` maps ``(country, kind)`` to detail names: ``'name'``,
    ``'contact'``, ``'legal_address'``, ``'bank.bik'``, ``'director.basis'``,
    ``'passport.number'``, ``"identifiers['ru.inn']"``... Country ``'*'``
    applies where a country has no entry of its own. Extend the defaults with
    :meth:`with_required`.

    >>> rules = DEFAULT_RULES.with_required("DE", "legal_entity", ["name", "identifiers['eu.vat']"])
    >>> isinstance(rules, PartyRules), rules.required_for("DE", "legal_entity")
    (True, ('name', "identifiers['eu.vat']"))
    """

    required: Mapping[tuple[str, PartyKind], tuple[str, ...]] = attrs.field(
        converter=_rules, eq=False, hash=False
    )
    _key: tuple[tuple[tuple[str, str], tuple[str, ...]], ...] = attrs.field(init=False, repr=False)

    @_key.default
    def _make_key(self) -> tuple[tuple[tuple[str, str], tuple[str, ...]], ...]:
        return tuple(sorted(((c, k.value), v) for (c, k), v in self.required.items()))

    def required_for(self, country: str, kind: PartyKind | str) -> tuple[str, ...]:
        """The details a ``kind`` of party in ``country`` must have."""
        k = _kind(kind)
        found = self.required.get((_country("country", country), k))
        return found if found is not None else self.required.get(("*", k), ())

    def with_required(
        self, country: str, kind: PartyKind | str, details: Sequence[str]
    ) -> PartyRules:
        """These rules with ``details`` required of ``kind`` in ``country``."""
        required = dict(self.required)
        required[(country if country == "*" else _country("country", country), _kind(kind))] = (
            tuple(details)
        )
        return PartyRules(required=required)


_RU_BANK: Final = ("bank.bank_name", "bank.bik", "bank.account", "bank.correspondent_account")
_RU_PASSPORT: Final = ("passport.number", "passport.issued_on", "passport.issued_by")

DEFAULT_RULES: Final = PartyRules(
    required={
        # REQUIREMENTS.md section 3, the hosting provider's payer forms.
        ("RU", PartyKind.LEGAL_ENTITY): (
            "name",
            "contact",
            "legal_address",
            "identifiers['ru.inn']",
            "identifiers['ru.kpp']",
            "identifiers['ru.ogrn']",
            *_RU_BANK,
            "director.name",
            "director.position",
            "director.basis",
        ),
        ("RU", PartyKind.SOLE_PROPRIETOR): (
            "name",
            "contact",
            "legal_address",
            "identifiers['ru.inn']",
            "identifiers['ru.ogrn']",
            *_RU_BANK,
            *_RU_PASSPORT,
        ),
        ("RU", PartyKind.INDIVIDUAL): (
            "name",
            *_RU_PASSPORT,
            "passport.birth_date",
            "passport.registration_address",
        ),
        ("UA", PartyKind.LEGAL_ENTITY): ("name", "legal_address", "identifiers['ua.edrpou']"),
        ("UA", PartyKind.SOLE_PROPRIETOR): ("name", "legal_address", "identifiers['ua.rntrc']"),
        ("UA", PartyKind.INDIVIDUAL): ("name",),
        ("IT", PartyKind.LEGAL_ENTITY): ("name", "legal_address", "identifiers['it.iva']"),
        ("IT", PartyKind.SOLE_PROPRIETOR): (
            "name",
            "legal_address",
            "identifiers['it.iva']",
            "identifiers['it.cf']",
        ),
        ("IT", PartyKind.INDIVIDUAL): ("name", "identifiers['it.cf']"),
        ("IR", PartyKind.LEGAL_ENTITY): ("name", "legal_address"),
        ("IR", PartyKind.SOLE_PROPRIETOR): ("name", "identifiers['ir.national_id']"),
        ("IR", PartyKind.INDIVIDUAL): ("name", "identifiers['ir.national_id']"),
        ("*", PartyKind.LEGAL_ENTITY): ("name", "legal_address"),
        ("*", PartyKind.SOLE_PROPRIETOR): ("name",),
        ("*", PartyKind.INDIVIDUAL): ("name",),
    }
)
"""The details billkit requires by default.

Russia follows the hosting provider's forms (REQUIREMENTS.md section 3): a
legal entity needs its name, contact, legal address, INN, KPP, OGRN, bank
(name, BIK, settlement and correspondent accounts) and director with the
basis of authority; a sole proprietor its INN, OGRNIP, bank details and
passport; an individual the passport data. Ukraine needs the EDRPOU of a
legal entity and the RNTRC of a sole proprietor (ФОП); Italy the Partita IVA
of a business and the Codice Fiscale of a person; Iran the national ID of a
person. Elsewhere: a name (and a legal address for a legal entity).

>>> DEFAULT_RULES.required_for("UA", "legal_entity")
('name', 'legal_address', "identifiers['ua.edrpou']")
"""


def missing_details(party: Party, rules: PartyRules = DEFAULT_RULES) -> tuple[str, ...]:
    """The details ``rules`` require of ``party`` that it does not have.

    >>> missing_details(Party(kind="individual", country="IT", name="Mario Rossi"))
    ("identifiers['it.cf']",)
    """
    if not isinstance(party, Party):
        raise InvoicingError("party", party, "a Party")
    return tuple(
        name for name in rules.required_for(party.country, party.kind) if not _DETAILS[name](party)
    )


def check_party(party: Party, rules: PartyRules = DEFAULT_RULES, *, role: str = "party") -> Party:
    """``party`` if it has every detail ``rules`` require, else an
    :class:`~billkit.errors.InvoicingError` naming the first missing one.

    >>> check_party(Party(kind="individual", country="IT", name="Mario Rossi"), role="buyer")
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: buyer.identifiers['it.cf'] = None: expected a value: required for an individual in IT (missing: identifiers['it.cf'])
    """
    missing = missing_details(party, rules)
    if missing:
        first = missing[0]
        raise InvoicingError(
            f"{role}.{first}",
            None,
            f"a value: required for {_A[party.kind]} in {party.country} "
            f"(missing: {', '.join(missing)})",
        )
    return party


# --------------------------------------------------------------------------- accounts


@attrs.frozen(kw_only=True)
class Contract:
    """A contract signed with one payer of an account.

    >>> Contract(number="D-2026/17", payer="181", signed_on=date(2026, 1, 12)).payer
    '181'
    """

    number: str = attrs.field(converter=_c_contract_number_required)
    payer: str = attrs.field(converter=_c_contract_payer_required)
    signed_on: date | None = attrs.field(default=None, converter=_c_contract_signed_on_opt_date)
    title: str = attrs.field(default="", converter=_c_contract_title)


def _payers(value: object) -> tuple[Party, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvoicingError("payers", value, "a sequence of Party")
    payers = tuple(value)
    seen: set[str] = set()
    for i, payer in enumerate(payers):
        if not isinstance(payer, Party):
            raise InvoicingError(f"payers[{i}]", payer, "a Party")
        if not payer.id:
            raise InvoicingError(f"payers[{i}].id", payer.id, "a payer id, unique in the account")
        if payer.id in seen:
            raise InvoicingError(f"payers[{i}].id", payer.id, "an id no other payer has")
        seen.add(payer.id)
    return payers


def _contracts(value: object) -> tuple[Contract, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvoicingError("contracts", value, "a sequence of Contract")
    contracts = tuple(value)
    for i, contract in enumerate(contracts):
        if not isinstance(contract, Contract):
            raise InvoicingError(f"contracts[{i}]", contract, "a Contract")
    return contracts


@attrs.frozen(kw_only=True)
class Account:
    """A customer account: its payers and the contracts signed with them.

    One account may pay as an individual this month and as a company the
    next: each is a payer (a :class:`Party` with an ``id``). Changing a
    payer's details (:meth:`with_payer`) changes the documents built after;
    those already issued keep the details they were built with.

    >>> acct = Account(id="acme", payers=[
    ...     Party(id="1", kind="individual", country="UA", name="Олена Коваль"),
    ...     Party(id="2", kind="legal_entity", country="UA", name='ТОВ "Коваль"',
    ...           identifiers={"ua.edrpou": "32855961"}),
    ... ])
    >>> acct.payer("2").identifier("ua.edrpou")
    '32855961'
    """

    id: str = attrs.field(converter=_c_account_id_required)
    payers: tuple[Party, ...] = attrs.field(default=(), converter=_payers)
    contracts: tuple[Contract, ...] = attrs.field(default=(), converter=_contracts)

    def __attrs_post_init__(self) -> None:
        ids = {p.id for p in self.payers}
        for i, contract in enumerate(self.contracts):
            if contract.payer not in ids:
                raise InvoicingError(
                    f"contracts[{i}].payer",
                    contract.payer,
                    f"a payer of the account: {sorted(ids)}",
                )

    def payer(self, payer_id: str) -> Party:
        """The payer with ``payer_id``."""
        for payer in self.payers:
            if payer.id == payer_id:
                return payer
        raise InvoicingError(
            "payer", payer_id, f"a payer of account {self.id!r}: {[p.id for p in self.payers]}"
        )

    def with_payer(self, payer: Party) -> Account:
        """This account with ``payer`` added, or replacing the payer with its id.

        >>> acct = Account(id="a").with_payer(Party(id="1", kind="individual", country="UA", name="A"))
        >>> acct.with_payer(Party(id="1", kind="individual", country="UA", name="B")).payer("1").name
        'B'
        """
        if not isinstance(payer, Party):
            raise InvoicingError("payer", payer, "a Party")
        others = [p for p in self.payers if p.id != payer.id]
        if len(others) == len(self.payers):
            return attrs.evolve(self, payers=[*self.payers, payer])
        return attrs.evolve(self, payers=[payer if p.id == payer.id else p for p in self.payers])

    def without_payer(self, payer_id: str) -> Account:
        """This account without the payer ``payer_id``; refused while it has contracts."""
        self.payer(payer_id)
        bound = [c.number for c in self.contracts if c.payer == payer_id]
        if bound:
            raise InvoicingError(
                "payer", payer_id, f"a payer without contracts (it has {bound}); merge it instead"
            )
        return attrs.evolve(self, payers=[p for p in self.payers if p.id != payer_id])

    def contracts_of(self, payer_id: str) -> tuple[Contract, ...]:
        """The contracts signed with payer ``payer_id``."""
        self.payer(payer_id)
        return tuple(c for c in self.contracts if c.payer == payer_id)


@attrs.frozen(kw_only=True)
class PayerMerge:
    """What :func:`merge_payers` did: the new account and the contracts it
    moved to the main payer or dropped.

    >>> isinstance(merge_payers(Account(id="a", payers=[
    ...     Party(id="1", kind="individual", country="UA", name="A"),
    ...     Party(id="2", kind="individual", country="UA", name="A")]), main="1", joined="2"),
    ...     PayerMerge)
    True
    """

    account: Account
    main: str
    joined: str
    moved: tuple[Contract, ...]
    dropped: tuple[Contract, ...]


def merge_payers(
    account: Account, *, main: str, joined: str, move_contracts: bool = True
) -> PayerMerge:
    """Merge payer ``joined`` into payer ``main`` (two payers created by mistake).

    As on the hosting provider's panel: the joined payer's record is removed;
    with ``move_contracts`` its contracts are reassigned to the main payer,
    otherwise they are dropped. The main payer keeps its own details.
    Documents already issued to the joined payer keep its details.

    >>> acct = Account(
    ...     id="acme",
    ...     payers=[Party(id="1", kind="individual", country="RU", name="Иванов И. И."),
    ...             Party(id="2", kind="individual", country="RU", name="Иванов Иван")],
    ...     contracts=[Contract(number="D-1", payer="1"), Contract(number="D-2", payer="2")],
    ... )
    >>> merged = merge_payers(acct, main="1", joined="2")
    >>> [p.id for p in merged.account.payers], [(c.number, c.payer) for c in merged.account.contracts]
    (['1'], [('D-1', '1'), ('D-2', '1')])
    >>> [c.number for c in merge_payers(acct, main="1", joined="2", move_contracts=False).dropped]
    ['D-2']
    """
    if not isinstance(account, Account):
        raise InvoicingError("account", account, "an Account")
    if not isinstance(move_contracts, bool):
        raise InvoicingError("move_contracts", move_contracts, "True or False")
    account.payer(main)
    account.payer(joined)
    if main == joined:
        raise InvoicingError("joined", joined, f"a payer other than the main one ({main!r})")
    moved: list[Contract] = []
    dropped: list[Contract] = []
    contracts: list[Contract] = []
    for contract in account.contracts:
        if contract.payer != joined:
            contracts.append(contract)
        elif move_contracts:
            new = attrs.evolve(contract, payer=main)
            moved.append(new)
            contracts.append(new)
        else:
            dropped.append(contract)
    new_account = Account(
        id=account.id,
        payers=[p for p in account.payers if p.id != joined],
        contracts=contracts,
    )
    return PayerMerge(
        account=new_account, main=main, joined=joined, moved=tuple(moved), dropped=tuple(dropped)
    )
