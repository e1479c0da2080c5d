"""The history of a ledger, presented: entries grouped by day, month, kind or tag,
and the tax included in each expense row of a document.

>>> rub = lambda a: Money(a, "RUB")
>>> tax_by_row([rub("60.00"), rub("60.00")], "20%")
[Money('10.00', 'RUB'), Money('10.00', 'RUB')]
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Callable, Iterable, Sequence
from datetime import tzinfo
from decimal import Decimal
from typing import Any, Final

from moneyed import Money

from billkit import _checks as checks
from billkit.credit.credit_line import local_date
from billkit.credit.entries import Entry, HistoryGroup
from billkit.errors import (
    CreditError,
)
from billkit.money import (
    CONTEXT,
    DEFAULT_ROUNDING,
    RoundingPolicy,
    allocate,
    to_rate,
)

__all__ = ["group_entries", "tax_by_row"]

_ZERO: Final = Decimal(0)


_BUILTIN_KEYS: Final = ("day", "month", "kind", "wallet", "reference")


def group_entries(
    entries: Iterable[Entry], by: str | Sequence[str], *, tz: tzinfo | str = "UTC"
) -> tuple[HistoryGroup, ...]:
    """Entries grouped by ``by``: ``'day'``, ``'month'`` (in time zone ``tz``),
    ``'kind'``, ``'wallet'``, ``'reference'`` or a tag name (``'tag:day'`` for a
    tag that shadows one of those). Each group sums money in and out, in one
    currency (entries in several currencies give a group per currency).

    The marketing SaaS's billing history by day and media channel:

    >>> from datetime import datetime, timezone
    >>> t = lambda day, hour: datetime(2026, 3, day, hour, tzinfo=timezone.utc)
    >>> from billkit.credit import Ledger, Wallet
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="UAH")])
    >>> ledger = ledger.top_up("main", "1000.00", at=t(1, 9), key="p1")
    >>> for key, day, hour, channel, amount in [
    ...     ("c1", 1, 10, "email", "120.00"), ("c2", 1, 11, "sms", "35.50"),
    ...     ("c3", 1, 23, "email", "5.00"), ("c4", 2, 9, "email", "80.00"),
    ... ]:
    ...     ledger = ledger.charge("main", amount, at=t(day, hour), key=key,
    ...                            tags={"channel": channel})
    >>> for g in group_entries(ledger.history(kinds=["charge"]), ["day", "channel"]):
    ...     print(g.key, g.count, g.debits.amount)
    ('2026-03-01', 'email') 2 125.00
    ('2026-03-01', 'sms') 1 35.50
    ('2026-03-02', 'email') 1 80.00
    """
    keys = (by,) if isinstance(by, str) else tuple(by)
    if not keys:
        raise CreditError("by", by, "at least one key to group by")
    zone = checks.tz("tz", tz, error=CreditError)
    getters = [_getter(checks.text("by", k, error=CreditError), zone) for k in keys]
    groups: dict[tuple[Any, ...], list[Any]] = {}
    with decimal.localcontext(CONTEXT):
        for entry in entries:
            if not isinstance(entry, Entry):
                raise CreditError("entries", entry, "Entry values")
            key = (*(get(entry) for get in getters), entry.currency.code)
            group = groups.get(key)
            if group is None:
                group = groups[key] = [0, _ZERO, _ZERO, entry.currency]
            amount = entry.amount.amount
            group[0] += 1
            if amount > 0:
                group[1] += amount
            else:
                group[2] -= amount
    return tuple(
        HistoryGroup(
            key=key[:-1],
            currency=cur,
            count=count,
            credits=Money(credits, cur),
            debits=Money(debits, cur),
            net=Money(CONTEXT.add(credits, -debits), cur),
        )
        for key, (count, credits, debits, cur) in sorted(groups.items())
    )


def _getter(name: str, tz: tzinfo) -> Callable[[Entry], str]:
    if name == "day":
        return lambda e: local_date(e.at, tz).isoformat()
    if name == "month":
        return lambda e: local_date(e.at, tz).isoformat()[:7]
    if name == "kind":
        return lambda e: e.kind.value
    if name == "wallet":
        return lambda e: e.wallet
    if name == "reference":
        return lambda e: e.reference
    tag = name[4:] if name.startswith("tag:") else name
    return lambda e: e.tag(tag)


def tax_by_row(
    amounts: Sequence[Money],
    rate: object,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
    *,
    keys: Sequence[Any] | None = None,
) -> list[Money]:
    """The tax included in each row of one document, adding up to the
    document's tax.

    The tax is computed once on the rows' total (``total x rate / (1 +
    rate)``, rounded) and split over the rows in proportion to their amounts
    by the largest remainder method (:func:`billkit.money.allocate`; on a tie
    the earlier row first). Rounding each row on its own can miss the total
    by a minor unit or more.

    The hosting provider's expense rows, newest first, 20 % VAT included
    (total 100.6565, tax 100.6565 / 6 = 16.776 -> 16.78): row by row,
    22.4137 / 6 = 3.7356 and 34.4827 / 6 = 5.7471 give 3.74 and 5.75, but the
    second 22.4137 gets 3.73 so that the rows add up to 16.78, exactly as the
    provider shows:

    >>> rub = lambda a: Money(a, "RUB")
    >>> tax_by_row([rub("22.4137"), rub("34.4827"), rub("22.4137"), rub("21.3464")], "20%")
    [Money('3.74', 'RUB'), Money('5.75', 'RUB'), Money('3.73', 'RUB'), Money('3.56', 'RUB')]

    A row's tax never depends on the order the rows are given in. Without
    ``keys``, ties of the largest remainder go to the larger amount (equal
    amounts get equal shares, whichever way round). With ``keys`` (one
    sortable key per row, such as its time and id), the tax is rounded as a
    running total in key order: each row's tax is the step between the
    rounded running totals of the rows' exact taxes (the last is the
    document's tax), so every row keeps its tax however the rows are sorted. The provider's rows, keyed oldest first
    (4835 ... 4839): shares 3.5577, 3.7356, 5.7471, 3.7356 run to 3.5577,
    7.2933, 13.0404, 16.7760, rounded 3.56, 7.29, 13.04, 16.78:

    >>> tax_by_row([rub("22.4137"), rub("34.4827"), rub("22.4137"), rub("21.3464")], "20%",
    ...            keys=["4839", "4837", "4836", "4835"])
    [Money('3.74', 'RUB'), Money('5.75', 'RUB'), Money('3.73', 'RUB'), Money('3.56', 'RUB')]
    """
    if isinstance(amounts, (str, bytes, Money)) or not isinstance(amounts, Iterable):
        raise CreditError("amounts", amounts, "a list of Money")
    rows = list(amounts)
    if not rows:
        return []
    rounding = checks.instance("rounding", rounding, RoundingPolicy, error=CreditError)
    r = to_rate(rate)
    currency = checks.instance("amounts[0]", rows[0], Money, error=CreditError).currency
    with decimal.localcontext(CONTEXT):
        total = _ZERO
        for i, row in enumerate(rows):
            checks.instance(f"amounts[{i}]", row, Money, error=CreditError)
            checks.money(f"amounts[{i}]", row, error=CreditError)
            checks.same_currency(f"amounts[{i}]", row, currency, error=CreditError)
            if row.amount < 0:
                raise CreditError(f"amounts[{i}]", row, "an amount of zero or more")
            total += row.amount
        tax = rounding.round_amount(total * r / (1 + r), currency)
        if not total:
            return [Money(rounding.round_amount(_ZERO, currency), currency) for _ in rows]
        if keys is not None:
            order_keys = list(keys)
            if len(order_keys) != len(rows):
                raise CreditError("keys", order_keys, f"one key per row ({len(rows)})")
            order = sorted(range(len(rows)), key=lambda i: order_keys[i])
            if any(order_keys[a] == order_keys[b] for a, b in itertools.pairwise(order)):
                raise CreditError("keys", order_keys, "distinct keys")
            result: list[Money] = [Money(_ZERO, currency)] * len(rows)
            running = _ZERO
            before = _ZERO
            for i in order:
                running += rows[i].amount * r / (1 + r)  # the row's exact tax
                after = rounding.round_amount(running, currency)
                result[i] = Money(after - before, currency)
                before = after
            return result
        # ties go to the larger amount, so equal rows get equal shares in any order
        order = sorted(range(len(rows)), key=lambda i: -rows[i].amount)
        parts = allocate(Money(tax, currency), [rows[i].amount for i in order], rounding)
        result = [Money(_ZERO, currency)] * len(rows)
        for i, part in zip(order, parts, strict=True):
            result[i] = part
        return result
