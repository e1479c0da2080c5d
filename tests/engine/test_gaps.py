"""Runs after a gap (days without a run) under a DunningSchedule, and reruns after a crash.

A run after missed days goes through them one pass each, in order: the
billing days of the gap and the days a dunning schedule has a move of an
unpaid invoice (a retry, a notice, the freeze), as the daily runs it
replaces would have. A charge a pass makes is made now (the gateway cannot
charge in the past): declined, it is the attempt of the pass's day, so the
schedule goes on from that day as daily runs with a card that keeps failing
would; its money, when it succeeds, is today's. The oracle is the same
business run every day: every stored outcome but the clock's timestamps is
the same.

The customer subscribed on 1 April; April is billed on 1 May and the card
is declined: overdue from 1 May (as in test_dunning.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.engine import Billing
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock
from billkit.storage import MemoryStore
from billkit.subscriptions import DunningSchedule
from tests.engine import support
from tests.engine.test_dunning import ACME, MAY, SCHEDULE
from tests.engine.test_overdue_ladder import RETRIES, TUTORIAL, _on
from tests.engine.test_overdue_ladder import _setup as _engine
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

JUNE = "acme-pro|2026-05-01|2026-06-01|invoice|0"
# Never frozen: retries 8, 16, 24 and 32 days after the invoice fell overdue and a
# reminder after 10, so April's retries (from 1 May) and May's (from 1 June) overlap.
LONG = DunningSchedule.standard(
    grace_days=None, cancel_at_cycle_end=False, retry_days=(8, 16, 24, 32), reminder_days=(10,)
)
LAST = date(2026, 6, 20)


def _runs(engine: Billing, clock: FixedClock, days: list[date]) -> None:
    for day in days:
        _on(clock, day)
        assert engine.run().failures == ()


def _every_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _state(store: Any) -> tuple[Any, ...]:
    """What the runs leave, but the clock's timestamps: the subscription, each document
    with its events (their data: the days of the failed charges, the moves and their
    days), the ledger, and the outbox (each message's key and payload)."""
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
        documents = [
            (
                d.id,
                d.number,
                d.status,
                str(d.total),
                [(e.event, e.status, dict(e.data)) for e in tx.document_events(d.id)],
            )
            for d in tx.documents()
        ]
        entries = [(e.key, str(e.amount), e.kind) for e in tx.entries("acme/main")]
        outbox, i = [], 1
        while True:
            try:
                message = tx.message(i)
            except Exception:
                break
            outbox.append((message.key, message.topic, repr(sorted(message.payload.items()))))
            i += 1
    return (sub.status, sub.next_billing, dict(sub.data)), documents, entries, sorted(outbox)


_DAILY: dict[str, Any] = {}


def _daily(options: dict[str, Any], last: date) -> Any:
    """The state daily runs from 1 May to ``last`` leave (computed once)."""
    key = f"{sorted(options.items())!r}|{last}"
    if key not in _DAILY:
        store = MemoryStore()
        engine, clock = _engine(store, **options)
        _runs(engine, clock, _every_day(date(2026, 5, 1), last))
        _DAILY[key] = _state(store)
    return _DAILY[key]


def _failed_days(store: Any, document: str) -> list[str]:
    with store.transaction(readonly=True) as tx:
        return [
            str(e.data["day"]) for e in tx.document_events(document) if e.event == "payment_failed"
        ]


BUSINESS = {"dunning": SCHEDULE}
PER_PLAN = {"dunning": {"pro": SCHEDULE}}


@pytest.mark.parametrize("options", [BUSINESS, PER_PLAN], ids=["business", "per plan"])
def test_a_fortnight_missed_under_a_schedule_ends_where_daily_runs_do(
    store: Any, options: dict[str, Any]
) -> None:
    # The first run is on 15 May: it bills April on 1 May (charged now, declined: the
    # attempt of 1 May), retries on 2 and 4 May (1 May + 1, + 3), reminds on 4 May,
    # freezes on 6 May (1 May + 5 days' grace); the cycle [1 May, 1 June) holds 6 May:
    # the 20 June run cancels on 1 June, marked for deletion 90 days later, 30 August.
    engine, clock = _engine(store, **options)
    _runs(engine, clock, [date(2026, 5, 15)])
    assert _failed_days(store, MAY) == ["2026-05-01", "2026-05-02", "2026-05-04"]
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
    assert (sub.status, sub.data["frozen_on"], sub.next_billing) == (
        "frozen",
        "2026-05-06",
        date(2026, 6, 1),
    )
    _runs(engine, clock, [LAST])
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
    assert (sub.status, sub.data["cancelled_on"], sub.next_billing) == (
        "cancelled",
        "2026-06-01",
        date(2026, 8, 30),
    )
    assert _state(store) == _daily(options, LAST)


def test_overlapping_schedules_of_two_invoices_end_where_daily_runs_do(store: Any) -> None:
    # Never frozen: April (overdue 1 May) is retried on 9, 17, 25 May and 2 June, May
    # (overdue 1 June) on 9 and 17 June; one run on 20 June makes all six attempts, each
    # counted on its day, as daily runs would.
    engine, clock = _engine(store, dunning=LONG)
    _runs(engine, clock, [LAST])
    assert _failed_days(store, MAY) == [
        "2026-05-01",
        "2026-05-09",
        "2026-05-17",
        "2026-05-25",
        "2026-06-02",
    ]
    assert _failed_days(store, JUNE) == ["2026-06-01", "2026-06-09", "2026-06-17"]
    assert _state(store) == _daily({"dunning": LONG}, LAST)


@settings(max_examples=20, deadline=None)
@given(
    options=st.sampled_from(
        [BUSINESS, PER_PLAN, {"dunning": LONG}, {"dunning": RETRIES, "overdue": TUTORIAL}]
    ),
    first=st.integers(min_value=0, max_value=8),
    gaps=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=50),
)
def test_runs_after_any_gaps_end_where_daily_runs_do(
    options: dict[str, Any], first: int, gaps: list[int]
) -> None:
    days = [date(2026, 5, 1) + timedelta(days=first)]
    for gap in gaps:
        if days[-1] + timedelta(days=gap) >= LAST:
            break
        days.append(days[-1] + timedelta(days=gap))
    days.append(LAST)
    store = MemoryStore()
    engine, clock = _engine(store, **options)
    _runs(engine, clock, days)
    assert _state(store) == _daily(options, LAST)


