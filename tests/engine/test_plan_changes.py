"""Plan changes through the engine: an upgrade now with proration, a downgrade at the cycle end.

The messaging business's rule: an upgrade takes effect at once, the billing
cycle restarts that day and a pro rata amount is charged; the on-demand usage
so far is billed at once. Its Growth plan (99.00 EUR a month, 1 000 contacts,
then blocks of 100 at 20.00) and Advanced plan (189.00, 3 000 contacts, blocks
at 15.00) are the ones docs/proration.md uses: upgrading on 21 April with 10
of April's 30 days unused credits 99.00 x 10/30 = 33.00 of the old fee.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from billkit.engine import Billing
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, Store
from billkit.pricing.overage import overage_charge
from billkit.pricing.plans import Plan
from billkit.storage import MemoryStore
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

APRIL = datetime(2026, 4, 1, 9, tzinfo=timezone.utc)
GROWTH = Plan(
    code="growth",
    name="Growth",
    currency="EUR",
    base_fee=Money("99.00", "EUR"),
    charges=[
        overage_charge("blocks", "contacts", included=1000, price=Money("20.00", "EUR"), block=100)
    ],
)
ADVANCED = Plan(
    code="advanced",
    name="Advanced",
    currency="EUR",
    base_fee=Money("189.00", "EUR"),
    charges=[
        overage_charge("blocks", "contacts", included=3000, price=Money("15.00", "EUR"), block=100)
    ],
)
ACME = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")


def _engine(store: Any, clock: FixedClock) -> Billing:
    return Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [GROWTH, ADVANCED],
        seller=support.SELLER,
    )


def _docs(store: Any) -> list[tuple[str, str | None, str, Decimal]]:
    with store.transaction(readonly=True) as tx:
        return [(d.id, d.number, d.status, d.total.amount) for d in tx.documents()]


def _start(store: Any) -> tuple[Billing, FixedClock]:
    clock = FixedClock(APRIL)
    engine = _engine(store, clock)
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    engine.subscribe("acme-chat", "acme", "growth")
    # 1 250 contacts by 10 April: 250 over Growth's 1 000, 3 blocks of 100.
    engine.record_usage(
        "acme-chat", "contacts", 1250, key="c1", at=datetime(2026, 4, 10, tzinfo=timezone.utc)
    )
    clock.set(datetime(2026, 4, 21, 10, tzinfo=timezone.utc))
    return engine, clock


def test_an_upgrade_bills_the_cut_short_cycle_now_and_restarts_the_cycle(store: Store) -> None:
    engine, clock = _start(store)
    assert engine.change_plan("acme-chat", "advanced") == date(2026, 4, 21)
    # Growth for 1 to 21 April: 99.00 - 33.00 unused = 66.00; usage 3 x 20.00 = 60.00;
    # 126.00 net, 22 % VAT: 153.72. Issued at once, on the day of the upgrade.
    assert _docs(store) == [
        ("acme-chat|2026-04-01|2026-04-21|invoice|0", "INV-000001", "issued", Decimal("153.72"))
    ]
    with store.transaction(readonly=True) as tx:
        doc = tx.document("acme-chat|2026-04-01|2026-04-21|invoice|0")
        assert tx.subscription("acme-chat").next_billing == date(2026, 5, 21)
    lines = [(line["description"], line["net"]["amount"]) for line in doc.data["lines"]]
    assert lines == [
        ("Growth, 2026-04-01 to 2026-04-21 (changed to Advanced)", "66.00"),
        (lines[1][0], "60.00"),
    ]
    # The same day's run collects it and bills nothing again.
    report = engine.run()
    assert (report.billed, report.issued, report.paid) == (0, (), 1)
    assert engine.change_plan("acme-chat", "advanced") == date(2026, 4, 21)  # a retry: nothing
    # The cycle restarted on 21 April: Advanced's first month is billed on 21 May (189.00 + 22 %).
    clock.set(datetime(2026, 5, 21, 2, tzinfo=timezone.utc))
    assert engine.run().issued == ("acme-chat|2026-04-21|2026-05-21|invoice|0",)
    assert _docs(store)[-1][3] == Decimal("230.58")


def test_an_upgrade_on_the_first_day_of_a_cycle_needs_no_proration(store: Store) -> None:
    engine, clock = _start(store)
    clock.set(datetime(2026, 5, 1, 1, tzinfo=timezone.utc))
    assert engine.change_plan("acme-chat", "advanced") == date(2026, 5, 1)
    assert _docs(store) == []  # April is billed by the run, on Growth, whole
    engine.run()
    # April on Growth: 99.00 + 60.00 = 159.00 net, 193.98 with 22 % VAT.
    assert [d[3] for d in _docs(store)] == [Decimal("193.98")]
    clock.set(datetime(2026, 6, 1, 1, tzinfo=timezone.utc))
    engine.run()
    assert [d[3] for d in _docs(store)] == [Decimal("193.98"), Decimal("230.58")]


def test_a_scheduled_downgrade_is_dropped_by_asking_for_the_plan_in_force(store: Store) -> None:
    clock = FixedClock(APRIL)
    engine = _engine(store, clock)
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    engine.subscribe("acme-chat", "acme", "advanced")
    clock.set(datetime(2026, 4, 21, tzinfo=timezone.utc))
    assert engine.change_plan("acme-chat", "growth") == date(2026, 5, 1)
    assert engine.change_plan("acme-chat", "advanced") == date(2026, 4, 21)
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-chat")
    assert (sub.status, sub.data["plans"]) == ("active", [["2026-04-01", "advanced"]])


def test_an_upgrade_crashing_at_any_call_ends_as_one_clean_upgrade() -> None:
    def attempt(at: int) -> tuple[Any, int]:
        real = MemoryStore()
        engine, clock = _start(real)
        faults = support.Faults()
        faulty = _engine(support.FaultyStore(real, faults), clock)
        faults.calls, faults.at = 0, at
        crashes = 0
        while True:
            try:
                faulty.change_plan("acme-chat", "advanced")
                break
            except support.Crash:
                crashes += 1
                faults.at = 0
                clock.advance(timedelta(minutes=1))
        engine.run()
        snap = support.snapshot(real, 0)
        with real.transaction(readonly=True) as tx:
            sub = tx.subscription("acme-chat")
            snap["sub"] = (sub.status, sub.next_billing, sub.data["plans"])
        for doc in snap["documents"]:
            doc[4].pop("issue_date", None)
        return snap, faults.calls if at == 0 else crashes

    clean, calls = attempt(0)
    assert [d[1] for d in clean["documents"]] == ["INV-000001"]
    for at in range(1, calls + 1):
        snap, crashes = attempt(at)
        assert crashes == 1, at
        assert snap["documents"] == clean["documents"], f"crash at call {at}"
        assert snap["sub"] == clean["sub"], f"crash at call {at}"
