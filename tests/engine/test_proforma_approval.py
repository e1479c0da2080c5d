"""The customer's approval between the proforma and the invoice (issue 13).

The attribution business (Iran, whole rials) bills this way: at the end of
each 30-day period a proforma is issued; the customer approves it; finance
issues the official invoice then, and the customer has 10 days to pay it,
through the gateway or by a bank transfer whose receipt it uploads;
otherwise the account is blocked. With ``Billing(proforma=True,
proforma_approval=True)`` the proforma is not collected: it waits for
:meth:`Billing.approve`, which marks it ``approved`` and issues its invoice,
unpaid, due ``payment_days`` (10) after the approval; the runs collect and
dun that invoice as any other.

The figures are the demo's (``billkit.demo``, ``tests/engine/test_demo_story.py``):
the Attribution Starter plan, 450 000 000 IRR per 30 days with 10 000
attributions, 52 000 IRR an attribution above them, cohort reports at 10 %
and fraud prevention at 15 % of the fee, Iranian VAT 10 %; Parsian Apps,
subscribed on 21 March 2026, makes 11 250 attributions in its first period
(9 200 installs + 1 400 re-attributions + 650 rejected installs).
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import threading
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from billkit.demo import demo_catalog
from billkit.engine import Billing
from billkit.errors import BillingError, NotFoundError
from billkit.money import Money
from billkit.notify import MemoryNotifier, compose
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, PaymentGateway, Store
from billkit.serialize import from_data
from billkit.storage import MemoryStore, SqlStore
from billkit.storage.records import EntryRecord
from billkit.subscriptions import DunningSchedule
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

SELLER = Party(kind="legal_entity", country="IR", name="Attrib Co.")
PARSIAN = Party(kind="legal_entity", country="IR", name="Parsian Apps")
STARTER = demo_catalog()["attribution-starter"]
SUBSCRIBED = datetime(2026, 3, 21, 9, tzinfo=timezone.utc)
PERIOD_END = datetime(2026, 4, 20, 2, tzinfo=timezone.utc)  # 21 March + 30 days
APPROVED = datetime(2026, 4, 22, 10, tzinfo=timezone.utc)
PROFORMA_0 = "parsian-attr|2026-03-21|2026-04-20|proforma|0"
INVOICE_0 = "parsian-attr|2026-03-21|2026-04-20|invoice|0"
# 450 000 000 + (11 250 - 10 000) x 52 000 = 65 000 000 + 10 % and 15 % of the fee
# (45 000 000 + 67 500 000) = 627 500 000 net; + 10 % VAT = 690 250 000
TOTAL = Money("690250000", "IRR")


def _attribution(store: Any, clock: FixedClock, **options: Any) -> Billing:
    gateway: PaymentGateway = options.pop("gateway", None) or SandboxGateway(clock=clock)
    return Billing(
        store,
        gateway,
        MemoryNotifier(),
        clock,
        [STARTER],
        seller=SELLER,
        locale="fa_IR",
        invoice_series="AT",
        **{"proforma": True, "proforma_approval": True, **options},
    )


def _period_billed(
    store: Any, method: str | None = "tok_visa", **options: Any
) -> tuple[Billing, FixedClock]:
    """Parsian Apps subscribed on 21 March, its 11 250 attributions recorded, and the
    run at the period's end (20 April) done."""
    clock = FixedClock(SUBSCRIBED)
    engine = _attribution(store, clock, **options)
    engine.add_customer("parsian", PARSIAN, currency="IRR", method=method)
    engine.subscribe("parsian-attr", "parsian", "attribution-starter")
    engine.record_usage("parsian-attr", "attributions", 11_250, key="u1")
    clock.set(PERIOD_END)
    assert engine.run().issued == (PROFORMA_0,)
    return engine, clock


def _docs(store: Any) -> list[tuple[str, str | None, str, Money | None]]:
    with store.transaction(readonly=True) as tx:
        return [(d.id, d.number, d.status, d.total) for d in tx.documents()]


def _wire(store: Any, customer: str, amount: Money, at: datetime, key: str = "wire") -> None:
    """A bank transfer the customer's uploaded receipt shows, booked to its balance."""
    with store.transaction() as tx:
        tx.post(EntryRecord(account=f"{customer}/main", key=key, amount=amount, at=at,
                            kind="payment"))  # fmt: skip


# ---------------------------------------------------------------- the worked example


