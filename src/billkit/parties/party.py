"""Parties: sellers and payers, with their addresses, bank details,
signatories and identifiers."""

from __future__ import annotations

import enum
from datetime import date
from typing import ClassVar, Final, TypeVar

import attrs

from billkit import _checks as checks
from billkit.errors import IdentifierError, InvoicingError, ValidationError
from billkit.parties.identifiers import (
    Identifier,
    _identifiers,
    validate_correspondent_account,
    validate_identifier,
    validate_settlement_account,
)

__all__ = [
    "Address",
    "BankAccount",
    "Party",
    "PartyKind",
    "Passport",
    "Signatory",
]


class PartyKind(str, enum.Enum):
    """What kind of party: an individual, a legal entity or a sole proprietor.

    >>> PartyKind("sole_proprietor") is PartyKind.SOLE_PROPRIETOR
    True
    """

    INDIVIDUAL = "individual"
    LEGAL_ENTITY = "legal_entity"
    SOLE_PROPRIETOR = "sole_proprietor"


# --------------------------------------------------------------------------- details


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class Address:
    """A postal address. ``country`` is an ISO 3166-1 alpha-2 code.

    >>> print(Address(country="RU", postal_code="140140", city="Москва",
    ...               street="ул. Ленина, д. 1"))
    140140, Москва, ул. Ленина, д. 1
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "address."

    country: str = attrs.field(converter=checks.COUNTRY)
    postal_code: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    region: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    city: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    street: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)

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

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "bank."

    bank_name: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    account: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    bik: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    correspondent_account: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    iban: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    swift: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    bank_address: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)

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

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "passport."

    number: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    issued_on: date | None = attrs.field(default=None, converter=checks.DAY)
    issued_by: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    birth_date: date | None = attrs.field(default=None, converter=checks.DAY)
    registration_city: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    registration_address: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    on_documents: bool = attrs.field(default=False, converter=checks.FLAG)
    """Print the passport on invoices, acts and statements (personal data they
    do not need: off unless you opt in)."""


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

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "director."

    name: str = attrs.field(converter=checks.TEXT)
    position: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    basis: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    name_genitive: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    position_genitive: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    name_dative: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    position_dative: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)


_T = TypeVar("_T")


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class Party:
    """A seller or payer, with every detail its documents print.

    ``id`` is the payer's id in your system (unique within an
    :class:`Account`). ``actual_address`` is ``None`` when it is the same as
    the legal address. ``identifiers`` maps a scheme (see
    :data:`IDENTIFIER_SCHEMES`) to its value; each is checked, and a Russian
    INN, OGRN and KPP must fit the kind of party (a 10-digit INN and 13-digit
    OGRN for a legal entity, a 12-digit INN and 15-digit OGRNIP otherwise,
    a KPP for legal entities only). ``accountant`` signs Russian and
    Ukrainian invoices beside the ``director``; ``name_genitive`` is the name
    as a sentence needs it after "в пользу" ("ИП Иванова Ивана Ивановича").

    >>> ip = Party(kind="sole_proprietor", country="RU", name="ИП Иванов Иван Иванович",
    ...            identifiers={"ru.inn": "500100732259", "ru.ogrn": "304500116000157"})
    >>> [i.label for i in ip.identifiers]
    ['INN', 'OGRN']
    >>> Party(kind="legal_entity", country="RU", name="ACME", identifiers={"ru.inn": "500100732259"})
    Traceback (most recent call last):
    ...
    billkit.errors.IdentifierError: identifiers['ru.inn'] = '500100732259': expected a 10-digit INN for a legal entity
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    kind: PartyKind = attrs.field(converter=checks.MEMBER)
    country: str = attrs.field(converter=checks.COUNTRY)
    name: str = attrs.field(converter=checks.TEXT)
    id: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    contact: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    email: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    phone: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    fax: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)
    legal_address: Address | None = attrs.field(default=None, converter=checks.INSTANCE)
    actual_address: Address | None = attrs.field(default=None, converter=checks.INSTANCE)
    identifiers: tuple[Identifier, ...] = attrs.field(default=(), converter=_identifiers)
    bank: BankAccount | None = attrs.field(default=None, converter=checks.INSTANCE)
    director: Signatory | None = attrs.field(default=None, converter=checks.INSTANCE)
    passport: Passport | None = attrs.field(default=None, converter=checks.INSTANCE)
    accountant: Signatory | None = attrs.field(default=None, converter=checks.INSTANCE)
    name_genitive: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)

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
