"""Accounts: several payers and their contracts; merging duplicate payers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import ClassVar

import attrs

from billkit import _checks as checks
from billkit.errors import InvoicingError, ValidationError
from billkit.parties.party import (
    Party,
)

__all__ = [
    "Account",
    "Contract",
    "PayerMerge",
    "merge_payers",
]


# --------------------------------------------------------------------------- accounts


@attrs.frozen(kw_only=True)
class Contract:
    """A contract signed with one payer of an account.

    >>> Contract(number="D-2026/17", payer="181", signed_on=date(2026, 1, 12)).payer
    '181'
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "contract."

    number: str = attrs.field(converter=checks.TEXT)
    payer: str = attrs.field(converter=checks.TEXT)
    signed_on: date | None = attrs.field(default=None, converter=checks.DAY)
    title: str = attrs.field(default="", converter=checks.TRIMMED_TEXT)


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

    _error_class: ClassVar[type[ValidationError]] = InvoicingError
    _field_prefix: ClassVar[str] = "account."

    id: str = attrs.field(converter=checks.TEXT)
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
    checks.instance("account", account, Account, error=InvoicingError)
    checks.flag("move_contracts", move_contracts, error=InvoicingError)
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
