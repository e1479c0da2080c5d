"""The collect step's shortcuts: a decision re-taken under the customer's lock
on data read before, outside it.

``collect`` reads a shard's unpaid invoices, their failed attempts, payers and
balances in one read-only snapshot, charges outside any transaction, then
records the answers in batches under the customers' locks. There the batch
reads only the documents' versions (``Store.document_versions``) and re-uses
the snapshot's record of a document whose version did not move
(``Billing._documents_now``), likewise only the payers' versions
(``Store.payer_versions``, ``Billing._payers_now``), and reads only the events
a decision looks at (``Store.document_events_of(events=...)``). The property
tests prove the versioned reads equal to reading the documents and payers
again, whole; the concurrency
tests change a document and a payer between the snapshot and the lock (from
the payment provider's call, which comes exactly there) and check that the
decision taken under the lock sees the change, on every store.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billkit.engine import Billing
from billkit.money import Money
from billkit.payments.types import PaymentRequest, PaymentResult
from billkit.ports import FixedClock, Store
from billkit.storage.records import (
    AccountRecord,
    DocumentRecord,
    PayerRecord,
    SeriesRecord,
)
from tests.engine import support, workers
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

_RUN = itertools.count()
# Each change an issued document may go through, and the status it leaves.
_MOVES = {
    "payment_failed": "issued",
    "payment_pending": "pending",
    "pay": "paid",
    "credit": "credited",
}


def _issued(tx: Any, ids: list[str]) -> None:
    """``ids`` saved and issued, as invoices of customer ``acme``."""
    for id in ids:
        tx.save_draft(
            DocumentRecord(
                id=id,
                customer="acme",
                kind="invoice",
                period_start=date(2026, 3, 1),
                period_end=date(2026, 4, 1),
                total=Money("10.00", "EUR"),
                data={"lines": []},
            )
        )
        tx.issue(id, series="INV", at=support.START)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    moves=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(sorted(_MOVES))), max_size=6),
    unknown=st.booleans(),
)
def test_documents_now_is_the_documents_read_again(
    store: Store, moves: list[tuple[int, str]], unknown: bool
) -> None:
    run = next(_RUN)
    ids = [f"inv-{run:03d}-{i}" for i in range(4)]
    with store.transaction() as tx:
        if run == 0 or not tx.payers_of(["acme"]):
            tx.save_payer(PayerRecord(id="acme"))
            tx.open_account(
                AccountRecord(
                    id="acme/main",
                    customer="acme",
                    credit_limit=Money("0", "EUR"),
                    balance=Money("0", "EUR"),
                )
            )
            tx.create_series(SeriesRecord(name="INV"))
        _issued(tx, ids)
    # The snapshot, read outside any lock (as collect reads it).
    with store.transaction(readonly=True) as tx:
        snapshot = list(tx.documents_by_id(ids).values())
    # What other writers do meanwhile.
    with store.transaction(lock=["account:acme"]) as tx:
        for at, (i, event) in enumerate(moves):
            tx.change_status(
                ids[i],
                event=event,
                status=_MOVES[event],
                at=support.START + timedelta(hours=at + 1),
            )
    asked = list(snapshot)
    if unknown:  # a record of a document the store never had: left out, as by documents_by_id
        asked.append(DocumentRecord(id=f"inv-{run:03d}-x", customer="acme", kind="invoice"))
    with store.transaction(lock=["account:acme"]) as tx:
        now = Billing._documents_now(tx, asked)
        assert now == tx.documents_by_id(d.id for d in asked)
    moved = {ids[i] for i, _ in moves}
    for record in snapshot:
        if record.id not in moved:  # unchanged: the snapshot's own record, not read again
            assert now[record.id] is record
        else:
            assert now[record.id].version > record.version


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    saves=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["", "x@example.com"])), max_size=6
    ),
    before=st.lists(st.integers(0, 3), max_size=3),
    unknown=st.booleans(),
)
def test_payers_now_is_the_payers_read_again(
    store: Store, saves: list[tuple[int, str]], before: list[int], unknown: bool
) -> None:
    run = next(_RUN)
    ids = [f"p-{run:03d}-{i}" for i in range(4)]
    with store.transaction() as tx:
        for id in ids:
            tx.save_payer(PayerRecord(id=id, data={"email": ""}))
    # The snapshot, read outside any lock as collect reads it: the versions
    # first, then the payers, with saves of others ``before`` in between (a
    # save there makes the record newer than its version: read again).
    with store.transaction(readonly=True) as tx:
        versions = tx.payer_versions(ids)
    with store.transaction() as tx:
        for i in before:
            tx.save_payer(PayerRecord(id=ids[i], data={"email": f"before-{i}@example.com"}))
    with store.transaction(readonly=True) as tx:
        snapshot = list(tx.payers_of(ids).values())
    # What other writers do meanwhile (a save of equal data is a save too).
    with store.transaction(lock=["account:acme"]) as tx:
        for i, email in saves:
            tx.save_payer(PayerRecord(id=ids[i], data={"email": email}))
    asked = list(snapshot)
    if unknown:  # a record of a payer the store never had: left out, as by payers_of
        asked.append(PayerRecord(id=f"p-{run:03d}-x"))
    with store.transaction(lock=["account:acme"]) as tx:
        now = Billing._payers_now(tx, asked, versions)
        assert now == tx.payers_of(p.id for p in asked)
        stored = tx.payer_versions(ids)
    changed = {ids[i] for i, _ in saves} | {ids[i] for i in before}
    for record in snapshot:
        if record.id not in changed:  # unchanged: the snapshot's own record, not read again
            assert now[record.id] is record
        else:  # saved since its version was read: that version is gone, so it was read again
            assert stored[record.id] > versions[record.id]


class _ChangesMeanwhile:
    """A provider whose charge of one customer's invoice comes with a change
    made by someone else to the store (a webhook, an operator), after collect's
    snapshot and before the batch takes the customer's lock: ``change(tx,
    document)`` in its own transaction, under the customer's lock."""

    name = "keyed"

    def __init__(self, store: Store, customer: str, change: Any) -> None:
        self.store, self.customer, self.change = store, customer, change
        self.inner = workers.KeyedGateway()
        self.capabilities = self.inner.capabilities

    def create_payment(self, request: PaymentRequest, idempotency_key: str) -> PaymentResult:
        if request.customer == self.customer:
            document = str(dict(request.metadata)["document"])
            with self.store.transaction(lock=[f"account:{self.customer}"]) as tx:
                self.change(tx, document)
        return self.inner.create_payment(request, idempotency_key)