def test_the_proforma_waits_for_approval_then_its_invoice_is_collected(store: Store) -> None:
    engine, clock = _period_billed(store)
    assert _docs(store) == [(PROFORMA_0, "PF-000001", "issued", TOTAL)]
    # Not collected while it waits, however many runs pass (the card is not charged).
    clock.set(datetime(2026, 4, 21, 2, tzinfo=timezone.utc))
    report = engine.run()
    assert (report.issued, report.paid, report.failed_payments) == ((), 0, 0)
    assert engine.pay(PROFORMA_0) == "skipped"
    # The customer approves on 22 April: the official invoice is issued then, due
    # 22 April + 10 days = 2 May, unpaid, with the proforma's lines and totals.
    clock.set(APPROVED)
    assert engine.approve(PROFORMA_0) == INVOICE_0
    assert engine.approve(PROFORMA_0) == INVOICE_0  # twice: one invoice
    assert _docs(store) == [
        (INVOICE_0, "AT-000001", "issued", TOTAL),
        (PROFORMA_0, "PF-000001", "approved", TOTAL),
    ]
    with store.transaction(readonly=True) as tx:
        invoice = from_data(tx.document(INVOICE_0).data)
        proforma = from_data(tx.document(PROFORMA_0).data)
        approval = tx.document_events(PROFORMA_0)[-1]
        assert [e.event for e in tx.document_events(INVOICE_0)] == ["issue"]
        assert tx.entries("parsian/main") == []  # nothing charged yet
    assert (invoice.issue_date, invoice.due_date) == (date(2026, 4, 22), date(2026, 5, 2))
    assert (invoice.lines, invoice.totals) == (proforma.lines, proforma.totals)
    assert invoice.totals.gross == TOTAL
    assert [r.number for r in invoice.references] == ["PF-000001"]
    assert (approval.event, approval.status, approval.at) == ("approve", "approved", APPROVED)
    assert approval.data == {"invoice": INVOICE_0, "invoice_number": "AT-000001"}
    # The next run charges the card through the gateway: the invoice is paid, once.
    report = engine.run()
    assert (report.issued, report.paid) == ((), 1)
    assert _docs(store)[0] == (INVOICE_0, "AT-000001", "paid", TOTAL)
    with store.transaction(readonly=True) as tx:
        assert [(e.kind, e.amount) for e in tx.entries("parsian/main")] == [
            ("payment", TOTAL),
            ("charge", -TOTAL),
        ]
        assert tx.document(PROFORMA_0).status == "approved"
    assert (engine.run().paid, engine.approve(PROFORMA_0)) == (0, INVOICE_0)
    # Told in Persian: the proforma, its approval (the invoice and its due day, in
    # the Solar Hijri calendar: 2 May 2026 is 12 Ordibehesht 1405), the payment.
    engine.deliver()
    told = [m for m in engine.notifier.messages if m.topic != "usage.threshold"]  # type: ignore[attr-defined]
    assert [m.topic for m in told] == ["proforma.issued", "proforma.approved", "payment.received"]
    assert told[1].payload["due_on"] == "2026-05-02"
    assert told[1].payload["number"] == "AT-000001"
    subject, text, _ = compose(told[1])
    assert subject == "صدور صورتحساب AT-000001"
    assert "۶۹۰٬۲۵۰٬۰۰۰" in text
    assert "۱۲ اردیبهشت ۱۴۰۵" in text
    assert compose(told[1], language="en")[1] == (
        "Proforma invoice PF-000001 is approved: invoice AT-000001 for IRR690,250,000 "
        "is issued, to be paid by May 2, 2026.\n"
    )


def test_an_uploaded_receipt_pays_the_approved_invoice_from_the_balance() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)  # pays by bank transfer
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    # The receipt is accepted on 25 April: the transfer is booked to the balance,
    # and the invoice is paid from it (the next run would do the same).
    clock.set(datetime(2026, 4, 25, 9, tzinfo=timezone.utc))
    _wire(store, "parsian", TOTAL, clock.now())
    assert engine.pay(INVOICE_0) == "paid"
    assert engine.pay(INVOICE_0) == "skipped"
    assert [d[2] for d in _docs(store)] == ["paid", "approved"]
    with store.transaction(readonly=True) as tx:
        assert tx.balance("parsian/main") == Money("0", "IRR")  # 690 250 000 - 690 250 000


