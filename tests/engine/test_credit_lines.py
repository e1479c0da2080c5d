"""The credit-limit schedule of a postpaid customer, kept by the engine's daily run.

The hosting provider's rules (billkit.credit's CreditLine defaults): on the
1st a statement is issued for last month's unpaid expenses bought on credit;
it is due by the 15th, overdue from the 16th, and the credit line is blocked
on the 30th if still unpaid. Notices go out at issue, 3 days before the due
date, the day after it and 5 days before blocking. While blocked nothing is
paid from the account; paying the overdue statement unblocks, and what was
left due is then paid from the account again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from billkit.credit import CreditLine
from billkit.engine import Billing
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, Store
from billkit.pricing.plans import Plan
from billkit.storage import MemoryStore
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

VPS = Plan(code="vps", name="VPS", currency="RUB", base_fee=Money("620.00", "RUB"))
IVAN = Party(kind="individual", country="RU", name="Ivan Petrov")
LINE = CreditLine(limit=Money("5000.00", "RUB"))


def _engine(store: Any, clock: FixedClock) -> Billing:
    return Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [VPS],
        seller=Party(kind="legal_entity", country="RU", name="Hosting LLC"),
    )


def _status(store: Any, doc: str) -> str:
    with store.transaction(readonly=True) as tx:
        return tx.document(doc).status


def test_statement_due_overdue_blocked_and_unblocked(store: Store) -> None:
    clock = FixedClock(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
    engine = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [VPS],
        seller=Party(kind="legal_entity", country="RU", name="Hosting LLC"),
    )
    engine.add_customer("ivan", IVAN, currency="RUB", credit_line=LINE)
    engine.subscribe("ivan-vps", "ivan", "vps")

    def days(first: date, last: date) -> None:
        day = first
        while day <= last:
            clock.set(datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=2))
            assert engine.run().failures == ()
            day += timedelta(days=1)

    # Each month's invoice: 620.00 + 22 % VAT = 756.40, paid from the account on credit.
    days(date(2026, 4, 1), date(2026, 5, 29))
    april = "ivan-vps|2026-04-01|2026-05-01|invoice|0"
    assert _status(store, april) == "paid"
    with store.transaction(readonly=True) as tx:
        assert tx.balance("ivan/main") == Money("-1512.80", "RUB")  # 2 x 756.40 owed
        assert not tx.payer("ivan").data.get("credit_blocked")
    days(date(2026, 5, 30), date(2026, 6, 1))
    may = "ivan-vps|2026-05-01|2026-06-01|invoice|0"
    with store.transaction(readonly=True) as tx:
        payer = tx.payer("ivan").data
        assert payer["credit_blocked"] is True
        assert payer["credit_events"] == [["2026-05-30", "blocked"]]
    assert _status(store, may) == "issued"  # blocked: not paid from the account
    # Ivan saves a card and pays the overdue statement (April's 756.40).
    engine.add_customer("ivan", IVAN, currency="RUB", credit_line=LINE, method="tok_visa")
    engine.top_up("ivan", Money("756.40", "RUB"), key="statement-1")
    days(date(2026, 6, 2), date(2026, 6, 2))
    with store.transaction(readonly=True) as tx:
        payer = tx.payer("ivan").data
        balance = tx.balance("ivan/main")
    assert payer["credit_blocked"] is False
    assert payer["credit_events"] == [["2026-05-30", "blocked"], ["2026-06-02", "unblocked"]]
    assert _status(store, may) == "paid"  # unblocked: paid from the account again
    # -1 512.80 + 756.40 paid - 756.40 for May = -1 512.80.
    assert balance == Money("-1512.80", "RUB")
    engine.deliver()
    credit = [
        (m.topic, m.payload.get("notice", ""), m.payload.get("statement", ""))
        for m in engine.notifier.messages  # type: ignore[attr-defined]
        if m.topic.startswith(("statement.", "credit."))
    ]
    assert credit == [
        ("statement.issued", "issued", 1),  # 1 May: April's 756.40
        ("credit.notice", "due_soon", 1),  # 12 May: 3 days before the 15th
        ("credit.notice", "overdue", 1),  # 16 May
        ("credit.notice", "blocking_soon", 1),  # 25 May: 5 days before the 30th
        ("credit.blocked", "", ""),  # 30 May
        ("statement.issued", "issued", 2),  # 1 June: May's 756.40
        ("credit.unblocked", "", ""),  # 2 June, after the payment
    ]
    # A purchase on the credit line is not a payment. The cycles are billed at
    # their end: March's invoice on 1 April and April's on 1 May go on the line
    # (the balance goes below zero); the 756.40 top-up is the one payment; May's
    # invoice, paid on 2 June once unblocked, leaves the balance at -1 512.80:
    # on credit again.
    finance = [
        (m.topic, m.payload.get("document", ""))
        for m in engine.notifier.messages  # type: ignore[attr-defined]
        if m.topic in ("payment.received", "invoice.charged_to_credit")
    ]
    assert finance == [
        ("invoice.charged_to_credit", "ivan-vps|2026-03-01|2026-04-01|invoice|0"),
        ("invoice.charged_to_credit", april),
        ("payment.received", "top-up statement-1"),
        ("invoice.charged_to_credit", may),
    ]
    assert not any(m.payload.get("on_credit") for m in engine.notifier.messages)  # type: ignore[attr-defined]


def test_the_blocking_day_crashing_at_any_call_blocks_and_tells_once() -> None:
    def attempt(at: int) -> tuple[Any, int]:
        real = MemoryStore()
        clock = FixedClock(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
        engine = _engine(real, clock)
        engine.add_customer("ivan", IVAN, currency="RUB", credit_line=LINE)
        engine.subscribe("ivan-vps", "ivan", "vps")
        for day in (date(2026, 4, 1), date(2026, 5, 1)):
            clock.set(datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=2))
            engine.run()
        clock.set(datetime(2026, 5, 30, 2, tzinfo=timezone.utc))  # statement 1 unpaid: blocked
        faults = support.Faults()
        faulty = _engine(support.FaultyStore(real, faults), clock)
        faults.calls, faults.at = 0, at
        crashes = 0
        while True:
            try:
                faulty.run()
                break
            except support.Crash:
                crashes += 1
                faults.at = 0
        with real.transaction(readonly=True) as tx:
            payer = tx.payer("ivan").data
            state = (payer["credit_blocked"], payer["credit_events"], tx.balance("ivan/main"))
        keys = sorted(k for k in support.snapshot(real, 0)["outbox"] if k.startswith("credit"))
        return (state, keys), faults.calls if at == 0 else crashes

    clean, calls = attempt(0)
    assert clean == (
        (True, [["2026-05-30", "blocked"]], Money("-1512.80", "RUB")),
        ["credit.blocked|ivan|1|email"],
    )
    for at in range(1, calls + 1):
        outcome, crashes = attempt(at)
        assert crashes == 1, at
        assert outcome == clean, f"crash at call {at}"