# --------------------------------------------------------------- a crash in a gap's pass


class _FirstCharge(support.Faults):
    """Crashes before the first charge is sent, once armed: a run over a gap has
    billed the gap's first billing day and not yet collected it."""

    def tick(self, what: str) -> None:
        self.calls += 1
        if self.at and what == "gateway.create_payment (not sent)":
            self.at = 0
            raise support.Crash(what)


def _crash_then_rerun(
    store: Any, options: dict[str, Any], rerun: date
) -> tuple[Billing, FixedClock]:
    """The run of 5 May crashes before its first charge; the rerun is on ``rerun``.
    Returns the business (kept in the store) and its clock, for the runs after."""
    engine, clock = _engine(store, **options)
    faults = _FirstCharge()
    faulty = Billing(
        support.FaultyStore(store, faults),  # type: ignore[arg-type]
        support.FaultyGateway(engine.gateway, faults),  # type: ignore[arg-type]
        engine.notifier,
        clock,
    )
    _on(clock, date(2026, 5, 5))
    faults.at = 1
    with pytest.raises(support.Crash):
        faulty.run()
    _runs(faulty, clock, [rerun])
    return faulty, clock


@pytest.mark.parametrize(
    "options", [{"dunning": RETRIES, "overdue": TUTORIAL}, BUSINESS], ids=["ladder", "schedule"]
)
def test_a_rerun_after_a_crash_between_a_gap_days_billing_and_collection(
    store: Any, options: dict[str, Any]
) -> None:
    # The 5 May run bills 1 May and crashes before charging it. The rerun, that day, still
    # charges April as the attempt of 1 May (its issue date): the retries follow from 1 May
    # (the ladder's retries: 1 May + 8 = 9 May, + 16 = 17 May) as after daily runs.
    engine, clock = _crash_then_rerun(store, options, date(2026, 5, 5))
    _runs(engine, clock, [date(2026, 5, 12), LAST])
    assert _failed_days(store, MAY)[:2] == (
        ["2026-05-01", "2026-05-09"] if "overdue" in options else ["2026-05-01", "2026-05-02"]
    )
    assert _state(store) == _daily(options, LAST)


