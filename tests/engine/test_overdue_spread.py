"""An overdue ladder over an account whose subscriptions bill on different days (issue 13).

acme subscribes to pro on 1 March (billed on the 1st) and to team on 4 March
(billed on the 4th), paying with a declined card: March's pro invoice, issued
and declined on 1 April, is the earliest unpaid, so the ladder's days count
from 1 April. SPREAD warns on 1 April + 10 = 11 April, blocks the service on
1 April + 32 = 3 May (after pro's 1 May billing day, before team's 4 May) and
cancels at the end of the term on 1 April + 40 = 11 May: pro on 1 June, team on
4 June. Daily runs bill pro's April on 1 May, freeze both on 3 May, and never bill
team's April (4 April to 4 May). A run after a gap holding 1 May, 3 May and 4 May
must do the same: the state between the two billing days stops team before the
run bills it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.engine import Billing
from billkit.notify import MemoryNotifier
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock
from billkit.storage import MemoryStore
from billkit.subscriptions.overdue import OverdueCondition, OverdueLadder, OverdueState
from tests.engine import support
from tests.engine.test_dunning import ACME
from tests.engine.test_overdue_ladder import _marks, _on, _runs, _snapshot, _told
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

SPREAD = OverdueLadder(
    states=[
        OverdueState(
            name="WARNING",
            condition=OverdueCondition(days_since_earliest_unpaid=10),
            block_changes=True,
        ),
        OverdueState(
            name="BLOCKED",
            condition=OverdueCondition(days_since_earliest_unpaid=32),
            disable_entitlement=True,
        ),
        OverdueState(
            name="CANCELLATION",
            condition=OverdueCondition(days_since_earliest_unpaid=40),
            cancellation="end_of_term",
        ),
    ]
)
FIRST = date(2026, 4, 1)
LAST = date(2026, 6, 10)
SUBS = ("acme-pro", "acme-team")


def _spread(store: Any) -> tuple[Billing, FixedClock]:
    clock = FixedClock(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
    engine = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [support.PRO, support.TEAM],
        seller=support.SELLER,
        overdue=SPREAD,
    )
    engine.add_customer("acme", ACME, currency="EUR", method="tok_insufficient_funds")
    engine.subscribe("acme-pro", "acme", "pro")
    engine.subscribe("acme-team", "acme", "team", on=date(2026, 3, 4))
    return engine, clock


_DAILY: list[Any] = []


def _daily() -> tuple[Any, list[Any]]:
    """The outcome of daily runs from 1 April to 10 June (computed once)."""
    if not _DAILY:
        store = MemoryStore()
        engine, clock = _spread(store)
        day = FIRST
        while day <= LAST:
            _on(clock, day)
            assert engine.run().failures == ()
            day += timedelta(days=1)
        _DAILY.append((_snapshot(store, *SUBS), _told(engine)))
    return _DAILY[0]  # type: ignore[no-any-return]


def test_daily_runs_stop_the_later_subscription_at_the_state_between_billing_days() -> None:
    # By hand: pro billed March (1 April) and April (1 May); team billed March (4 April)
    # only: BLOCKED froze it on 3 May, before its 4 May billing day. CANCELLATION on
    # 11 May ends each at the end of the cycle running then: pro 1 June, team 4 June;
    # each is marked for deletion 90 days later (pro 30 August, team 2 September).
    (records, documents), told = _daily()
    assert [(r[0], r[1], r[2]["frozen_on"], r[2]["cancelled_on"]) for r in records] == [
        ("cancelled", date(2026, 8, 30), "2026-05-03", "2026-06-01"),
        ("cancelled", date(2026, 9, 2), "2026-05-03", "2026-06-04"),
    ]
    assert [d for d, _ in documents] == [
        "acme-pro|2026-03-01|2026-04-01|invoice|0",
        "acme-pro|2026-04-01|2026-05-01|invoice|0",
        "acme-team|2026-03-04|2026-04-04|invoice|0",
    ]
    assert [t for t in told if t[1] == "subscription.overdue_state"] == [
        (s, "subscription.overdue_state", state, on)
        for s in SUBS
        for state, on in (
            ("BLOCKED", "2026-05-03"),
            ("CANCELLATION", "2026-05-11"),
            ("WARNING", "2026-04-11"),
        )
    ]


def test_weekly_runs_over_two_billing_days_land_where_daily_runs_do(store: Any) -> None:
    # Runs on Mondays from 30 March. The 4 May run's gap (28 April to 4 May) holds pro's
    # 1 May billing day, BLOCKED on 3 May and team's 4 May billing day: pro is billed
    # (daily runs billed it before the state), team is frozen from 3 May and not billed.
    engine, clock = _spread(store)
    mondays = [date(2026, 3, 30) + timedelta(weeks=w) for w in range(12)]
    _runs(engine, clock, mondays[:6])  # to 4 May
    assert _marks(store, *SUBS) == [("frozen", "BLOCKED", "2026-05-03")] * 2
    with store.transaction(readonly=True) as tx:
        assert [d.id for d in tx.documents(customer="acme")] == [
            "acme-pro|2026-03-01|2026-04-01|invoice|0",
            "acme-pro|2026-04-01|2026-05-01|invoice|0",
            "acme-team|2026-03-04|2026-04-04|invoice|0",
        ]
    _runs(engine, clock, mondays[6:])  # to 15 June
    snapshot, told = _daily()
    assert _snapshot(store, *SUBS) == snapshot
    assert _told(engine) == told


@settings(max_examples=25, deadline=None)
@given(
    first=st.integers(min_value=0, max_value=5),
    gaps=st.lists(st.integers(min_value=1, max_value=27), min_size=1, max_size=20),
)
def test_runs_after_gaps_shorter_than_a_cycle_land_where_daily_runs_do(
    first: int, gaps: list[int]
) -> None:
    # The first run on 1 to 6 April (March's invoices issued and declined), then gaps of
    # up to 27 days: shorter than a monthly cycle, so no gap holds two billing days of one
    # subscription (test_runs_after_any_gaps_end_where_daily_runs_do draws those), but one
    # may hold both subscriptions'.
    days = [FIRST + timedelta(days=first)]
    while days[-1] + timedelta(days=gaps[len(days) % len(gaps)]) < LAST:  # gaps, repeated
        days.append(days[-1] + timedelta(days=gaps[len(days) % len(gaps)]))
    days.append(LAST)
    store = MemoryStore()
    engine, clock = _spread(store)
    _runs(engine, clock, days)
    snapshot, told = _daily()
    assert _snapshot(store, *SUBS) == snapshot
    assert _told(engine) == told


# Gaps holding two billing days of one subscription, and invoices issued inside the gap.

QUICK = OverdueLadder(
    states=[
        OverdueState(
            name="WARNING",
            condition=OverdueCondition(days_since_earliest_unpaid=1),
            block_changes=True,
        ),
        OverdueState(
            name="BLOCKED",
            condition=OverdueCondition(days_since_earliest_unpaid=2),
            disable_entitlement=True,
        ),
        OverdueState(
            name="CANCELLATION",
            condition=OverdueCondition(days_since_earliest_unpaid=6),
            cancellation="end_of_term",
        ),
    ]
)
LADDERS = {"SPREAD": SPREAD, "QUICK": QUICK}
START = date(2026, 3, 31)  # the day before the first billing day: nothing due
MANY = ("acme-pro", "acme-team", "bolt-pro", "cato-team", "cato-pro")


def _many(store: Any, ladder: OverdueLadder) -> tuple[Billing, FixedClock]:
    """acme (declined) as in :func:`_spread`; bolt (a working card) on pro from 10 March;
    cato (declined) on team from 20 March and pro from 25 March."""
    clock = FixedClock(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
    engine = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [support.PRO, support.TEAM],
        seller=support.SELLER,
        overdue=ladder,
    )
    engine.add_customer("acme", ACME, currency="EUR", method="tok_insufficient_funds")
    engine.add_customer("bolt", ACME, currency="EUR", method="tok_visa")
    engine.add_customer("cato", ACME, currency="EUR", method="tok_insufficient_funds")
    engine.subscribe("acme-pro", "acme", "pro")
    engine.subscribe("acme-team", "acme", "team", on=date(2026, 3, 4))
    engine.subscribe("bolt-pro", "bolt", "pro", on=date(2026, 3, 10))
    engine.subscribe("cato-team", "cato", "team", on=date(2026, 3, 20))
    engine.subscribe("cato-pro", "cato", "pro", on=date(2026, 3, 25))
    return engine, clock


def _whole(store: Any, *subs: str) -> tuple[Any, ...]:
    """:func:`_snapshot` with the documents' numbers and the customers' balances."""
    with store.transaction(readonly=True) as tx:
        numbers = sorted((d.id, d.number, d.total) for d in tx.documents())
        balances = [tx.balance(f"{c}/main") for c in ("acme", "bolt", "cato")]
    return _snapshot(store, *subs), numbers, balances


_DAILY_MANY: dict[str, Any] = {}


def _daily_many(name: str) -> tuple[Any, list[Any]]:
    """The outcome of daily runs from 31 March to 10 June under ladder ``name`` (once)."""
    if name not in _DAILY_MANY:
        store = MemoryStore()
        engine, clock = _many(store, LADDERS[name])
        day = START
        while day <= LAST:
            _on(clock, day)
            assert engine.run().failures == ()
            day += timedelta(days=1)
        _DAILY_MANY[name] = (_whole(store, *MANY), _told(engine))
    return _DAILY_MANY[name]  # type: ignore[no-any-return]


def test_a_gap_over_two_billing_days_of_one_subscription_stops_it_between_them(
    store: Any,
) -> None:
    # SPREAD from 1 April (pro's March invoice declined): BLOCKED on 1 April + 32 = 3 May.
    # The 2 June run's gap (2 April to 2 June) holds pro's 1 May and 1 June billing days
    # and team's 4 April and 4 May ones. Daily runs bill pro's April (1 May) and team's
    # March (4 April), freeze both on 3 May and bill neither again; CANCELLATION on
    # 1 April + 40 = 11 May cancels pro at the end of its cycle [1 May, 1 June).
    engine, clock = _spread(store)
    _runs(engine, clock, [FIRST, date(2026, 6, 2)])
    with store.transaction(readonly=True) as tx:
        assert [d.id for d in tx.documents(customer="acme")] == [
            "acme-pro|2026-03-01|2026-04-01|invoice|0",
            "acme-pro|2026-04-01|2026-05-01|invoice|0",
            "acme-team|2026-03-04|2026-04-04|invoice|0",
        ]
    assert _marks(store, *SUBS) == [
        ("cancelled", "CANCELLATION", "2026-05-03"),
        ("frozen", "CANCELLATION", "2026-05-03"),
    ]
    _runs(engine, clock, [LAST])
    snapshot, told = _daily()
    assert _snapshot(store, *SUBS) == snapshot
    assert _told(engine) == told


def test_an_invoice_issued_in_the_gap_blocks_a_later_subscription_of_the_gap(
    store: Any,
) -> None:
    # QUICK: WARNING on the earliest unpaid's day + 1, BLOCKED + 2, CANCELLATION + 6.
    # The 5 April run's gap (1 to 5 April) holds pro's 1 April billing day, whose invoice
    # (issued and declined on 1 April) brings BLOCKED on 1 + 2 = 3 April, before team's
    # 4 April billing day: daily runs freeze both on 3 April and never bill team; the
    # run after the gap must not bill it either.
    engine, clock = _many(store, QUICK)
    _runs(engine, clock, [START, date(2026, 4, 5)])
    with store.transaction(readonly=True) as tx:
        assert [d.id for d in tx.documents(customer="acme")] == [
            "acme-pro|2026-03-01|2026-04-01|invoice|0",
        ]
    assert _marks(store, "acme-pro", "acme-team") == [("frozen", "BLOCKED", "2026-04-03")] * 2
    _runs(engine, clock, [LAST])
    snapshot, told = _daily_many("QUICK")
    assert _whole(store, *MANY) == snapshot
    assert _told(engine) == told


@settings(max_examples=30, deadline=None)
@given(
    ladder=st.sampled_from(sorted(LADDERS)),
    gaps=st.lists(st.integers(min_value=1, max_value=70), min_size=1, max_size=20),
)
def test_runs_after_any_gaps_end_where_daily_runs_do(ladder: str, gaps: list[int]) -> None:
    # Three customers, five subscriptions billing on five different days, two declined
    # cards; gaps of up to 70 days: a gap may hold two billing days of one subscription,
    # states between them, and invoices issued (and declined) inside it.
    days = [START]
    while days[-1] + timedelta(days=gaps[len(days) % len(gaps)]) < LAST:  # gaps, repeated
        days.append(days[-1] + timedelta(days=gaps[len(days) % len(gaps)]))
    days.append(LAST)
    store = MemoryStore()
    engine, clock = _many(store, LADDERS[ladder])
    _runs(engine, clock, days)
    snapshot, told = _daily_many(ladder)
    assert _whole(store, *MANY) == snapshot
    assert _told(engine) == told
