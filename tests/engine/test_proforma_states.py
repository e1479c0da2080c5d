"""The engine's proformas and official invoices read as the pure core's states.

The engine stores plain statuses (``issued``, ``approved``, ``rejected``,
``receipt_uploaded``, ``paid``...); ``Billing.official_state(document)``
reads them as :class:`~billkit.invoicing.OfficialInvoiceState`, the
attribution business's states, so stores written by earlier versions read
the same. Its moves follow ``OFFICIAL_INVOICE_LIFECYCLE`` (proforma issued
-> approved or rejected; the invoice, issued and told to the customer on the
approval, sent -> paid, or receipt uploaded -> paid or back to sent), plus
two of the engine's own: another receipt while one awaits, and a receipt
confirmed for part of the amount (back to sent, owed the rest).
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from billkit.errors import BillingError, NotFoundError
from billkit.invoicing import OFFICIAL_INVOICE_LIFECYCLE, OfficialInvoiceState
from billkit.money import Money
from billkit.ports import Store
from billkit.storage import MemoryStore
from billkit.storage.records import DocumentRecord, SeriesRecord
from tests.engine.test_proforma_answers import REASON, _at
from tests.engine.test_proforma_approval import APPROVED, PROFORMA_0, _period_billed
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

S = OfficialInvoiceState
REVISED = "parsian-attr|2026-03-21|2026-04-20|proforma|1"
INVOICE_1 = "parsian-attr|2026-03-21|2026-04-20|invoice|1"
# The engine's own moves beside the lifecycle's: another receipt while one
# awaits, and a receipt confirmed for part of the amount.
OWN_MOVES = {(S.RECEIPT_UPLOADED, S.RECEIPT_UPLOADED), (S.RECEIPT_UPLOADED, S.SENT_TO_CUSTOMER)}


def _moves() -> set[tuple[S, S]]:
    return {
        (state, OFFICIAL_INVOICE_LIFECYCLE.apply(state, e))
        for state in S
        for e in OFFICIAL_INVOICE_LIFECYCLE.allowed(state)
    }


def test_the_stored_statuses_of_every_version_read_as_official_states(store: Store) -> None:
    # Documents as an earlier version stored them: the strings it wrote, written
    # straight to the store (no engine code of this version involved).
    rows = [
        ("p-issued", "proforma", None, S.PROFORMA_ISSUED),
        ("p-approved", "proforma", "approved", S.APPROVED_BY_CUSTOMER),
        ("p-rejected", "proforma", "rejected", S.REJECTED_BY_CUSTOMER),
        ("p-withdrawn", "proforma", "withdrawn", None),
        ("p-paid", "proforma", "paid", None),
        ("i-issued", "invoice", None, S.SENT_TO_CUSTOMER),
        ("i-pending", "invoice", "pending", S.SENT_TO_CUSTOMER),
        ("i-receipt", "invoice", "receipt_uploaded", S.RECEIPT_UPLOADED),
        ("i-paid", "invoice", "paid", S.PAID),
        ("i-credited", "invoice", "credited", None),
        ("a-issued", "act", None, None),
    ]
    engine, _ = _period_billed(store, method=None)
    with store.transaction() as tx:
        tx.create_series(SeriesRecord(name="S"))
        for id, kind, status, _ in rows:
            tx.save_draft(
                DocumentRecord(id=id, customer="parsian", kind=kind, total=Money("1.00", "EUR"))
            )
            tx.issue(id, series="S", at=_at(date(2026, 4, 1)))
            if status is not None:
                tx.change_status(id, event="old", status=status, at=_at(date(2026, 4, 2)))
    assert [engine.official_state(id) for id, *_ in rows] == [state for *_, state in rows]
    # Read as the enum's values too: the states the core's flow names.
    assert engine.official_state("i-receipt") == "receipt_uploaded"
    with pytest.raises(NotFoundError):
        engine.official_state("nothing")
    with pytest.raises(BillingError) as empty:
        engine.official_state("")
    assert empty.value.field == "document"


def test_one_period_through_the_flow_moves_as_the_lifecycle_says(store: Store) -> None:
    engine, clock = _period_billed(store, method=None)
    seen: list[tuple[str, S | None]] = []

    def look(document: str) -> S | None:
        state = engine.official_state(document)
        seen.append((document, state))
        return state

    assert look(PROFORMA_0) == S.PROFORMA_ISSUED
    clock.set(APPROVED)
    engine.reject(PROFORMA_0, reason=REASON)
    assert look(PROFORMA_0) == S.REJECTED_BY_CUSTOMER
    engine.reissue(PROFORMA_0)
    assert (look(PROFORMA_0), look(REVISED)) == (S.REJECTED_BY_CUSTOMER, S.PROFORMA_ISSUED)
    engine.approve(REVISED)
    assert (look(REVISED), look(INVOICE_1)) == (S.APPROVED_BY_CUSTOMER, S.SENT_TO_CUSTOMER)
    engine.mark_sent(INVOICE_1, attachment="scans/AT-000001.pdf")
    assert look(INVOICE_1) == S.SENT_TO_CUSTOMER
    engine.upload_receipt(INVOICE_1, attachment="r1.pdf")
    assert look(INVOICE_1) == S.RECEIPT_UPLOADED
    engine.upload_receipt(INVOICE_1, attachment="r1-clearer.pdf")
    assert look(INVOICE_1) == S.RECEIPT_UPLOADED
    engine.refuse_receipt(INVOICE_1, reason="unreadable")
    assert look(INVOICE_1) == S.SENT_TO_CUSTOMER
    engine.upload_receipt(INVOICE_1, attachment="r2.pdf")
    engine.confirm_receipt(INVOICE_1, amount=Money("100000000", "IRR"))
    assert look(INVOICE_1) == S.SENT_TO_CUSTOMER
    engine.upload_receipt(INVOICE_1, attachment="r3.pdf")
    engine.confirm_receipt(INVOICE_1)
    assert look(INVOICE_1) == S.PAID
    # Each document's successive states: a move of the lifecycle, or one of the two
    # the engine adds (a receipt while one awaits; a part confirmed).
    for document in (PROFORMA_0, REVISED, INVOICE_1):
        states = [s for d, s in seen if d == document]
        steps = {(a, b) for a, b in itertools.pairwise(states) if a != b or a == S.RECEIPT_UPLOADED}
        assert steps <= _moves() | OWN_MOVES, (document, steps)


_STEPS = st.lists(
    st.sampled_from(["approve", "reject", "reissue", "upload", "part", "confirm", "refuse", "run"]),
    max_size=14,
)


@settings(max_examples=60, deadline=None)
@given(steps=_STEPS)
def test_any_order_of_steps_moves_only_as_the_lifecycle_or_the_engine_says(
    steps: list[str],
) -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method="tok_visa")
    clock.set(APPROVED)
    proforma, files = PROFORMA_0, 0
    before: dict[str, S | None] = {}

    def states() -> dict[str, S | None]:
        with store.transaction(readonly=True) as tx:
            ids = [d.id for d in tx.documents() if d.kind in ("proforma", "invoice")]
        return {d: engine.official_state(d) for d in ids}

    before = states()
    for n, step in enumerate(steps):
        clock.set(APPROVED + timedelta(hours=n + 1))
        invoice = proforma.replace("|proforma|", "|invoice|")
        try:
            if step == "approve":
                engine.approve(proforma)
            elif step == "reject":
                engine.reject(proforma, reason=REASON)
            elif step == "reissue":
                proforma = engine.reissue(proforma)
            elif step == "upload":
                files += 1
                engine.upload_receipt(invoice, attachment=f"r{files}.pdf")
            elif step == "part":
                engine.confirm_receipt(invoice, amount=Money("1000", "IRR"))
            elif step == "confirm":
                engine.confirm_receipt(invoice)
            elif step == "refuse":
                engine.refuse_receipt(invoice, reason="unreadable")
            else:
                engine.run()
        except (BillingError, NotFoundError):
            event(f"{step} refused")
            continue
        after = states()
        for document, state in after.items():
            was = before.get(document)
            if document not in before or (was == state and state != S.RECEIPT_UPLOADED):
                continue
            assert (was, state) in _moves() | OWN_MOVES, (step, document, was, state)
        before = after
    event(f"invoice {before.get(proforma.replace('|proforma|', '|invoice|'))}")
