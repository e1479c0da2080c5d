"""The overdue ladder for invoices the engine does not charge, and the account weighed again.

An invoice the engine charges counts on the ladder from its issue date once
a charge of it failed (Kill Bill's tutorial: ``test_overdue_ladder.py``).
One it never charges (the customer has no saved method and pays by bank
transfer, uploading the receipt; an invoice issued on the customer's
approval) counts from the day after its due date, issue + ``payment_days``
(10) + 1: the first day it is late. So the attribution business's rule,
"10 days to pay after issue; otherwise the account is blocked", is a one-state
ladder, ``BLOCKED`` at 0 days (``days_since_earliest_unpaid=0``).

Also here: a state lowered (or cleared) by a payment is told once; a credit
note that settles an overdue invoice weighs the account again; a
subscription added to a blocked account is blocked at once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.engine import Billing
from billkit.errors import SubscriptionError
from billkit.money import Money
from billkit.notify import compose
from billkit.storage import MemoryStore
from billkit.subscriptions.overdue import OverdueCondition, OverdueLadder, OverdueState
from tests.engine import support
from tests.engine.test_dunning import ACME, MAY
from tests.engine.test_overdue_ladder import (
    TUTORIAL,
    _daily,
    _marks,
    _on,
    _outbox,
    _setup,
    _snapshot,
    _told,
)
from tests.engine.test_proforma_approval import (
    APPROVED,
    INVOICE_0,
    PROFORMA_0,
    TOTAL,
    _period_billed,
    _wire,
)
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

# "10 days to pay after issue; otherwise the account is blocked": blocked the first
# day an invoice is late (0 days past the day after its due date), service stopped.
TEN_DAYS = OverdueLadder(
    states=[
        OverdueState(
            name="BLOCKED",
            condition=OverdueCondition(days_since_earliest_unpaid=0),
            disable_entitlement=True,
        )
    ]
)
# Changes blocked only (billing goes on), from the first late day.
LATE = OverdueLadder(
    states=[
        OverdueState(
            name="LATE",
            condition=OverdueCondition(days_since_earliest_unpaid=0),
            block_changes=True,
        )
    ]
)
JUNE = "acme-pro|2026-05-01|2026-06-01|invoice|0"


def _at(day: date, hour: int = 2) -> datetime:
    return datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=hour)


def _topics(engine: Billing, since: date) -> list[tuple[str, str, str]]:
    engine.deliver()
    return [
        (m.created_at.date().isoformat(), m.topic, str(m.payload.get("state", "")))
        for m in engine.notifier.messages  # type: ignore[attr-defined]
        if m.created_at.date() >= since and m.topic != "usage.threshold"
    ]


def _transfer(store: Any, **options: Any) -> tuple[Billing, Any]:
    """acme (no saved method: pays by bank transfer) on Pro from 1 April."""
    engine, clock = _setup(store, **options)
    engine.add_customer("acme", ACME, currency="EUR", method=None)
    return engine, clock


# ---------------------------------------------------------------- the worked example


def test_the_attribution_business_blocks_an_approved_invoice_unpaid_after_ten_days(
    store: Any,
) -> None:
    # Parsian Apps pays by bank transfer (no saved method). Its proforma of 20 April
    # (690 250 000 IRR: test_proforma_approval.py) is approved on 22 April: the invoice
    # is issued then, due 22 April + 10 = 2 May, the last day to pay. Never charged, it
    # counts from 3 May: BLOCKED (0 days) on 3 May, "day 11 after issue".
    engine, clock = _period_billed(store, method=None, overdue=TEN_DAYS)
    for day in (date(2026, 4, 21), date(2026, 4, 22)):  # the proforma waits: not counted
        clock.set(_at(day))
        assert engine.run().failures == ()
    clock.set(APPROVED)
    assert engine.approve(PROFORMA_0) == INVOICE_0
    day = date(2026, 4, 23)
    while day <= date(2026, 5, 2):
        clock.set(_at(day))
        assert engine.run().failures == ()
        day += timedelta(days=1)
    assert _marks(store, "parsian-attr") == [("active", None, None)]  # 2 May: still in time
    clock.set(_at(date(2026, 5, 3)))
    assert engine.run().failures == ()
    assert engine.run().failures == ()  # a second run the same day does nothing more
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("parsian-attr")
        assert tx.document(INVOICE_0).status == "issued"
    assert (sub.status, sub.next_billing, sub.data["overdue_state"], sub.data["frozen_on"]) == (
        "frozen",
        None,
        "BLOCKED",
        "2026-05-03",
    )
    # 6 May: the receipt of a transfer of 690 250 000 is accepted, booked to the balance,
    # and pays the invoice: the account is clear, active again from the period running
    # on 6 May, [20 April, 20 May), billed on 20 May.
    clock.set(_at(date(2026, 5, 6), 9))
    _wire(store, "parsian", TOTAL, clock.now())
    assert engine.pay(INVOICE_0) == "paid"
    assert engine.pay(INVOICE_0) == "skipped"
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("parsian-attr")
    assert (sub.status, sub.next_billing, "overdue_state" in sub.data) == (
        "active",
        date(2026, 5, 20),
        False,
    )
    assert _topics(engine, date(2026, 4, 21)) == [
        ("2026-04-22", "proforma.approved", ""),
        ("2026-05-03", "subscription.overdue_state", "BLOCKED"),
        ("2026-05-03", "subscription.frozen", ""),
        ("2026-05-06", "payment.received", ""),
        ("2026-05-06", "subscription.unfrozen", ""),
        ("2026-05-06", "subscription.overdue_cleared", ""),
        ("2026-05-06", "balance.low", ""),  # paid from the balance: 0 left
    ]
    # Told in Persian, dates in the Solar Hijri calendar: 2 May 2026 is 12 Ordibehesht
    # 1405 (test_proforma_approval.py), so 3 May is the 13th and 6 May the 16th.
    told = {m.topic: m for m in engine.notifier.messages}  # type: ignore[attr-defined]
    subject, text, _ = compose(told["subscription.overdue_state"])
    assert subject == "معوقه: BLOCKED"
    assert "۱۳ اردیبهشت ۱۴۰۵" in text
    subject, text, _ = compose(told["subscription.overdue_cleared"])
    assert subject == "معوقه تسویه شد"
    assert "۱۶ اردیبهشت ۱۴۰۵" in text
    assert compose(told["subscription.overdue_cleared"], language="en")[1] == (
        "Thank you: subscription parsian-attr is no longer overdue from May 6, 2026 "
        "(it was BLOCKED).\n"
    )


def test_a_proforma_awaiting_approval_does_not_count() -> None:
    # The proforma of 20 April is due 20 April + 10 = 30 April, but it waits for the
    # customer's approval: it is not a demand to pay yet, so nothing is blocked however
    # long it waits. Its approval issues the invoice that counts.
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None, overdue=TEN_DAYS)
    day = date(2026, 4, 21)
    while day <= date(2026, 5, 19):  # the next period is billed on 20 May
        clock.set(_at(day))
        assert engine.run().failures == ()
        day += timedelta(days=1)
    assert _marks(store, "parsian-attr") == [("active", None, None)]


# ---------------------------------------------------------------- invoices never charged


def test_an_invoice_never_charged_counts_from_the_day_after_its_due_date(store: Any) -> None:
    # April billed on 1 May: 20.00 + 22 % VAT = 24.40, due 1 May + 10 = 11 May, never
    # charged (no saved method), counted from 12 May. Kill Bill's tutorial ladder on those
    # days: WARNING 12 + 10 = 22 May, BLOCKED 12 + 14 = 26 May (frozen: June is not
    # billed), CANCELLATION 12 + 21 = 2 June, at the end of the cycle running on 2 June:
    # 1 July.
    engine, clock = _transfer(store, overdue=TUTORIAL)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 5, 21))
    assert _marks(store, "acme-pro") == [("active", None, None)]
    _daily(engine, clock, date(2026, 5, 22), date(2026, 7, 1))
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
        docs = [(d.id, d.status, str(d.total.amount)) for d in tx.documents() if d.total]
        events = [e.event for e in tx.document_events(MAY)]
    assert docs == [(MAY, "issued", "24.40")]
    assert events == ["issue"]  # never charged
    assert (sub.status, sub.data["frozen_on"], sub.data["cancelled_on"]) == (
        "cancelled",
        "2026-05-26",
        "2026-07-01",
    )
    assert [t for t in _topics(engine, date(2026, 5, 2)) if t[1] != "subscription.frozen"] == [
        ("2026-05-22", "subscription.overdue_state", "WARNING"),
        ("2026-05-26", "subscription.overdue_state", "BLOCKED"),
        ("2026-06-02", "subscription.overdue_state", "CANCELLATION"),
        ("2026-07-01", "subscription.cancelled", ""),
    ]


def test_a_declined_card_still_counts_from_the_issue_date() -> None:
    # The same ladder, a declined card: the charge of 1 May fails, so April counts from
    # its issue date, 1 May, not from 12 May: BLOCKED (0 days) on 1 May.
    store = MemoryStore()
    engine, clock = _setup(store, overdue=TEN_DAYS)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 5, 1))
    assert _marks(store, "acme-pro") == [("frozen", "BLOCKED", "2026-05-01")]


# Runs on random days from 1 May to 20 June for the transfer customer (two
# subscriptions: acme-team from 1 May is first billed on 1 June). The ladder's own
# timeline over the invoice counted is the oracle: April's, from 12 May (TEN_DAYS and
# TUTORIAL block before 1 June, so June bills nothing); under LATE (changes blocked
# only) May's two invoices, issued 1 June, count from 12 June too.
LAST = date(2026, 6, 20)
EURO = Money("1", "EUR")  # amounts do not count in these ladders
COUNTED = {
    "TEN_DAYS": (TEN_DAYS, [(date(2026, 5, 12), EURO)]),
    "TUTORIAL": (TUTORIAL, [(date(2026, 5, 12), EURO)]),
    "LATE": (
        LATE,
        [(date(2026, 5, 12), EURO), (date(2026, 6, 12), EURO), (date(2026, 6, 12), EURO)],
    ),
}
_DAILY: dict[str, Any] = {}


def _two(store: Any, ladder: OverdueLadder) -> tuple[Billing, Any]:
    engine, clock = _transfer(store, overdue=ladder)
    engine.subscribe("acme-team", "acme", "team", on=date(2026, 5, 1))
    return engine, clock


def _daily_outcome(name: str) -> Any:
    if name not in _DAILY:
        store = MemoryStore()
        engine, clock = _two(store, COUNTED[name][0])
        _daily(engine, clock, date(2026, 5, 1), LAST)
        _DAILY[name] = (_snapshot(store, "acme-pro", "acme-team"), _told(engine))
    return _DAILY[name]


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(sorted(COUNTED)),
    first=st.integers(min_value=0, max_value=6),
    gaps=st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=60),
)
def test_uncharged_invoices_put_the_account_in_the_timeline_state_on_each_run_day(
    name: str, first: int, gaps: list[int]
) -> None:
    ladder, counted = COUNTED[name]
    days = [date(2026, 5, 1) + timedelta(days=first)]
    for gap in gaps:
        if days[-1] + timedelta(days=gap) >= LAST:
            break
        days.append(days[-1] + timedelta(days=gap))
    days.append(LAST)
    store = MemoryStore()
    engine, clock = _two(store, ladder)
    for day in days:
        _on(clock, day)
        assert engine.run().failures == ()
        timeline = ladder.timeline(counted, date(2026, 5, 1), day + timedelta(days=1))
        expected = [state for on, state in timeline if on <= day][-1]
        marks = [m[1] for m in _marks(store, "acme-pro", "acme-team")]
        assert marks == [expected.name if expected else None] * 2, day
    snapshot, told = _daily_outcome(name)
    assert _snapshot(store, "acme-pro", "acme-team") == snapshot
    assert _told(engine) == told  # each state told once, with its own day


def test_the_late_ladder_bills_june_and_counts_its_invoices_from_twelve_june() -> None:
    # The oracle's invoices checked by hand: under LATE the account is LATE from 12 May
    # (April's 24.40 late) and billing goes on: May is billed on 1 June for both (Pro
    # 24.40; Team 50.00 + 22 % = 61.00), due 11 June.
    snapshot, told = _daily_outcome("LATE")
    records, documents = snapshot
    assert [d for d, _ in documents] == [
        MAY,
        JUNE,
        "acme-team|2026-05-01|2026-06-01|invoice|0",
    ]
    assert [(r[0], r[2]["overdue_state"]) for r in records] == [("active", "LATE")] * 2
    assert told == [
        (s, "subscription.overdue_state", "LATE", "2026-05-12") for s in ("acme-pro", "acme-team")
    ]


# ---------------------------------------------------------------- lowered states told


TWO_STEPS = OverdueLadder(
    states=[
        OverdueState(
            name="WARNING",
            condition=OverdueCondition(days_since_earliest_unpaid=10),
            block_changes=True,
        ),
        OverdueState(
            name="ACCRUED",
            condition=OverdueCondition(days_since_earliest_unpaid=35, unpaid_invoices=2),
            disable_entitlement=True,
        ),
    ]
)


def test_a_state_lowered_by_a_payment_is_told_once(store: Any) -> None:
    # Declined card: April counts from 1 May, May from 1 June. WARNING from 1 May + 10 =
    # 11 May; ACCRUED from 1 May + 35 = 5 June (two invoices). May paid on 6 June from a
    # top-up of 24.40: April alone is left, WARNING (one invoice no longer makes
    # ACCRUED); told as subscription.overdue_state WARNING on 6 June, from ACCRUED.
    engine, clock = _setup(store, overdue=TWO_STEPS)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 6, 5))
    assert _marks(store, "acme-pro") == [("frozen", "ACCRUED", "2026-06-05")]
    _on(clock, date(2026, 6, 6))
    _wire(store, "acme", Money("24.40", "EUR"), clock.now(), key="june")  # a transfer
    assert engine.pay(JUNE) == "paid"
    _daily(engine, clock, date(2026, 6, 6), date(2026, 6, 8))  # told once, not again
    assert _marks(store, "acme-pro")[0][:2] == ("active", "WARNING")
    engine.deliver()
    lowered = [
        m.payload
        for m in engine.notifier.messages  # type: ignore[attr-defined]
        if m.topic == "subscription.overdue_state" and m.created_at.date() == date(2026, 6, 6)
    ]
    fields = ("subscription", "state", "on", "lowered_from")
    assert [{k: p[k] for k in fields} for p in lowered] == [
        {
            "subscription": "acme-pro",
            "state": "WARNING",
            "on": "2026-06-06",
            "lowered_from": "ACCRUED",
        }
    ]
    # April paid too on 8 June: the account is clear, told once more.
    _on(clock, date(2026, 6, 8))
    _wire(store, "acme", Money("24.40", "EUR"), clock.now(), key="april")
    assert engine.pay(MAY) == "paid"
    assert engine.pay(MAY) == "skipped"
    topics = _topics(engine, date(2026, 6, 6))
    assert [t for t in topics if t[1].startswith("subscription.")] == [
        ("2026-06-06", "subscription.unfrozen", ""),
        ("2026-06-06", "subscription.overdue_state", "WARNING"),
        ("2026-06-08", "subscription.overdue_cleared", ""),
    ]
    assert "overdue_state" not in _snapshot(store, "acme-pro")[0][0][2]


# ---------------------------------------------------------------- credit notes


def test_a_credit_note_that_settles_the_late_invoice_weighs_the_account_again(
    store: Any,
) -> None:
    # The transfer customer under LATE: April (24.40, due 11 May) is late from 12 May.
    # Late April usage (600 calls, 500 above the 100 included at 0.01: 5.00) is
    # corrected at the next billing, 1 June: a credit note settles April's invoice, a
    # supplementary one (25.00 + 22 % = 30.50) and May's (24.40) are issued, due
    # 1 June + 10 = 11 June. Nothing is late on 1 June: the account is clear at once
    # (told), changes allowed, and LATE again from 12 June.
    engine, clock = _transfer(store, overdue=LATE)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 5, 12))
    assert _marks(store, "acme-pro") == [("active", "LATE", None)]
    engine.record_usage("acme-pro", "calls", 600, key="late", at=_at(date(2026, 4, 10)))
    _daily(engine, clock, date(2026, 5, 13), date(2026, 6, 1))
    with store.transaction(readonly=True) as tx:
        docs = sorted((d.id, d.status, str(d.total.amount)) for d in tx.documents() if d.total)
    assert docs == [
        ("acme-pro|2026-04-01|2026-05-01|credit_note|1", "issued", "24.40"),
        (MAY, "credited", "24.40"),
        ("acme-pro|2026-04-01|2026-05-01|invoice|1", "issued", "30.50"),
        (JUNE, "issued", "24.40"),
    ]
    assert _marks(store, "acme-pro") == [("active", None, None)]
    assert engine.change_plan("acme-pro", "team") == date(2026, 6, 1)  # not blocked
    _daily(engine, clock, date(2026, 6, 2), date(2026, 6, 12))
    assert _marks(store, "acme-pro")[0][1] == "LATE"
    assert [t for t in _topics(engine, date(2026, 5, 1)) if t[1].startswith("subscription.")] == [
        ("2026-05-12", "subscription.overdue_state", "LATE"),
        ("2026-06-01", "subscription.overdue_cleared", ""),
        ("2026-06-12", "subscription.overdue_state", "LATE"),
    ]


# ---------------------------------------------------------------- subscribing while blocked


def test_a_subscription_added_to_a_blocked_account_is_blocked_at_once(store: Any) -> None:
    # April unpaid by transfer: BLOCKED from 12 May (due 11 May). acme-team subscribed on
    # 14 May is frozen then, BLOCKED, told at once; the runs add nothing. A transfer of
    # 24.40 on 16 May clears the account: both active again.
    engine, clock = _transfer(store, overdue=TEN_DAYS)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 5, 13))
    _on(clock, date(2026, 5, 14))
    engine.subscribe("acme-team", "acme", "team")
    assert _marks(store, "acme-pro", "acme-team") == [
        ("frozen", "BLOCKED", "2026-05-12"),
        ("frozen", "BLOCKED", "2026-05-14"),
    ]
    with pytest.raises(SubscriptionError, match="status = 'frozen'"):
        engine.change_plan("acme-team", "pro")  # the service is stopped
    _daily(engine, clock, date(2026, 5, 14), date(2026, 5, 15))
    _on(clock, date(2026, 5, 16))
    _wire(store, "acme", Money("24.40", "EUR"), clock.now(), key="april")
    assert engine.pay(MAY) == "paid"
    with store.transaction(readonly=True) as tx:
        subs = [tx.subscription(s) for s in ("acme-pro", "acme-team")]
    # acme-team resumes with its cycle running on 16 May, [14 May, 14 June).
    assert [(s.status, s.next_billing) for s in subs] == [
        ("active", date(2026, 6, 1)),
        ("active", date(2026, 6, 14)),
    ]
    told = [t for t in _topics(engine, date(2026, 5, 12)) if t[1].startswith("subscription.")]
    assert told == [
        ("2026-05-12", "subscription.overdue_state", "BLOCKED"),
        ("2026-05-12", "subscription.frozen", ""),
        ("2026-05-14", "subscription.overdue_state", "BLOCKED"),
        ("2026-05-14", "subscription.frozen", ""),
        ("2026-05-16", "subscription.unfrozen", ""),
        ("2026-05-16", "subscription.overdue_cleared", ""),
        ("2026-05-16", "subscription.unfrozen", ""),
        ("2026-05-16", "subscription.overdue_cleared", ""),
    ]


def test_a_subscription_added_to_a_clear_account_is_not_marked() -> None:
    store = MemoryStore()
    engine, clock = _transfer(store, overdue=TEN_DAYS)
    _daily(engine, clock, date(2026, 5, 1), date(2026, 5, 11))  # due 11 May: in time
    engine.subscribe("acme-team", "acme", "team")
    assert _marks(store, "acme-team") == [("active", None, None)]


def _crashing_correction(at: int) -> tuple[Any, int, int]:
    """The transfer customer under LATE: runs on 1 and 12 May, late April usage, then
    the run of 1 June that corrects April, crashing at its call ``at`` (0: never) and
    run again. Returns (the store's state, calls, crashes)."""
    store = MemoryStore()
    engine, clock = _transfer(store, overdue=LATE)
    for day in (date(2026, 5, 1), date(2026, 5, 12)):
        _on(clock, day)
        assert engine.run().failures == ()
    engine.record_usage("acme-pro", "calls", 600, key="late", at=_at(date(2026, 4, 10)))
    faults = support.Faults()
    faulty = Billing(
        support.FaultyStore(store, faults),  # type: ignore[arg-type]
        support.FaultyGateway(engine.gateway, faults),  # type: ignore[arg-type]
        engine.notifier,
        clock,
    )
    faults.calls, faults.at = 0, at
    crashes = 0
    _on(clock, date(2026, 6, 1))
    while True:
        try:
            faulty.run()
        except support.Crash:
            crashes += 1
            faults.at = 0
            continue
        break
    with store.transaction(readonly=True) as tx:
        outbox = _outbox(tx)
    return (_snapshot(store, "acme-pro"), outbox), faults.calls, crashes


def test_every_crash_point_of_the_correcting_run_clears_the_account() -> None:
    # Whichever call of the 1 June run fails, its rerun the same day leaves what a clean
    # run does: the account clear (the correcting invoice of 30.50, unpaid, names it
    # again after a crash between the billing and the weighing), told once.
    clean, calls, _ = _crashing_correction(0)
    records, _documents = clean[0]
    assert "overdue_state" not in records[0][2]
    assert [k for k in clean[1] if k.startswith("subscription.overdue_cleared")] == [
        "subscription.overdue_cleared|acme-pro|LATE|2026-06-01|email"
    ]
    assert calls > 10
    for at in range(1, calls + 1):
        snap, _, crashes = _crashing_correction(at)
        assert crashes == 1, at
        assert snap == clean, f"crash at call {at} changed the outcome"


def _subscribe_calls(**options: Any) -> int:
    """The store calls of subscribing the transfer customer to Team on 5 May (April
    billed on 1 May, unpaid and not late yet: acme-pro is in no state)."""
    store = MemoryStore()
    engine, clock = _transfer(store, **options)
    _on(clock, date(2026, 5, 1))
    engine.run()
    _on(clock, date(2026, 5, 5))
    faults = support.Faults()
    counted = Billing(
        support.FaultyStore(store, faults),  # type: ignore[arg-type]
        engine.gateway,
        engine.notifier,
        clock,
    )
    faults.calls = 0  # what opening the business read is not counted
    counted.subscribe("acme-team", "acme", "team")
    return faults.calls


def test_subscribing_reads_the_accounts_subscriptions_only_under_a_ladder() -> None:
    # Under a ladder, one read more in the same transaction: the account's other
    # subscriptions (acme-pro), to find the state they are in; nothing written.
    assert _subscribe_calls(overdue=TEN_DAYS) == _subscribe_calls() + 1
