"""The dunning is kept in the store: a later Billing on it, given none, runs the same.

A second process (``billkit run --db URL``, a worker) opens the store without
``dunning=``: it must dun as the first did, not by the attempt-counted
default. A conflicting ``dunning=`` is refused, naming the field.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from billkit.engine import Billing
from billkit.errors import BillingError
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock
from billkit.subscriptions import DunningSchedule
from billkit.subscriptions.overdue import OverdueCondition, OverdueLadder, OverdueState
from tests.engine import support
from tests.engine.test_dunning import ACME, MAY, SCHEDULE
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

LADDER = OverdueLadder(
    states=[
        OverdueState(
            name="WARNING",
            condition=OverdueCondition(unpaid_balance=Money("5.00", "EUR")),
            block_changes=True,
        )
    ]
)


def _open(store: Any, clock: FixedClock, **options: Any) -> Billing:
    return Billing(
        store, SandboxGateway(clock=clock), MemoryNotifier(), clock, [support.PRO], **options
    )


def _clock() -> FixedClock:
    return FixedClock(datetime(2026, 4, 1, 9, tzinfo=timezone.utc))


def test_a_later_billing_without_dunning_runs_the_stored_schedule(store: Any) -> None:
    clock = _clock()
    first = _open(store, clock, seller=support.SELLER, dunning=SCHEDULE)
    first.add_customer("acme", ACME, currency="EUR", method="tok_insufficient_funds")
    first.subscribe("acme-pro", "acme", "pro")
    # The "second process": no seller, no dunning given; both come from the store.
    second = _open(store, clock)
    assert (second.dunning, second.plan_dunning, second.overdue) == (SCHEDULE, {}, None)
    assert second.deletion_days == SCHEDULE.deletion_days == 90
    day = date(2026, 5, 1)
    while day <= date(2026, 5, 7):
        clock.set(datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=2))
        assert second.run().failures == ()
        day += timedelta(days=1)
    with store.transaction(readonly=True) as tx:
        failed = [
            e.data["day"] for e in tx.document_events_of([MAY])[MAY] if e.event == "payment_failed"
        ]
        sub = tx.subscription("acme-pro")
    # SCHEDULE: charged 1 May, retried 1 + 1 = 2 May and 1 + 3 = 4 May, frozen 1 + 5 = 6 May.
    # The attempt-counted default would have tried 1, 2 and 3 May and frozen on the 3rd.
    assert failed == ["2026-05-01", "2026-05-02", "2026-05-04"]
    assert (sub.status, sub.data["frozen_on"]) == ("frozen", "2026-05-06")


def test_a_conflicting_dunning_is_refused_and_the_same_one_accepted(store: Any) -> None:
    clock = _clock()
    _open(store, clock, seller=support.SELLER, dunning=SCHEDULE)
    _open(store, clock, dunning=SCHEDULE)  # the same: accepted
    other = DunningSchedule.standard(grace_days=10)
    with pytest.raises(BillingError, match=r"^dunning = .*expected the dunning the store keeps"):
        _open(store, clock, dunning=other)
    with pytest.raises(BillingError, match=r"^dunning = "):
        _open(store, clock, dunning={"pro": SCHEDULE})  # per plan is another dunning
    with pytest.raises(
        BillingError, match=r"^overdue = .*expected the overdue ladder the store keeps"
    ):
        _open(store, clock, overdue=LADDER)  # the store keeps "no ladder"
    assert _open(store, clock).dunning == SCHEDULE  # the refusals changed nothing


def test_per_plan_schedules_and_the_ladder_are_kept_too(store: Any) -> None:
    clock = _clock()
    retry_only = DunningSchedule.standard(grace_days=None, cancel_at_cycle_end=False)
    _open(store, clock, seller=support.SELLER, dunning={"pro": retry_only}, overdue=LADDER)
    again = _open(store, clock)
    assert (again.dunning, again.plan_dunning, again.overdue) == (
        None,
        {"pro": retry_only},
        LADDER,
    )


def test_change_dunning_replaces_what_the_store_keeps(store: Any) -> None:
    clock = _clock()
    first = _open(store, clock, seller=support.SELLER, dunning=SCHEDULE)
    other = DunningSchedule.standard(grace_days=10)
    first.change_dunning(other)
    assert first.dunning == other
    assert first.deletion_days == 90
    assert _open(store, clock).dunning == other
    _open(store, clock, dunning=other)  # now the one the store keeps
    first.change_dunning(None)  # back to the attempt-counted dunning
    later = _open(store, clock)
    assert (later.dunning, later.plan_dunning, later.overdue) == (None, {}, None)
    with pytest.raises(BillingError, match=r"^dunning = "):
        _open(store, clock, dunning=other)


def test_a_store_without_kept_dunning_keeps_the_first_one_given(store: Any) -> None:
    clock = _clock()
    _open(store, clock, seller=support.SELLER)  # nothing given: nothing kept
    assert _open(store, clock).dunning is None
    _open(store, clock, dunning=SCHEDULE)  # the first given is kept
    assert _open(store, clock).dunning == SCHEDULE


def test_a_ladder_with_a_freezing_schedule_is_refused() -> None:
    from billkit.storage import MemoryStore

    clock = _clock()
    with pytest.raises(
        BillingError, match=r"^dunning = .freeze.: expected a schedule that neither"
    ):
        _open(MemoryStore(), clock, seller=support.SELLER, dunning=SCHEDULE, overdue=LADDER)
    with pytest.raises(BillingError, match=r"^overdue = "):
        _open(MemoryStore(), clock, seller=support.SELLER, overdue="WARNING")


def test_billkit_simulate_on_the_database_duns_by_the_kept_schedule(tmp_path: Any) -> None:
    from billkit.cli import main
    from billkit.storage import SqlStore
    from tests.storage.support import migrated_sqlite

    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    clock = FixedClock(support.START)
    app = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [support.PRO, support.TEAM],
        seller=support.SELLER,
        dunning=SCHEDULE,
    )
    support.populate(app, 4)  # c0003's card is declined
    store.close()
    # The command opens the database without a schedule: it runs the kept one.
    assert main(["simulate", "--db", url, "--from", "2026-03-30", "--until", "2026-05-01"]) == 0
    march = "s0003|2026-03-01|2026-04-01|invoice|0"
    store = SqlStore(url)
    with store.transaction(readonly=True) as tx:
        failed = [
            e.data["day"]
            for e in tx.document_events_of([march])[march]
            if e.event == "payment_failed"
        ]
        sub = tx.subscription("s0003")
    store.close()
    # Overdue 1 April; retried 1 + 1 = 2 and 1 + 3 = 4 April; frozen 1 + 5 = 6 April;
    # cancelled at the end of the cycle [1 April, 1 May) holding it. The default would have
    # charged 1, 2 and 3 April and frozen on the 3rd.
    assert failed == ["2026-04-01", "2026-04-02", "2026-04-04"]
    assert (sub.data["frozen_on"], sub.status, sub.data["cancelled_on"]) == (
        "2026-04-06",
        "cancelled",
        "2026-05-01",
    )


def test_each_business_in_one_store_keeps_its_own_dunning(store: Any) -> None:
    # Two businesses share the store (business=, as the demo's five do): each
    # keeps its own schedule, under its own record, and reopens with it.
    clock = _clock()
    other = DunningSchedule.standard(grace_days=10)
    _open(store, clock, seller=support.SELLER, business="a", dunning=SCHEDULE)
    _open(store, clock, seller=support.SELLER, business="b", dunning=other)
    assert _open(store, clock, business="a").dunning == SCHEDULE
    assert _open(store, clock, business="b").dunning == other
    with pytest.raises(BillingError, match=r"^dunning = "):
        _open(store, clock, business="a", dunning=other)
