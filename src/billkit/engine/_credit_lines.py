"""Credit lines: the postpaid customers' statement, due, overdue and blocked notices at the
month end. One layer of :class:`billkit.engine.Billing` (users import from
:mod:`billkit.engine`; the modules are listed in docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import attrs

from billkit.credit.credit_line import CreditLine, CreditNoticeKind
from billkit.credit.entries import Entry, EntryKind
from billkit.credit.ledger import Ledger
from billkit.credit.limit import credit_state, notices_due
from billkit.credit.wallets import Wallet
from billkit.engine._core import _midnight
from billkit.engine._proformas import _Proformas
from billkit.errors import BillkitError, NotFoundError
from billkit.serialize import from_data
from billkit.storage.records import EntryRecord

#: The payer record that lists the customers on credit.
_CREDIT_BOOK = "_credit_lines"


def _ledger(line: CreditLine, records: Iterable[EntryRecord]) -> Ledger:
    """A customer's store entries as a :class:`~billkit.credit.Ledger` wallet on ``line``."""
    keys: dict[str, str] = {}
    entries = []
    for record in records:
        amount = record.amount
        if record.kind in ("bonus", "cashback") and str(record.data.get("source")) in keys:
            kind = EntryKind(record.kind)
            head = keys[str(record.data["source"])]
            key, source = f"{head}/{record.kind}", head
        else:
            kind = EntryKind.CHARGE if amount.amount < 0 else EntryKind.TOP_UP
            key, source = f"e{record.seq}", ""
        keys[record.key] = key
        entries.append(
            Entry(kind=kind, amount=amount, wallet="main", at=record.at, key=key, source=source)
        )
    return Ledger(
        wallets=[Wallet(name="main", currency=line.currency, credit=line)], entries=entries
    )


class _CreditLines(_Proformas):
    """Credit lines: a layer of :class:`~billkit.engine.Billing`."""

    def _credit_lines(self, day: date, failures: list[tuple[str, str]]) -> None:
        """Keep every credit line's statement calendar on ``day``: notices and blocking.

        The statements, their dates and the blocked state are those of
        :func:`billkit.credit.credit_state` and :func:`billkit.credit.notices_due`
        over the customer's store entries. ``statement.issued`` and
        ``credit.notice`` (due soon, overdue, blocking soon) go out on their
        days; a change of the blocked state is recorded on the payer (with
        the day) and told as ``credit.blocked`` or ``credit.unblocked``.
        """
        with self.store.transaction(readonly=True) as tx:
            try:
                customers = list(tx.payer(_CREDIT_BOOK).data["customers"])
            except NotFoundError:
                return
        for customer in customers:
            try:
                self._credit_line(customer, day)
            except BillkitError as error:
                failures.append((customer, f"{type(error).__name__}: {error}"))

    def _credit_line(self, customer: str, day: date) -> None:
        now = self.clock.now()
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            payer = tx.payer(customer)
            if payer.data.get("credit_line") is None:
                return
            line: CreditLine = from_data(payer.data["credit_line"])
            ledger = _ledger(line, tx.entries(f"{customer}/main"))
            end = _midnight(day + timedelta(days=1)) - timedelta(microseconds=1)
            state = credit_state(ledger, "main", end)
            cur = line.currency.code
            for notice in notices_due(ledger, "main", end):
                if notice.kind is CreditNoticeKind.BLOCKED:
                    continue  # told by the blocking itself
                topic = (
                    "statement.issued"
                    if notice.kind is CreditNoticeKind.ISSUED
                    else "credit.notice"
                )
                self._notify(
                    tx,
                    f"{topic}|{customer}|{notice.statement}|{notice.kind.value}",
                    topic,
                    customer,
                    payer.data,
                    {
                        "statement": notice.statement,
                        "notice": notice.kind.value,
                        "total": str(notice.amount.amount),
                        "currency": cur,
                        "due_on": notice.due_on.isoformat(),
                        "blocked_from": notice.blocked_from.isoformat(),
                    },
                    now,
                )
            was = bool(payer.data.get("credit_blocked"))
            if state.blocked == was:
                return
            event = "blocked" if state.blocked else "unblocked"
            history = [*(payer.data.get("credit_events") or []), [day.isoformat(), event]]
            data = {**payer.data, "credit_blocked": state.blocked, "credit_events": history}
            tx.save_payer(attrs.evolve(payer, data=data))
            self._notify(
                tx,
                f"credit.{event}|{customer}|{len(history)}",
                f"credit.{event}",
                customer,
                data,
                {
                    "overdue": str(state.overdue.amount),
                    "debt": str(state.debt.amount),
                    "currency": cur,
                    "on": day.isoformat(),
                },
                now,
            )
