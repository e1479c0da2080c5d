"""Parties: who sells, who pays, and the identifiers printed on their documents.

A :class:`Party` is a seller or a payer: an individual, a legal entity or a
sole proprietor (:class:`PartyKind`), registered in a country, with its
addresses, bank details, director and identifiers. Every document snapshots
the parties it was built from, so details changed later apply to the next
document only.

Identifiers are checked when a party is built (:func:`validate_identifier`,
in :mod:`billkit.parties.identifiers`):

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
  (``validate_settlement_account``, ``validate_correspondent_account``)
  and the Iranian national ID, *kod-e melli* (``ir.national_id``).

Which details a kind of payer must have in a country is data
(:class:`PartyRules`, in :mod:`billkit.parties.rules` with ``DEFAULT_RULES``
and ``missing_details``); :func:`check_party` refuses a party that lacks one.
Russia's rules follow the hosting provider's payer forms.

An ``Account`` (:mod:`billkit.parties.accounts`) holds several payers and
their contracts; two payers created by mistake are merged with
``merge_payers``.

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

from typing import TYPE_CHECKING

from billkit import _lazy

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from billkit.parties.identifiers import validate_identifier
    from billkit.parties.party import Address, BankAccount, Party, Passport, Signatory
    from billkit.parties.rules import PartyRules, check_party

_EXPORTS: dict[str, str] = {
    "Address": "billkit.parties.party",
    "BankAccount": "billkit.parties.party",
    "Party": "billkit.parties.party",
    "PartyRules": "billkit.parties.rules",
    "Passport": "billkit.parties.party",
    "Signatory": "billkit.parties.party",
    "check_party": "billkit.parties.rules",
    "validate_identifier": "billkit.parties.identifiers",
}

__all__ = [
    "Address",
    "BankAccount",
    "Party",
    "PartyRules",
    "Passport",
    "Signatory",
    "check_party",
    "validate_identifier",
]

# Names that left the public surface in issue 9 (see CHANGELOG.md): still
# importable from here for code written before, not listed by dir() or docs;
# import them from the module that defines them.
_MOVED: dict[str, str] = {
    "Account": "billkit.parties.accounts",
    "Contract": "billkit.parties.accounts",
    "DEFAULT_RULES": "billkit.parties.rules",
    "IDENTIFIER_SCHEMES": "billkit.parties.identifiers",
    "Identifier": "billkit.parties.identifiers",
    "IdentifierScheme": "billkit.parties.identifiers",
    "PartyKind": "billkit.parties.party",
    "PayerMerge": "billkit.parties.accounts",
    "merge_payers": "billkit.parties.accounts",
    "missing_details": "billkit.parties.rules",
    "validate_correspondent_account": "billkit.parties.identifiers",
    "validate_settlement_account": "billkit.parties.identifiers",
}

__getattr__, _dir = _lazy.attach(__name__, {**_EXPORTS, **_MOVED})


def __dir__() -> list[str]:
    return [name for name in _dir() if name not in _MOVED or name in globals()]
