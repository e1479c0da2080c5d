"""The customer's other answers: a rejected proforma, and the receipt of a transfer
uploaded, then confirmed or refused by the business.

The attribution business (``test_proforma_approval.py``: Parsian Apps, the
Attribution Starter plan, 690 250 000 IRR for its first period) asks the
customer to check each proforma's amount before approving it; the customer
may pay the official invoice by bank transfer and upload the receipt in the
panel, and its rule is "10 days to pay from the invoice's issue; an invoice
neither paid nor with a receipt uploaded by then blocks the account". So:

* a rejected proforma issues no invoice, is never collected and blocks
  nothing; it stands for its period until the bill changes, when a proforma
  of the next revision asks again; meanwhile the runs that bill the
  subscription name it in ``RunReport.rejected``;
* an uploaded receipt makes the invoice ``receipt_uploaded``: not charged,
  not counted overdue, until the business confirms it (the transfer booked,
  the invoice paid) or refuses it (``issued`` again, counted again).
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from billkit.engine import Billing
from billkit.errors import BillingError, NotFoundError
from billkit.money import Money
from billkit.notify import compose
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, Store
from billkit.storage import MemoryStore, SqlStore
from billkit.storage.records import EntryRecord
from tests.engine import support
from tests.engine.test_overdue_ladder import _marks
from tests.engine.test_overdue_uncharged import TEN_DAYS
from tests.engine.test_proforma_approval import (
    APPROVED,
    CUSTOMERS,
    INVOICE_0,
    PARSIAN,
    PERIOD_END,
    PROFORMA_0,
    SUBSCRIBED,
    TOTAL,
    _attribution,
    _docs,
    _period_billed,
    _pro,
    _snapshot,
)
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

REASON = "the re-attributions of 19 April are counted twice"
RECEIPT = b"%PDF-1.4 Bank Mellat transfer 5521: 690,250,000 IRR"
NEXT_PERIOD = "parsian-attr|2026-04-20|2026-05-20|proforma|0"
REVISED = "parsian-attr|2026-03-21|2026-04-20|proforma|1"


def _at(day: date, hour: int = 2) -> datetime:
    return datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=hour)


def _daily(engine: Billing, clock: FixedClock, first: date, last: date, hour: int = 2) -> list[Any]:
    """A run every day from ``first`` to ``last`` (at ``hour``): the reports."""
    reports = []
    day = first
    while day <= last:
        clock.set(_at(day, hour))
        reports.append(engine.run())
        day += timedelta(days=1)
    return reports


def _events(store: Any, document: str) -> list[tuple[str, str, dict[str, object]]]:
    with store.transaction(readonly=True) as tx:
        return [(e.event, e.status, dict(e.data)) for e in tx.document_events(document)]


def _told(engine: Billing) -> list[Any]:
    engine.deliver()
    return [m for m in engine.notifier.messages if m.topic != "usage.threshold"]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- a rejected proforma


def test_a_rejected_proforma_issues_nothing_blocks_nothing_and_is_reported(store: Store) -> None:
    engine, clock = _period_billed(store, method=None, overdue=TEN_DAYS)
    clock.set(APPROVED)
    assert engine.reject(PROFORMA_0, reason=REASON) is True
    assert engine.reject(PROFORMA_0, reason="again") is False  # once: the first reason kept
    assert _docs(store) == [(PROFORMA_0, "PF-000001", "rejected", TOTAL)]
    assert _events(store, PROFORMA_0) == [
        ("issue", "issued", {}),
        ("reject", "rejected", {"reason": REASON}),
    ]
    with pytest.raises(BillingError, match="it is rejected") as refused:
        engine.approve(PROFORMA_0)
    assert (refused.value.field, refused.value.value) == ("proforma", PROFORMA_0)
    # Nothing is owed: no run until the next period's billing (20 May) charges,
    # issues or blocks anything, though the proforma's own due day (30 April) passed;
    # every run reports the period rejected, whether it bills the subscription or not.
    reports = _daily(engine, clock, date(2026, 4, 23), date(2026, 5, 19))
    assert {(r.issued, r.paid, r.failures, r.rejected) for r in reports} == {
        ((), 0, (), (PROFORMA_0,))
    }
    assert _marks(store, "parsian-attr") == [("active", None, None)]
    # 20 May bills the next period, and finds the first one's bill unchanged: the
    # rejected proforma still stands for it, so nothing new is asked, and the
    # report says so (the period is left to the business).
    clock.set(_at(date(2026, 5, 20)))
    report = engine.run()
    assert (report.issued, report.rejected) == ((NEXT_PERIOD,), (PROFORMA_0,))
    assert engine.run().rejected == (PROFORMA_0,)  # not due again today: reported all the same
    # The business corrects the usage (100 attributions more were missing):
    # + 100 x 52 000 = 5 200 000, + 10 % VAT = 5 720 000: 695 970 000. The run that
    # bills the subscription next (19 June) asks for the period again, by a proforma
    # of the next revision; the rejected one stays rejected (replaced all the same).
    engine.record_usage("parsian-attr", "attributions", 100, key="missing", at=SUBSCRIBED)
    clock.set(_at(date(2026, 6, 19)))
    report = engine.run()
    assert report.issued == (REVISED, "parsian-attr|2026-05-20|2026-06-19|proforma|0")
    assert report.rejected == ()
    with store.transaction(readonly=True) as tx:
        revised = tx.document(REVISED)
        assert (revised.number, revised.status, revised.total) == (
            "PF-000003",
            "issued",
            Money("695970000", "IRR"),
        )
        assert tx.document(PROFORMA_0).status == "rejected"
    assert [e[:2] for e in _events(store, PROFORMA_0)] == [
        ("issue", "issued"),
        ("reject", "rejected"),
        ("withdraw", "rejected"),
    ]
    assert engine.approve(REVISED) == "parsian-attr|2026-03-21|2026-04-20|invoice|1"
    # Told once, in Persian and in any of billkit's languages.
    rejected = [m for m in _told(engine) if m.topic == "proforma.rejected"]
    assert len(rejected) == 1
    assert rejected[0].payload["reason"] == REASON
    subject, text, _ = compose(rejected[0])
    assert subject == "رد پیش‌فاکتور PF-000001"
    assert "۶۹۰٬۲۵۰٬۰۰۰" in text
    assert compose(rejected[0], language="en")[1] == (
        f"Proforma invoice PF-000001 for IRR690,250,000 is rejected ({REASON}): "
        "no invoice is issued for it.\n"
    )


def test_an_answered_proforma_cannot_be_answered_otherwise() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store)
    for bad, field in (
        ({"proforma": PROFORMA_0, "reason": ""}, "reason"),
        ({"proforma": PROFORMA_0, "reason": "  "}, "reason"),
        ({"proforma": "", "reason": REASON}, "proforma"),
        (
            {"proforma": PROFORMA_0, "reason": REASON, "at": _at(date(2026, 4, 19))},
            "at",  # before its issue day, 20 April
        ),
    ):
        with pytest.raises(BillingError) as refused:
            engine.reject(**bad)
        assert refused.value.field == field
    with pytest.raises(NotFoundError):
        engine.reject("parsian-attr|2026-03-21|2026-04-20|proforma|7", reason=REASON)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    with pytest.raises(BillingError, match="it is approved") as refused:
        engine.reject(PROFORMA_0, reason=REASON)
    assert (refused.value.field, refused.value.value) == ("proforma", PROFORMA_0)
    with pytest.raises(BillingError, match="its kind is 'invoice'"):
        engine.reject(INVOICE_0, reason=REASON)
    plain = Billing(store, engine.gateway, engine.notifier, clock, business="7",
                    seller=engine.seller, proforma=True)  # fmt: skip
    with pytest.raises(BillingError) as refused:
        plain.reject(PROFORMA_0, reason=REASON)
    assert (refused.value.field, refused.value.value) == ("proforma_approval", False)
    assert [d[2] for d in _docs(store)] == ["issued", "approved"]  # nothing changed


def test_a_withdrawn_proforma_cannot_be_rejected() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)
    engine.record_usage("parsian-attr", "attributions", 100, key="late", at=SUBSCRIBED)
    clock.set(_at(date(2026, 5, 20)))
    engine.run()  # the bill changed: the proforma is withdrawn, revision 1 asks
    with pytest.raises(BillingError, match="it is withdrawn") as refused:
        engine.reject(PROFORMA_0, reason=REASON)
    assert (refused.value.field, refused.value.value) == ("proforma", PROFORMA_0)
    assert engine.reject(REVISED, reason=REASON)


# ---------------------------------------------------------------- receipts


def test_a_receipt_awaiting_confirmation_is_not_charged_nor_blocked_then_pays() -> None:
    # Parsian Apps has a saved card, but pays this invoice by transfer and uploads
    # the receipt on the day of approval, before the day's run.
    store = MemoryStore()
    engine, clock = _period_billed(store, method="tok_visa", overdue=TEN_DAYS)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    uploaded = APPROVED + timedelta(hours=1)
    assert engine.upload_receipt(INVOICE_0, attachment="receipts/5521.pdf", content=RECEIPT,
                                 at=uploaded)  # fmt: skip
    assert not engine.upload_receipt(INVOICE_0, attachment="receipts/5521.pdf", content=RECEIPT)
    digest = hashlib.sha256(RECEIPT).hexdigest()  # what the event keeps of the file
    assert _events(store, INVOICE_0) == [
        ("issue", "issued", {}),
        ("upload_receipt", "receipt_uploaded", {"attachment": "receipts/5521.pdf",
                                                "sha256": digest}),
    ]  # fmt: skip
    # Daily runs up to 6 May: the card is not charged, and the invoice, due 2 May,
    # does not block the account on 3 May: its receipt awaits the business.
    reports = _daily(engine, clock, date(2026, 4, 22), date(2026, 5, 6), hour=12)
    assert {(r.paid, r.failed_payments, r.failures) for r in reports} == {(0, 0, ())}
    assert _marks(store, "parsian-attr") == [("active", None, None)]
    with store.transaction(readonly=True) as tx:
        assert tx.entries("parsian/main") == []
    # Confirmed on 6 May: the transfer is booked and pays the invoice, once.
    confirmed = _at(date(2026, 5, 6), 14)
    assert engine.confirm_receipt(INVOICE_0, at=confirmed) == "paid"
    assert engine.confirm_receipt(INVOICE_0) == "paid"
    assert engine.upload_receipt(INVOICE_0, attachment="receipts/5521.pdf", content=RECEIPT) is (
        False
    )
    with store.transaction(readonly=True) as tx:
        entries = [(e.key, e.kind, e.amount, e.at) for e in tx.entries("parsian/main")]
        balance = tx.balance("parsian/main")
    assert entries == [
        (f"receipt|{INVOICE_0}", "payment", TOTAL, confirmed),
        (f"doc|{INVOICE_0}", "charge", -TOTAL, confirmed),
    ]
    assert balance == Money("0", "IRR")  # 690 250 000 - 690 250 000
    assert _events(store, INVOICE_0)[-1] == (
        "pay",
        "paid",
        {
            "reference": "receipt:receipts/5521.pdf",
            "receipt": {"attachment": "receipts/5521.pdf", "sha256": digest},
        },
    )
    assert engine.run().paid == 0  # nothing left to collect
    assert [m.topic for m in _told(engine)] == [
        "proforma.issued",
        "proforma.approved",
        "receipt.uploaded",
        "payment.received",
    ]


def test_a_refused_receipt_counts_again_and_a_new_one_lifts_the_block() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None, overdue=TEN_DAYS)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)  # due 22 April + 10 = 2 May
    clock.set(_at(date(2026, 4, 30), 9))
    assert engine.upload_receipt(INVOICE_0, attachment="receipts/blurred.jpg")
    _daily(engine, clock, date(2026, 5, 1), date(2026, 5, 3))
    assert _marks(store, "parsian-attr") == [("active", None, None)]
    # 4 May: the business cannot read it. The invoice is due again, and late since
    # 3 May: the day's run blocks the account.
    clock.set(_at(date(2026, 5, 4), 9))
    unreadable = "the receipt is unreadable"
    assert engine.refuse_receipt(INVOICE_0, reason=unreadable)
    assert not engine.refuse_receipt(INVOICE_0, reason=unreadable)
    with store.transaction(readonly=True) as tx:
        assert tx.document(INVOICE_0).status == "issued"
    assert engine.run().failures == ()
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("parsian-attr")
    assert (sub.status, sub.data["overdue_state"]) == ("frozen", "BLOCKED")
    # 5 May: a clear receipt is uploaded: the account is weighed again at once and
    # nothing else is late: active again, before the business has looked at it.
    clock.set(_at(date(2026, 5, 5), 9))
    assert engine.upload_receipt(INVOICE_0, attachment="receipts/5521.pdf")
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("parsian-attr")
        assert tx.document(INVOICE_0).status == "receipt_uploaded"
    assert (sub.status, "overdue_state" in sub.data) == ("active", False)
    assert engine.run().failures == ()
    assert _marks(store, "parsian-attr") == [("active", None, "2026-05-03")]  # (when it was)
    assert engine.confirm_receipt(INVOICE_0) == "paid"
    assert [e[0] for e in _events(store, INVOICE_0)] == [
        "issue",
        "upload_receipt",
        "refuse_receipt",
        "upload_receipt",
        "pay",
    ]
    told = _told(engine)
    assert [m.topic for m in told if m.created_at.date() >= date(2026, 5, 4)] == [
        "receipt.refused",
        "subscription.overdue_state",
        "subscription.frozen",
        "receipt.uploaded",  # the clear one, told before the account is weighed again
        "subscription.unfrozen",
        "subscription.overdue_cleared",
        "payment.received",
    ]
    refused = next(m for m in told if m.topic == "receipt.refused")
    assert compose(refused, language="en")[1] == (
        f"The payment receipt for invoice AT-000001 (IRR690,250,000) is not accepted "
        f"({unreadable}): the invoice is still to be paid.\n"
    )
    assert compose(refused)[0] == "رسید پرداخت پذیرفته نشد"


def test_a_receipt_for_an_invoice_credited_meanwhile_goes_to_the_balance() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    engine.upload_receipt(INVOICE_0, attachment="receipts/5521.pdf")
    # Late usage corrects the first period before the receipt is confirmed: the
    # invoice is credited (CN-000001) and a proforma of revision 1 asks for
    # 695 970 000 (+ 100 x 52 000 x 1.10).
    engine.record_usage("parsian-attr", "attributions", 100, key="late", at=SUBSCRIBED)
    clock.set(_at(date(2026, 5, 20)))
    engine.run()
    with store.transaction(readonly=True) as tx:
        assert tx.document(INVOICE_0).status == "credited"
    # The transfer was made all the same: confirmed, it is booked to the balance
    # (690 250 000), once; the credited invoice stays credited.
    assert engine.confirm_receipt(INVOICE_0) == "credited"
    assert engine.confirm_receipt(INVOICE_0) == "credited"
    with store.transaction(readonly=True) as tx:
        assert tx.balance("parsian/main") == TOTAL
        assert tx.document(INVOICE_0).status == "credited"
    # The revised invoice is paid from it with the 5 720 000 more wired.
    engine.approve(REVISED)
    with store.transaction() as tx:
        tx.post(EntryRecord(account="parsian/main", key="wire-2", amount=Money("5720000", "IRR"),
                            at=clock.now(), kind="payment"))  # fmt: skip
    assert engine.pay("parsian-attr|2026-03-21|2026-04-20|invoice|1") == "paid"
    with store.transaction(readonly=True) as tx:
        assert tx.balance("parsian/main") == Money(
            "0", "IRR"
        )  # 690 250 000 + 5 720 000 - 695 970 000


def test_a_refused_receipt_of_an_invoice_credited_later_cannot_be_confirmed() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    engine.upload_receipt(INVOICE_0, attachment="receipts/blurred.jpg")
    engine.refuse_receipt(INVOICE_0, reason="unreadable")
    engine.record_usage("parsian-attr", "attributions", 100, key="late", at=SUBSCRIBED)
    clock.set(_at(date(2026, 5, 20)))
    engine.run()  # the invoice is credited: no receipt awaited then
    with pytest.raises(BillingError, match="its status 'credited'"):
        engine.confirm_receipt(INVOICE_0)
    with store.transaction(readonly=True) as tx:
        assert tx.balance("parsian/main") == Money("0", "IRR")  # nothing booked


class _UploadWhileCharged:
    """The sandbox gateway, during whose card charge the customer uploads a receipt
    (after the provider took the money, before the engine records the answer)."""

    def __init__(self, gateway: SandboxGateway) -> None:
        self.gateway = gateway
        self.upload: Callable[[], object] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gateway, name)

    def create_payment(self, request: Any, key: str) -> Any:
        result = self.gateway.create_payment(request, key)
        if self.upload is not None:
            self.upload()
        return result


def test_a_card_charged_before_the_receipt_was_uploaded_still_pays_the_invoice() -> None:
    store = MemoryStore()
    clock = FixedClock(SUBSCRIBED)
    gateway = _UploadWhileCharged(SandboxGateway(clock=clock))
    engine = _attribution(store, clock, gateway=gateway)  # as _period_billed makes it
    engine.add_customer("parsian", PARSIAN, currency="IRR", method="tok_visa")
    engine.subscribe("parsian-attr", "parsian", "attribution-starter")
    engine.record_usage("parsian-attr", "attributions", 11_250, key="u1")
    clock.set(PERIOD_END)
    assert engine.run().issued == (PROFORMA_0,)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    gateway.upload = lambda: engine.upload_receipt(INVOICE_0, attachment="r.pdf")
    assert engine.run().paid == 1  # the card's 690 250 000 is booked, not lost
    with store.transaction(readonly=True) as tx:
        assert tx.document(INVOICE_0).status == "paid"
        assert [(e.kind, e.amount) for e in tx.entries("parsian/main")] == [
            ("payment", TOTAL),
            ("charge", -TOTAL),
        ]
    assert [e[0] for e in _events(store, INVOICE_0)] == ["issue", "upload_receipt", "pay"]
    with pytest.raises(BillingError, match="its status 'paid'"):
        engine.confirm_receipt(INVOICE_0)  # paid by the card: nothing to confirm


def test_receipts_that_are_refused_name_the_field_and_value() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    for call, bad, field in (
        (engine.upload_receipt, {"invoice": PROFORMA_0, "attachment": "r.pdf"}, "invoice"),
        (engine.upload_receipt, {"invoice": INVOICE_0, "attachment": ""}, "attachment"),
        (
            engine.upload_receipt,
            {"invoice": INVOICE_0, "attachment": "r.pdf", "content": "x"},
            "content",
        ),
        (engine.confirm_receipt, {"invoice": INVOICE_0}, "invoice"),  # nothing uploaded
        (engine.refuse_receipt, {"invoice": INVOICE_0, "reason": "no"}, "invoice"),
        (engine.confirm_receipt, {"invoice": ""}, "invoice"),
    ):
        with pytest.raises(BillingError) as refused:
            call(**bad)
        assert refused.value.field == field, bad
    with pytest.raises(BillingError, match="its status 'issued'"):
        engine.confirm_receipt(INVOICE_0)
    engine.upload_receipt(INVOICE_0, attachment="r.pdf")
    with pytest.raises(BillingError) as refused:
        engine.refuse_receipt(INVOICE_0, reason="")
    assert refused.value.field == "reason"
    engine.confirm_receipt(INVOICE_0)
    with pytest.raises(BillingError, match="its status 'paid'") as refused:
        engine.upload_receipt(INVOICE_0, attachment="another.pdf")
    assert (refused.value.field, refused.value.value) == ("invoice", INVOICE_0)
    with pytest.raises(BillingError, match="its status 'paid'"):
        engine.refuse_receipt(INVOICE_0, reason="too late")


# ---------------------------------------------------------------- invariants

_ANSWERS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["approve", "reject"]), st.integers(0, 2), st.integers(0, 1)),
        st.tuples(
            st.sampled_from(["upload", "confirm", "refuse"]), st.integers(0, 2), st.integers(0, 1)
        ),
        st.tuples(st.just("late"), st.integers(0, 2), st.integers(1, 300)),
        st.tuples(st.just("days"), st.integers(1, 20), st.just(0)),
    ),
    min_size=4,
    max_size=18,
)


@settings(max_examples=60, deadline=None)
@given(steps=_ANSWERS)
def test_any_order_of_answers_and_receipts_keeps_the_books(
    steps: list[tuple[str, int, int]],
) -> None:
    # Three Pro customers (a card, a declined card, a transfer), their March
    # proformas approved or rejected in any order, receipts uploaded, confirmed or
    # refused, late usage, runs every few days; any step may be refused.
    store = MemoryStore()
    clock = FixedClock(support.START)
    engine = _pro(store, SandboxGateway(clock=clock), clock)
    for n, method in enumerate(("tok_visa", "tok_insufficient_funds", None)):
        engine.add_customer(f"c{n}", support.SELLER, currency="EUR", method=method)
        engine.subscribe(f"s{n}", f"c{n}", "pro")
    clock.set(support.MONTH_END)
    engine.run()
    calls: dict[str, Callable[..., object]] = {
        "approve": lambda d: engine.approve(d),
        "reject": lambda d: engine.reject(d, reason="wrong count"),
        "upload": lambda d: engine.upload_receipt(d, attachment=f"r{clock.now().date()}.pdf"),
        "confirm": lambda d: engine.confirm_receipt(d),
        "refuse": lambda d: engine.refuse_receipt(d, reason="unreadable"),
    }
    for what, a, b in steps:
        if what in ("approve", "reject"):
            with contextlib.suppress(BillingError, NotFoundError):
                calls[what](f"s{a}|2026-03-01|2026-04-01|proforma|{b}")
                event(what)
        elif what in calls:
            with contextlib.suppress(BillingError, NotFoundError):
                calls[what](f"s{a}|2026-03-01|2026-04-01|invoice|{b}")
                event(what)
        elif what == "late":
            engine.record_usage(f"s{a}", "calls", b, key=f"late-{a}-{b}", at=support.START)
        else:
            clock.advance(timedelta(days=a))
            engine.run()
    with store.transaction(readonly=True) as tx:
        docs = {d.id: d for d in tx.documents()}
        events = {d: tx.document_events(d) for d in docs}
        entries = {f"c{n}": tx.entries(f"c{n}/main") for n in range(3)}
    for key, doc in docs.items():
        happened = [e.event for e in events[key]]
        if doc.kind == "proforma":
            # One answer at most; a rejected proforma has no invoice; none is charged.
            assert happened.count("approve") + happened.count("reject") <= 1, key
            assert doc.status in ("issued", "approved", "rejected", "withdrawn"), key
            invoice = key.replace("|proforma|", "|invoice|")
            assert (invoice in docs) == ("approve" in happened), key
            assert "pay" not in happened, key
            assert "payment_failed" not in happened, key
        if doc.kind == "invoice":
            # Paid once; a receipt awaiting the business is never charged meanwhile.
            assert happened.count("pay") == (1 if doc.status == "paid" else 0), key
            waiting = False
            for e in events[key]:
                if e.event == "upload_receipt":
                    waiting = True
                elif e.event in ("refuse_receipt", "pay", "credit"):
                    waiting = False
                assert not (waiting and e.event == "payment_failed"), key
            assert (doc.status == "receipt_uploaded") == waiting, key
    for customer, booked in entries.items():
        keys = [e.key for e in booked]
        assert len(keys) == len(set(keys)), customer  # nothing booked twice
        for e in booked:
            if e.key.startswith("receipt|"):
                invoice = e.key.removeprefix("receipt|")
                confirmed = [x for x in events[invoice] if x.event == "pay" and "receipt" in x.data]
                assert len(confirmed) == 1 or docs[invoice].status == "credited", invoice
    event(f"statuses {sorted({d.status for d in docs.values()})}")


# ---------------------------------------------------------------- concurrency


def _at_once(url: str, schema: str | None, jobs: list[Callable[[Billing], object]]) -> list[Any]:
    """Each of ``jobs`` on its own thread and store, at once: its answer or its error."""
    barrier = threading.Barrier(len(jobs))
    answers: list[Any] = [None] * len(jobs)

    def work(i: int) -> None:
        store = SqlStore(url, schema=schema) if schema else SqlStore(url)
        try:
            engine = _attribution(store, FixedClock(APPROVED + timedelta(hours=1)))
            barrier.wait()
            answers[i] = jobs[i](engine)
        except BaseException as error:  # compared below
            answers[i] = error
        finally:
            store.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _check_one_answer(store: Any, url: str, schema: str | None) -> None:
    """Two workers approve and two reject the one proforma at once: one answer
    wins, the others are told it (or get the same answer again)."""
    _period_billed(store)
    answers = _at_once(
        url,
        schema,
        [
            lambda e: e.approve(PROFORMA_0),
            lambda e: e.reject(PROFORMA_0, reason=REASON),
            lambda e: e.approve(PROFORMA_0),
            lambda e: e.reject(PROFORMA_0, reason=REASON),
        ],
    )
    with store.transaction(readonly=True) as tx:
        status = tx.document(PROFORMA_0).status
        happened = [e.event for e in tx.document_events(PROFORMA_0)]
        invoices = [d.id for d in tx.documents() if d.kind == "invoice"]
    errors = [a for a in answers if isinstance(a, BaseException)]
    assert all(isinstance(a, BillingError) for a in errors), errors
    if status == "approved":
        assert happened == ["issue", "approve"]
        assert invoices == [INVOICE_0]
        assert [answers[0], answers[2]] == [INVOICE_0, INVOICE_0]
        assert all("it is approved" in str(a) for a in (answers[1], answers[3]))
    else:
        assert (status, happened, invoices) == ("rejected", ["issue", "reject"], [])
        assert sorted(str(answers[i]) for i in (1, 3)) == ["False", "True"]
        assert all("it is rejected" in str(a) for a in (answers[0], answers[2]))


def _check_one_confirmation(store: Any, url: str, schema: str | None) -> None:
    """Four workers confirm one receipt at once: one payment booked."""
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    engine.upload_receipt(INVOICE_0, attachment="receipts/5521.pdf")
    answers = _at_once(url, schema, [lambda e: e.confirm_receipt(INVOICE_0)] * 4)
    assert answers == ["paid"] * 4
    with store.transaction(readonly=True) as tx:
        assert [(e.kind, e.amount) for e in tx.entries("parsian/main")] == [
            ("payment", TOTAL),
            ("charge", -TOTAL),
        ]
        assert [e.event for e in tx.document_events(INVOICE_0)].count("pay") == 1


def test_workers_answering_one_proforma_at_once_give_one_answer_on_sqlite(
    tmp_path: Any,
) -> None:
    from tests.storage.support import migrated_sqlite

    for name in ("answer", "confirm"):
        (tmp_path / name).mkdir()
        url = migrated_sqlite(tmp_path / name)
        store = SqlStore(url)
        check = _check_one_answer if name == "answer" else _check_one_confirmation
        check(store, url, None)
        store.close()


def test_workers_answering_one_proforma_at_once_give_one_answer_on_postgres(
    postgres_schema: Any,
) -> None:
    for check in (_check_one_answer, _check_one_confirmation):
        postgres_schema.empty()
        store = SqlStore(postgres_schema.url, schema=postgres_schema.name)
        check(store, postgres_schema.url, postgres_schema.name)
        store.close()


# ---------------------------------------------------------------- crash safety


def _answer_day(store: Any, at: int) -> tuple[dict[str, Any], int, int]:
    """The month end's proformas issued; then, on 3 April, s0001, s0003 and s0007's
    rejected, the others approved, s0002 and s0005's receipts uploaded, s0005's
    confirmed, and the run, failing at call ``at`` and done again until done:
    (snapshot, calls, crashes)."""
    clock = FixedClock(support.START)
    gateway = SandboxGateway(clock=clock)
    support.populate(_pro(store, gateway, clock), CUSTOMERS)
    clock.set(support.MONTH_END)
    _pro(store, gateway, clock).run()
    clock.set(datetime(2026, 4, 3, 9, tzinfo=timezone.utc))
    faults = support.Faults()
    engine = _pro(support.FaultyStore(store, faults), support.FaultyGateway(gateway, faults), clock)
    faults.calls, faults.at = 0, at
    crashes = 0
    while True:
        try:
            for n in range(CUSTOMERS):
                proforma = f"s{n:04d}|2026-03-01|2026-04-01|proforma|0"
                if n in (1, 3, 7):
                    engine.reject(proforma, reason="wrong count")
                else:
                    engine.approve(proforma)
            for n in (2, 5):
                engine.upload_receipt(f"s{n:04d}|2026-03-01|2026-04-01|invoice|0",
                                      attachment=f"r{n}.pdf")  # fmt: skip
            engine.confirm_receipt("s0005|2026-03-01|2026-04-01|invoice|0")
            engine.run()
            break
        except support.Crash:
            crashes += 1
            faults.at = 0
    calls = faults.calls
    engine.run()  # and once more: nothing changes
    return _snapshot(store), calls, crashes


def _check_crash_points(store_factory: Any, step: int = 1) -> int:
    store = store_factory()
    clean, calls, _ = _answer_day(store, 0)
    store.close()
    kinds = sorted((d[0].split("|")[0], d[0].split("|")[3], d[2]) for d in clean["documents"])
    # Three rejected, five approved: s0000, s0004, s0006 paid by card, s0005 by its
    # confirmed receipt, s0002's receipt awaiting the business (its card not charged).
    assert kinds == sorted(
        [(f"s{n:04d}", "proforma", "rejected") for n in (1, 3, 7)]
        + [(f"s{n:04d}", "proforma", "approved") for n in (0, 2, 4, 5, 6)]
        + [(f"s{n:04d}", "invoice", "paid") for n in (0, 4, 5, 6)]
        + [("s0002", "invoice", "receipt_uploaded")]
    )
    # s0005's transfer booked by the confirmation: its 685 calls, 585 above the 100
    # included at 0.01 = 5.85, + 20.00 = 25.85 net, + 22 % VAT = 31.537 -> 31.54 EUR.
    assert clean["entries"]["c0005"][0] == (
        "receipt|s0005|2026-03-01|2026-04-01|invoice|0",
        "€\xa031.54",
        "payment",
    )
    points = range(1, calls + 1, step)
    for at in points:
        store = store_factory()
        snap, _, crashes = _answer_day(store, at)
        store.close()
        assert crashes == 1, at
        assert snap == clean, f"crash at call {at} changed the outcome"
    return len(points)


def test_every_crash_point_of_an_answer_day_on_the_memory_store() -> None:
    assert _check_crash_points(MemoryStore) > 50


def test_crash_points_of_an_answer_day_on_sqlite(tmp_path: Any) -> None:
    template = tmp_path / "template.sqlite"
    SqlStore(f"sqlite:///{template}", upgrade=True).close()
    made = iter(range(10_000))

    def fresh() -> SqlStore:
        path = tmp_path / f"db{next(made)}.sqlite"
        shutil.copy(template, path)
        return SqlStore(f"sqlite:///{path}")

    assert _check_crash_points(fresh, step=5) > 10


def test_crash_points_of_an_answer_day_on_postgres(postgres_schema: Any) -> None:
    def fresh() -> SqlStore:
        postgres_schema.empty()
        return SqlStore(postgres_schema.url, schema=postgres_schema.name)

    assert _check_crash_points(fresh, step=19) > 3
