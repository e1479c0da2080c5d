"""The bill step: each due subscription's documents by recompute-and-diff, in batches of
customers, with gap-free numbers. One layer of :class:`billkit.engine.Billing` (users
import from :mod:`billkit.engine`; the modules are listed in docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import attrs
from moneyed import Money

from billkit.billing import (
    ACT,
    INVOICE,
    PROFORMA,
    BillingState,
    DocumentKey,
    Issued,
    Subscribed,
    UsageTotal,
    _plan_documents,
    _Templates,
    diff,
)
from billkit.engine._core import _midnight, _Writes
from billkit.engine._services import _Services
from billkit.errors import BillkitError
from billkit.invoicing.documents import CreditNote
from billkit.invoicing.terms import DocumentTerms
from billkit.ports import Transaction
from billkit.serialize import _canonical_text, _Parties, _Texts, from_data
from billkit.storage.records import (
    DocumentRecord,
    EntryRecord,
    PayerRecord,
    SubscriptionRecord,
    _text_data,
)


class _Run:
    """What one :meth:`Billing.run` keeps over its customers, never process-wide:
    the compiled invoices (``billing._Templates``), the buyers read from the
    payers' data (``serialize._Parties``) and the documents' text
    (``serialize._Texts``, the canonical JSON a draft's record keeps); and
    the rejected proformas found standing for a period (``rejected``, in the
    order found: :attr:`RunReport.rejected`)."""

    __slots__ = ("parties", "rejected", "templates", "texts")

    def __init__(self) -> None:
        self.templates = _Templates()
        self.parties = _Parties()
        self.texts = _Texts()
        self.rejected: dict[str, None] = {}


class _Bill(_Services):
    """The bill step: a layer of :class:`~billkit.engine.Billing`."""

    def _bill_batch(
        self,
        customers: Sequence[str],
        ids_of: Mapping[str, Sequence[str]],
        day: date,
        failures: list[tuple[str, str]],
        templates: _Run | None = None,
    ) -> list[tuple[str, int, list[tuple[str, Money, int]]]]:
        """Bill a batch of customers in one transaction.

        The batch's accounts are locked for the whole transaction, the
        number series from its first numbering (usually its flush) to its end;
        its inputs (payers, subscriptions, documents,
        usage totals) are read in a few statements under those locks. The
        batch is first billed straight through; if a customer's billing
        fails with a billkit error, that transaction is rolled back and the
        batch billed again with a savepoint per customer, so the failing
        customer is undone alone, named in ``failures`` and skipped. Anything
        else (a crash) rolls the whole batch back, which a rerun bills again.
        """
        try:
            return self._bill_batch_in(customers, ids_of, day, None, templates)
        except BillkitError:
            return self._bill_batch_in(customers, ids_of, day, failures, templates)

    def _bill_batch_in(
        self,
        customers: Sequence[str],
        ids_of: Mapping[str, Sequence[str]],
        day: date,
        failures: list[tuple[str, str]] | None,
        templates: _Run | None = None,
    ) -> list[tuple[str, int, list[tuple[str, Money, int]]]]:
        """:meth:`_bill_batch` once: straight through (``failures=None``: a
        failure raises) or with a savepoint per customer."""
        # Straight through, the batch holds its customers' accounts from the
        # start and the number series only from its first numbering (at its
        # flush, usually) to its commit: batches compute in parallel and queue
        # for the numbers alone (docs/architecture.md, "Numbers and locks").
        # With a savepoint per customer, each customer's flush numbers: the
        # series are held from the start, as ever (the rare path).
        series = sorted({f"series:{s}" for s in self.series.values()})
        lock = [f"account:{c}" for c in customers]
        if failures is not None:
            lock += series
        out: list[tuple[str, int, list[tuple[str, Money, int]]]] = []
        now = self.clock.now()
        writes = _Writes(series=tuple(series) if failures is None else ())
        with self.store.transaction(lock=lock) as tx:
            payers = tx.payers_of(customers)
            records = tx.subscriptions_of(i for c in customers for i in ids_of[c])
            documents = tx.documents_of(customers)
            subscribed: dict[str, tuple[SubscriptionRecord, Subscribed]] = {}
            usage = self._usage_of(tx, records.values(), day, subscribed)
            for customer in customers:
                args = (customer, ids_of[customer], day, now, payers.get(customer))
                if failures is None:
                    done, docs = self._bill(
                        tx,
                        *args,
                        records,
                        documents[customer],
                        usage,
                        writes,
                        templates,
                        subscribed,
                    )
                    out.append((customer, done, docs))
                    continue
                try:
                    with tx.savepoint():
                        done, docs = self._bill(
                            tx,
                            *args,
                            records,
                            documents[customer],
                            usage,
                            writes,
                            templates,
                            subscribed,
                        )
                        writes.flush(tx, now)  # per customer: its failure is undone alone
                except BillkitError as error:
                    writes = _Writes()
                    failures.append((customer, f"{type(error).__name__}: {error}"))
                    continue
                out.append((customer, done, docs))
            writes.flush(tx, now)  # straight through: the batch's writes, per table
        return out

    def _usage_of(
        self,
        tx: Transaction,
        records: Iterable[SubscriptionRecord],
        day: date,
        subscribed: dict[str, tuple[SubscriptionRecord, Subscribed]] | None = None,
    ) -> dict[tuple[str, date, date], dict[str, Decimal]]:
        """The usage totals of the periods each due subscription bills, one read per period.

        A subscription whose periods cannot be worked out here is left out
        (its billing reads them itself, and fails in its own savepoint).
        ``subscribed`` gets each record's :class:`Subscribed`, by id, for
        :meth:`_bill` to use again.
        """
        by_period: dict[tuple[date, date], list[str]] = {}
        for record in records:
            if record.next_billing is None or record.next_billing > day:
                continue
            if record.status in ("frozen", "cancelled"):
                continue
            try:
                sub = self._subscribed(record, tx)
                periods = sub.periods(day)
            except BillkitError:
                continue
            if subscribed is not None:
                subscribed[record.id] = (record, sub)
            for period in periods:
                by_period.setdefault((period.start, period.end), []).append(record.id)
        found: dict[tuple[str, date, date], dict[str, Decimal]] = {}
        for (start, end), subs in by_period.items():
            totals = tx.usage_totals_for(subs, _midnight(start), _midnight(end))
            for sub_id in subs:
                found[(sub_id, start, end)] = totals.get(sub_id, {})
        return found

    def _bill(
        self,
        tx: Transaction,
        customer: str,
        ids: Sequence[str],
        day: date,
        now: datetime,
        known: PayerRecord | None,
        records: Mapping[str, SubscriptionRecord],
        documents: Sequence[DocumentRecord],
        usage_of: Mapping[tuple[str, date, date], Mapping[str, Decimal]],
        writes: _Writes,
        templates: _Run | None = None,
        subscribed: Mapping[str, tuple[SubscriptionRecord, Subscribed]] | None = None,
    ) -> tuple[int, list[tuple[str, Money, int]]]:
        """Bill one customer's due subscriptions in ``tx`` from the batch's reads.

        The usual writes (drafts to issue, their notices, the subscriptions'
        next billing days) are added to ``writes`` for the caller to flush;
        anything unusual (dunning, a credit note) flushes them first and
        writes at once, so that it reads what came before. ``subscribed``: the
        batch's :class:`Subscribed` of each record (:meth:`_usage_of`), used
        for the very record it was made from.
        """
        out: list[tuple[str, Money, int]] = []
        billed = 0
        kept = _Run() if templates is None else templates  # the run's, else this call's
        payer = known if known is not None else tx.payer(customer)
        terms = DocumentTerms(
            seller=self.seller,
            buyer=kept.parties.read(payer.data["party"]),  # from_data's (serialize._Parties)
            locale=self._document_locale(payer.data),
            prices_include_tax=self.prices_include_tax,
            rules=None,
        )
        for sub_id in ids:
            record = records[sub_id] if sub_id in records else tx.subscription(sub_id)
            if record.next_billing is None or record.next_billing > day:
                continue  # billed meanwhile by another worker
            if record.status in ("frozen", "cancelled"):
                writes.flush(tx, now)
                self._dunning(tx, record, payer.data, now)
                continue
            seen = None if subscribed is None else subscribed.get(sub_id)
            sub = (
                seen[1] if seen is not None and seen[0] is record else self._subscribed(record, tx)
            )
            usage = []
            for period in sub.periods(day):
                totals = usage_of.get((sub_id, period.start, period.end))
                if totals is None:
                    totals = tx.usage_totals_for(
                        [sub_id], _midnight(period.start), _midnight(period.end)
                    )[sub_id]
                usage += [
                    UsageTotal(subscription=sub_id, period=period, metric=metric, quantity=q)
                    for metric, q in totals.items()
                ]
            state = BillingState(
                terms=terms,
                subscriptions=[sub],
                usage=usage,
                payment_days=self.payment_days,
                prices_include_tax=self.plan_prices_include_tax,
                proforma=(
                    {p.plan.code for p in sub.plans}
                    if self.proforma_plans is None
                    else self.proforma_plans
                ),
            )
            existing = [
                Issued(key=key, document=from_data(doc.data), number=doc.number)
                for doc in documents
                if doc.number is not None
                and (key := DocumentKey.parse(doc.id)).subscription == sub_id
            ]
            # A run's compiled invoices where they apply (billing._Templates)
            planned_docs = _plan_documents(state, day, kept.templates)
            changes = diff(existing, planned_docs, as_of=day)
            if changes.withdraw:  # unusual: written at once, in order
                writes.flush(tx, now)
                status_of = {d.id: d.status for d in documents}
                for key in changes.withdraw:
                    # a rejected proforma stays rejected (replaced all the same)
                    left = "rejected" if status_of.get(str(key)) == "rejected" else "withdrawn"
                    tx.change_status(str(key), event="withdraw", status=left, at=now)
            if self.proforma_approval and changes.unchanged:
                kept.rejected.update(
                    (d.id, None)
                    for d in documents
                    if d.status == "rejected" and DocumentKey.parse(d.id) in changes.unchanged
                )
            for planned in changes.issue:
                doc = planned.document
                doc_id = str(planned.key)
                draft = DocumentRecord(
                    id=doc_id,
                    customer=customer,
                    kind=planned.key.kind,
                    period_start=planned.key.period.start,
                    period_end=planned.key.period.end,
                    total=doc.totals.gross,
                    # its canonical text, written from doc: never made as dicts
                    # unless looked into (records._text_data)
                    data=_text_data(_canonical_text(kept.texts, doc)),
                )
                series = self.series[planned.key.kind]
                sign = -1 if isinstance(doc, CreditNote) else 1
                topic = (
                    "credit_note.issued"
                    if sign < 0
                    else "proforma.issued"
                    if planned.key.kind == PROFORMA
                    else "invoice.issued"
                )
                told: dict[str, object] = {
                    "document": doc_id,
                    "number": "",
                    "total": str(doc.totals.gross.amount),
                    "currency": doc.totals.gross.currency.code,
                }
                if planned.key.kind == PROFORMA:
                    told["kind"] = PROFORMA
                if isinstance(doc, CreditNote):  # unusual: written at once, in order
                    writes.flush(tx, now)
                    writes.numbering(tx)
                    tx.save_draft(draft)
                    number = tx.issue(doc_id, series=series, at=now)
                    self._credit_note(tx, customer, planned.key, doc)
                    told["number"] = number.number
                    tx.enqueue_all(
                        self._messages(f"{topic}|{doc_id}", topic, customer, payer.data, told, now)
                    )
                else:  # its messages made once its number is drawn (_Writes.flush)
                    writes.notices.append(
                        (
                            len(writes.drafts),
                            self._numbered(
                                f"{topic}|{doc_id}", topic, customer, payer.data, told, now
                            ),
                        )
                    )
                    writes.drafts.append((draft, series))
                out.append((doc_id, doc.totals.gross, sign))
            # Every cycle ended by ``day`` is billed: the next is the one running on it.
            following = sub.period_on(max(day, sub.starts))
            ended = sub.ends is not None and following.start >= sub.ends
            status = record.status
            if ended:
                status = "cancelled"
                notices = self._messages(
                    f"subscription.cancelled|{sub_id}",
                    "subscription.cancelled",
                    customer,
                    payer.data,
                    {"subscription": sub_id, "ends": str(sub.ends)},
                    now,
                )
                writes.notices.append((None, notices))
            elif status == "downgrading" and sub.plans[-1].on <= following.start:
                status = "active"  # the downgrade took effect
            writes.subscriptions.append(
                SubscriptionRecord(
                    id=record.id,
                    customer=record.customer,
                    plan=record.plan,
                    status=status,
                    next_billing=None if ended else following.end,
                    data=record.data,
                    version=record.version,
                )
            )
            billed += 1
        return billed, out

    def _document_locale(self, payer: Mapping[str, object]) -> str:
        """The locale of the documents made for ``payer``: its own, the one its
        notices are written in (:meth:`_messages`), where billkit writes
        documents in its language (:data:`~billkit.invoicing.render.model.LANGUAGES`),
        else the business's ``locale``."""
        own = payer.get("locale")
        if not isinstance(own, str) or not own:
            return self.locale
        from billkit.invoicing.render.model import LANGUAGES

        return own if own.replace("-", "_").split("_")[0].lower() in LANGUAGES else self.locale

    def _credit_note(
        self, tx: Transaction, customer: str, key: DocumentKey, note: CreditNote
    ) -> None:
        """A credit note of a paid invoice (or act) gives its amount back to the balance."""
        reversed_ = [
            str(attrs.evolve(key, kind=k, revision=key.revision - 1)) for k in (INVOICE, ACT)
        ]
        found = tx.documents_by_id(reversed_)
        original = found[reversed_[0]] if reversed_[0] in found else tx.document(reversed_[1])
        if original.status == "paid":
            tx.post(
                EntryRecord(
                    account=f"{customer}/main",
                    key=f"doc|{key}",
                    amount=note.totals.gross,
                    at=self.clock.now(),
                    kind="refund",
                )
            )
        else:
            tx.change_status(original.id, event="credit", status="credited", at=self.clock.now())
