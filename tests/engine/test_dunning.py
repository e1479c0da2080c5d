"""The engine running a DunningSchedule (billkit.subscriptions.dunning) day by day.

The day arithmetic follows the schedule's docstring: days count from the day
the invoice fell overdue (here: the day its first charge failed); the grace
period is half-open (overdue 1 May with 5 days' grace: payable 1 to 5 May,
frozen on the 6th); a cancellation at the cycle end happens at the end of
the cycle the freeze day falls in; the deletion mark comes ``deletion_days``
after the cancellation.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.engine import Billing
from billkit.errors import BillingError
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.periods import MONTHLY, BillingCycle
from billkit.ports import FixedClock
from billkit.pricing.plans import Plan
from billkit.storage import MemoryStore, SqlStore
from billkit.subscriptions import DunningSchedule, DunningStep, simulate_dunning
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

ACME = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")
# Subscribed on 1 April: April is billed on 1 May, the card is declined, overdue from 1 May.
MAY = "acme-pro|2026-04-01|2026-05-01|invoice|0"
SCHEDULE = DunningSchedule.standard(grace_days=5, retry_days=(1, 3), reminder_days=(3,))


def _setup(
    store: Any, dunning: DunningSchedule | None, method: str = "tok_insufficient_funds"
) -> tuple[Billing, FixedClock]:
    clock = FixedClock(datetime(2026, 4, 1, 9, tzinfo=timezone.utc))
    engine = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [support.PRO],
        seller=support.SELLER,
        dunning=dunning,
    )
    engine.add_customer("acme", ACME, currency="EUR", method=method, email="billing@acme.test")
    engine.subscribe("acme-pro", "acme", "pro")
    return engine, clock


def _on(clock: FixedClock, day: date) -> None:
    clock.set(datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=2))


def _daily(engine: Billing, clock: FixedClock, first: date, last: date, *, twice: bool) -> None:
    day = first
    while day <= last:
        _on(clock, day)
        for _ in range(2 if twice else 1):
            assert engine.run().failures == ()
        day += timedelta(days=1)


def _log(engine: Billing) -> list[tuple[str, str]]:
    engine.deliver()
    return [
        (m.created_at.date().isoformat(), m.topic)
        for m in engine.notifier.messages  # type: ignore[attr-defined]
    ]


def _failures(store: Any) -> list[tuple[str, str]]:
    with store.transaction(readonly=True) as tx:
        return [
            (e.data["day"], e.data["key"])
            for e in tx.document_events_of([MAY])[MAY]
            if e.event == "payment_failed"
        ]


@pytest.mark.parametrize("twice", [False, True], ids=["once a day", "twice a day"])
def test_a_schedule_retries_reminds_freezes_cancels_and_marks_by_day(
    twice: bool, store: Any
) -> None:
    engine, clock = _setup(store, SCHEDULE)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 5, 31), twice=twice)
    # Charged on 1 May (attempt 0), retried 1 and 3 days later: 2 and 4 May.
    assert _failures(store) == [
        ("2026-05-01", f"pay|{MAY}|0"),
        ("2026-05-02", f"pay|{MAY}|1"),
        ("2026-05-04", f"pay|{MAY}|2"),
    ]
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
    # Frozen on 1 May + 5 = 6 May; the cycle [1 May, 1 June) holds 6 May: cancelled 1 June.
    assert (sub.status, sub.next_billing, sub.data["frozen_on"]) == (
        "frozen",
        date(2026, 6, 1),
        "2026-05-06",
    )
    _daily(engine, clock, date(2026, 6, 1), date(2026, 6, 1), twice=twice)
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
    # 1 June + 90 days = 30 August (29 days to 30 June, 31 to 31 July, 30 more).
    assert (sub.status, sub.next_billing) == ("cancelled", date(2026, 8, 30))
    _on(clock, date(2026, 8, 30))
    engine.run()
    engine.run()
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("acme-pro").data["marked_for_deletion"] == "2026-08-30"
    assert _failures(store)[-1][0] == "2026-05-04"  # no retry after the schedule's last
    assert _log(engine) == [
        ("2026-05-01", "invoice.issued"),
        ("2026-05-01", "payment.failed"),
        ("2026-05-01", "payment.overdue"),
        ("2026-05-02", "payment.failed"),
        ("2026-05-04", "payment.failed"),
        ("2026-05-04", "payment.reminder"),
        ("2026-05-06", "subscription.frozen"),
        ("2026-06-01", "subscription.cancelled"),
        ("2026-08-30", "subscription.marked_for_deletion"),
    ]


def test_paying_within_the_grace_period_stops_the_schedule() -> None:
    store = MemoryStore()
    engine, clock = _setup(store, SCHEDULE)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 5, 2), twice=False)
    # 3 May: a working card; the retry of 4 May takes the money, nothing more happens.
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa", email="billing@acme.test")
    _daily(engine, clock, date(2026, 5, 3), date(2026, 5, 31), twice=False)
    with store.transaction(readonly=True) as tx:
        assert tx.document(MAY).status == "paid"
        assert tx.subscription("acme-pro").status == "active"
    log = _log(engine)
    assert ("2026-05-04", "payment.received") in log
    assert not any(topic in ("payment.reminder", "subscription.frozen") for _, topic in log)


def test_missed_days_are_gone_through_one_by_one_as_daily_runs_would() -> None:
    store = MemoryStore()
    engine, clock = _setup(store, SCHEDULE)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 5, 1), twice=False)
    # No run from 2 to 9 May: the run of the 10th goes through the schedule's days it
    # missed, in order: the retry of the 2nd (1 May + 1), the retry and the reminder of
    # the 4th (1 May + 3), the freeze of the 6th (1 May + 5). Each retry is charged now
    # (on the 10th, under its attempt's key) and, declined, counts as that day's attempt.
    _daily(engine, clock, date(2026, 5, 10), date(2026, 5, 11), twice=True)
    assert _failures(store) == [
        ("2026-05-01", f"pay|{MAY}|0"),
        ("2026-05-02", f"pay|{MAY}|1"),
        ("2026-05-04", f"pay|{MAY}|2"),
    ]
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
    assert (sub.status, sub.next_billing, sub.data["frozen_on"]) == (
        "frozen",
        date(2026, 6, 1),
        "2026-05-06",
    )
    # The notices go out on the 10th (created then), each saying its own day.
    assert _log(engine)[2:] == [
        ("2026-05-01", "payment.overdue"),
        ("2026-05-10", "payment.failed"),
        ("2026-05-10", "payment.failed"),
        ("2026-05-10", "payment.reminder"),
        ("2026-05-10", "subscription.frozen"),
    ]


def test_the_default_dunning_is_this_schedule_on_daily_runs() -> None:
    # Billing's attempt-counted default (max_attempts=3, cancel_at_cycle_end=True,
    # deletion_days=90) written as a schedule: two daily retries, frozen on the
    # second retry's day, cancelled at the cycle end, marked 90 days later.
    equivalent = DunningSchedule(
        steps=[
            DunningStep(move="retry", days=1),
            DunningStep(move="retry", days=2),
            DunningStep(move="freeze", days=2),
            DunningStep(move="cancel", anchor="cycle_end"),
            DunningStep(move="mark_for_deletion", anchor="cancelled", days=90),
        ]
    )
    outcomes = []
    for dunning in (None, equivalent):
        store = MemoryStore()
        engine, clock = _setup(store, dunning)
        _daily(engine, clock, date(2026, 5, 1), date(2026, 9, 1), twice=False)
        with store.transaction(readonly=True) as tx:
            sub = tx.subscription("acme-pro")
            docs = [(d.id, d.status) for d in tx.documents()]
        outcomes.append(
            (sub.status, sub.next_billing, sub.data, docs, _failures(store), _log(engine))
        )
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][2]["frozen_on"] == "2026-05-03"  # 1 May + 2


def test_a_schedule_the_engine_cannot_run_is_refused() -> None:
    clock = FixedClock(support.START)
    never_frozen = DunningSchedule.standard(grace_days=None, cancel_after_days=30)
    with pytest.raises(BillingError, match="dunning"):
        Billing(MemoryStore(), SandboxGateway(clock=clock), MemoryNotifier(), clock,
                seller=support.SELLER, dunning=never_frozen)  # fmt: skip
    with pytest.raises(BillingError, match="dunning"):
        Billing(MemoryStore(), SandboxGateway(clock=clock), MemoryNotifier(), clock,
                seller=support.SELLER, dunning="messaging")  # type: ignore[arg-type]  # fmt: skip


def _outbox(tx: Any) -> list[str]:
    keys, i = [], 1
    while True:
        try:
            keys.append(tx.message(i).key)
        except Exception:
            return keys
        i += 1


def _crashing_week(at: int, make: Any = MemoryStore) -> tuple[Any, int, int]:
    """1 to 7 May under SCHEDULE, crashing at call ``at`` (0: never) and rerunning.

    Returns (what the store holds, the calls made, the crashes)."""
    store = make()
    engine, clock = _setup(store, SCHEDULE)
    faults = support.Faults()
    faulty = Billing(
        support.FaultyStore(store, faults),  # type: ignore[arg-type]
        support.FaultyGateway(engine.gateway, faults),  # type: ignore[arg-type]
        engine.notifier,
        clock,
        [support.PRO],
        dunning=SCHEDULE,
    )
    faults.calls, faults.at = 0, at
    crashes = 0
    day = date(2026, 5, 1)
    while day <= date(2026, 5, 7):
        _on(clock, day)
        try:
            faulty.run()
        except support.Crash:
            crashes += 1
            faults.at = 0
            continue  # the same day again
        day += timedelta(days=1)
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
        snap = (
            [(d.id, d.number, d.status) for d in tx.documents()],
            [(e.event, e.data) for e in tx.document_events_of([MAY])[MAY]],
            (sub.status, sub.next_billing, sub.data),
            sorted(_outbox(tx)),
        )
    store.close()
    return snap, faults.calls, crashes


def _check_crash_points(make: Any, step: int) -> None:
    clean, calls, _ = _crashing_week(0, make)
    assert clean[2][0] == "frozen"
    assert [e for e, _ in clean[1]].count("payment_failed") == 3
    assert calls > 50
    for at in range(1, calls + 1, step):
        snap, _, crashes = _crashing_week(at, make)
        assert crashes == 1, at
        assert snap == clean, f"crash at call {at} changed the outcome"


def test_every_crash_point_of_a_dunning_week_leaves_what_one_clean_week_does() -> None:
    _check_crash_points(MemoryStore, step=1)


def test_crash_points_of_a_dunning_week_on_sqlite(tmp_path: Any) -> None:
    # Every 7th crash point, each on a copy of one migrated database file.
    template = tmp_path / "template.sqlite"
    SqlStore(f"sqlite:///{template}", upgrade=True).close()
    made = iter(range(10_000))

    def fresh() -> SqlStore:
        path = tmp_path / f"db{next(made)}.sqlite"
        shutil.copy(template, path)
        return SqlStore(f"sqlite:///{path}")

    _check_crash_points(fresh, step=7)


_DAYS = st.lists(st.integers(min_value=1, max_value=9), max_size=3, unique=True).map(sorted)


@settings(max_examples=12, deadline=None)
@given(grace=st.one_of(st.none(), st.integers(0, 8)), retries=_DAYS, reminders=_DAYS)
def test_the_engine_does_what_simulate_dunning_lists_each_on_its_day(
    grace: int | None, retries: list[int], reminders: list[int]
) -> None:
    # The subscriptions room's calendar of the schedule is the oracle: a declined card
    # overdue on 1 May, daily runs (each twice) to 1 June, every move on its day, once.
    schedule = DunningSchedule.standard(
        grace_days=grace,
        retry_days=retries,
        reminder_days=reminders,
        cancel_at_cycle_end=grace is not None,
    )
    store = MemoryStore()
    engine, clock = _setup(store, schedule)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 6, 1), twice=True)
    cycle = BillingCycle.anniversary(MONTHLY, date(2026, 4, 1))
    topic = {
        "retry": "payment.failed",
        "payment_overdue": "payment.overdue",
        "payment_reminder": "payment.reminder",
        "freeze": "subscription.frozen",
        "cancel": "subscription.cancelled",
    }
    expected = [("2026-05-01", "invoice.issued"), ("2026-05-01", "payment.failed")]
    for move in simulate_dunning(schedule, overdue_on=date(2026, 5, 1), cycle=cycle):
        if move.on <= date(2026, 6, 1):
            name = move.notice.value if move.move.value == "notify" else move.move.value
            expected.append((move.on.isoformat(), topic[name]))
    engine.deliver()
    log = [
        (m.created_at.date().isoformat(), m.topic)
        for m in engine.notifier.messages  # type: ignore[attr-defined]
        if m.payload.get("document", MAY) == MAY  # a never-freezing schedule bills June too
    ]
    assert sorted(log) == sorted(expected)


def test_each_plan_is_dunned_on_its_own_schedule() -> None:
    # pro: SCHEDULE (5 days' grace, retries 1 and 3 days after, a reminder on day 3);
    # team: the attribution business's way, frozen 10 days after, one retry on day 7,
    # never cancelled; basic: not in the mapping, the attempt-counted default
    # (3 daily attempts, frozen on the third, cancelled at the cycle end, marked 90 days on).
    team_schedule = DunningSchedule.standard(
        grace_days=10, cancel_at_cycle_end=False, deletion_days=None, retry_days=(7,)
    )
    basic = Plan(code="basic", name="Basic", currency="EUR", base_fee=Money("10.00", "EUR"))
    store = MemoryStore()
    clock = FixedClock(datetime(2026, 4, 1, 9, tzinfo=timezone.utc))
    engine = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [support.PRO, support.TEAM, basic],
        seller=support.SELLER,
        dunning={"pro": SCHEDULE, "team": team_schedule},
    )
    for customer, plan in (("acme", "pro"), ("bolt", "team"), ("carl", "basic")):
        engine.add_customer(customer, ACME, currency="EUR", method="tok_insufficient_funds")
        engine.subscribe(f"{customer}-{plan}", customer, plan)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 6, 1), twice=False)

    def failed_days(sub: str) -> list[str]:
        invoice = f"{sub}|2026-04-01|2026-05-01|invoice|0"
        with store.transaction(readonly=True) as tx:
            events = tx.document_events_of([invoice])[invoice]
        return [e.data["day"] for e in events if e.event == "payment_failed"]

    with store.transaction(readonly=True) as tx:
        acme, bolt, carl = (tx.subscription(s) for s in ("acme-pro", "bolt-team", "carl-basic"))
    # pro: charged 1 May, retried 1 + 1 = 2 May and 1 + 3 = 4 May; frozen 1 + 5 = 6 May;
    # cancelled at the end of the cycle [1 May, 1 June); marked 1 June + 90 = 30 August.
    assert failed_days("acme-pro") == ["2026-05-01", "2026-05-02", "2026-05-04"]
    assert (acme.data["frozen_on"], acme.status, acme.next_billing) == (
        "2026-05-06",
        "cancelled",
        date(2026, 8, 30),
    )
    # team: charged 1 May, retried 1 + 7 = 8 May; frozen 1 + 10 = 11 May; never cancelled.
    assert failed_days("bolt-team") == ["2026-05-01", "2026-05-08"]
    assert (bolt.data["frozen_on"], bolt.status, bolt.next_billing) == (
        "2026-05-11",
        "frozen",
        None,
    )
    # basic: the default, 3 daily attempts 1, 2, 3 May, frozen on the third; cancelled 1 June.
    assert failed_days("carl-basic") == ["2026-05-01", "2026-05-02", "2026-05-03"]
    assert (carl.data["frozen_on"], carl.status, carl.next_billing) == (
        "2026-05-03",
        "cancelled",
        date(2026, 8, 30),
    )
    engine.deliver()
    notices = sorted(
        (m.payload["customer"], m.created_at.date().isoformat(), m.topic)
        for m in engine.notifier.messages  # type: ignore[attr-defined]
        if m.topic in ("payment.overdue", "payment.reminder")
    )
    # Each schedule's notices: an overdue notice on day 0 (pro, team), pro's reminder on
    # day 3; the default sends none.
    assert notices == [
        ("acme", "2026-05-01", "payment.overdue"),
        ("acme", "2026-05-04", "payment.reminder"),
        ("bolt", "2026-05-01", "payment.overdue"),
    ]


def test_a_plans_schedule_must_be_a_schedule_the_engine_runs() -> None:
    clock = FixedClock(support.START)
    with pytest.raises(BillingError, match=r"dunning\['pro'\]"):
        Billing(MemoryStore(), SandboxGateway(clock=clock), MemoryNotifier(), clock,
                seller=support.SELLER, dunning={"pro": None})  # type: ignore[dict-item]  # fmt: skip
    never_frozen = DunningSchedule.standard(grace_days=None, cancel_after_days=30)
    with pytest.raises(BillingError, match="dunning"):
        Billing(MemoryStore(), SandboxGateway(clock=clock), MemoryNotifier(), clock,
                seller=support.SELLER, dunning={"pro": never_frozen})  # fmt: skip
