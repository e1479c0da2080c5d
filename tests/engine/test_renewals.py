"""Auto-renewal of hosted services by the engine's daily run (the hosting provider's rules).

A VPS at 500.00 RUB a month expiring on 1 April renews one day before, on
31 March, from the saved card or the balance. A declined card becomes "not
working", the customer is told, the service stops on its expiry day and
renews (and starts again) once a working card pays.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from billkit.engine import Billing
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, Store
from billkit.serialize import from_data
from billkit.storage import MemoryStore
from billkit.subscriptions.services import Service
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

IVAN = Party(kind="individual", country="RU", name="Ivan Petrov")


def _vps(pay_from: str) -> Service:
    return Service(
        id="vps-7",
        product="vps",
        price=Money("500.00", "RUB"),
        state="active",
        anchor=date(2026, 3, 1),
        expires_on=date(2026, 4, 1),
        auto_renew=True,
        pay_from=pay_from,
    )


def _engine(store: Any, clock: FixedClock) -> Billing:
    return Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        seller=Party(kind="legal_entity", country="RU", name="Hosting LLC"),
    )


def _day(engine: Billing, clock: FixedClock, day: date) -> None:
    clock.set(datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=3))
    assert engine.run().failures == ()


def _service(store: Any) -> tuple[str, date, str, list[tuple[str, str]]]:
    with store.transaction(readonly=True) as tx:
        data = tx.payer("ivan").data
        entries = [(e.kind, str(e.amount.amount)) for e in tx.entries("ivan/main")]
    vps = data["services"]["vps-7"]
    method = data.get("saved_methods", {}).get("card-1111", {}).get("method", {})
    return vps["state"], date.fromisoformat(vps["expires_on"]), method.get("state", ""), entries


def test_a_service_renews_from_the_card_one_day_before_expiry(store: Store) -> None:
    clock = FixedClock(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
    engine = _engine(store, clock)
    engine.add_customer("ivan", IVAN, currency="RUB")
    engine.add_service("ivan", _vps("card-1111"), token="tok_visa")
    _day(engine, clock, date(2026, 3, 30))
    assert _service(store)[3] == []  # not due yet
    _day(engine, clock, date(2026, 3, 31))
    _day(engine, clock, date(2026, 3, 31))  # the same day again: once
    # 500.00 charged to the card and spent on the term to 1 May.
    assert _service(store) == (
        "active",
        date(2026, 5, 1),
        "enabled",
        [("payment", "500.00"), ("charge", "-500.00")],
    )


def test_a_declined_card_stops_the_service_until_a_working_card_renews_it(store: Store) -> None:
    clock = FixedClock(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
    engine = _engine(store, clock)
    engine.add_customer("ivan", IVAN, currency="RUB")
    engine.add_service("ivan", _vps("card-1111"), token="tok_insufficient_funds")
    _day(engine, clock, date(2026, 3, 31))
    assert _service(store)[:3] == ("active", date(2026, 4, 1), "not_working")
    _day(engine, clock, date(2026, 4, 1))  # expiry day: stopped; the card still does not work
    state, expires, method, entries = _service(store)
    # The paid term ended: the provider stops the service (the renewals module's rule).
    assert (state, expires, method, entries) == (
        "stopped_by_admin",
        date(2026, 4, 1),
        "not_working",
        [],
    )
    # Ivan replaces the card; the next day's run renews and the service starts again.
    with store.transaction(readonly=True) as tx:
        vps = tx.payer("ivan").data["services"]["vps-7"]
    engine.add_service("ivan", from_data(vps), token="tok_visa")
    _day(engine, clock, date(2026, 4, 2))
    assert _service(store) == (
        "active",
        date(2026, 5, 1),
        "enabled",
        [("payment", "500.00"), ("charge", "-500.00")],
    )
    engine.deliver()
    topics = [m.topic for m in engine.notifier.messages]  # type: ignore[attr-defined]
    assert topics.count("renewal.failed") == 1
    assert "service.renewed" in topics


def test_a_service_renews_from_the_balance_once_it_is_enough(store: Store) -> None:
    clock = FixedClock(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
    engine = _engine(store, clock)
    engine.add_customer("ivan", IVAN, currency="RUB", method="tok_visa")
    engine.top_up("ivan", Money("120.00", "RUB"), key="t1")
    engine.add_service("ivan", _vps("balance"))
    _day(engine, clock, date(2026, 3, 31))  # 120.00 of 500.00: told, not renewed
    assert _service(store)[1] == date(2026, 4, 1)
    engine.top_up("ivan", Money("380.00", "RUB"), key="t2")
    _day(engine, clock, date(2026, 4, 1))
    state, expires, _, entries = _service(store)
    assert (state, expires) == ("active", date(2026, 5, 1))
    assert entries == [("payment", "120.00"), ("payment", "380.00"), ("charge", "-500.00")]


def test_a_renewal_crashing_at_any_call_charges_and_renews_once() -> None:
    def attempt(at: int) -> tuple[Any, int]:
        real = MemoryStore()
        clock = FixedClock(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
        gateway = SandboxGateway(clock=clock)
        engine = Billing(real, gateway, MemoryNotifier(), clock, seller=IVAN)
        engine.add_customer("ivan", IVAN, currency="RUB")
        engine.add_service("ivan", _vps("card-1111"), token="tok_visa")
        clock.set(datetime(2026, 3, 31, 3, tzinfo=timezone.utc))
        faults = support.Faults()
        faulty = Billing(
            support.FaultyStore(real, faults),
            support.FaultyGateway(gateway, faults),
            MemoryNotifier(),
            clock,
        )
        faults.calls, faults.at = 0, at
        crashes = 0
        while True:
            try:
                faulty.run()
                break
            except support.Crash:
                crashes += 1
                faults.at = 0
        charged = 0
        for n in range(1, 4):
            try:
                charged += gateway.get_payment(f"pay_{n:04d}").amount == Money("500.00", "RUB")
            except Exception:
                break
        return (_service(real), charged), faults.calls if at == 0 else crashes

    clean, calls = attempt(0)
    assert clean == (
        ("active", date(2026, 5, 1), "enabled", [("payment", "500.00"), ("charge", "-500.00")]),
        1,
    )
    for at in range(1, calls + 1):
        outcome, crashes = attempt(at)
        assert crashes == 1, at
        assert outcome == clean, f"crash at call {at}"
