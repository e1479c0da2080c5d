"""Top-ups through the engine: commission, bonus and cashback from ``billkit.credit``, once per key.

The figures are the example businesses': the hosting provider's method takes
5 % + 10.00 RUB on top (20.00 to credit is 31.00 to pay), pays between 10.00
and 3 000.00 and returns 10 % of the payment as cashback; the analytics
SaaS's individuals pay through a provider taking 3.9 % grossed up, and 9
months paid at a 10 000 RUB tariff earn 3 months of bonus.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from billkit.credit import BonusProgram, Cashback, Commission, PaymentMethod
from billkit.credit.commission import FeeMode
from billkit.engine import Billing
from billkit.errors import CreditError, IdempotencyConflictError, WebhookError
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.payments.types import PaymentStatus
from billkit.ports import FixedClock, Store
from billkit.pricing.plans import Plan
from billkit.storage import MemoryStore
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

START = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
SELLER = Party(kind="legal_entity", country="RU", name="Hosting LLC")
IVAN = Party(kind="individual", country="RU", name="Ivan Petrov")
HOSTING_CARD = PaymentMethod(
    name="card",
    commission=Commission(rate="5%", fixed=Money("10.00", "RUB")),
    min_amount=Money("10.00", "RUB"),
    max_amount=Money("3000.00", "RUB"),
    cashback=Cashback(rate="10%"),
)
ROBOKASSA = PaymentMethod(
    name="robokassa", mode=FeeMode.GROSS_UP, commission=Commission(rate="3.9%", currency="RUB")
)
TARIFF = Plan(code="analytics", name="Analytics", currency="RUB", base_fee=Money("10000.00", "RUB"))


def _rub(amount: str) -> Money:
    return Money(amount, "RUB")


def _engine(store: Any, clock: FixedClock, gateway: Any, **options: Any) -> Billing:
    return Billing(
        store,
        gateway,
        MemoryNotifier(),
        clock,
        [TARIFF],
        seller=SELLER,
        methods=[HOSTING_CARD, ROBOKASSA],
        **options,
    )


def _ledger(store: Any, customer: str = "ivan") -> tuple[Money, list[tuple[str, str, Any]]]:
    with store.transaction(readonly=True) as tx:
        rows = [(e.kind, e.key, e.amount) for e in tx.entries(f"{customer}/main")]
        return tx.balance(f"{customer}/main"), rows


def test_the_hosting_method_charges_its_commission_and_credits_cashback(store: Store) -> None:
    clock = FixedClock(START)
    gateway = SandboxGateway(clock=clock)
    engine = _engine(store, clock, gateway)
    engine.add_customer("ivan", IVAN, currency="RUB", method="tok_visa", pays_with="card")
    result = engine.top_up("ivan", _rub("20.00"), key="t1")
    # 20.00 + 5 % x 20.00 + 10.00 = 31.00 charged; cashback 10 % of the 31.00 paid = 3.10.
    assert (result.status, result.amount) == (PaymentStatus.SUCCEEDED, _rub("31.00"))
    balance, rows = _ledger(store)
    assert rows == [
        ("payment", "topup|t1", _rub("20.00")),
        ("cashback", "topup|t1/cashback", _rub("3.10")),
    ]
    assert balance == _rub("23.10")
    # The same top-up again (a retry): the provider's first answer, nothing booked twice.
    again = engine.top_up("ivan", _rub("20.00"), key="t1")
    assert again.reference == result.reference
    assert _ledger(store) == (balance, rows)
    with pytest.raises(IdempotencyConflictError):
        engine.top_up("ivan", _rub("25.00"), key="t1")
    # 2 900.00 + 145.00 + 10.00 = 3 055.00 is above the method's 3 000.00: refused before any call.
    with pytest.raises(CreditError, match=r"3055\.00"):
        engine.top_up("ivan", _rub("2900.00"), key="t2")
    with pytest.raises(Exception, match="pay_0002"):
        gateway.get_payment("pay_0002")
    engine.deliver()
    assert [m.topic for m in engine.notifier.messages] == ["payment.received"]  # type: ignore[attr-defined]


def test_the_analytics_bonus_for_nine_months_paid_grossed_up(store: Store) -> None:
    clock = FixedClock(START)
    gateway = SandboxGateway(clock=clock)
    engine = _engine(store, clock, gateway, bonus=BonusProgram.months({5: 1, 9: 3, 15: 9}))
    engine.add_customer("ivan", IVAN, currency="RUB", method="tok_visa", pays_with="robokassa")
    engine.subscribe("ivan-analytics", "ivan", "analytics")
    result = engine.top_up("ivan", _rub("90000.00"), key="nine-months")
    # Grossed up at 3.9 %: 93 652.45 - round(3.9 % x 93 652.45 = 3 652.4456) = 90 000.00 credited.
    assert result.amount == _rub("93652.45")
    balance, rows = _ledger(store)
    # 9 months at the 10 000.00 tariff earn 3 months: 30 000.00; balance 120 000.00.
    assert [(kind, amount) for kind, _, amount in rows] == [
        ("payment", _rub("90000.00")),
        ("bonus", _rub("30000.00")),
    ]
    assert balance == _rub("120000.00")


def test_a_top_up_by_bank_transfer_is_booked_when_it_settles(store: Store) -> None:
    clock = FixedClock(START)
    gateway = SandboxGateway(clock=clock, duplicates="1")  # every webhook sent twice
    engine = _engine(store, clock, gateway, bonus=BonusProgram.months({5: 1, 9: 3, 15: 9}))
    engine.add_customer("ivan", IVAN, currency="RUB", method="tok_bank_transfer")
    engine.subscribe("ivan-analytics", "ivan", "analytics")
    result = engine.top_up("ivan", _rub("50000.00"), key="transfer")
    assert result.status is PaymentStatus.PENDING
    assert _ledger(store) == (_rub("0"), [])
    clock.advance(timedelta(days=3, minutes=1))
    deliveries = gateway.deliveries()
    assert deliveries
    booked = []
    for delivery in deliveries:
        try:
            booked.append(engine.handle_webhook(delivery.headers, delivery.body))
        except WebhookError:
            booked.append(-1)  # the repeat: refused by the signature check as a replay
    # The settled payment's events each come twice; the first books, nothing else does.
    assert booked.count(1) == 1
    assert booked.count(-1) == len(deliveries) // 2
    # The customer retries the top-up with its key after it settled: nothing more is booked.
    assert engine.top_up("ivan", _rub("50000.00"), key="transfer").status is PaymentStatus.SUCCEEDED
    # 5 months at 10 000.00 earn 1 month: 50 000.00 + 10 000.00.
    assert _ledger(store)[0] == _rub("60000.00")


def test_a_top_up_crashing_at_any_call_is_charged_and_booked_once() -> None:
    def attempt(at: int) -> tuple[tuple[Money, list[Any]], int, int]:
        clock = FixedClock(START)
        real = MemoryStore()
        gateway = SandboxGateway(clock=clock)
        _engine(real, clock, gateway).add_customer(
            "ivan", IVAN, currency="RUB", method="tok_visa", pays_with="card"
        )
        faults = support.Faults()
        engine = _engine(
            support.FaultyStore(real, faults), clock, support.FaultyGateway(gateway, faults)
        )
        faults.calls, faults.at = 0, at
        crashes = 0
        while True:
            try:
                engine.top_up("ivan", _rub("100.00"), key="t1")
                break
            except support.Crash:
                crashes += 1
                faults.at = 0
                clock.advance(timedelta(minutes=1))  # the retry comes later
        charged = 0
        for n in range(1, 5):
            try:
                charged += gateway.get_payment(f"pay_{n:04d}").status is PaymentStatus.SUCCEEDED
            except Exception:
                break
        return _ledger(real), charged, faults.calls if at == 0 else crashes

    clean, charged, calls = attempt(0)
    # 100.00 + 5.00 + 10.00 = 115.00 paid; cashback 11.50; balance 111.50.
    assert clean[0] == _rub("111.50")
    assert charged == 1
    for at in range(1, calls + 1):
        outcome, charged, crashes = attempt(at)
        assert crashes == 1, at
        assert (outcome, charged) == (clean, 1), f"crash at call {at}"