def _month_end(store: Store, customer: str, change: Any) -> tuple[Any, DocumentRecord]:
    """The month end of five customers (``tests/engine/support.py``), with
    ``change`` made to ``customer``'s invoice or payer between collect's
    snapshot and its batch; the run's report and that invoice as it ends."""
    clock = FixedClock(support.START)
    support.billing(store, workers.KeyedGateway(), clock)
    support.populate_fast(store, 5)
    clock.set(support.MONTH_END)
    gateway = _ChangesMeanwhile(store, customer, change)
    report = support.billing(store, gateway, clock).run()  # type: ignore[arg-type]
    with store.transaction(readonly=True) as tx:
        (doc,) = tx.documents(customer=customer)
    return report, doc


def test_a_document_credited_meanwhile_is_not_marked_paid(store: Store) -> None:
    # c0001 pays by card (support.method(1) is tok_visa). Its invoice is credited
    # (replaced by a correction) after the snapshot read it unpaid, before the
    # answer is recorded: the batch sees the new version, reads it again, and
    # the card payment goes to the balance instead of paying the invoice.
    def credit(tx: Any, document: str) -> None:
        tx.change_status(document, event="credit", status="credited", at=support.MONTH_END)

    report, doc = _month_end(store, "c0001", credit)
    assert report.failures == ()
    assert doc.status == "credited"
    assert doc.total is not None
    with store.transaction(readonly=True) as tx:
        events = [e.event for e in tx.document_events(doc.id)]
        assert events == ["issue", "credit"]  # no "pay" recorded over the credit
        entries = {e.key: e.amount for e in tx.entries("c0001/main")}
        # the payment (under the attempt's key), and no charge of the credited invoice
        assert entries == {f"pay|{doc.id}|0": doc.total}
        assert tx.balance("c0001/main") == doc.total  # 0 + the payment
        # c0000 (a card payer too, unchanged) paid its invoice as usual
        assert [d.status for d in tx.documents(customer="c0000")] == ["paid"]


def test_a_document_paid_meanwhile_gets_no_failure_recorded(store: Store) -> None:
    # c0003's card is declined (support.method(3)); its invoice is paid by
    # another means after the snapshot and before the failure is recorded: the
    # failure is not recorded over the payment (which would take it back to
    # "issued").
    def pay(tx: Any, document: str) -> None:
        tx.change_status(document, event="pay", status="paid", at=support.MONTH_END)

    report, doc = _month_end(store, "c0003", pay)
    assert report.failures == ()
    assert doc.status == "paid"
    with store.transaction(readonly=True) as tx:
        assert [e.event for e in tx.document_events(doc.id)] == ["issue", "pay"]


def test_a_payer_changed_meanwhile_is_told_at_the_new_address(store: Store) -> None:
    # c0002 pays by card; its payer's e-mail changes after the snapshot read
    # it (support.populate_fast leaves it empty): the payment's notice, made
    # under the lock, goes to the new address.
    def move(tx: Any, document: str) -> None:
        payer = tx.payer("c0002")
        tx.save_payer(PayerRecord(id="c0002", data={**payer.data, "email": "new@example.com"}))

    _, doc = _month_end(store, "c0002", move)
    assert doc.status == "paid"
    with store.transaction() as tx:
        claimed = tx.claim("test", now=support.MONTH_END, lease=timedelta(minutes=1), limit=1000)
    told = [
        m.payload
        for m in claimed
        if m.topic == "payment.received" and m.payload["document"] == doc.id
    ]
    assert [p["email"] for p in told] == ["new@example.com"]
