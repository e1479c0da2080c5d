"""A year of one organisation of the messaging business, simulated day by day.

Example business 4 (the messaging business, docs/examples-businesses.md): a trial; a subscription; an upgrade that takes
effect at once, restarts the billing cycle and charges a pro rata amount (the
first attempt fails 3-D Secure and changes nothing; on-demand usage is billed
at once); a renewal whose card is declined: PENDING PAYMENT, five days of
grace, FROZEN (outbound blocked, inbound kept), paid, ACTIVE again; a
downgrade at the end of the cycle; a cancellation at the end of the cycle;
marked for deletion 90 days later. Only organisation and billing admins
change billing, and only organisation admins cancel.

No clock, no I/O: the lifecycle is a pure function of the events, so the year
is replayed from them and every state and action is asserted below, with the
arithmetic beside each figure.

Run: python examples/messaging_year.py
"""

from __future__ import annotations

from datetime import date, timedelta

from billkit import Money, Period
from billkit.demo import demo_catalog
from billkit.errors import NotAllowedError, TransitionError
from billkit.pricing import Plan, overage_charge
from billkit.subscriptions import (
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

S = SubscriptionState
MAC = "monthly_active_contacts"


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def d(text: str) -> date:
    return date.fromisoformat(text)


growth = demo_catalog()["growth-monthly"]  # 99.00, 1 000 contacts, blocks of 100 at 20.00
advanced = Plan(  # illustrative: 189.00, 3 000 contacts, blocks of 100 at 15.00
    code="advanced-monthly",
    name="Advanced, monthly",
    currency="EUR",
    base_fee=eur("189.00"),
    charges=[overage_charge("mac-blocks", MAC, included=3000, price=eur("15.00"), block=100)],
)


def usage(on: str, start: str, end: str, contacts: int) -> UsageReported:
    """The caller's answer to a MEASURE_USAGE action: the contacts of a closed period."""
    return UsageReported(on=d(on), period=Period(d(start), d(end)), usage={MAC: contacts})


def paid(on: str, n: int) -> PaymentSucceeded:
    return PaymentSucceeded(on=d(on), invoice_id=f"org-1/{n:04d}")


events: list[Event] = [
    # The trial (14 days from 5 January) ends unused on the 19th; the org admin subscribes on the 21st.
    Subscribe(on=d("2026-01-21"), role="org_admin", plan=growth),
    paid("2026-01-21", 1),
    paid("2026-02-21", 2),
    usage("2026-02-21", "2026-01-21", "2026-02-21", 1250),
    paid("2026-02-21", 3),
    # The billing admin upgrades; 3-D Secure fails: nothing changes. The next day it works.
    ChangePlan(on=d("2026-03-12"), role="billing_admin", plan=advanced),
    PaymentFailed(on=d("2026-03-12"), invoice_id="org-1/0004", reason="3-D Secure failed"),
    ChangePlan(on=d("2026-03-13"), role="billing_admin", plan=advanced),
    paid("2026-03-13", 5),
    usage("2026-03-13", "2026-02-21", "2026-03-13", 1400),
    paid("2026-03-13", 6),
    # April's renewal is declined; the organisation pays a week later.
    PaymentFailed(on=d("2026-04-13"), invoice_id="org-1/0007", reason="card declined"),
    usage("2026-04-13", "2026-03-13", "2026-04-13", 2500),
    paid("2026-04-20", 7),
    paid("2026-05-13", 8),
    usage("2026-05-13", "2026-04-13", "2026-05-13", 3150),
    paid("2026-05-13", 9),
    # Back to Growth at the end of the cycle.
    ChangePlan(on=d("2026-06-02"), role="org_admin", plan=growth),
    paid("2026-06-13", 10),
    usage("2026-06-13", "2026-05-13", "2026-06-13", 2000),
    paid("2026-07-13", 11),
    usage("2026-07-13", "2026-06-13", "2026-07-13", 900),
    paid("2026-08-13", 12),
    usage("2026-08-13", "2026-07-13", "2026-08-13", 1000),
    # The org admin cancels: at the end of the cycle, 13 September.
    Cancel(on=d("2026-08-25"), role="org_admin", reason="moving to another tool"),
    usage("2026-09-13", "2026-08-13", "2026-09-13", 1100),
    paid("2026-09-13", 13),
]

trial = start_trial("org-1", plan=growth, on=d("2026-01-05")).subscription
year = simulate(trial, events, until=d("2027-01-05"))
assert len(year.days) == 365

# Every state, day by day --------------------------------------------------------------
print("States\n------")
for first, after, state in year.spans():
    print(f"{first} .. {after - timedelta(days=1)}  {state.value}")
assert [(str(a), str(b), s) for a, b, s in year.spans()] == [
    ("2026-01-05", "2026-01-19", S.TRIAL),  # 14 days
    ("2026-01-19", "2026-01-21", S.TRIAL_ENDED),
    ("2026-01-21", "2026-04-13", S.ACTIVE),
    ("2026-04-13", "2026-04-18", S.PENDING_PAYMENT),  # 13th to 17th: five days of grace
    ("2026-04-18", "2026-04-20", S.FROZEN),
    ("2026-04-20", "2026-06-02", S.ACTIVE),
    ("2026-06-02", "2026-06-13", S.DOWNGRADING),
    ("2026-06-13", "2026-08-25", S.ACTIVE),
    ("2026-08-25", "2026-09-13", S.CANCELLING),
    ("2026-09-13", "2027-01-05", S.CANCELLED),
]

# Every action ---------------------------------------------------------------------------
print("\nActions\n-------")
for action in year.actions:
    print(action)


def row(a: SubscriptionAction) -> tuple[str, str, str, str]:
    detail = (
        a.invoice.id
        if a.invoice is not None
        else a.notice.value
        if a.notice is not None
        else str(a.period)
        if a.period is not None
        else ""
    )
    return (str(a.on), a.kind.value, detail, format(a.amount.amount, "f") if a.amount else "")


assert [row(a) for a in year.actions] == [
    ("2026-01-19", "block", "", ""),  # trial ended: outbound and workflows off
    ("2026-01-19", "notify", "trial_ended", ""),
    ("2026-01-21", "issue_invoice", "org-1/0001", "99.00"),
    ("2026-01-21", "charge", "org-1/0001", "99.00"),
    ("2026-01-21", "unblock", "", ""),
    ("2026-01-21", "notify", "plan_changed", ""),
    ("2026-02-21", "measure_usage", "2026-01-21..2026-02-21", ""),
    ("2026-02-21", "issue_invoice", "org-1/0002", "99.00"),
    ("2026-02-21", "charge", "org-1/0002", "99.00"),
    ("2026-02-21", "issue_invoice", "org-1/0003", "60.00"),  # 1 250: 3 blocks x 20.00
    ("2026-02-21", "charge", "org-1/0003", "60.00"),
    # 21 Feb to 21 Mar is 28 days; 9 unused from the 12th: 99.00 - round(99 x 19/28) =
    # 99.00 - 67.18 = 31.82 of credit; Advanced from the 12th, a whole month: 189.00.
    ("2026-03-12", "issue_invoice", "org-1/0004", "157.18"),  # 189.00 - 31.82
    ("2026-03-12", "charge", "org-1/0004", "157.18"),
    ("2026-03-12", "void_invoice", "org-1/0004", ""),
    ("2026-03-12", "notify", "checkout_failed", ""),
    # 8 unused from the 13th: 99.00 - round(99 x 20/28) = 99.00 - 70.71 = 28.29.
    ("2026-03-13", "issue_invoice", "org-1/0005", "160.71"),  # 189.00 - 28.29
    ("2026-03-13", "charge", "org-1/0005", "160.71"),
    ("2026-03-13", "measure_usage", "2026-02-21..2026-03-13", ""),  # the cycle restarts
    ("2026-03-13", "notify", "plan_changed", ""),
    ("2026-03-13", "issue_invoice", "org-1/0006", "80.00"),  # 1 400: 4 blocks, billed at once
    ("2026-03-13", "charge", "org-1/0006", "80.00"),
    ("2026-04-13", "measure_usage", "2026-03-13..2026-04-13", ""),  # 2 500 < 3 000: nothing
    ("2026-04-13", "issue_invoice", "org-1/0007", "189.00"),
    ("2026-04-13", "charge", "org-1/0007", "189.00"),
    ("2026-04-13", "notify", "payment_failed", ""),
    ("2026-04-13", "notify", "payment_overdue", ""),
    ("2026-04-18", "block", "", ""),  # FROZEN: outbound and workflows blocked, inbound kept
    ("2026-04-18", "notify", "frozen", ""),
    ("2026-04-20", "unblock", "", ""),
    ("2026-04-20", "notify", "payment_received", ""),
    ("2026-05-13", "measure_usage", "2026-04-13..2026-05-13", ""),
    ("2026-05-13", "issue_invoice", "org-1/0008", "189.00"),
    ("2026-05-13", "charge", "org-1/0008", "189.00"),
    ("2026-05-13", "issue_invoice", "org-1/0009", "30.00"),  # 3 150: 2 blocks x 15.00
    ("2026-05-13", "charge", "org-1/0009", "30.00"),
    ("2026-06-02", "notify", "downgrade_scheduled", ""),
    ("2026-06-13", "measure_usage", "2026-05-13..2026-06-13", ""),  # priced by Advanced
    ("2026-06-13", "notify", "plan_changed", ""),
    ("2026-06-13", "issue_invoice", "org-1/0010", "99.00"),  # Growth from the new cycle
    ("2026-06-13", "charge", "org-1/0010", "99.00"),
    ("2026-07-13", "measure_usage", "2026-06-13..2026-07-13", ""),
    ("2026-07-13", "issue_invoice", "org-1/0011", "99.00"),
    ("2026-07-13", "charge", "org-1/0011", "99.00"),
    ("2026-08-13", "measure_usage", "2026-07-13..2026-08-13", ""),
    ("2026-08-13", "issue_invoice", "org-1/0012", "99.00"),
    ("2026-08-13", "charge", "org-1/0012", "99.00"),
    ("2026-08-25", "notify", "cancellation_scheduled", ""),
    ("2026-09-13", "measure_usage", "2026-08-13..2026-09-13", ""),
    ("2026-09-13", "block", "", ""),  # CANCELLED: nothing kept
    ("2026-09-13", "notify", "cancelled", ""),
    ("2026-09-13", "issue_invoice", "org-1/0013", "20.00"),  # the last usage: 1 block
    ("2026-09-13", "charge", "org-1/0013", "20.00"),
    # 13 September + 90 days: 17 + 31 + 30 + 12 = 90, 12 December.
    ("2026-12-12", "mark_for_deletion", "", ""),
    ("2026-12-12", "notify", "marked_for_deletion", ""),
]

frozen = year.on(d("2026-04-18"))
assert frozen.access.blocked() == ("platform", "outbound", "workflows")
assert frozen.access.kept() == ("inbound",)
assert year.on(d("2026-03-12")).subscription.plan is growth  # the failed upgrade changed nothing
assert year.on(d("2026-03-13")).subscription.cycle == Period(d("2026-03-13"), d("2026-04-13"))
assert year.final.marked_for_deletion_on == d("2026-12-12")
assert year.final.unpaid == ()

# Who may change billing, and when --------------------------------------------------
print()
march = year.on(d("2026-03-01")).subscription
for role, event in [
    ("member", ChangePlan(on=d("2026-03-02"), role="member", plan=advanced)),
    ("member", Cancel(on=d("2026-03-02"), role="member")),
]:
    try:
        apply(march, event)
    except NotAllowedError as refused:
        print(f"refused: {refused}")
    else:
        raise AssertionError(f"{role} should have been refused")
try:  # no upgrade (a charge now) while an invoice is overdue: pay first
    apply(
        frozen.subscription,
        ChangePlan(
            on=d("2026-04-19"),
            role="org_admin",
            plan=Plan(code="premium", name="Premium", currency="EUR", base_fee=eur("300.00")),
        ),
    )
except TransitionError as refused:
    print(f"refused: {refused}")
else:
    raise AssertionError("an upgrade while FROZEN should have been refused")
