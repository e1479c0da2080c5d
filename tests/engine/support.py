"""A small SaaS population for the engine tests, the worker processes and the benchmark.

Customers ``c0000``, ``c0001``... each with one subscription ``s0000``... to
the Pro plan from 1 March 2026, usage in March, and a saved method chosen by
index: most cards work, every 7th is declined, every 11th is a bank transfer
that settles later. Everything is derived from the index, so every process
builds the same population.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from billkit.engine import Billing
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, PaymentGateway, Store
from billkit.pricing.models import PerUnit
from billkit.pricing.plans import Charge, Plan
from billkit.storage import MemoryStore
from billkit.storage.records import AccountRecord, PayerRecord, SubscriptionRecord, UsageRecord

START = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
MONTH_END = datetime(2026, 4, 1, 2, tzinfo=timezone.utc)
PRO = Plan(
    code="pro",
    name="Pro",
    currency="EUR",
    base_fee=Money("20.00", "EUR"),
    charges=[
        Charge(
            code="calls",
            metric="calls",
            included=100,
            model=PerUnit(unit_price=Money("0.01", "EUR")),
        )
    ],
)
TEAM = Plan(code="team", name="Team", currency="EUR", base_fee=Money("50.00", "EUR"))
SELLER = Party(kind="legal_entity", country="IT", name="Chat S.r.l.")


def method(n: int) -> str:
    if n % 7 == 3:
        return "tok_insufficient_funds"
    if n % 11 == 5:
        return "tok_bank_transfer"
    return "tok_visa"


def calls(n: int) -> int:
    return (n * 137) % 900


def billing(store: Store, gateway: PaymentGateway, clock: FixedClock) -> Billing:
    return Billing(store, gateway, MemoryNotifier(), clock, [PRO, TEAM], seller=SELLER)


def pro_in_memory(clock: FixedClock, **options: Any) -> Billing:
    """The Pro plan's business on a new MemoryStore, the sandbox gateway and a
    MemoryNotifier; ``options`` go to :class:`Billing`."""
    return Billing(
        MemoryStore(),
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [PRO],
        seller=SELLER,
        **options,
    )


def populate(engine: Billing, customers: int) -> None:
    """Add the population through the engine (one call per operation)."""
    for n in range(customers):
        party = Party(kind="legal_entity", country="IT", name=f"Customer {n}")
        engine.add_customer(f"c{n:04d}", party, currency="EUR", method=method(n))
        engine.subscribe(f"s{n:04d}", f"c{n:04d}", "pro", on=START.date())
        if calls(n):
            engine.record_usage(f"s{n:04d}", "calls", calls(n), key=f"u{n:04d}", at=START)


def populate_fast(store: Store, customers: int, batch: int = 500) -> None:
    """The same population written in batches (for the large concurrency runs)."""
    from billkit.serialize import to_data

    zero = Money("0", "EUR")
    for first in range(0, customers, batch):
        with store.transaction() as tx:
            for n in range(first, min(first + batch, customers)):
                party = Party(kind="legal_entity", country="IT", name=f"Customer {n}")
                data = {"party": to_data(party), "email": "", "method": method(n)}
                tx.save_payer(PayerRecord(id=f"c{n:04d}", data=data))
                tx.open_account(
                    AccountRecord(
                        id=f"c{n:04d}/main", customer=f"c{n:04d}", credit_limit=zero, balance=zero
                    )
                )
                tx.add_subscription(
                    SubscriptionRecord(
                        id=f"s{n:04d}",
                        customer=f"c{n:04d}",
                        plan="pro",
                        status="active",
                        next_billing=date(2026, 4, 1),
                        data={"plans": [["2026-03-01", "pro"]], "ends": None, "attempts": 0},
                    )
                )
            tx.add_usage(
                UsageRecord(
                    subscription=f"s{n:04d}",
                    metric="calls",
                    at=START,
                    quantity=Decimal(calls(n)),
                    key=f"u{n:04d}",
                )
                for n in range(first, min(first + batch, customers))
                if calls(n)
            )


def snapshot(store: Store, customers: int) -> dict[str, Any]:
    """Everything a run leaves in the store, comparable between runs."""
    with store.transaction(readonly=True) as tx:
        docs = [
            (
                d.id,
                d.number,
                d.status,
                str(d.total),
                dict(d.data),
                [e.event for e in tx.document_events(d.id)],
            )
            for d in tx.documents()
        ]
        entries = {
            f"c{n:04d}": [(e.key, str(e.amount), e.kind) for e in tx.entries(f"c{n:04d}/main")]
            for n in range(customers)
        }
        balances = {f"c{n:04d}": str(tx.balance(f"c{n:04d}/main")) for n in range(customers)}
        subs = [
            (s.id, s.status, s.next_billing)
            for n in range(customers)
            for s in [tx.subscription(f"s{n:04d}")]
        ]
        outbox = []
        i = 1
        while True:
            try:
                message = tx.message(i)
            except Exception:
                break
            outbox.append(message.key)
            i += 1
    return {
        "documents": docs,
        "entries": entries,
        "balances": balances,
        "subscriptions": subs,
        "outbox": sorted(outbox),
    }


class Crash(Exception):
    """An injected failure: the process 'dies' here (not a billkit error, so nothing catches it)."""


class Faults:
    """Counts calls; raises :class:`Crash` at call number ``at`` (0: never)."""

    def __init__(self, at: int = 0) -> None:
        self.at = at
        self.calls = 0

    def tick(self, what: str) -> None:
        self.calls += 1
        if self.calls == self.at:
            raise Crash(f"call {self.calls}: {what}")


class _FaultyTransaction:
    def __init__(self, tx: Any, faults: Faults) -> None:
        self._tx, self._faults = tx, faults

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._tx, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._faults.tick(f"store.{name}")
            return real(*args, **kwargs)

        return call


class FaultyStore:
    """The real store, failing at one call: a transaction's start, any method, or its commit."""

    def __init__(self, store: Store, faults: Faults) -> None:
        self.store, self.faults = store, faults

    @contextlib.contextmanager
    def transaction(self, **options: Any) -> Iterator[Any]:
        self.faults.tick("store.begin")
        with self.store.transaction(**options) as tx:
            yield _FaultyTransaction(tx, self.faults)
            self.faults.tick("store.commit")  # raising here rolls the transaction back

    def close(self) -> None:
        self.store.close()


class FaultyGateway:
    """The real gateway, failing before a call (never sent) or after it (answer lost)."""

    def __init__(self, gateway: Any, faults: Faults) -> None:
        self.gateway, self.faults = gateway, faults

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.gateway, name)
        if not callable(real):
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            self.faults.tick(f"gateway.{name} (not sent)")
            result = real(*args, **kwargs)
            self.faults.tick(f"gateway.{name} (answer lost)")
            return result

        return call


def later(clock: FixedClock, days: int) -> None:
    clock.advance(timedelta(days=days))