def test_a_rerun_on_a_later_day_collects_the_cut_pass_on_its_own_day(store: Any) -> None:
    # The rerun happens on 7 May, not 5 May: the pass of 1 May, cut between its billing
    # and its collection, is still collected as of 1 May.
    options = {"dunning": RETRIES, "overdue": TUTORIAL}
    engine, clock = _crash_then_rerun(store, options, date(2026, 5, 7))
    _runs(engine, clock, [LAST])
    assert _failed_days(store, MAY)[:2] == ["2026-05-01", "2026-05-09"]
    assert _state(store) == _daily(options, LAST)


def _crashing(at: int) -> tuple[Any, int, int]:
    """Runs on 5 and 20 May and 20 June under the ladder and its retries, crashing at
    call ``at`` (0: never) and running the same day again."""
    store = MemoryStore()
    engine, clock = _engine(store, dunning=RETRIES, overdue=TUTORIAL)
    faults = support.Faults()
    faulty = Billing(
        support.FaultyStore(store, faults),  # type: ignore[arg-type]
        support.FaultyGateway(engine.gateway, faults),  # type: ignore[arg-type]
        engine.notifier,
        clock,
    )
    faults.calls, faults.at = 0, at
    crashes = 0
    days = [date(2026, 5, 5), date(2026, 5, 20), LAST]
    while days:
        _on(clock, days[0])
        try:
            faulty.run()
        except support.Crash:
            crashes += 1
            faults.at = 0
            continue
        days.pop(0)
    return _state(store), faults.calls, crashes


def test_every_crash_point_of_runs_after_gaps_leaves_what_daily_runs_do() -> None:
    clean, calls, _ = _crashing(0)
    assert clean == _daily({"dunning": RETRIES, "overdue": TUTORIAL}, LAST)
    assert calls > 30
    for at in range(1, calls + 1):
        snap, _, crashes = _crashing(at)
        assert crashes == 1, at
        assert snap == clean, f"crash at call {at} changed the outcome"


# ------------------------------------------------- money a past day's pass takes is today's


def test_a_past_days_charge_is_made_and_dated_now_and_its_decline_counts_for_that_day(
    store: Any,
) -> None:
    # The 3 May run's pass of 2 May retries April (1 May + 1) with a card that works
    # since: the money moves on 3 May (the ledger's entries and the paid event are dated
    # then), and the schedule stops there: no reminder (4 May), no freeze (6 May).
    engine, clock = _engine(store, dunning=SCHEDULE)
    _runs(engine, clock, [date(2026, 5, 1)])
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    _runs(engine, clock, [date(2026, 5, 3)])
    now = datetime(2026, 5, 3, 2, tzinfo=timezone.utc)
    with store.transaction(readonly=True) as tx:
        paid = [e for e in tx.document_events(MAY) if e.event == "pay"]
        entries = [(e.kind, e.amount, e.at) for e in tx.entries("acme/main")]
        sub = tx.subscription("acme-pro")
    assert [e.at for e in paid] == [now]
    # April: 20.00 + 22 % VAT = 24.40, paid and charged on 3 May.
    eur = Money("24.40", "EUR")
    assert entries == [("payment", eur, now), ("charge", -eur, now)]
    assert _failed_days(store, MAY) == ["2026-05-01"]  # the retry of 2 May succeeded
    assert (sub.status, sub.next_billing) == ("active", date(2026, 6, 1))


