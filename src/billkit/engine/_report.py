"""``RunReport``: what one run did, and its table. Private (users import from
:mod:`billkit.engine`; the modules are listed in docs/architecture.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from billkit.billing import ACT, INVOICE, PROFORMA
from billkit.errors import BillingError
from billkit.ports import Store
from billkit.tables import Table


def _proforma_of(document: str) -> str | None:
    """The id of the proforma whose payment issued the engine's invoice (or
    act) ``document``, else ``None``."""
    parts = document.split("|")
    if len(parts) != 5 or parts[3] not in (INVOICE, ACT):
        return None
    return "|".join((*parts[:3], PROFORMA, parts[4]))


@attrs.frozen
class RunReport:
    """What one :meth:`Billing.run` did.

    ``billed``: subscriptions billed; ``issued``: ids of the documents
    issued (invoices, credit notes, proformas, then the invoices or acts
    that paying proformas issued while the run collected); ``invoiced``:
    their gross totals per currency (credit notes subtract; the invoice of
    a proforma issued by the same run is the proforma's money, counted
    once); ``paid`` / ``failed_payments``: payments taken and refused;
    ``failures``: ``(customer, reason)`` of each customer skipped.
    ``documents``: ``(document, customer, currency, total)`` of each
    document issued, in ``issued``'s order, its gross total exact and
    negative for a credit note (what :meth:`to_table` lists).
    ``rejected``: the proformas the customer rejected
    (:meth:`Billing.reject`) that still stand for their period, in every
    subscription of the run's shard, whether the run billed it or not
    (their bill unchanged, so nothing new was asked, and not asked again
    by :meth:`Billing.reissue`): periods billed by nothing the customer
    accepted, left to the business; read once a run, in two reads
    whatever the shard's size.
    """

    as_of: date
    billed: int = 0
    issued: tuple[str, ...] = ()
    invoiced: tuple[tuple[str, Decimal], ...] = ()
    paid: int = 0
    failed_payments: int = 0
    failures: tuple[tuple[str, str], ...] = ()
    documents: tuple[tuple[str, str, str, Decimal], ...] = ()
    rejected: tuple[str, ...] = ()

    def to_table(self, store: Store | None = None) -> Table:
        """One row per account and currency: ``account``, ``status``
        (``"billed"`` or ``"failed"``), ``documents`` (how many were issued),
        ``total`` (their gross sum, exact; credit notes subtract; a proforma
        and the invoice its payment issued count once), ``currency``
        and ``reason`` (why it failed, else ``""``). A report made by
        :meth:`Billing.run` carries each document's customer and total
        (``documents``), so it needs no store; ``store`` (the run's) supplies
        them for a report made by hand with ``issued`` ids only. A failure
        names what failed: the customer, or ``customer/subscription`` for a
        hosted service's renewal, or the document whose payment could not be
        collected.

        >>> invoice = "acme-pro|2026-03-01|2026-04-01|invoice|0"
        >>> report = RunReport(
        ...     as_of=date(2026, 4, 1),
        ...     issued=(invoice,),
        ...     documents=((invoice, "acme", "EUR", Decimal("30.50")),),
        ...     failures=(("bolt", "CreditError: ..."),),
        ... )
        >>> for row in report.to_table().to_records():
        ...     print(row)
        {'account': 'acme', 'status': 'billed', 'documents': 1, 'total': Decimal('30.50'), 'currency': 'EUR', 'reason': ''}
        {'account': 'bolt', 'status': 'failed', 'documents': 0, 'total': None, 'currency': None, 'reason': 'CreditError: ...'}
        """
        sums: dict[tuple[str, str], list[Any]] = {}
        carried = {doc_id: (who, code, total) for doc_id, who, code, total in self.documents}
        missing = [doc_id for doc_id in self.issued if doc_id not in carried]
        if missing:
            if store is None:
                raise BillingError(
                    "store", None, f"the run's store: the report does not carry {missing[0]!r}"
                )
            with store.transaction(readonly=True) as tx:
                for doc_id in missing:
                    doc = tx.document(doc_id)
                    if doc.total is None:
                        continue
                    sign = -1 if doc.kind == "credit_note" else 1
                    carried[doc_id] = (
                        doc.customer,
                        doc.total.currency.code,
                        sign * doc.total.amount,
                    )
        listed = set(self.issued)
        for doc_id in self.issued:
            if doc_id not in carried:
                continue
            who, code, total = carried[doc_id]
            row = sums.setdefault((who, code), [0, Decimal(0)])
            row[0] += 1
            if _proforma_of(doc_id) not in listed:  # else the proforma's money, counted
                row[1] += total
        rows: list[tuple[Any, ...]] = [
            (account, "billed", n, total, code, "")
            for (account, code), (n, total) in sorted(sums.items())
        ]
        rows.extend((account, "failed", 0, None, None, why) for account, why in self.failures)
        return Table(
            columns=("account", "status", "documents", "total", "currency", "reason"),
            rows=tuple(rows),
            money=("total",),
            currency="currency",
        )