def test_an_invoice_left_unpaid_is_dunned_ten_days_after_its_issue() -> None:
    # The attribution business's dunning: frozen 10 days after the invoice fell
    # overdue, one retry on day 7, never cancelled. Approved and first charged on
    # 22 April (declined): retried 22 + 7 = 29 April, frozen 22 + 10 = 2 May,
    # the invoice's due day.
    schedule = DunningSchedule.standard(
        grace_days=10, cancel_at_cycle_end=False, deletion_days=None, retry_days=(7,)
    )
    store = MemoryStore()
    engine, clock = _period_billed(store, method="tok_insufficient_funds", dunning=schedule)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    for _ in range(12):  # 22 April to 3 May, a run a day
        engine.run()
        clock.advance(timedelta(days=1))
    with store.transaction(readonly=True) as tx:
        events = tx.document_events(INVOICE_0)
        sub = tx.subscription("parsian-attr")
    assert [e.data["day"] for e in events if e.event == "payment_failed"] == [
        "2026-04-22",
        "2026-04-29",
    ]
    assert (sub.status, sub.data["frozen_on"]) == ("frozen", "2026-05-02")
    # The proforma itself was never charged nor dunned.
    with store.transaction(readonly=True) as tx:
        assert [e.event for e in tx.document_events(PROFORMA_0)] == ["issue", "approve"]
    # The transfer arrives late: the invoice is paid and the subscription active again.
    _wire(store, "parsian", TOTAL, clock.now())
    assert engine.pay(INVOICE_0) == "paid"
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("parsian-attr").status == "active"


def test_late_usage_withdraws_a_waiting_proforma_and_credits_an_approved_invoice() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)
    # 100 more attributions of the first period arrive before the approval:
    # + 100 x 52 000 = 5 200 000, + 10 % = 5 720 000: 695 970 000.
    engine.record_usage("parsian-attr", "attributions", 100, key="late", at=SUBSCRIBED)
    clock.set(datetime(2026, 5, 20, 2, tzinfo=timezone.utc))
    report = engine.run()
    revised = "parsian-attr|2026-03-21|2026-04-20|proforma|1"
    assert report.issued == (revised, "parsian-attr|2026-04-20|2026-05-20|proforma|0")
    with pytest.raises(BillingError, match="it is withdrawn") as refused:
        engine.approve(PROFORMA_0)
    assert (refused.value.field, refused.value.value) == ("proforma", PROFORMA_0)
    assert engine.approve(revised) == "parsian-attr|2026-03-21|2026-04-20|invoice|1"
    # More late usage after the approval: the unpaid invoice is credited (a credit
    # note), and a proforma of the next revision waits for approval again:
    # + 100 x 52 000 x 1.10 = 701 690 000.
    engine.record_usage("parsian-attr", "attributions", 100, key="later", at=SUBSCRIBED)
    clock.set(datetime(2026, 6, 19, 2, tzinfo=timezone.utc))
    engine.run()
    with store.transaction(readonly=True) as tx:
        first = {
            d.id.split("|", 3)[3]: (d.number, d.status, d.total)
            for d in tx.documents()
            if d.id.startswith("parsian-attr|2026-03-21|")
        }
    assert first == {
        "proforma|0": ("PF-000001", "withdrawn", TOTAL),
        "proforma|1": ("PF-000002", "approved", Money("695970000", "IRR")),
        "invoice|1": ("AT-000001", "credited", Money("695970000", "IRR")),
        "credit_note|2": ("CN-000001", "issued", Money("695970000", "IRR")),
        "proforma|2": ("PF-000004", "issued", Money("701690000", "IRR")),
    }


