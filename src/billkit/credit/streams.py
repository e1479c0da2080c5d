"""Streams of entries: balances and allocations in flat memory, for millions of entries.

>>> from datetime import datetime, timezone
>>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
>>> balance_of([Entry(kind="top_up", amount=Money("10.00", "EUR"), wallet="main", at=at, key="p1")])
{'main': Money('10.00', 'EUR')}
"""

from __future__ import annotations

import decimal
import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final

from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit._replay import Emit, _Book
from billkit.credit.entries import Allocation, CreditKind, Entry
from billkit.credit.wallets import DEFAULT_ORDER, ConsumptionOrder
from billkit.errors import (
    CreditCurrencyError,
    CreditError,
)
from billkit.money import (
    CONTEXT,
    DEFAULT_ROUNDING,
)

__all__ = ["allocate_entries", "balance_of"]

_ZERO: Final = Decimal(0)


def balance_of(entries: Iterable[Entry], *, at: datetime | None = None) -> dict[str, Money]:
    """Each wallet's balance from a stream of entries: the sum of their
    amounts (up to ``at``), in constant memory per wallet.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> balance_of(
    ...     Entry(kind="top_up", amount=Money("10.00", "EUR"), wallet="main", at=at, key=str(i))
    ...     for i in range(3)
    ... )
    {'main': Money('30.00', 'EUR')}
    """
    if at is not None:
        checks.moment("at", at, error=CreditError)
    totals: dict[str, Decimal] = {}
    currencies: dict[str, Currency] = {}
    name: str | None = None  # the wallet being summed: runs of one wallet stay in locals
    total = _ZERO
    currency: Currency | None = None
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Iterable):
        raise CreditError("entries", entries, "an iterable of Entry")
    with decimal.localcontext(CONTEXT):
        for i, entry in enumerate(entries):
            if not isinstance(entry, Entry):
                raise CreditError(f"entries[{i}]", entry, "an Entry")
            if at is not None and entry.at > at:
                continue
            amount = entry.amount
            if entry.wallet != name:
                if name is not None:
                    totals[name] = total
                name = entry.wallet
                known = totals.get(name)
                if known is None:
                    currencies[name] = amount.currency
                    known = _ZERO
                total, currency = known, currencies[name]
            cur = amount.currency
            if cur is not currency and cur != currency:
                raise CreditCurrencyError(
                    "amount", amount, f"an amount in {currencies[name].code} (wallet {name!r})"
                )
            total += amount.amount
        if name is not None:
            totals[name] = total
    return {name: Money(total, currencies[name]) for name, total in totals.items()}


def allocate_entries(
    entries: Iterable[Entry],
    *,
    order: ConsumptionOrder | Mapping[str, ConsumptionOrder] = DEFAULT_ORDER,
) -> Iterator[Allocation]:
    """Which credit paid which debit, from a stream of entries, as it happens.

    The entries are replayed wallet by wallet in the order given (each
    wallet's entries in time order); ``order`` is the consumption order, one
    for all wallets or one per wallet name. Memory holds only the open credit
    and the unpaid debits, so a stream of millions of entries runs in flat
    memory. The entries are checked as a ledger would (refunds, expiries,
    time order) except for limits.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> stream = [
    ...     Entry(kind="top_up", amount=Money("10.00", "EUR"), wallet="main", at=at, key="p1"),
    ...     Entry(kind="top_up", amount=Money("10.00", "EUR"), wallet="main", at=at, key="p2"),
    ...     Entry(kind="charge", amount=Money("-15.00", "EUR"), wallet="main", at=at, key="c1"),
    ... ]
    >>> [(a.credit, a.amount) for a in allocate_entries(stream)]
    [('p1', Money('10.00', 'EUR')), ('p2', Money('5.00', 'EUR'))]
    """
    books: dict[str, _Book] = {}
    out: deque[Allocation] = deque()
    currencies: dict[str, Currency] = {}

    def emitter(wallet: str) -> Emit:
        currency = currencies[wallet]

        def emit(debit: str, credit: str, kind: CreditKind, part: Decimal, when: datetime) -> None:
            out.append(
                Allocation(
                    wallet=wallet,
                    debit=debit,
                    credit=credit,
                    credit_kind=kind,
                    amount=Money(part, currency),
                    at=when,
                )
            )

        return emit

    emits: dict[str, Emit] = {}
    stream = iter(entries)
    while True:
        # In chunks, so the caller's code (the stream's generator, the loop
        # consuming allocations) never runs under billkit's decimal context.
        chunk = list(itertools.islice(stream, 256))
        if not chunk:
            return
        with decimal.localcontext(CONTEXT):
            for entry in chunk:
                if not isinstance(entry, Entry):
                    raise CreditError("entries", entry, "Entry values")
                name = entry.wallet
                book = books.get(name)
                if book is None:
                    chosen = order if isinstance(order, ConsumptionOrder) else order.get(name)
                    if not isinstance(chosen, ConsumptionOrder):
                        raise CreditError("order", order, f"a ConsumptionOrder for wallet {name!r}")
                    currencies[name] = entry.currency
                    book = books[name] = _Book(name, entry.currency, chosen, None, DEFAULT_ROUNDING)
                    emits[name] = emitter(name)
                elif (cur := entry.amount.currency) is not book.currency and cur != book.currency:
                    raise CreditCurrencyError(
                        "amount",
                        entry.amount,
                        f"an amount in {book.currency.code} (wallet {name!r})",
                    )
                book.apply(entry, emits[name])
        while out:
            yield out.popleft()
