"""A year of the messaging business, simulated day by day (the acceptance check of issue 6).

One organisation, 5 January 2026 to 4 January 2027: a trial that ends unused
for two days, a subscription to Growth, an upgrade to Advanced whose first
payment fails 3-D Secure and whose second succeeds (on-demand usage billed at
once), a renewal whose card is declined, five days of grace, FROZEN, a
payment, a downgrade, a cancellation and the deletion mark. Every day's state
and every action are asserted.

The figures (REQUIREMENTS.md, section 4):

* Growth, 99.00 EUR a month, 1 000 contacts, blocks of 100 at 20.00 (demo
  catalog); Advanced, 189.00, 3 000 contacts, blocks of 100 at 15.00;
* the Growth cycle from 21 February to 21 March is 28 days. An upgrade on
  12 March leaves 9 unused: 99.00 x 9/28, rounded cumulatively 99.00 -
  round(99.00 x 19/28 = 67.178...) = 99.00 - 67.18 = 31.82 of credit; Advanced's
  first cycle (12 March to 12 April) is whole, 189.00; due 189.00 - 31.82 = 157.18;
* on 13 March 8 days are unused: 99.00 - round(99.00 x 20/28 = 70.714...) =
  99.00 - 70.71 = 28.29; due 189.00 - 28.29 = 160.71;
* usage: 1 250 contacts on Growth = 250 over = 3 blocks = 60.00; 1 400 = 4 blocks
  = 80.00; 3 150 on Advanced = 150 over = 2 blocks x 15.00 = 30.00; 1 100 on
  Growth = 1 block = 20.00; 2 500, 2 000, 900 and 1 000 are within the plan;
* grace: overdue on 13 April, the 13th to the 17th are the five days; FROZEN
  on the 18th;
* cancelled on 13 September, the end of the cycle; marked for deletion 90
  days later: 17 days left in September + 31 + 30 + 12 = 90, 12 December.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from billkit import Money, Period
from billkit.demo import demo_catalog
from billkit.errors import NotAllowedError, TransitionError
from billkit.pricing import Plan, overage_charge
from billkit.subscriptions import (
    ActionKind,
    Cancel,
    ChangePlan,
    PaymentFailed,
    PaymentSucceeded,
    Subscribe,
    SubscriptionAction,
    SubscriptionState,
    apply,
    simulate,
    start_trial,
)
from billkit.subscriptions.events import Event, UsageReported
from billkit.subscriptions.settings import DEFAULT_LIFECYCLE, CancelReason
from billkit.subscriptions.timeline import Timeline

S = SubscriptionState
MAC = "monthly_active_contacts"
GROWTH = demo_catalog()["growth-monthly"]
ADVANCED = Plan(
    code="advanced-monthly",
    name="Advanced, monthly",
    currency="EUR",
    base_fee=Money("189.00", "EUR"),
    charges=[
        overage_charge("mac-blocks", MAC, included=3000, price=Money("15.00", "EUR"), block=100)
    ],
)


def d(text: str) -> date:
    return date.fromisoformat(text)


def usage(on: str, start: str, end: str, contacts: int) -> UsageReported:
    return UsageReported(on=d(on), period=Period(d(start), d(end)), usage={MAC: contacts})


def paid(on: str, n: int) -> PaymentSucceeded:
    return PaymentSucceeded(on=d(on), invoice_id=f"org-1/{n:04d}")


EVENTS: list[Event] = [
    Subscribe(on=d("2026-01-21"), role="org_admin", plan=GROWTH),
    paid("2026-01-21", 1),
    paid("2026-02-21", 2),
    usage("2026-02-21", "2026-01-21", "2026-02-21", 1250),
    paid("2026-02-21", 3),
    ChangePlan(on=d("2026-03-12"), role="billing_admin", plan=ADVANCED),
    PaymentFailed(on=d("2026-03-12"), invoice_id="org-1/0004", reason="3-D Secure failed"),
    ChangePlan(on=d("2026-03-13"), role="billing_admin", plan=ADVANCED),
    paid("2026-03-13", 5),
    usage("2026-03-13", "2026-02-21", "2026-03-13", 1400),
    paid("2026-03-13", 6),
    PaymentFailed(on=d("2026-04-13"), invoice_id="org-1/0007", reason="card declined"),
    usage("2026-04-13", "2026-03-13", "2026-04-13", 2500),
    paid("2026-04-20", 7),
    paid("2026-05-13", 8),
    usage("2026-05-13", "2026-04-13", "2026-05-13", 3150),
    paid("2026-05-13", 9),
    ChangePlan(on=d("2026-06-02"), role="org_admin", plan=GROWTH),
    paid("2026-06-13", 10),
    usage("2026-06-13", "2026-05-13", "2026-06-13", 2000),
    paid("2026-07-13", 11),
    usage("2026-07-13", "2026-06-13", "2026-07-13", 900),
    paid("2026-08-13", 12),
    usage("2026-08-13", "2026-07-13", "2026-08-13", 1000),
    Cancel(on=d("2026-08-25"), role="org_admin", reason="moving to another tool"),
    usage("2026-09-13", "2026-08-13", "2026-09-13", 1100),
    paid("2026-09-13", 13),
]

# Every state, as runs of days: (first day, first day after, state).
SPANS = [
    ("2026-01-05", "2026-01-19", S.TRIAL),  # 14 days of trial
    ("2026-01-19", "2026-01-21", S.TRIAL_ENDED),
    ("2026-01-21", "2026-04-13", S.ACTIVE),
    ("2026-04-13", "2026-04-18", S.PENDING_PAYMENT),  # five days of grace
    ("2026-04-18", "2026-04-20", S.FROZEN),
    ("2026-04-20", "2026-06-02", S.ACTIVE),
    ("2026-06-02", "2026-06-13", S.DOWNGRADING),
    ("2026-06-13", "2026-08-25", S.ACTIVE),
    ("2026-08-25", "2026-09-13", S.CANCELLING),
    ("2026-09-13", "2027-01-05", S.CANCELLED),
]

# Every action: (day, kind, invoice / notice / period, amount).
ACTIONS = [
    ("2026-01-19", "block", "", ""),
    ("2026-01-19", "notify", "trial_ended", ""),
    ("2026-01-21", "issue_invoice", "org-1/0001", "99.00"),
    ("2026-01-21", "charge", "org-1/0001", "99.00"),
    ("2026-01-21", "unblock", "", ""),
    ("2026-01-21", "notify", "plan_changed", ""),
    ("2026-02-21", "measure_usage", "2026-01-21..2026-02-21", ""),
    ("2026-02-21", "issue_invoice", "org-1/0002", "99.00"),
    ("2026-02-21", "charge", "org-1/0002", "99.00"),
    ("2026-02-21", "issue_invoice", "org-1/0003", "60.00"),
    ("2026-02-21", "charge", "org-1/0003", "60.00"),
    ("2026-03-12", "issue_invoice", "org-1/0004", "157.18"),
    ("2026-03-12", "charge", "org-1/0004", "157.18"),
    ("2026-03-12", "void_invoice", "org-1/0004", ""),
    ("2026-03-12", "notify", "checkout_failed", ""),
    ("2026-03-13", "issue_invoice", "org-1/0005", "160.71"),
    ("2026-03-13", "charge", "org-1/0005", "160.71"),
    ("2026-03-13", "measure_usage", "2026-02-21..2026-03-13", ""),
    ("2026-03-13", "notify", "plan_changed", ""),
    ("2026-03-13", "issue_invoice", "org-1/0006", "80.00"),
    ("2026-03-13", "charge", "org-1/0006", "80.00"),
    ("2026-04-13", "measure_usage", "2026-03-13..2026-04-13", ""),
    ("2026-04-13", "issue_invoice", "org-1/0007", "189.00"),
    ("2026-04-13", "charge", "org-1/0007", "189.00"),
    ("2026-04-13", "notify", "payment_failed", ""),
    ("2026-04-13", "notify", "payment_overdue", ""),
    ("2026-04-18", "block", "", ""),
    ("2026-04-18", "notify", "frozen", ""),
    ("2026-04-20", "unblock", "", ""),
    ("2026-04-20", "notify", "payment_received", ""),
    ("2026-05-13", "measure_usage", "2026-04-13..2026-05-13", ""),
    ("2026-05-13", "issue_invoice", "org-1/0008", "189.00"),
    ("2026-05-13", "charge", "org-1/0008", "189.00"),
    ("2026-05-13", "issue_invoice", "org-1/0009", "30.00"),
    ("2026-05-13", "charge", "org-1/0009", "30.00"),
    ("2026-06-02", "notify", "downgrade_scheduled", ""),
    ("2026-06-13", "measure_usage", "2026-05-13..2026-06-13", ""),
    ("2026-06-13", "notify", "plan_changed", ""),
    ("2026-06-13", "issue_invoice", "org-1/0010", "99.00"),
    ("2026-06-13", "charge", "org-1/0010", "99.00"),
    ("2026-07-13", "measure_usage", "2026-06-13..2026-07-13", ""),
    ("2026-07-13", "issue_invoice", "org-1/0011", "99.00"),
    ("2026-07-13", "charge", "org-1/0011", "99.00"),
    ("2026-08-13", "measure_usage", "2026-07-13..2026-08-13", ""),
    ("2026-08-13", "issue_invoice", "org-1/0012", "99.00"),
    ("2026-08-13", "charge", "org-1/0012", "99.00"),
    ("2026-08-25", "notify", "cancellation_scheduled", ""),
    ("2026-09-13", "measure_usage", "2026-08-13..2026-09-13", ""),
    ("2026-09-13", "block", "", ""),
    ("2026-09-13", "notify", "cancelled", ""),
    ("2026-09-13", "issue_invoice", "org-1/0013", "20.00"),
    ("2026-09-13", "charge", "org-1/0013", "20.00"),
    ("2026-12-12", "mark_for_deletion", "", ""),
    ("2026-12-12", "notify", "marked_for_deletion", ""),
]

TRANSITIONS = [
    ("2026-01-19", "trial", "trial_ended"),
    ("2026-01-21", "trial_ended", "active"),
    ("2026-04-13", "active", "pending_payment"),
    ("2026-04-18", "pending_payment", "frozen"),
    ("2026-04-20", "frozen", "active"),
    ("2026-06-02", "active", "downgrading"),
    ("2026-06-13", "downgrading", "active"),
    ("2026-08-25", "active", "cancelling"),
    ("2026-09-13", "cancelling", "cancelled"),
]


def summary(action: SubscriptionAction) -> tuple[str, str, str, str]:
    if action.invoice is not None:
        detail = action.invoice.id
    elif action.notice is not None:
        detail = action.notice.value
    elif action.period is not None:
        detail = str(action.period)
    else:
        detail = ""
    amount = format(action.amount.amount, "f") if action.amount is not None else ""
    return (action.on.isoformat(), action.kind.value, detail, amount)


@pytest.fixture(scope="module")
def year() -> Timeline:
    trial = start_trial("org-1", plan=GROWTH, on=d("2026-01-05")).subscription
    return simulate(trial, EVENTS, until=d("2027-01-05"))


def test_every_day_is_simulated(year: Timeline) -> None:
    assert len(year.days) == 365
    assert [day.on for day in year.days] == [
        d("2026-01-05") + timedelta(days=n) for n in range(365)
    ]


def test_every_state(year: Timeline) -> None:
    assert year.spans() == tuple((d(a), d(b), state) for a, b, state in SPANS)
    for day in year.days:  # and each day's access is the one its state gives
        assert day.access == DEFAULT_LIFECYCLE.access_for(day.state)


def test_every_action(year: Timeline) -> None:
    assert [summary(a) for a in year.actions] == ACTIONS


def test_every_transition(year: Timeline) -> None:
    assert [(t.on.isoformat(), t.before, t.after) for t in year.transitions] == TRANSITIONS


def test_what_is_blocked_and_kept(year: Timeline) -> None:
    blocks = {a.on.isoformat(): a.access for a in year.actions if a.access is not None}
    assert blocks["2026-01-19"] is not None
    assert blocks["2026-01-19"].kept() == ("inbound",)  # trial ended: inbound kept
    assert blocks["2026-04-18"] is not None
    assert blocks["2026-04-18"].blocked() == ("platform", "outbound", "workflows")  # FROZEN
    assert blocks["2026-04-18"].kept() == ("inbound",)
    assert blocks["2026-09-13"] is not None
    assert blocks["2026-09-13"].kept() == ()  # CANCELLED: inbound no longer stored


def test_the_plan_and_cycle_through_the_year(year: Timeline) -> None:
    def on(day: str) -> tuple[str, str]:
        sub = year.on(d(day)).subscription
        return sub.plan.code, str(sub.cycle)

    assert on("2026-03-12") == ("growth-monthly", "2026-02-21..2026-03-21")  # upgrade failed
    assert on("2026-03-13") == ("advanced-monthly", "2026-03-13..2026-04-13")  # cycle restarts
    assert on("2026-06-12") == ("advanced-monthly", "2026-05-13..2026-06-13")  # DOWNGRADING
    assert on("2026-06-13") == ("growth-monthly", "2026-06-13..2026-07-13")


def test_the_end_of_the_year(year: Timeline) -> None:
    final = year.final
    assert final.state is S.CANCELLED
    assert final.cancelled_on == d("2026-09-13")
    assert final.cancel_reason is CancelReason.REQUESTED
    assert final.marked_for_deletion_on == d("2026-12-12")
    assert final.unpaid == ()  # every invoice was paid in the end
    assert final.awaiting_usage == ()
    assert final.invoices_issued == 13


def test_money_collected_adds_up(year: Timeline) -> None:
    # Invoices charged and not voided: 99 + 99 + 60 + 160.71 + 80 + 189 + 189 + 30
    # + 99 + 99 + 99 + 20 = 1 223.71.
    voided = {a.invoice.id for a in year.actions if a.kind is ActionKind.VOID_INVOICE and a.invoice}
    issued = [
        a.invoice
        for a in year.actions
        if a.kind is ActionKind.ISSUE_INVOICE and a.invoice and a.invoice.id not in voided
    ]
    total = sum((i.amount for i in issued if i is not None), Money("0.00", "EUR"))
    assert total == Money("1223.71", "EUR")


def test_refusals_on_the_way(year: Timeline) -> None:
    # A member may not upgrade; a member may not cancel; nobody upgrades while frozen.
    active = year.on(d("2026-03-01")).subscription
    with pytest.raises(NotAllowedError):
        apply(active, ChangePlan(on=d("2026-03-02"), role="member", plan=ADVANCED))
    with pytest.raises(NotAllowedError):
        apply(active, Cancel(on=d("2026-03-02"), role="member"))
    frozen = year.on(d("2026-04-18")).subscription
    premium = Plan(code="premium", name="Premium", currency="EUR", base_fee=Money("300.00", "EUR"))
    with pytest.raises(TransitionError) as caught:
        apply(frozen, ChangePlan(on=d("2026-04-19"), role="org_admin", plan=premium))
    assert caught.value.state == "frozen"
    assert caught.value.event == "upgrade"
    assert "pay" in caught.value.allowed
