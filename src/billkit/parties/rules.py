"""Which details a kind of party must have in a country, and the check."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final

import attrs

from billkit import _checks as checks
from billkit.errors import InvoicingError
from billkit.parties.identifiers import (
    IDENTIFIER_SCHEMES,
)
from billkit.parties.party import (
    _A,
    Party,
    PartyKind,
)

__all__ = [
    "DEFAULT_RULES",
    "PartyRules",
    "check_party",
    "missing_details",
]


# --------------------------------------------------------------------------- rules


_DETAILS: Final[Mapping[str, Callable[[Party], object]]] = checks.FrozenMap(
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
        country = (
            key[0]
            if key[0] == "*"
            else checks.country("required", key[0], any_case=True, error=InvoicingError)
        )
        kind = checks.member("kind", key[1], PartyKind, error=InvoicingError)
        if isinstance(names, str) or not isinstance(names, Iterable):
            raise InvoicingError(f"required[{key!r}]", names, "a sequence of detail names")
        checked = tuple(names)
        for name in checked:
            if name not in _DETAILS:
                raise InvoicingError(
                    f"required[{key!r}]", name, f"a detail name, one of {sorted(_DETAILS)}"
                )
        result[(country, kind)] = checked
    return dict(sorted(result.items(), key=lambda item: (item[0][0], item[0][1].value)))


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
        k = checks.member("kind", kind, PartyKind, error=InvoicingError)
        found = self.required.get(
            (checks.country("country", country, any_case=True, error=InvoicingError), k)
        )
        return found if found is not None else self.required.get(("*", k), ())

    def with_required(
        self, country: str, kind: PartyKind | str, details: Sequence[str]
    ) -> PartyRules:
        """These rules with ``details`` required of ``kind`` in ``country``."""
        required = dict(self.required)
        required[
            (
                country
                if country == "*"
                else checks.country("country", country, any_case=True, error=InvoicingError),
                checks.member("kind", kind, PartyKind, error=InvoicingError),
            )
        ] = tuple(details)
        return PartyRules(required=required)


_RU_BANK: Final = ("bank.bank_name", "bank.bik", "bank.account", "bank.correspondent_account")
_RU_PASSPORT: Final = ("passport.number", "passport.issued_on", "passport.issued_by")

DEFAULT_RULES: Final = PartyRules(
    required={
        # the hosting provider's payer forms.
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

Russia follows the hosting provider's forms: a
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
