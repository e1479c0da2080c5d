"""Notifications by category and channel, each with its de-duplication key."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from billkit.engine import Billing
from billkit.errors import BillingError
from billkit.notify import Channels, MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import CATEGORIES, CHANNELS, FixedClock, Store
from billkit.storage import MemoryStore
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

# The events the five businesses send (issue 13's list), by the topic the engine uses.
EVENTS = [
    "invoice.issued",
    "payment.received",
    "payment.failed",
    "balance.low",
    "usage.threshold",
    "subscription.frozen",
    "subscription.cancelled",
    "statement.issued",
    "credit.blocked",
    "renewal.failed",
]


def test_every_event_has_a_category_of_the_hosting_business() -> None:
    # The hosting business files notifications under finance, news, services and support.
    assert {CATEGORIES[event] for event in EVENTS} <= {"finance", "news", "services", "support"}
    assert CHANNELS == ("email", "webhook", "sms", "messenger")


def _outbox(store: Any) -> list[tuple[str, str, str]]:
    out = []
    with store.transaction(readonly=True) as tx:
        n = 1
        while True:
            try:
                m = tx.message(n)
            except Exception:
                return sorted(out)
            out.append((m.key, m.payload["category"], m.payload["channel"]))
            n += 1


def test_channels_per_category_for_the_business_and_each_customer(store: Store) -> None:
    clock = FixedClock(support.START)
    email, hooks = MemoryNotifier(), MemoryNotifier()
    engine = Billing(
        store,
        SandboxGateway(clock=clock),
        Channels({"email": email, "webhook": hooks}),
        clock,
        [support.PRO],
        seller=support.SELLER,
        channels={"finance": ["email", "webhook"], "services": []},
    )
    acme = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")
    bolt = Party(kind="legal_entity", country="IT", name="Bolt S.r.l.")
    engine.add_customer("acme", acme, currency="EUR", method="tok_visa")
    engine.add_customer(
        "bolt", bolt, currency="EUR", method="tok_visa", channels={"finance": ["webhook"]}
    )
    engine.subscribe("acme-pro", "acme", "pro")
    engine.subscribe("bolt-pro", "bolt", "pro")
    engine.cancel("bolt-pro")  # cancelled at the end of March: a services message
    clock.set(support.MONTH_END)
    engine.run()
    acme_inv, bolt_inv = (
        "acme-pro|2026-03-01|2026-04-01|invoice|0",
        "bolt-pro|2026-03-01|2026-04-01|invoice|0",
    )
    assert _outbox(store) == sorted(
        [
            # acme follows the business: finance by e-mail and webhook
            (f"invoice.issued|{acme_inv}|email", "finance", "email"),
            (f"invoice.issued|{acme_inv}|webhook", "finance", "webhook"),
            (f"payment.received|{acme_inv}|email", "finance", "email"),
            (f"payment.received|{acme_inv}|webhook", "finance", "webhook"),
            # bolt chose webhook only for finance; services go nowhere (the business's choice)
            (f"invoice.issued|{bolt_inv}|webhook", "finance", "webhook"),
            (f"payment.received|{bolt_inv}|webhook", "finance", "webhook"),
        ]
    )
    assert engine.deliver() == 6
    assert engine.deliver() == 0
    assert len(email.messages) == 2
    assert len(hooks.messages) == 4


def test_a_cancellation_is_told_once(store: Store) -> None:
    clock = FixedClock(support.START)
    engine = support.billing(store, SandboxGateway(clock=clock), clock)
    engine.add_customer(
        "acme",
        Party(kind="legal_entity", country="IT", name="Acme"),
        currency="EUR",
        method="tok_visa",
    )
    engine.subscribe("acme-pro", "acme", "pro")
    engine.cancel("acme-pro")
    clock.set(support.MONTH_END)
    engine.run()
    engine.run()
    engine.deliver()
    topics = [m.topic for m in engine.notifier.messages]  # type: ignore[attr-defined]
    assert topics.count("subscription.cancelled") == 1


def test_unknown_categories_and_channels_are_refused() -> None:
    clock = FixedClock(support.START)
    args = (MemoryStore(), SandboxGateway(clock=clock), MemoryNotifier(), clock)
    with pytest.raises(BillingError, match="'billing'"):
        Billing(*args, seller=support.SELLER, channels={"billing": ["email"]})
    with pytest.raises(BillingError, match="'pigeon'"):
        Billing(*args, seller=support.SELLER, channels={"finance": ["pigeon"]})
    with pytest.raises(BillingError, match="'fax'"):
        Channels({"fax": MemoryNotifier()})


def test_usage_alerts_at_90_and_100_percent_of_the_allowance_once_each(store: Store) -> None:
    # The messaging business alerts at 90 % and 100 % of the plan's limit. Pro includes
    # 100 calls: 90 reached with the second event, 100 with the third; more says nothing.
    clock = FixedClock(support.START)
    engine = support.billing(store, SandboxGateway(clock=clock), clock)
    engine.add_customer(
        "acme",
        Party(kind="legal_entity", country="IT", name="Acme"),
        currency="EUR",
        method="tok_visa",
    )
    engine.subscribe("acme-pro", "acme", "pro")
    told = []
    for n, calls in enumerate([60, 30, 10, 500], start=1):
        engine.record_usage("acme-pro", "calls", calls, key=f"e{n}", at=support.START)
        engine.record_usage("acme-pro", "calls", calls, key=f"e{n}", at=support.START)  # a retry
        engine.deliver()
        told.append(
            [m.payload["level"] for m in engine.notifier.messages if m.topic == "usage.threshold"]
        )  # type: ignore[attr-defined]
    assert told == [[], ["90%"], ["90%", "100%"], ["90%", "100%"]]
    (alert,) = [m for m in engine.notifier.messages if m.payload.get("level") == "90%"]  # type: ignore[attr-defined]
    assert (alert.payload["category"], alert.payload["period"]) == (
        "services",
        "2026-03-01..2026-04-01",
    )
    # April is a new period: its allowance alerts again.
    clock.set(support.MONTH_END)
    engine.record_usage("acme-pro", "calls", 100, key="april", at=support.MONTH_END)
    engine.deliver()
    assert [
        m.payload["level"] for m in engine.notifier.messages if m.topic == "usage.threshold"
    ] == [  # type: ignore[attr-defined]
        "90%",
        "100%",
        "90%",
        "100%",
    ]


def test_a_prepaid_balance_running_low_is_told(store: Store) -> None:
    # 100.00 topped up; each month Pro bills 20.00 + 22 % = 24.40 from the balance:
    # 75.60, 51.20, 26.80 left (each covers another month), then 2.40 < 24.40: told once.
    clock = FixedClock(support.START)
    engine = support.billing(store, SandboxGateway(clock=clock), clock)
    engine.add_customer(
        "acme",
        Party(kind="legal_entity", country="IT", name="Acme"),
        currency="EUR",
        method="tok_visa",
    )
    engine.subscribe("acme-pro", "acme", "pro")
    engine.top_up("acme", support.Money("100.00", "EUR"), key="t1")
    for month in (4, 5, 6, 7):
        clock.set(datetime(2026, month, 1, 2, tzinfo=timezone.utc))
        engine.run()
    engine.deliver()
    low = [m.payload for m in engine.notifier.messages if m.topic == "balance.low"]  # type: ignore[attr-defined]
    assert [(p["document"], p["balance"], p["expected"]) for p in low] == [
        ("acme-pro|2026-06-01|2026-07-01|invoice|0", "2.40", "24.40")
    ]


def test_a_purchase_on_credit_has_its_own_topic_in_every_language() -> None:
    from billkit.notify import compose
    from billkit.storage import OutboxMessage

    assert CATEGORIES["invoice.charged_to_credit"] == "finance"
    at = datetime(2026, 5, 1, tzinfo=timezone.utc)
    new = OutboxMessage(
        id=1,
        key="k",
        topic="invoice.charged_to_credit",
        payload={"document": "INV-1", "total": "756.40"},
        created_at=at,
    )
    assert compose(new)[0] == "Charged to your credit line"
    assert compose(new, language="ru")[0] == "Списано в счёт кредитной линии"
    # A message a store kept from before the topic existed reads the same way.
    old = OutboxMessage(
        id=2,
        key="k",
        topic="payment.received",
        payload={"document": "INV-1", "total": "756.40", "on_credit": True},
        created_at=at,
    )
    assert compose(old) == compose(new)
    paid = OutboxMessage(
        id=3, key="k", topic="payment.received", payload={"document": "INV-1"}, created_at=at
    )
    assert compose(paid)[0] == "Payment received"
