"""Reconciliation statements: what the buyer owed, was charged and paid over
a period, from the ledger, seen from the seller's side."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from typing import Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit.ledger import Ledger
from billkit.errors import InvoicingError
from billkit.invoicing.documents import ReconciliationRow, ReconciliationStatement
from billkit.invoicing.terms import DocumentTerms, _terms
from billkit.money import CONTEXT, DEFAULT_ROUNDING, RoundingPolicy
from billkit.periods import Period

__all__ = ["build_reconciliation", "whole_rows"]

_ZERO: Final = Decimal(0)
_EPOCH: Final = datetime(
    1970, 1, 1, tzinfo=timezone.utc
)  # a placeholder time: rows keep their order


def build_reconciliation(
    ledger: Ledger,
    wallet: str | Sequence[str],
    terms: DocumentTerms,
    *,
    period: Period,
    issue_date: date,
    number: str | None = None,
    tz: str | tzinfo = "UTC",
    notes: Sequence[str] | str = (),
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> ReconciliationStatement:
    """A reconciliation statement of ``wallet`` (or several wallets of one
    currency) for ``period``, from the seller's side.

    The opening balance is what the buyer owed before the period's first day
    in time zone ``tz`` (a ``tzinfo``, ``'UTC'``, an offset such as
    ``'+03:00'`` or an IANA name such as ``'Europe/Moscow'``). The rows are
    the ledger's entries of the period in time order (a charge, refund,
    expiry or other debit of the wallet is a *debit*: the buyer owes more; a
    payment, bonus or other credit is a *credit*), and the closing balance is
    opening + debits - credits: the negative of the wallet's balance at the
    period's end. A positive balance is a debt of the buyer, a negative one a
    prepayment. The parties and the locale come from ``terms``. Book due
    expiries (:meth:`~billkit.credit.Ledger.expire`) first to show them.

    Every amount is in whole minor units, as an accountant reconciles them:
    the opening balance and the running balance after each row are rounded
    under ``rounding``, and each row shows the step between two rounded
    balances, so the rows add up to the totals and the closing balance is the
    exact one, rounded (a ledger charge of 22.4137 shows as 22.41 or 22.42).

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Wallet
    >>> from billkit.parties import Party
    >>> t = lambda m, d: datetime(2024, m, d, 12, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    >>> ledger = ledger.top_up("main", "500.00", at=t(1, 10), key="p1", reference="pfx/5600")
    >>> ledger = ledger.charge("main", "120.00", at=t(1, 20), key="c1", description="VPS-1")
    >>> ledger = ledger.top_up("main", "100.00", at=t(2, 3), key="p2", reference="pfx/5635")
    >>> ledger = ledger.charge("main", "22.4137", at=t(2, 21), key="4839", description="BACKUP-1000")
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="RU", name="Хостинг"),
    ...                       buyer=Party(kind="individual", country="RU", name="Аня"), rules=None)
    >>> st = build_reconciliation(ledger, "main", terms, issue_date=date(2024, 3, 1),
    ...                           period=Period(date(2024, 2, 1), date(2024, 3, 1)))
    >>> st.opening_balance, st.debit_total, st.credit_total, st.closing_balance
    (Money('-380.00', 'RUB'), Money('22.41', 'RUB'), Money('100.00', 'RUB'), Money('-457.59', 'RUB'))
    >>> ledger.balance("main")   # the prepayment the statement shows, seen from the wallet
    Money('457.5863', 'RUB')
    """
    checks.instance("ledger", ledger, Ledger, error=InvoicingError)
    names = (wallet,) if isinstance(wallet, str) else tuple(wallet)
    if not names:
        raise InvoicingError("wallet", wallet, "a wallet name, or several")
    currencies = {ledger.wallet(name).currency for name in names}
    if len(currencies) != 1:
        raise checks.currency_error(InvoicingError)(
            "wallet", list(names), "wallets of one currency (a statement has one currency)"
        )
    (cur,) = currencies
    checks.instance("period", period, Period, error=InvoicingError)
    _terms(terms)
    zone = checks.tz("tz", tz, error=InvoicingError)
    policy = checks.instance("rounding", rounding, RoundingPolicy, error=InvoicingError)

    def round_to(amount: Decimal) -> Decimal:
        return policy.round_amount(amount, cur)

    opening = _ZERO
    debits = _ZERO
    credits = _ZERO
    rows: list[tuple[datetime, int, ReconciliationRow]] = []
    wanted = set(names)
    with decimal.localcontext(CONTEXT):
        for index, entry in enumerate(ledger.entries):
            if entry.wallet not in wanted:
                continue
            day = entry.at.astimezone(zone).date()
            amount = entry.amount.amount
            if day < period.start:
                opening -= amount
                continue
            if day >= period.end:
                continue
            debit = -amount if amount < 0 else _ZERO
            credit = amount if amount > 0 else _ZERO
            debits += debit
            credits += credit
            rows.append(
                (
                    entry.at,
                    index,
                    ReconciliationRow(
                        on=day,
                        description=entry.description,
                        debit=Money(debit, cur),
                        credit=Money(credit, cur),
                        reference=entry.reference,
                        entry_kind=entry.kind.value,
                        key=entry.key,
                    ),
                )
            )
        rows.sort(key=lambda item: (item[0], item[1]))
        opening, debits, credits, whole = _round_rows(opening, rows, round_to, cur)
        rows = whole
        closing = opening + debits - credits
    return ReconciliationStatement(
        number=number,
        issue_date=checks.day("issue_date", issue_date, error=InvoicingError),
        seller=terms.seller,
        buyer=terms.buyer,
        currency=cur,
        locale=terms.locale,
        period=period,
        opening_balance=Money(opening, cur),
        rows=[row for _, _, row in rows],
        debit_total=Money(debits, cur),
        credit_total=Money(credits, cur),
        closing_balance=Money(closing, cur),
        notes=notes,
    )


def _round_rows(
    opening: Decimal,
    rows: Sequence[tuple[datetime, int, ReconciliationRow]],
    round_to: Callable[[Decimal], Decimal],
    cur: Currency,
) -> tuple[Decimal, Decimal, Decimal, list[tuple[datetime, int, ReconciliationRow]]]:
    """Rows in whole minor units: the running balance is rounded after each
    row and each row shows the step between two rounded balances, so the rows
    add up to the totals and the closing balance is the exact one, rounded."""
    exact = opening
    before = round_to(opening)
    start = before
    debits = credits = _ZERO
    whole: list[tuple[datetime, int, ReconciliationRow]] = []
    with decimal.localcontext(CONTEXT):
        for at, index, row in rows:
            exact += row.debit.amount - row.credit.amount
            after = round_to(exact)
            step = after - before
            before = after
            debit = step if row.debit.amount else _ZERO
            credit = -step if row.credit.amount else _ZERO
            debits += debit
            credits += credit
            whole.append(
                (at, index, attrs.evolve(row, debit=Money(debit, cur), credit=Money(credit, cur)))
            )
    return start, debits, credits, whole


def whole_rows(
    opening: Money, rows: Sequence[ReconciliationRow], rounding: RoundingPolicy = DEFAULT_ROUNDING
) -> tuple[Money, list[ReconciliationRow]]:
    """``opening`` and ``rows`` (in time order) in whole minor units, as
    :func:`build_reconciliation` shows them (for statements built by hand).

    >>> rub = lambda a: Money(a, "RUB")
    >>> row = lambda d, c: ReconciliationRow(on=date(2026, 3, 1), description="x",
    ...                                      debit=rub(d), credit=rub(c))
    >>> start, rows = whole_rows(rub("-150"), [row("22.4137", "0"), row("22.4137", "0")])
    >>> start, [r.debit.amount for r in rows]   # -150 + 22.4137 = -127.5863 -> -127.59
    (Money('-150.00', 'RUB'), [Decimal('22.41'), Decimal('22.42')])
    """
    cur = opening.currency

    def round_to(amount: Decimal) -> Decimal:
        return rounding.round_amount(amount, cur)

    start, _, _, whole = _round_rows(
        opening.amount, [(_EPOCH, i, r) for i, r in enumerate(rows)], round_to, cur
    )
    return Money(start, cur), [r for _, _, r in whole]