def test_finance_marks_the_invoice_sent_with_its_scan(store: Store) -> None:
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    scan = b"%PDF-1.4 the signed invoice AT-000001"
    # The scan's SHA-256, computed here from its bytes, is what the event keeps.
    digest = hashlib.sha256(scan).hexdigest()
    sent = datetime(2026, 4, 22, 14, tzinfo=timezone.utc)
    assert engine.mark_sent(INVOICE_0, attachment="scans/AT-000001.pdf", content=scan, at=sent)
    # Again with the same scan: nothing new; a corrected scan: recorded too.
    assert not engine.mark_sent(INVOICE_0, attachment="scans/AT-000001.pdf", content=scan)
    assert engine.mark_sent(INVOICE_0, attachment="scans/AT-000001-v2.pdf")
    with store.transaction(readonly=True) as tx:
        events = tx.document_events(INVOICE_0)
        status = tx.document(INVOICE_0).status
    assert [(e.event, e.status) for e in events] == [
        ("issue", "issued"),
        ("send", "issued"),
        ("send", "issued"),
    ]
    assert (events[1].at, events[1].data) == (
        sent,
        {"attachment": "scans/AT-000001.pdf", "sha256": digest},
    )
    assert events[2].data == {"attachment": "scans/AT-000001-v2.pdf"}
    # Sent, it is still due: the receipt's transfer pays it.
    assert status == "issued"
    _wire(store, "parsian", TOTAL, clock.now())
    assert engine.pay(INVOICE_0) == "paid"
    for bad, field in (
        ({"invoice": PROFORMA_0, "attachment": "s.pdf"}, "invoice"),
        ({"invoice": INVOICE_0, "attachment": ""}, "attachment"),
        ({"invoice": INVOICE_0, "attachment": "s.pdf", "content": "text"}, "content"),
    ):
        with pytest.raises(BillingError) as refused:
            engine.mark_sent(**bad)  # type: ignore[arg-type]
        assert refused.value.field == field


# ---------------------------------------------------------------- refusals and settings


def test_approvals_that_are_refused_name_the_field_and_value() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store)
    with pytest.raises(NotFoundError):
        engine.approve("parsian-attr|2026-03-21|2026-04-20|proforma|7")
    with pytest.raises(BillingError) as refused:
        engine.approve(PROFORMA_0, at=datetime(2026, 4, 19, 9, tzinfo=timezone.utc))
    assert (refused.value.field, str(refused.value.value)) == ("at", "2026-04-19 09:00:00+00:00")
    assert "issue day 2026-04-20" in str(refused.value)
    with pytest.raises(BillingError, match=r"at = datetime\.datetime") as refused:
        engine.approve(PROFORMA_0, at=datetime(2026, 4, 22, 9))  # noqa: DTZ001 (naive: refused)
    with pytest.raises(BillingError) as refused:
        engine.approve("")
    assert refused.value.field == "proforma"
    # Nothing was issued by the refusals.
    assert [d[:3] for d in _docs(store)] == [(PROFORMA_0, "PF-000001", "issued")]
    # An invoice is not a proforma.
    clock.set(APPROVED)
    engine.approve(PROFORMA_0)
    with pytest.raises(BillingError, match="its kind is 'invoice'") as refused:
        engine.approve(INVOICE_0)
    assert (refused.value.field, refused.value.value) == ("proforma", INVOICE_0)
    # Another business on the same store (its own seller) cannot approve it.
    other = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [STARTER],
        seller=Party(kind="legal_entity", country="IR", name="Other Co."),
        business="6",
        proforma=True,
        proforma_approval=True,
    )
    with pytest.raises(BillingError, match="a proforma of this business") as refused:
        other.approve(PROFORMA_0)
    assert (refused.value.field, refused.value.value) == ("proforma", PROFORMA_0)
    assert "'Attrib Co.'" in str(refused.value)
    # A business without the approval step approves nothing.
    plain = Billing(store, SandboxGateway(clock=clock), MemoryNotifier(), clock, business="7",
                    seller=SELLER, proforma=True)  # fmt: skip
    with pytest.raises(BillingError) as refused:
        plain.approve(PROFORMA_0)
    assert (refused.value.field, refused.value.value) == ("proforma_approval", False)
    assert [d[:3] for d in _docs(store)] == [
        (INVOICE_0, "AT-000001", "issued"),
        (PROFORMA_0, "PF-000001", "approved"),
    ]


def test_the_approval_setting_is_checked_and_kept() -> None:
    clock = FixedClock(SUBSCRIBED)
    with pytest.raises(BillingError, match="proforma_approval = 'yes'"):
        _attribution(MemoryStore(), clock, proforma_approval="yes")
    with pytest.raises(BillingError, match="proforma_final='invoice'") as refused:
        _attribution(MemoryStore(), clock, proforma_final="act")
    assert (refused.value.field, refused.value.value) == ("proforma_approval", True)
    store = MemoryStore()
    _attribution(store, clock)
    # Reopened without it (as `billkit run` opens a business): the kept setting.
    reopened = Billing(store, SandboxGateway(clock=clock), MemoryNotifier(), clock)
    assert (reopened.proforma_approval, reopened.proforma_plans) == (True, None)
    with pytest.raises(BillingError, match="proforma_approval = False"):
        Billing(store, SandboxGateway(clock=clock), MemoryNotifier(), clock,
                proforma_approval=False)  # fmt: skip
    assert support.pro_in_memory(clock).proforma_approval is False  # the default


