"""Autopayment with a monthly cap: the hosting provider's rule through the engine.

When the balance does not cover an invoice, the saved method tops it up,
never by more than the monthly maximum the customer set; the maximum the
provider suggests is the forecast monthly spend plus 10 % (620.00 RUB a
month -> 682.00). Above the cap nothing is charged: the invoice stays due
and the customer is told.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.credit.autopay import suggested_monthly_maximum
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

START = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
MONTH_END = datetime(2026, 4, 1, 2, tzinfo=timezone.utc)
VPS = Plan(code="vps", name="VPS", currency="RUB", base_fee=Money("620.00", "RUB"))
IVAN = Party(kind="individual", country="RU", name="Ivan Petrov")


def _rub(amount: str) -> Money:
    return Money(amount, "RUB")


def _setup(store: Any, cap: Money) -> tuple[Billing, FixedClock, SandboxGateway]:
    clock = FixedClock(START)
    gateway = SandboxGateway(clock=clock)
    engine = Billing(
        store,
        gateway,
        MemoryNotifier(),
        clock,
        [VPS],
        seller=Party(kind="legal_entity", country="RU", name="Hosting LLC"),
    )
    engine.add_customer("ivan", IVAN, currency="RUB", method="tok_visa", autopay_cap=cap)
    engine.subscribe("ivan-vps", "ivan", "vps")
    return engine, clock, gateway


def _state(store: Any) -> tuple[str, Money, list[tuple[str, Decimal]]]:
    with store.transaction(readonly=True) as tx:
        doc = tx.document("ivan-vps|2026-03-01|2026-04-01|invoice|0")
        rows = [(e.kind, e.amount.amount) for e in tx.entries("ivan/main")]
        return doc.status, tx.balance("ivan/main"), rows


def test_autopay_tops_up_within_the_cap_and_the_balance_pays(store: Store) -> None:
    engine, clock, gateway = _setup(store, _rub("800.00"))
    clock.set(MONTH_END)
    report = engine.run()
    # March: 620.00 + 22 % VAT = 756.40, within the 800.00 cap: topped up and paid.
    assert report.paid == 1
    assert _state(store) == (
        "paid",
        _rub("0"),
        [("payment", Decimal("756.40")), ("charge", Decimal("-756.40"))],
    )
    assert gateway.get_payment("pay_0001").amount == _rub("756.40")


def test_above_the_cap_the_invoice_stays_due_and_the_customer_is_told(store: Store) -> None:
    cap = suggested_monthly_maximum(_rub("620.00"))  # 620.00 x 1.10 = 682.00
    engine, clock, gateway = _setup(store, cap)
    clock.set(MONTH_END)
    assert engine.run().paid == 0  # 756.40 is above the 682.00 cap: nothing charged
    assert engine.run().paid == 0  # the same day again: told once
    assert _state(store) == ("issued", _rub("0"), [])
    engine.deliver()
    topics = [m.topic for m in engine.notifier.messages]  # type: ignore[attr-defined]
    assert topics == ["invoice.issued", "autopay.capped"]
    # The customer tops up 100.00 by hand; the next day autopay adds the 656.40 still missing
    # (756.40 - 100.00, within the cap) and the balance pays.
    engine.top_up("ivan", _rub("100.00"), key="by-hand")
    clock.advance(timedelta(days=1))
    assert engine.run().paid == 1
    status, balance, rows = _state(store)
    assert (status, balance) == ("paid", _rub("0"))
    assert rows == [
        ("payment", Decimal("100.00")),
        ("payment", Decimal("656.40")),
        ("charge", Decimal("-756.40")),
    ]
    assert gateway.get_payment("pay_0002").amount == _rub("656.40")


def test_the_cap_counts_this_months_autopayments(store: Store) -> None:
    engine, clock, _ = _setup(store, _rub("1000.00"))
    engine.subscribe("ivan-vps-2", "ivan", "vps")
    clock.set(MONTH_END)
    report = engine.run()
    # Two invoices of 756.40 on 1 April: the first is topped up (756.40 of the 1 000.00 cap),
    # the second would need 756.40 more but only 243.60 is left: it stays due.
    assert (report.billed, report.paid) == (2, 1)
    # 1 May: a new month and a new cap. April's two invoices join March's unpaid one;
    # 1 000.00 pays one of the three (756.40), the other two wait.
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    assert engine.run().paid == 1


def test_an_autopay_run_crashing_at_any_call_charges_and_books_once() -> None:
    def attempt(at: int) -> tuple[Any, int]:
        real = MemoryStore()
        _, clock, gateway = _setup(real, _rub("800.00"))
        faults = support.Faults()
        faulty = Billing(
            support.FaultyStore(real, faults),
            support.FaultyGateway(gateway, faults),
            MemoryNotifier(),
            clock,
        )
        clock.set(MONTH_END)
        faults.calls, faults.at = 0, at
        crashes = 0
        while True:
            try:
                faulty.run()
                break
            except support.Crash:
                crashes += 1
                faults.at = 0
        charged = []
        for n in range(1, 5):
            try:
                charged.append(gateway.get_payment(f"pay_{n:04d}").amount)
            except Exception:
                break
        return (_state(real), charged), faults.calls if at == 0 else crashes

    clean, calls = attempt(0)
    assert clean == (
        ("paid", _rub("0"), [("payment", Decimal("756.40")), ("charge", Decimal("-756.40"))]),
        [_rub("756.40")],
    )
    for at in range(1, calls + 1):
        outcome, crashes = attempt(at)
        assert crashes == 1, at
        assert outcome == clean, f"crash at call {at}"


@settings(max_examples=25, deadline=None)
@given(
    cap=st.integers(50, 3000),
    fees=st.lists(st.integers(10, 900), min_size=1, max_size=4),
    balance=st.integers(0, 500),
)
def test_autopayments_never_exceed_the_monthly_cap(cap: int, fees: list[int], balance: int) -> None:
    clock = FixedClock(START)
    store = MemoryStore()
    plans = [
        Plan(code=f"p{i}", name=f"P{i}", currency="RUB", base_fee=Money(fee, "RUB"))
        for i, fee in enumerate(fees)
    ]
    engine = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        plans,
        seller=Party(kind="legal_entity", country="RU", name="Hosting LLC"),
    )
    engine.add_customer(
        "ivan", IVAN, currency="RUB", method="tok_visa", autopay_cap=_rub(f"{cap}.00")
    )
    for plan in plans:
        engine.subscribe(f"ivan-{plan.code}", "ivan", plan.code)
    if balance:
        engine.top_up("ivan", _rub(f"{balance}.00"), key="by-hand")
    clock.set(MONTH_END)
    engine.run()
    engine.run()
    with store.transaction(readonly=True) as tx:
        autopaid = sum(e.amount.amount for e in tx.entries("ivan/main") if e.data.get("autopay"))
        docs = tx.documents()
        spent = -sum(e.amount.amount for e in tx.entries("ivan/main") if e.kind == "charge")
        assert tx.balance("ivan/main").amount >= 0
    assert autopaid <= cap  # never above the cap in the month
    assert spent == sum(d.total.amount for d in docs if d.status == "paid")
    assert all(d.status in ("paid", "issued") for d in docs)
