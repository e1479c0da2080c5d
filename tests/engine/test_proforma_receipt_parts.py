"""A receipt for part of an invoice (``confirm_receipt(invoice, amount=...)``).

The attribution business (``test_proforma_approval.py``): Parsian Apps' first
official invoice, AT-000001, is 690 250 000 IRR, issued on 22 April and due
10 days later, on 2 May; an invoice neither paid nor with a receipt uploaded
by then blocks the account. Parsian pays it in two bank transfers:
400 000 000 IRR on 28 April, then the rest, 690 250 000 - 400 000 000 =
290 250 000 IRR, on 5 May. The first is a partial payment: booked, and the
invoice is still owed (and late after 2 May) for the rest.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from billkit.errors import BillingError, CurrencyMismatchError
from billkit.money import Money
from billkit.notify import compose
from billkit.ports import Store
from billkit.storage import MemoryStore
from tests.engine.test_overdue_ladder import _marks
from tests.engine.test_overdue_uncharged import TEN_DAYS
from tests.engine.test_proforma_answers import _at, _events, _told
from tests.engine.test_proforma_approval import (
    APPROVED,
    INVOICE_0,
    PROFORMA_0,
    TOTAL,
    _period_billed,
)
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

FIRST = Money("400000000", "IRR")
REST = Money("290250000", "IRR")  # 690 250 000 - 400 000 000
FIRST_FILE = {"attachment": "receipts/mellat-5521.pdf"}
REST_FILE = {"attachment": "receipts/mellat-5530.pdf"}


def _entries(store: Any) -> list[tuple[str, str, Money]]:
    with store.transaction(readonly=True) as tx:
        return [(e.key, e.kind, e.amount) for e in tx.entries("parsian/main")]


def _status(store: Any) -> str:
    with store.transaction(readonly=True) as tx:
        return tx.document(INVOICE_0).status


def test_an_invoice_paid_in_two_transfers(store: Store) -> None:
    engine, clock = _period_billed(store, method=None, overdue=TEN_DAYS)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)  # due 22 April + 10 = 2 May
    clock.set(_at(date(2026, 4, 28), 9))
    assert engine.upload_receipt(INVOICE_0, attachment=FIRST_FILE["attachment"])
    assert engine.confirm_receipt(INVOICE_0, amount=FIRST) == "partly_paid"
    assert engine.confirm_receipt(INVOICE_0, amount=FIRST) == "partly_paid"  # a retry
    assert engine.confirm_receipt(INVOICE_0) == "partly_paid"  # a retry without the amount
    with pytest.raises(BillingError, match="confirmed for already") as other:
        engine.confirm_receipt(INVOICE_0, amount=Money("390000000", "IRR"))
    assert other.value.field == "amount"
    # Booked once, to the balance, where it waits for the rest; the invoice is
    # owed again: issued, its charge not posted yet.
    assert _entries(store) == [(f"receipt|{INVOICE_0}|1", "payment", FIRST)]
    assert _status(store) == "issued"
    assert _events(store, INVOICE_0)[-1] == (
        "confirm_part",
        "issued",
        {
            "amount": "400000000",
            "currency": "IRR",
            "owed": "290250000.00",
            "reference": f"receipt:{FIRST_FILE['attachment']}",
            "receipt": FIRST_FILE,
        },
    )
    # The same file uploaded again is not a new receipt.
    assert engine.upload_receipt(INVOICE_0, attachment=FIRST_FILE["attachment"]) is False
    # Still due by 2 May for the rest: not blocked before, blocked on 3 May.
    for day in (date(2026, 4, 30), date(2026, 5, 2)):
        clock.set(_at(day))
        engine.run()
        assert _marks(store, "parsian-attr") == [("active", None, None)]
    clock.set(_at(date(2026, 5, 3)))
    engine.run()
    assert _marks(store, "parsian-attr")[0][:2] == ("frozen", "BLOCKED")
    # 5 May: the rest arrives and is confirmed: the invoice is paid, charged its
    # whole total once; the balance is 400 000 000 + 290 250 000 - 690 250 000 = 0.
    clock.set(_at(date(2026, 5, 5), 9))
    assert engine.upload_receipt(INVOICE_0, attachment=REST_FILE["attachment"])
    with pytest.raises(BillingError, match="at most the 290250000") as over:
        engine.confirm_receipt(INVOICE_0, amount=Money("290250001", "IRR"))
    assert over.value.field == "amount"
    assert engine.confirm_receipt(INVOICE_0) == "paid"
    assert engine.confirm_receipt(INVOICE_0, amount=REST) == "paid"
    assert _entries(store) == [
        (f"receipt|{INVOICE_0}|1", "payment", FIRST),
        (f"receipt|{INVOICE_0}|2", "payment", REST),
        (f"doc|{INVOICE_0}", "charge", -TOTAL),
    ]
    with store.transaction(readonly=True) as tx:
        assert tx.balance("parsian/main") == Money("0", "IRR")
    assert _status(store) == "paid"
    assert _marks(store, "parsian-attr")[0][:2] == ("active", None)
    messages = _told(engine)
    # Each receipt recorded is acknowledged once (the same file again is not).
    uploaded = [m for m in messages if m.topic == "receipt.uploaded"]
    assert [m.payload["attachment"] for m in uploaded] == [
        FIRST_FILE["attachment"],
        REST_FILE["attachment"],
    ]
    assert compose(uploaded[0], language="en")[1] == (
        "Your payment receipt for invoice AT-000001 (IRR690,250,000) is received: "
        "we will confirm it shortly.\n"
    )
    assert compose(uploaded[0])[0] == "رسید پرداخت دریافت شد"
    told = [m for m in messages if m.topic == "payment.received"]
    # each notice names the money that arrived: the part, then the rest
    assert [m.payload["total"] for m in told] == ["400000000", "290250000.00"]
    assert compose(told[0], language="en")[1] == (
        "Thank you: we received IRR400,000,000 for AT-000001.\n"
    )


def test_a_receipt_for_the_whole_total_is_booked_as_before() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    engine.upload_receipt(INVOICE_0, attachment="receipts/5521.pdf")
    assert engine.confirm_receipt(INVOICE_0, amount=TOTAL) == "paid"
    assert _entries(store) == [
        (f"receipt|{INVOICE_0}", "payment", TOTAL),
        (f"doc|{INVOICE_0}", "charge", -TOTAL),
    ]


def test_amounts_a_receipt_cannot_be_confirmed_for() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    engine.upload_receipt(INVOICE_0, attachment="receipts/5521.pdf")
    for bad in (Money("0", "IRR"), Money("-5", "IRR"), Money("0.001", "IRR"), "400000000"):
        with pytest.raises(BillingError) as refused:
            engine.confirm_receipt(INVOICE_0, amount=bad)  # type: ignore[arg-type]
        assert (refused.value.field, refused.value.value) == ("amount", bad)
    with pytest.raises(CurrencyMismatchError) as mixed:
        engine.confirm_receipt(INVOICE_0, amount=Money("400", "EUR"))
    assert mixed.value.field == "amount"
    with pytest.raises(BillingError, match="at most the 690250000"):
        engine.confirm_receipt(INVOICE_0, amount=TOTAL + Money("1", "IRR"))
    assert _entries(store) == []
    assert _status(store) == "receipt_uploaded"  # nothing changed: it still awaits


@settings(max_examples=40, deadline=None)
@given(
    parts=st.lists(
        st.one_of(st.none(), st.integers(min_value=1, max_value=800_000_000)),
        min_size=1,
        max_size=6,
    ),
    retries=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_confirmed_parts_never_exceed_what_is_booked_and_pay_at_the_total(
    parts: list[int | None], retries: list[bool]
) -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    confirmed = 0  # the rials the answers say were confirmed
    for n, part in enumerate(parts):
        if _status(store) == "paid":
            break
        engine.upload_receipt(INVOICE_0, attachment=f"receipts/{n}.pdf")
        amount = None if part is None else Money(part, "IRR")
        owed = TOTAL.amount - confirmed
        if part is not None and part > owed:
            with pytest.raises(BillingError, match="still owes"):
                engine.confirm_receipt(INVOICE_0, amount=amount)
            engine.refuse_receipt(INVOICE_0, reason="more than owed")
            event("over-payment refused")
            continue
        answer = engine.confirm_receipt(INVOICE_0, amount=amount)
        if retries[n]:
            assert engine.confirm_receipt(INVOICE_0, amount=amount) == answer
        confirmed += owed if part is None else part
        assert answer == ("paid" if confirmed == TOTAL.amount else "partly_paid")
    entries = _entries(store)
    booked = sum(a.amount for k, kind, a in entries if kind == "payment")
    with store.transaction(readonly=True) as tx:
        events = tx.document_events(INVOICE_0)
    parts_told = sum(int(e.data["amount"]) for e in events if e.event == "confirm_part")
    # The sum of the confirmed parts is what was booked as paid, never above the total...
    assert booked == confirmed <= TOTAL.amount
    assert parts_told <= booked
    # ... and the invoice is paid (its total charged once) exactly when they reach it.
    paid = _status(store) == "paid"
    assert paid == (confirmed == TOTAL.amount)
    charges = [a for k, kind, a in entries if kind == "charge"]
    assert charges == ([-TOTAL] if paid else [])
    event("paid" if paid else "partly paid")


def test_a_saved_card_is_charged_only_what_the_parts_leave_owed(store: Store) -> None:
    # Parsian has a saved card this time. It wires 400 000 000 IRR and its receipt
    # is confirmed as a part before the run; the run then charges the card for the
    # rest only, 690 250 000 - 400 000 000 = 290 250 000, and the invoice is paid:
    # the balance is 400 000 000 + 290 250 000 - 690 250 000 = 0.
    engine, clock = _period_billed(store)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    assert engine.upload_receipt(INVOICE_0, attachment=FIRST_FILE["attachment"])
    assert engine.confirm_receipt(INVOICE_0, amount=FIRST) == "partly_paid"
    clock.set(_at(date(2026, 4, 23)))
    report = engine.run()
    assert report.paid == 1
    assert _entries(store) == [
        (f"receipt|{INVOICE_0}|1", "payment", FIRST),
        (f"pay|{INVOICE_0}|0", "payment", REST),
        (f"doc|{INVOICE_0}", "charge", -TOTAL),
    ]
    with store.transaction(readonly=True) as tx:
        assert tx.balance("parsian/main") == Money("0", "IRR")
    assert _status(store) == "paid"
    told = [m for m in _told(engine) if m.topic == "payment.received"]
    assert [Money(m.payload["total"], "IRR") for m in told] == [FIRST, REST]
