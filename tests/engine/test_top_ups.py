"""Top-ups through the engine: commission, bonus and cashback from ``billkit.credit``, once per key.

The figures are the example businesses': the hosting provider's method takes
5 % + 10.00 RUB on top (20.00 to credit is 31.00 to pay), pays between 10.00
and 3 000.00 and returns 10 % of the payment as cashback; the analytics
SaaS's individuals pay through a provider taking 3.9 % grossed up, and 9
months paid at a 10 000 RUB tariff earn 3 months of bonus.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.credit import BonusProgram, Cashback, Commission, Ledger, PaymentMethod, Wallet
from billkit.credit.commission import FeeMode
from billkit.credit.topup import receive_payment
from billkit.engine import Billing
from billkit.errors import CreditError, IdempotencyConflictError, WebhookError
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.payments.types import PaymentRequest, PaymentStatus, SavedMethod
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


# A top-up made by bank transfer settles days later (its webhook books it). The
# customer was quoted its commission, cashback and bonus when it was made: it is
# booked under the terms in force then, whatever the business changed meanwhile.

TRANSFER = PaymentMethod(
    name="transfer",
    commission=Commission(rate="5%", fixed=_rub("1.00")),
    max_amount=_rub("700.00"),
    cashback=Cashback(rate="1%"),
)
TEN_PERCENT = BonusProgram.percent(_rub("50.00"), "10%")
# From the day after: 2.5 % with no fixed part, no cashback, no bonus, at most 50.00.
CHEAPER = PaymentMethod(
    name="transfer", commission=Commission(rate="2.5%", currency="RUB"), max_amount=_rub("50.00")
)


def _settle(engine: Billing, gateway: SandboxGateway, clock: FixedClock) -> int:
    """Let the transfers settle (3 days) and hand every webhook to the engine once."""
    clock.advance(timedelta(days=3, minutes=1))
    return sum(engine.handle_webhook(d.headers, d.body) for d in gateway.deliveries())


def _booked(store: Any, customer: str = "ivan") -> list[tuple[str, str, Any, Any]]:
    with store.transaction(readonly=True) as tx:
        return [
            (e.kind, str(e.amount.amount), e.data.get("fee"), e.data.get("gross"))
            for e in tx.entries(f"{customer}/main")
        ]


def test_a_pending_top_up_is_booked_under_the_terms_it_was_made_under(store: Store) -> None:
    clock = FixedClock(START)
    gateway = SandboxGateway(clock=clock)
    engine = Billing(
        store, gateway, MemoryNotifier(), clock, [TARIFF], seller=SELLER,
        methods=[TRANSFER], bonus=TEN_PERCENT,
    )  # fmt: skip
    engine.add_customer(
        "ivan", IVAN, currency="RUB", method="tok_bank_transfer", pays_with="transfer"
    )
    made = engine.top_up("ivan", _rub("100.00"), key="t1")
    # 100.00 + 5 % x 100.00 + 1.00 = 106.00 to pay, quoted and charged now.
    assert (made.status, made.amount) == (PaymentStatus.PENDING, _rub("106.00"))
    clock.advance(timedelta(days=1))
    engine.change_settings(methods=[CHEAPER], bonus=None)
    # The same key again while it is pending: the same payment, at the amount quoted.
    again = engine.top_up("ivan", _rub("100.00"), key="t1")
    assert (again.reference, again.amount) == (made.reference, _rub("106.00"))
    # A new top-up of 100.00 is under the new terms: 102.50 is above their 50.00.
    with pytest.raises(CreditError, match=r"102\.50"):
        engine.top_up("ivan", _rub("100.00"), key="t2")
    assert _settle(engine, gateway, clock) == 1
    assert gateway.get_payment(made.reference).amount == _rub("106.00")
    # Booked as quoted: fee 6.00 of a 106.00 payment (not 2.50 of 102.50), cashback
    # 1 % x 106.00 = 1.06 and the bonus 10 % x 100.00 = 10.00 (the program since
    # removed); balance 100.00 + 1.06 + 10.00 = 111.06.
    assert _booked(store) == [
        ("payment", "100.00", "6.00", "106.00"),
        ("bonus", "10.00", None, None),
        ("cashback", "1.06", None, None),
    ]
    assert _ledger(store)[0] == _rub("111.06")


def test_a_top_up_refused_when_made_is_asked_again_under_the_new_terms(store: Store) -> None:
    clock = FixedClock(START)
    gateway = SandboxGateway(clock=clock)
    engine = Billing(
        store, gateway, MemoryNotifier(), clock, [TARIFF], seller=SELLER, methods=[CHEAPER]
    )
    engine.add_customer(
        "ivan", IVAN, currency="RUB", method="tok_bank_transfer", pays_with="transfer"
    )
    # 60.00 + 2.5 % x 60.00 = 61.50, above the 50.00 the method takes: refused, nothing
    # kept and nothing asked of the provider.
    with pytest.raises(CreditError, match=r"61\.50"):
        engine.top_up("ivan", _rub("60.00"), key="t1")
    assert gateway.deliveries() == []
    # The limit raised, the same key is a new top-up under the terms now in force (had
    # the refused one's terms been kept, they would refuse it again).
    engine.change_settings(methods=[attrs.evolve(CHEAPER, max_amount=_rub("100.00"))])
    assert engine.top_up("ivan", _rub("60.00"), key="t1").amount == _rub("61.50")
    # Lowered again before it settles: it is booked (the provider took 61.50 under
    # a limit of 100.00); refusing it now would leave the customer's money unbooked.
    engine.change_settings(methods=[attrs.evolve(CHEAPER, max_amount=_rub("10.00"))])
    assert _settle(engine, gateway, clock) == 1
    assert _booked(store) == [("payment", "60.00", "1.50", "61.50")]


def test_a_pending_top_up_crashing_at_any_call_is_booked_as_charged() -> None:
    """A crash at any call of a bank-transfer top-up, the terms changed before the
    retry: the provider is asked once, and the webhook books what it charged."""

    def attempt(at: int) -> tuple[list[Any], list[Money], int]:
        clock = FixedClock(START)
        real = MemoryStore()
        gateway = SandboxGateway(clock=clock)
        first = Billing(
            real, gateway, MemoryNotifier(), clock, [TARIFF], seller=SELLER, methods=[TRANSFER]
        )
        first.add_customer(
            "ivan", IVAN, currency="RUB", method="tok_bank_transfer", pays_with="transfer"
        )
        faults = support.Faults()

        def process() -> Billing:  # a process started: it reads the kept settings
            faulty = support.FaultyStore(real, faults)
            return Billing(faulty, support.FaultyGateway(gateway, faults), MemoryNotifier(), clock)

        engine = process()
        faults.calls, faults.at = 0, at
        crashes = 0
        while True:
            try:
                engine.top_up("ivan", _rub("100.00"), key="t1")
                break
            except support.Crash:
                crashes += 1
                faults.at = 0
                # The terms change before the process that crashed is started again.
                first.change_settings(methods=[attrs.evolve(CHEAPER, max_amount=None)])
                engine = process()
        _settle(first, gateway, clock)
        charged = []
        for n in range(1, 5):
            try:
                charged.append(gateway.get_payment(f"pay_{n:04d}").amount)
            except Exception:
                break
        return _booked(real), charged, faults.calls if at == 0 else crashes

    clean, charged, calls = attempt(0)
    # Under the first terms: 100.00 + 5.00 + 1.00 = 106.00 charged; cashback 1.06.
    assert charged == [_rub("106.00")]
    assert clean == [("payment", "100.00", "6.00", "106.00"), ("cashback", "1.06", None, None)]
    seen = set()
    for at in range(1, calls + 1):
        booked, charged, crashes = attempt(at)
        assert crashes == 1, at
        # One payment, booked once, at the gross the provider charged: 106.00 if the
        # terms were kept before the crash, else 100.00 + 2.5 % = 102.50.
        assert len(charged) == 1, at
        (payment,) = [row for row in booked if row[0] == "payment"]
        assert _rub(payment[3]) == charged[0], at
        assert payment[2] == {"106.00": "6.00", "102.50": "2.50"}[payment[3]], at
        seen.add(payment[3])
    assert seen == {"106.00", "102.50"}  # crashes before and after the terms were kept


@st.composite
def transfer_terms(draw: st.DrawFn) -> PaymentMethod:
    cashback = draw(
        st.none() | st.integers(0, 1000).map(lambda u: Cashback(rate=Decimal(u) / 10000))
    )
    return PaymentMethod(
        name="transfer",
        mode=draw(st.sampled_from([FeeMode.ON_TOP, FeeMode.GROSS_UP])),
        commission=Commission(
            rate=Decimal(draw(st.integers(0, 2000))) / 10000,  # 0 % to 20 %
            fixed=_rub(str(Decimal(draw(st.integers(0, 500))) / 100)),
        ),
        cashback=cashback,
    )


@st.composite
def programs(draw: st.DrawFn) -> BonusProgram | None:
    if draw(st.booleans()):
        return None
    threshold = _rub(str(Decimal(draw(st.integers(1, 50_000))) / 100))
    return BonusProgram.percent(threshold, Decimal(draw(st.integers(0, 3000))) / 10000)


@settings(max_examples=40, deadline=None)
@given(
    made=transfer_terms(),
    later=transfer_terms(),
    program=programs(),
    later_program=programs(),
    units=st.integers(100, 500_000),
)
def test_a_pending_top_up_is_booked_as_quoted_under_any_later_terms(
    made: PaymentMethod,
    later: PaymentMethod,
    program: BonusProgram | None,
    later_program: BonusProgram | None,
    units: int,
) -> None:
    amount = _rub(str(Decimal(units) / 100))
    clock = FixedClock(START)
    store, gateway = MemoryStore(), SandboxGateway(clock=clock)
    engine = Billing(
        store, gateway, MemoryNotifier(), clock, [TARIFF], seller=SELLER,
        methods=[made], bonus=program,
    )  # fmt: skip
    engine.add_customer(
        "ivan", IVAN, currency="RUB", method="tok_bank_transfer", pays_with="transfer"
    )
    result = engine.top_up("ivan", amount, key="t1")
    engine.change_settings(methods=[later], bonus=later_program)
    assert _settle(engine, gateway, clock) == 1
    # What billkit.credit books for this payment under the terms it was made under.
    quoted = receive_payment(
        Ledger(wallets=[Wallet(name="main", currency="RUB")]), "main", amount,
        at=clock.now(), key="topup|t1", method=made, program=program,
    )  # fmt: skip
    quote = made.quote(amount)
    assert result.amount == gateway.get_payment(result.reference).amount == quote.gross
    assert _booked(store)[0] == (
        "payment",
        str(amount.amount),
        str(quote.fee.amount),
        str(quote.gross.amount),
    )
    with store.transaction(readonly=True) as tx:
        booked = [(e.key, e.amount) for e in tx.entries("ivan/main")]
    assert booked == [(e.key, e.amount) for e in quoted.entries]


def test_a_pending_top_up_left_by_an_earlier_version_is_booked_under_the_terms_then(
    store: Store,
) -> None:
    # What billkit before kept terms left for a pending top-up: the provider's payment
    # and the record naming it, written here through the store and the gateway.
    clock = FixedClock(START)
    gateway = SandboxGateway(clock=clock)
    engine = Billing(
        store, gateway, MemoryNotifier(), clock, [TARIFF], seller=SELLER, methods=[TRANSFER]
    )
    engine.add_customer(
        "ivan", IVAN, currency="RUB", method="tok_bank_transfer", pays_with="transfer"
    )
    ask = {"amount": "40.00", "currency": "RUB", "via": "transfer", "tariff": None}
    request = PaymentRequest(
        amount=_rub("43.00"),  # 40.00 + 5 % x 40.00 + 1.00
        customer="ivan",
        method=SavedMethod(token="tok_bank_transfer"),
        description="top-up t1",
        metadata={"purpose": "top_up", "key": "t1"},
    )
    made = gateway.create_payment(request, "topup|ivan|t1")
    with store.transaction(lock=["account:ivan"]) as tx:
        found = {"top_up": "ivan", "key": "t1", "ask": ask}
        tx.remember(f"payment|{made.reference}", {}, found, at=clock.now())
    engine.change_settings(methods=[attrs.evolve(CHEAPER, max_amount=None)])
    assert _settle(engine, gateway, clock) == 1
    # No terms kept with it: booked under those in force when it settles, as before
    # (2.5 % x 40.00 = 1.00 of fees on 41.00, though the provider took 43.00).
    assert _booked(store) == [("payment", "40.00", "1.00", "41.00")]
