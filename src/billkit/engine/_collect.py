"""Collection and payments: ``collect``, ``pay``, autopay, recording the gateway's answers
in batches, settling documents, webhooks. One layer of :class:`billkit.engine.Billing`
(users import from :mod:`billkit.engine`; the modules are listed in
docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

from moneyed import Money

from billkit.billing import INVOICE, PROFORMA, DocumentKey
from billkit.credit.autopay import AutopaySettings, decide_autopay
from billkit.credit.credit_line import CreditLine
from billkit.engine._accounts import _Accounts
from billkit.engine._core import _BATCH, _about, _midnight, _Writes
from billkit.engine._dunning import _DUNNED, _DUNNING_EVENTS
from billkit.engine._proformas import _PART, _RECEIPT, _part_of
from billkit.errors import BillkitError
from billkit.payments.types import PaymentRequest, PaymentResult, PaymentStatus, SavedMethod
from billkit.ports import Transaction
from billkit.serialize import from_data
from billkit.storage.records import (
    DocumentEvent,
    DocumentRecord,
    EntryRecord,
    PayerRecord,
    SubscriptionRecord,
)

# The events a payment decision reads (the attempts made) and those dunning
# reads (the attempts and the moves done): ``Store.document_events_of(events=...)``.
_FAILED: Final = frozenset({"payment_failed"})
_COLLECTING: Final = frozenset({"payment_failed", _PART})
"""The events a payment decision reads: the failed charges and the parts paid by transfer."""


class _Collect(_Accounts):
    """Collection and payments: a layer of :class:`~billkit.engine.Billing`."""

    # ------------------------------------------------------------ payments

    def collect(
        self,
        as_of: date | None = None,
        *,
        id_from: str | None = None,
        id_to: str | None = None,
        failures: list[tuple[str, str]] | None = None,
        issued: list[tuple[str, str, str, Decimal]] | None = None,
    ) -> tuple[int, int]:
        """Try to collect every unpaid invoice of the shard; returns (paid, refused).

        Given ``issued``, each invoice (or act) that paying a proforma issued
        is added to it as ``(document, customer, currency, total)``.
        """
        day = as_of or self.clock.today()
        # What every payment decision reads, read for the whole shard at once
        # (four statements). Each decision is taken again under the
        # customer's lock before anything is written (see ``_record``,
        # ``_settle``), so a snapshot that ages meanwhile costs a skipped
        # attempt, never a second charge: the gateway's key is the attempt's.
        with self.store.transaction(readonly=True) as tx:
            unpaid = tx.unpaid_invoices(id_from=id_from, id_to=id_to)
            events = tx.document_events_of((d.id for d in unpaid), events=_COLLECTING)
            # The versions before the payers (``_payers_now``): a payer saved
            # between the two reads is read newer than its version says, never older.
            versions = tx.payer_versions({d.customer for d in unpaid})
            payers = tx.payers_of({d.customer for d in unpaid})
            accounts = tx.accounts_of({f"{d.customer}/main" for d in unpaid})
        counts = {"paid": 0, "failed": 0}
        seen: set[str] = set()
        # Charges made, whose answers are recorded together (``_record_batch``).
        charged: list[tuple[DocumentRecord, PayerRecord, PaymentResult, str]] = []
        for doc in unpaid:
            try:
                account = accounts.get(f"{doc.customer}/main")
                if doc.customer in seen or doc.customer not in payers or account is None:
                    # A second invoice of a customer reads the balance the first left.
                    self._record_batch(charged, day, counts, failures, versions)
                    status = self.pay(doc.id, as_of=day)
                else:
                    payer = payers[doc.customer]
                    step = self._collect_step(doc, payer, events[doc.id], account.balance, day)
                    if isinstance(step, str):
                        status = step
                    else:
                        request, key = step
                        result = self.gateway.create_payment(request, key)
                        if result.status in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
                            charged.append((doc, payer, result, key))
                            if len(charged) >= _BATCH:
                                self._record_batch(charged, day, counts, failures, versions)
                            continue
                        # Settled later: recorded at once, so that the webhook
                        # that settles it finds its document by the reference.
                        status = self._record(doc.id, result, day, key, doc.customer)
            except BillkitError as error:
                if failures is not None:
                    failures.append((doc.id, f"{type(error).__name__}: {error}"))
                continue
            finally:
                seen.add(doc.customer)
            counts[status] = counts.get(status, 0) + 1
        self._record_batch(charged, day, counts, failures, versions)
        if issued is not None:
            issued += self._issued_on_payment(unpaid)
        return counts["paid"], counts["failed"]

    def _record_batch(
        self,
        charged: list[tuple[DocumentRecord, PayerRecord, PaymentResult, str]],
        day: date,
        counts: dict[str, int],
        failures: list[tuple[str, str]] | None,
        versions: Mapping[str, int],
    ) -> None:
        """Record the answers to the charges in ``charged`` in one transaction; empties it.

        ``versions``: the stored versions of the charged payers, read no
        later than the payers in ``charged`` (:meth:`_payers_now`).

        Each answer is recorded in its own savepoint (:meth:`_record`'s
        checks, under the batch's account locks), so one that fails is
        undone alone and named in ``failures``. The charges were made
        before, outside any transaction, each under its attempt's key: a
        crash before this commits loses only the records, and the rerun's
        charge with the same key gets the provider's first answer back.
        """
        if not charged:
            return
        batch = list(charged)
        charged.clear()
        try:
            statuses = self._record_batch_in(batch, day, None, versions)
        except BillkitError:
            try:
                statuses = self._record_batch_in(batch, day, failures)
            except BillkitError as error:  # the batch's transaction failed: none was recorded
                if failures is not None:
                    failures += [(doc.id, f"{type(error).__name__}: {error}") for doc, *_ in batch]
                return
        for doc, payer, status, dunned in statuses:
            try:
                if not dunned:
                    status = self._dun_after(status, doc, payer.data, day)
            except BillkitError as error:
                if failures is not None:
                    failures.append((doc.id, f"{type(error).__name__}: {error}"))
                continue
            counts[status] = counts.get(status, 0) + 1

    def _record_batch_in(
        self,
        batch: Sequence[tuple[DocumentRecord, PayerRecord, PaymentResult, str]],
        day: date,
        failures: list[tuple[str, str]] | None,
        versions: Mapping[str, int] | None = None,
    ) -> list[tuple[DocumentRecord, PayerRecord, str, bool]]:
        """:meth:`_record_batch` once: straight through (``failures=None``: a
        failure raises), the ledger entries of the batch posted together at
        its end and the day's scheduled dunning of its failed invoices done
        in its transaction (:meth:`_dun_in`), or with a savepoint per answer
        (a failure is named in ``failures``). Each answer comes back with its
        status and whether its dunning was done here."""
        statuses: list[tuple[DocumentRecord, PayerRecord, str, bool]] = []
        lock = sorted(
            {f"account:{doc.customer}" for doc, _, _, _ in batch}
            | set(self._series_lock(*(doc.id for doc, _, _, _ in batch)))
        )
        with self.store.transaction(lock=lock) as tx:
            if failures is None:
                entries: list[EntryRecord] = []
                writes = _Writes()
                payers = self._payers_now(tx, [payer for _, payer, _, _ in batch], versions or {})
                documents = self._documents_now(tx, [doc for doc, _, _, _ in batch])
                # The failures recorded so far, read once for the batch's failed answers.
                events = tx.document_events_of(
                    (
                        doc.id
                        for doc, _, result, _ in batch
                        if result.status is PaymentStatus.FAILED
                    ),
                    events=_FAILED,
                )
                # Each engine-issued invoice's subscription, parsed from its key once.
                subscription_of = {
                    doc.id: DocumentKey.parse(doc.id).subscription
                    for doc, _, _, _ in batch
                    if doc.kind in _DUNNED and doc.id.count("|") == 4
                }
                subscriptions = tx.subscriptions_of(set(subscription_of.values()))
                for doc, payer, result, key in batch:
                    status = self._record_in(
                        tx,
                        doc.id,
                        result,
                        day,
                        key,
                        doc.customer,
                        payer=payers.get(doc.customer),
                        entries=entries,
                        known=documents.get(doc.id),
                        subscriptions=subscriptions,
                        subscription_of=subscription_of,
                        writes=writes,
                        events=events.get(doc.id),
                    )
                    # the payer as it stands now, for the dunning after
                    statuses.append((doc, payers.get(doc.customer, payer), status, False))
                tx.post_all(entries)
                writes.flush(tx, self.clock.now())
                # The day's scheduled moves of the failed invoices, in this transaction:
                # their documents and events (the failures just written) read once.
                dun = [
                    i
                    for i, (doc, _, status, _) in enumerate(statuses)
                    if status == "failed" and self._schedule_of(doc, tx) is not None
                ]
                if dun:
                    ids = [statuses[i][0].id for i in dun]
                    now_events = tx.document_events_of(ids, events=_DUNNING_EVENTS)
                    now_docs = tx.documents_by_id(ids)
                    moves: list[DocumentEvent] = []
                    for i in dun:
                        doc, payer, status, _ = statuses[i]
                        self._dun_in(
                            tx,
                            doc,
                            payer.data,
                            day,
                            known=now_docs.get(doc.id),
                            events=now_events[doc.id],
                            changes=moves,
                        )
                        statuses[i] = (doc, payer, status, True)
                    if moves:
                        tx.change_status_all(moves)
                return statuses
            for doc, payer, result, key in batch:
                try:
                    with tx.savepoint():
                        status = self._record_in(tx, doc.id, result, day, key, doc.customer)
                except BillkitError as error:
                    failures.append((doc.id, f"{type(error).__name__}: {error}"))
                    continue
                statuses.append((doc, payer, status, False))
        return statuses

    @staticmethod
    def _documents_now(
        tx: Transaction, docs: Sequence[DocumentRecord]
    ) -> dict[str, DocumentRecord]:
        """The stored documents ``docs`` as they stand in ``tx``, by id (an
        unknown one left out), for a decision re-taken under ``tx``'s locks on
        records read before, outside them (:meth:`collect`'s snapshot).

        A shortcut, proven equal to ``tx.documents_by_id`` of the same ids by
        ``tests/engine/test_collect_shortcuts.py``: only the versions are
        read (:meth:`~billkit.ports.Transaction.document_versions`); a record
        whose stored version is still its own is that record still (every
        change of a stored document gives it a new version), so it is used as
        it is; the documents that changed meanwhile are read again, whole.
        The versions are read under the same locks as the whole rows were
        before this shortcut, so the decision sees what it saw then.
        """
        versions = tx.document_versions(d.id for d in docs)
        now = {d.id: d for d in docs if versions.get(d.id) == d.version}
        changed = [d.id for d in docs if d.id in versions and d.id not in now]
        if changed:
            now.update(tx.documents_by_id(changed))
        return now

    @staticmethod
    def _payers_now(
        tx: Transaction, payers: Sequence[PayerRecord], versions: Mapping[str, int]
    ) -> dict[str, PayerRecord]:
        """The stored payers ``payers`` as they stand in ``tx``, by id (an unknown
        one left out), for a decision re-taken under ``tx``'s locks on records
        read before, outside them; ``versions``: their stored versions, read
        no later than ``payers`` were (:meth:`collect`'s snapshot).

        A shortcut, proven equal to ``tx.payers_of`` of the same ids by
        ``tests/engine/test_collect_shortcuts.py``: only the versions are read
        (:meth:`~billkit.ports.Transaction.payer_versions`). Every save of a
        payer raises its version, so a version read now equal to the one read
        before the record means no save came between that read and now: the
        record, read after that version, is the payer still. The payers whose
        version moved (or was not known) are read again, whole.
        """
        now_versions = tx.payer_versions(p.id for p in payers)
        now: dict[str, PayerRecord] = {}
        changed: list[str] = []
        for p in payers:
            if p.id in now or p.id not in now_versions:
                continue
            known = versions.get(p.id)
            if known is not None and known == now_versions[p.id]:
                now[p.id] = p
            else:
                changed.append(p.id)
        if changed:
            now.update(tx.payers_of(changed))
        return now

    def pay(self, document: str, *, as_of: date | None = None) -> str:
        """Collect an issued invoice: from the balance, else the saved method.

        Returns the document's payment state: ``paid``, ``pending`` (the
        provider settles later: a webhook or a later run finishes it),
        ``failed`` (recorded; tried again on a later day), ``capped`` (an
        autopay customer's monthly maximum would be exceeded: left due,
        the customer told) or ``skipped`` (nothing to do today).
        """
        day = as_of or self.clock.today()
        with self.store.transaction(readonly=True) as tx:
            doc = tx.document(document)
            payer = tx.payer(doc.customer)
            events = tx.document_events_of([document], events=_COLLECTING)[document]
            balance = tx.balance(f"{doc.customer}/main")
        return self._collect_one(doc, payer, events, balance, day)

    def _collect_one(
        self,
        doc: DocumentRecord,
        payer: PayerRecord,
        events: Sequence[DocumentEvent],
        balance: Money,
        day: date,
    ) -> str:
        """:meth:`pay` of ``doc`` read with its payer, events and balance."""
        step = self._collect_step(doc, payer, events, balance, day)
        if isinstance(step, str):
            return step
        request, key = step
        result = self.gateway.create_payment(request, key)
        status = self._record(doc.id, result, day, key, doc.customer)
        return self._dun_after(status, doc, payer.data, day)

    def _collect_step(
        self,
        doc: DocumentRecord,
        payer: PayerRecord,
        events: Sequence[DocumentEvent],
        balance: Money,
        day: date,
    ) -> str | tuple[PaymentRequest, str]:
        """What collecting ``doc`` takes: done here (its status), or a charge of the
        saved method to make (the request and its idempotency key)."""
        document = doc.id
        if doc.status not in ("issued", "pending") or doc.total is None:
            return "skipped"
        if doc.kind == PROFORMA and self.proforma_approval:
            return "skipped"  # it waits for the customer's approval (approve())
        failed = [e for e in events if e.event == "payment_failed"]
        method = payer.data.get("method")
        balance_first = payer.data.get("balance_first", True) or not method
        cover = balance
        if payer.data.get("credit_line") is not None:
            line: CreditLine = from_data(payer.data["credit_line"])
            # Bought on credit up to the limit; nothing is paid from the account while blocked.
            cover = balance + line.limit
            if payer.data.get("credit_blocked"):
                cover = Money(-1, doc.total.currency)
        if self._schedule_of(doc) is None:
            over = len(failed) >= self.max_attempts
        else:
            # The schedule's moves due by today; no retry due today is "over" for today.
            over = bool(failed) and cover < doc.total and not self._dun(doc, payer.data, day)
        if over and cover < doc.total:
            return "skipped"  # dunning is over (frozen): only a late payment settles it
        if not over and failed and failed[-1].data.get("day") == day.isoformat():
            return "skipped"  # one attempt a day
        if cover >= doc.total and (balance_first or failed):
            # Paid from the balance; after dunning, by a late payment (a top-up), which
            # unfreezes the subscription (see ``_settle``).
            lock = [f"account:{doc.customer}", *self._series_lock(document)]
            with self.store.transaction(lock=lock) as tx:
                current = tx.document(document)
                if current.status not in ("issued", "pending"):
                    return "skipped"  # settled meanwhile (a webhook, another worker)
                return self._settle(tx, current, None)
        if not method:
            return "skipped"
        if payer.data.get("autopay_cap") is not None:
            status = self._autopay(doc, payer.data, balance, len(failed), day)
            return self._dun_after(status, doc, payer.data, day)
        # Parts paid by transfer wait in the balance for this invoice: the charge takes
        # what they leave owed (as much of them as the balance still holds).
        parts = sum((_part_of(e).amount for e in events if e.event == _PART), Decimal(0))
        held = min(parts, max(balance.amount, Decimal(0)))
        request = PaymentRequest(
            amount=doc.total - Money(held, doc.total.currency),
            customer=doc.customer,
            method=SavedMethod(token=method),
            description=f"document {document}",
            metadata={"document": document},
        )
        return request, f"pay|{document}|{len(failed)}"

    def _autopay(
        self,
        doc: DocumentRecord,
        payer: Mapping[str, object],
        balance: Money,
        attempt: int,
        day: date,
    ) -> str:
        """Pay ``doc`` from the balance after an automatic top-up within the monthly cap.

        :func:`billkit.credit.decide_autopay` decides the top-up: what the
        balance lacks, held to what is left of the customer's monthly
        maximum after this calendar month's automatic top-ups (commission
        included; the month of the real day, the day the money moves, also in a
        pass of a past day: :meth:`run`). When that cannot cover the document, nothing is charged:
        the document stays due and an ``autopay.capped`` notification is
        queued (once per document and month).
        """
        assert doc.total is not None
        customer, cur = doc.customer, doc.total.currency
        # The cap holds in the calendar month the money moves in: today's, also in a
        # pass of a past day of a run after a gap (its top-up is made now).
        month = self.clock.today().replace(day=1)
        following = (month + timedelta(days=32)).replace(day=1)
        with self.store.transaction(readonly=True) as tx:
            this_month = tx.entries(
                f"{customer}/main", since=_midnight(month), until=_midnight(following)
            )
        spent = sum(
            (
                Decimal(str(e.data.get("gross", e.amount.amount)))
                for e in this_month
                if e.kind == "payment" and e.data.get("autopay")
            ),
            Decimal(0),
        )
        settings = AutopaySettings(
            currency=cur,
            monthly_max=Money(str(payer["autopay_cap"]), cur),
            method=self._terms(payer.get("pays_with")),
        )
        decision = decide_autopay(
            settings,
            balance=balance,
            next_charges=doc.total,
            monthly_spend=doc.total,
            paid_this_month=Money(spent, cur),
        )
        if decision.top_up and decision.covers_next:
            key = f"autopay|{doc.id}|{attempt}"
            result = self._top_up(customer, decision.amount, key=key, autopay=True)
            if result.status is not PaymentStatus.SUCCEEDED:
                return self._record(doc.id, result, day, f"topup|{customer}|{key}", customer)
        elif decision.top_up or not decision.covers_next:
            with self.store.transaction(lock=[f"account:{customer}"]) as tx:
                self._notify(
                    tx,
                    f"autopay.capped|{doc.id}|{month:%Y-%m}",
                    "autopay.capped",
                    customer,
                    payer,
                    {
                        "document": doc.id,
                        "number": doc.number or "",
                        "total": str(doc.total.amount),
                        "cap": str(payer["autopay_cap"]),
                        "charged": str(spent),
                        "currency": cur.code,
                    },
                    self.clock.now(),
                )
            return "capped"
        lock = [f"account:{customer}", *self._series_lock(doc.id)]
        with self.store.transaction(lock=lock) as tx:
            current = tx.document(doc.id)
            if current.status not in ("issued", "pending"):
                return "skipped"
            if tx.balance(f"{customer}/main") < doc.total:
                return "skipped"  # spent meanwhile: the next run tries again
            return self._settle(tx, current, None)

    def _record(
        self, document: str, result: PaymentResult, day: date, key: str, customer: str
    ) -> str:
        """Record the answer to the payment request ``key`` (once, whoever records it)."""
        lock = [f"account:{customer}", *self._series_lock(document)]
        with self.store.transaction(lock=lock) as tx:
            return self._record_in(tx, document, result, day, key, customer)

    def _record_in(
        self,
        tx: Transaction,
        document: str,
        result: PaymentResult,
        day: date,
        key: str,
        customer: str,
        *,
        payer: PayerRecord | None = None,
        entries: list[EntryRecord] | None = None,
        known: DocumentRecord | None = None,
        subscriptions: Mapping[str, SubscriptionRecord] | None = None,
        subscription_of: Mapping[str, str] | None = None,
        writes: _Writes | None = None,
        events: Sequence[DocumentEvent] | None = None,
    ) -> str:
        """:meth:`_record` in ``tx``, which holds the customer's account lock.

        ``payer``: the customer's, read in ``tx`` already (``None``: read
        here). ``entries``: a
        succeeded payment's two entries (the payment and the invoice's
        charge) are added to it, for the caller to post with the batch's,
        instead of posted here. ``known``, ``subscriptions``: the document
        and the subscriptions, read in ``tx`` already; ``writes``: its
        status change and notices are added to it, for the caller to flush
        with the batch's (both with ``entries`` only). ``events``: the
        document's events, read in ``tx`` already; with ``writes``, a failed
        answer's ``payment_failed`` event is added to ``writes`` too, so a
        batch records its failures in one write (each document comes once in
        a batch: the events read cannot age within it).
        """
        doc = known if known is not None and known.id == document else tx.document(document)
        # A charge made before the customer uploaded a receipt still pays the invoice.
        paid_meanwhile = doc.status == _RECEIPT and result.status is PaymentStatus.SUCCEEDED
        if doc.status not in ("issued", "pending") and not paid_meanwhile:
            # Money for an invoice a correction replaced goes to the balance (once).
            if (
                result.status is PaymentStatus.SUCCEEDED
                and doc.status in ("credited", "withdrawn")
                and tx.recall(f"credited|{key}", {}) is None
            ):
                self._credit(tx, customer, result, key)
                tx.remember(f"credited|{key}", {}, {"document": document}, at=self.clock.now())
            return "skipped"  # settled meanwhile (a webhook, another worker)
        settles_later = result.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED)
        if settles_later and result.reference:
            # The webhook that settles it later finds its document by the reference.
            ref_key = f"payment|{result.reference}"
            if tx.recall(ref_key, {}) is None:
                found = {"document": document, "key": key}
                tx.remember(ref_key, {}, found, at=self.clock.now())
        if result.status is PaymentStatus.SUCCEEDED:
            # The rest after parts paid by transfer (_collect_step): the notice names it.
            received = None if result.amount == doc.total else result.amount
            # The entry's key is the request's: one payment is credited once.
            if entries is not None and result.reference is not None:
                entries.append(self._credit_entry(customer, result, key))
                return self._settle(
                    tx,
                    doc,
                    result.reference,
                    payer=payer,
                    entries=entries,
                    subscriptions=subscriptions,
                    subscription_of=subscription_of,
                    writes=writes,
                    received=received,
                )
            self._credit(tx, customer, result, key)
            return self._settle(tx, doc, result.reference, received=received)
        if result.status is PaymentStatus.FAILED:
            if events is None:
                events = tx.document_events_of([document], events=_FAILED)[document]
            failures = [e for e in events if e.event == "payment_failed"]
            if any(e.data.get("key") == key for e in failures):
                return "skipped"  # this attempt's failure is recorded already
            attempts = 1 + len(failures)
            failed = DocumentEvent(
                document=document,
                event="payment_failed",
                status="issued",
                at=self.clock.now(),
                data={"day": day.isoformat(), "reference": result.reference, "key": key},
            )
            if writes is not None:  # with the batch's status changes, in one write
                writes.changes.append(failed)
            else:
                tx.change_status(
                    document,
                    event=failed.event,
                    status=failed.status,
                    at=failed.at,
                    data=failed.data,
                )
            if payer is None:
                payer = tx.payer(customer)
            notices = self._messages(
                f"payment.failed|{document}|{attempts}",
                "payment.failed",
                customer,
                payer.data,
                {"document": document, "number": doc.number or "", "attempt": attempts},
                self.clock.now(),
            )
            if writes is not None:  # with the batch's, in the batch's order
                writes.notices.append((None, notices))
            else:
                tx.enqueue_all(notices)
            if self.dunning is None and self.overdue is None and attempts >= self.max_attempts:
                parsed = DocumentKey.parse(document)
                sub_id = parsed.subscription
                # an invoice under a plan's own schedule is frozen by that schedule
                if self._schedule(sub_id, tx, parsed.period.start) is None:
                    if writes is not None:
                        writes.flush(tx, self.clock.now())  # what came before, first
                    self._freeze(tx, sub_id, payer.data, day)
            return "failed"
        if doc.status != "pending":
            tx.change_status(
                document, event="payment_pending", status="pending", at=self.clock.now()
            )
        return "pending"

    def _credit(self, tx: Transaction, customer: str, result: PaymentResult, key: str) -> None:
        tx.post(self._credit_entry(customer, result, key))

    def _credit_entry(self, customer: str, result: PaymentResult, key: str) -> EntryRecord:
        return EntryRecord(
            account=f"{customer}/main",
            key=key,
            amount=result.amount,
            at=self.clock.now(),
            kind="payment",
            data={"reference": result.reference},
        )

    def _settle(
        self,
        tx: Transaction,
        doc: DocumentRecord,
        reference: str | None,
        *,
        payer: PayerRecord | None = None,
        entries: list[EntryRecord] | None = None,
        subscriptions: Mapping[str, SubscriptionRecord] | None = None,
        subscription_of: Mapping[str, str] | None = None,
        writes: _Writes | None = None,
        at: datetime | None = None,
        receipt: Mapping[str, object] | None = None,
        received: Money | None = None,
    ) -> str:
        """Mark ``doc`` paid, its charge posted (or, given ``entries`` and a
        ``reference``, added to ``entries`` for the caller to post; and given
        ``writes``, its status change and notice added to it). ``at``: when
        (default: now); ``receipt``: the uploaded receipt confirmed
        (:meth:`confirm_receipt`), kept on the ``pay`` event; ``received``:
        the money that paid the rest, when parts paid the invoice before
        (the notice names it; default: the total)."""
        batched = entries is not None and reference is not None and writes is not None
        document = doc.id
        assert doc.total is not None
        now = self.clock.now() if at is None else at
        charge = EntryRecord(
            account=f"{doc.customer}/main",
            key=f"doc|{document}",
            amount=-doc.total,
            at=now,
            kind="charge",
        )
        if entries is not None and reference is not None:
            entries.append(charge)
        else:
            tx.post(charge)
        said: dict[str, object] = {"reference": reference} if reference else {}
        if receipt is not None:
            said["receipt"] = dict(receipt)
        paid = DocumentEvent(document=document, event="pay", status="paid", at=now, data=said)
        if batched:
            assert writes is not None
            writes.changes.append(paid)
        else:
            tx.change_status(
                document, event=paid.event, status=paid.status, at=paid.at, data=paid.data
            )
        if payer is None or payer.id != doc.customer:
            payer = tx.payer(doc.customer)
        told = _about(doc, received)
        topic = "payment.received"
        on_credit = reference is None and payer.data.get("credit_line") is not None
        if on_credit and tx.balance(f"{doc.customer}/main").amount < 0:
            # Bought on the credit line, not paid: its own topic, so that a
            # listener counting payments does not count it.
            topic = "invoice.charged_to_credit"
        notices = self._messages(f"{topic}|{document}", topic, doc.customer, payer.data, told, now)
        if batched:
            assert writes is not None
            writes.notices.append((None, notices))
        else:
            for m in notices:
                tx.enqueue(key=m.key, topic=m.topic, payload=m.payload, at=m.created_at)
        if doc.kind == PROFORMA:
            self._paid_proforma(tx, doc, payer, writes if batched else None)
        if doc.kind in (INVOICE, PROFORMA) and document.count("|") == 4:  # the engine issued it
            parsed = None if subscription_of is None else subscription_of.get(document)
            sub_id = parsed if parsed is not None else DocumentKey.parse(document).subscription
            known = None if subscriptions is None else subscriptions.get(sub_id)
            if self.overdue is not None:  # the ladder weighs the account again
                if self._overdue_marked(tx, known, payer.data):
                    if writes is not None and batched:
                        writes.flush(tx, self.clock.now())  # this payment first
                    self._overdue_paid(tx, doc.customer, payer.data)
            elif known is None or known.status == "frozen" or "overdue_state" in known.data:
                self._unfreeze(tx, sub_id, payer.data)
        if (
            reference is None
            and payer.data.get("credit_line") is None
            and payer.data.get("autopay_cap") is None
        ):
            # Paid from a prepaid balance: say so when what is left would not pay another.
            left = tx.balance(f"{doc.customer}/main")
            if left < doc.total:
                self._notify(
                    tx,
                    f"balance.low|{document}",
                    "balance.low",
                    doc.customer,
                    payer.data,
                    {
                        "document": document,
                        "number": doc.number or "",
                        "balance": str(left.amount),
                        "expected": str(doc.total.amount),
                        "currency": doc.total.currency.code,
                    },
                    self.clock.now(),
                )
        return "paid"

    def _series_lock(self, *documents: str) -> list[str]:
        """The lock scope of the series of a paid proforma's invoice (or act) when
        one of ``documents`` is a proforma (paying it issues that: :meth:`_paid_proforma`)."""
        if PROFORMA in self.series and any(
            d.rsplit("|", 2)[-2:-1] == [PROFORMA] for d in documents
        ):
            return [f"series:{self.series[self.proforma_final]}"]
        return []

    def handle_webhook(self, headers: Mapping[str, str], body: bytes) -> int:
        """Verify a provider webhook; settle the documents and book the top-ups it names.

        Returns how many documents it settled and top-ups it booked. The
        gateway verifies the signature first (a bad one raises
        :class:`~billkit.errors.WebhookError` and nothing happens). The
        payment's state is read back from the provider, never taken from
        the webhook alone; a webhook delivered twice settles once.
        """
        settled = 0
        for event in self.gateway.parse_webhook(headers, body):
            with self.store.transaction(readonly=True) as tx:
                found = tx.recall(f"payment|{event.payment}", {})
            if found is None:
                continue
            result = self.gateway.get_payment(event.payment)
            if "top_up" in found:
                if result.status is PaymentStatus.SUCCEEDED:
                    ask = found["ask"]
                    assert isinstance(ask, Mapping)
                    booked = self._book_top_up(str(found["top_up"]), str(found["key"]), ask, result)
                    settled += booked
                continue
            document, key = str(found["document"]), str(found["key"])
            with self.store.transaction(readonly=True) as tx:
                customer = tx.document(document).customer
            today = self.clock.today()
            settled += self._record(document, result, today, key, customer) == "paid"
        return settled