# ---------------------------------------------------------------- invariants

_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("approve"), st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.just("approve"), st.integers(0, 2), st.just(0)),
        st.tuples(st.just("late"), st.integers(0, 2), st.integers(1, 300)),
        st.tuples(st.just("days"), st.integers(1, 40), st.just(0)),
    ),
    min_size=4,
    max_size=16,
)


@settings(max_examples=60, deadline=None)
@given(steps=_STEPS)
def test_any_order_of_approvals_runs_and_late_usage_keeps_one_invoice_per_approval(
    steps: list[tuple[str, int, int]],
) -> None:
    # Three customers of the Pro plan (one pays by card, one's card is declined,
    # one by transfer), daily-ish runs from the month end, approvals of any of their
    # proformas (any revision, approved or withdrawn or not yet made), late usage.
    store = MemoryStore()
    clock = FixedClock(support.START)
    gateway = SandboxGateway(clock=clock)
    engine = _pro(store, gateway, clock)
    for n, method in enumerate(("tok_visa", "tok_insufficient_funds", None)):
        engine.add_customer(f"c{n}", support.SELLER, currency="EUR", method=method)
        engine.subscribe(f"s{n}", f"c{n}", "pro")
    clock.set(support.MONTH_END)
    engine.run()
    for what, a, b in steps:
        if what == "approve":
            # refused when withdrawn, or not made (yet)
            with contextlib.suppress(BillingError, NotFoundError):
                engine.approve(f"s{a}|2026-03-01|2026-04-01|proforma|{b}")
                event("approved")
        elif what == "late":
            engine.record_usage(f"s{a}", "calls", b, key=f"late-{a}-{b}", at=support.START)
        else:
            clock.advance(timedelta(days=a))
            engine.run()
    with store.transaction(readonly=True) as tx:
        docs = {d.id: d for d in tx.documents()}
        events = {d: tx.document_events(d) for d in docs}
    invoices = {k: d for k, d in docs.items() if d.kind == "invoice"}
    event(f"invoices {sorted(d.status for d in invoices.values())}")
    event(f"withdrawn {sum(d.status == 'withdrawn' for d in docs.values()) > 0}")
    for key, invoice in invoices.items():
        # Each invoice was issued by the approval of the proforma of its revision,
        # which names it, once; and no proforma was ever charged or paid.
        proforma = key.replace("|invoice|", "|proforma|")
        approvals = [e for e in events[proforma] if e.event == "approve"]
        assert [e.data["invoice"] for e in approvals] == [key]
        assert docs[proforma].status == "approved"
        assert invoice.total == docs[proforma].total
    for key, doc in docs.items():
        if doc.kind == "proforma":
            assert doc.status in ("issued", "approved", "withdrawn"), key
            assert not [e for e in events[key] if e.event in ("pay", "payment_failed")], key
            if doc.status == "approved":
                assert key.replace("|proforma|", "|invoice|") in invoices
    # Gap-free numbers in each series, in the order of issue.
    for prefix in ("INV", "PF", "CN"):
        numbers = sorted(d.number for d in docs.values() if (d.number or "").startswith(prefix))
        assert numbers == [f"{prefix}-{n:06d}" for n in range(1, len(numbers) + 1)]


# ---------------------------------------------------------------- concurrency