def test_the_autopay_cap_holds_in_the_month_the_money_moves(store: Any) -> None:
    # Two VPS subscriptions of one customer, billed on 10 and 20 April (from 10 and 20
    # March), 620.00 + 22 % VAT = 756.40 each, an autopay cap of 800.00 a month, and no
    # run from 1 April to 2 May. The run of 2 May tops up for the pass of 10 April on
    # 2 May: 756.40 of May's 800.00; the pass of 20 April would need 756.40 more in May,
    # 1 512.80 > 800.00: capped, told once for May. (Daily runs would have topped up
    # 10 April's in April; that month is past, and the money moves in May.)
    from tests.engine.test_autopay import IVAN, VPS

    clock = FixedClock(datetime(2026, 3, 10, 9, tzinfo=timezone.utc))
    engine = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [VPS],
        seller=support.SELLER,
        dunning=SCHEDULE,
    )
    engine.add_customer(
        "ivan", IVAN, currency="RUB", method="tok_visa", autopay_cap=Money("800.00", "RUB")
    )
    engine.subscribe("ivan-a", "ivan", "vps", on=date(2026, 3, 10))
    engine.subscribe("ivan-b", "ivan", "vps", on=date(2026, 3, 20))
    _runs(engine, clock, [date(2026, 5, 2)])
    with store.transaction(readonly=True) as tx:
        top_ups = [(e.at.date(), e.amount) for e in tx.entries("ivan/main") if e.kind == "payment"]
        statuses = sorted((d.id, d.status) for d in tx.documents())
        capped = [m.key for m in _messages(tx) if m.topic == "autopay.capped"]
    assert top_ups == [(date(2026, 5, 2), Money("756.40", "RUB"))]
    assert statuses == [
        ("ivan-a|2026-03-10|2026-04-10|invoice|0", "paid"),
        ("ivan-b|2026-03-20|2026-04-20|invoice|0", "issued"),
    ]
    assert capped == ["autopay.capped|ivan-b|2026-03-20|2026-04-20|invoice|0|2026-05|email"]


def _messages(tx: Any) -> list[Any]:
    found, i = [], 1
    while True:
        try:
            found.append(tx.message(i))
        except Exception:
            return found
        i += 1


def test_a_daily_run_cut_before_its_charge_is_resumed_once_by_the_next_days_run(
    store: Any,
) -> None:
    # The attempt-counted dunning (3 attempts, one a day). The run of 1 May bills April
    # and crashes before charging it; the next run is on 2 May: it charges April as the
    # attempt of 1 May, then makes the attempt of 2 May; the run of 3 May makes the third
    # (1 May + 2) and freezes, as daily runs from 1 to 3 May do, and the cut day is not
    # gone through again.
    engine, clock = _engine(store)
    faults = _FirstCharge()
    faulty = Billing(
        support.FaultyStore(store, faults),  # type: ignore[arg-type]
        support.FaultyGateway(engine.gateway, faults),  # type: ignore[arg-type]
        engine.notifier,
        clock,
    )
    _on(clock, date(2026, 5, 1))
    faults.at = 1
    with pytest.raises(support.Crash):
        faulty.run()
    _runs(faulty, clock, [date(2026, 5, 2), date(2026, 5, 3), date(2026, 5, 4)])
    assert _failed_days(store, MAY) == ["2026-05-01", "2026-05-02", "2026-05-03"]
    assert _state(store) == _daily({}, date(2026, 5, 4))


def test_money_received_during_the_gap_counts_from_the_runs_first_pass(store: Any) -> None:
    # The customer tops up 24.40 on 3 May (a card that works since), when no run happens.
    # The run of 10 May finds the money there: its first pass (the retry day, 2 May) pays
    # April from the balance, and no later move of the schedule happens (no reminder on
    # the 4th, no freeze on the 6th): a run never replays the days of an invoice it finds
    # paid or payable, it only dates the money (the charge is posted on 10 May).
    engine, clock = _engine(store, dunning=SCHEDULE)
    _runs(engine, clock, [date(2026, 5, 1)])
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    _on(clock, date(2026, 5, 3))
    engine.top_up("acme", Money("24.40", "EUR"), key="may-3")
    _runs(engine, clock, [date(2026, 5, 10)])
    with store.transaction(readonly=True) as tx:
        doc = tx.document(MAY)
        sub = tx.subscription("acme-pro")
        charge = [e.at.date() for e in tx.entries("acme/main") if e.kind == "charge"]
        balance = tx.balance("acme/main")
    assert (doc.status, sub.status, "frozen_on" in sub.data) == ("paid", "active", False)
    assert charge == [date(2026, 5, 10)]
    assert balance == Money("0", "EUR")
    assert _failed_days(store, MAY) == ["2026-05-01"]
    engine.deliver()
    topics = [m.topic for m in engine.notifier.messages]  # type: ignore[attr-defined]
    assert "payment.reminder" not in topics
    assert "subscription.frozen" not in topics