def _approve_at_once(url: str, schema: str | None, workers: int = 4) -> list[str]:
    """``workers`` threads, each on its own store, approve the one proforma at once."""
    barrier = threading.Barrier(workers)
    answers: list[str] = []
    errors: list[BaseException] = []

    def approve() -> None:
        store = SqlStore(url, schema=schema) if schema else SqlStore(url)
        try:
            clock = FixedClock(APPROVED)
            engine = _attribution(store, clock)
            barrier.wait()
            answers.append(engine.approve(PROFORMA_0))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            store.close()

    threads = [threading.Thread(target=approve) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers


def _check_approved_once(store: Any) -> None:
    assert _docs(store) == [
        (INVOICE_0, "AT-000001", "issued", TOTAL),
        (PROFORMA_0, "PF-000001", "approved", TOTAL),
    ]
    with store.transaction(readonly=True) as tx:
        assert [e.event for e in tx.document_events(PROFORMA_0)] == ["issue", "approve"]
        assert tx.series("AT").next == 2  # one number taken: AT-000001


def test_workers_approving_one_proforma_at_once_issue_one_invoice_on_sqlite(
    tmp_path: Any,
) -> None:
    from tests.storage.support import migrated_sqlite

    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    _period_billed(store)
    assert _approve_at_once(url, None) == [INVOICE_0] * 4
    _check_approved_once(store)
    store.close()


def test_workers_approving_one_proforma_at_once_issue_one_invoice_on_postgres(
    postgres_schema: Any,
) -> None:
    postgres_schema.empty()
    store = SqlStore(postgres_schema.url, schema=postgres_schema.name)
    _period_billed(store)
    assert _approve_at_once(postgres_schema.url, postgres_schema.name) == [INVOICE_0] * 4
    _check_approved_once(store)
    store.close()


# ---------------------------------------------------------------- crash safety

CUSTOMERS = 8  # the Pro plan's population: visa, a declined card (c0003), a transfer (c0005)


def _pro(store: Any, gateway: PaymentGateway, clock: FixedClock) -> Billing:
    return Billing(store, gateway, MemoryNotifier(), clock, [support.PRO], seller=support.SELLER,
                   proforma=True, proforma_approval=True)  # fmt: skip


def _approval_day(store: Any, at: int) -> tuple[dict[str, Any], int, int]:
    """The month end's proformas issued; then, on 3 April, every customer's approval
    and the run that collects, failing at call ``at`` and done again until done:
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
                engine.approve(f"s{n:04d}|2026-03-01|2026-04-01|proforma|0")
            engine.run()
            break
        except support.Crash:
            crashes += 1
            faults.at = 0
    calls = faults.calls
    engine.run()  # and once more: nothing changes
    return _snapshot(store), calls, crashes


def _snapshot(store: Any) -> dict[str, Any]:
    """:func:`support.snapshot`, with every outbox message: on PostgreSQL a transaction
    rolled back by a crash leaves a gap in the messages' ids (a sequence is not
    rolled back), where ``support.snapshot`` stops reading."""
    snap = support.snapshot(store, CUSTOMERS)
    keys: list[str] = []
    with store.transaction(readonly=True) as tx:
        missing, i = 0, 1
        while missing < 50:
            try:
                keys.append(tx.message(i).key)
                missing = 0
            except NotFoundError:
                missing += 1
            i += 1
    return {**snap, "outbox": sorted(keys)}


def _check_crash_points(store_factory: Any, step: int = 1) -> int:
    store = store_factory()
    clean, calls, _ = _approval_day(store, 0)
    store.close()
    kinds = sorted((d[0].split("|")[3], d[1], d[2]) for d in clean["documents"])
    # 8 proformas approved, 8 invoices issued in the order of approval; 6 paid by
    # card, c0003's declined and c0005's transfer pending.
    assert kinds == sorted(
        [("proforma", f"PF-{n:06d}", "approved") for n in range(1, 9)]
        + [("invoice", f"INV-{n:06d}", "paid") for n in (1, 2, 3, 5, 7, 8)]
        + [("invoice", "INV-000004", "issued"), ("invoice", "INV-000006", "pending")]
    )
    points = range(1, calls + 1, step)
    for at in points:
        store = store_factory()
        snap, _, crashes = _approval_day(store, at)
        store.close()
        assert crashes == 1, at
        assert snap == clean, f"crash at call {at} changed the outcome"
    return len(points)


def test_every_crash_point_of_an_approval_day_on_the_memory_store() -> None:
    assert _check_crash_points(MemoryStore) > 50


def test_crash_points_of_an_approval_day_on_sqlite(tmp_path: Any) -> None:
    template = tmp_path / "template.sqlite"
    SqlStore(f"sqlite:///{template}", upgrade=True).close()
    made = iter(range(10_000))

    def fresh() -> SqlStore:
        path = tmp_path / f"db{next(made)}.sqlite"
        shutil.copy(template, path)
        return SqlStore(f"sqlite:///{path}")

    assert _check_crash_points(fresh, step=5) > 10


def test_crash_points_of_an_approval_day_on_postgres(postgres_schema: Any) -> None:
    def fresh() -> SqlStore:
        postgres_schema.empty()
        return SqlStore(postgres_schema.url, schema=postgres_schema.name)

    assert _check_crash_points(fresh, step=19) > 3
