"""Hypothesis strategies for the subscriptions room: lifecycle settings, events
that may or may not fit a subscription, dunning schedules.

The plans are the messaging business's (the demo catalog) plus a cheaper and a
dearer one, so that events change plans up, down and sideways.
"""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from billkit import Money
from billkit.demo import demo_catalog
from billkit.pricing import Plan, overage_charge
from billkit.subscriptions import (
    Cancel,
    ChangePlan,
    LifecycleSettings,
    PaymentFailed,
    PaymentSucceeded,
    Subscribe,
    Subscription,
)
from billkit.subscriptions.dunning import DunningSchedule
from billkit.subscriptions.events import Event, InvoiceVoided, UndoScheduledChange, UsageReported

__all__ = [
    "GROWTH",
    "MAC",
    "OFFERS",
    "START",
    "an_event",
    "dunning_schedules",
    "lifecycle_settings",
]

MAC = "monthly_active_contacts"
CATALOG = demo_catalog()
GROWTH = CATALOG["growth-monthly"]
ANNUAL = CATALOG["growth-annual"]
ANNUAL_USAGE = CATALOG["growth-annual-usage"]
STARTER = Plan(code="starter", name="Starter", currency="EUR", base_fee=Money("39.00", "EUR"))
ADVANCED = Plan(
    code="advanced-monthly",
    name="Advanced, monthly",
    currency="EUR",
    base_fee=Money("189.00", "EUR"),
    charges=[
        overage_charge("mac-blocks", MAC, included=3000, price=Money("15.00", "EUR"), block=100)
    ],
)
# (plan, usage plan): the annual fee plan prices no usage; its monthly usage plan does.
OFFERS = [(STARTER, None), (GROWTH, None), (ADVANCED, None), (ANNUAL, ANNUAL_USAGE)]
ROLES = ["org_admin", "billing_admin", "member"]
START = date(2026, 1, 1)


lifecycle_settings = st.builds(
    LifecycleSettings,
    trial_days=st.integers(1, 30),
    payment_terms_days=st.sampled_from([0, 0, 3, 10]),
    dunning=st.builds(
        DunningSchedule.standard,
        grace_days=st.one_of(st.none(), st.integers(0, 10)),
        cancel_at_cycle_end=st.booleans(),
        cancel_after_days=st.one_of(st.none(), st.integers(10, 40)),
        deletion_days=st.one_of(st.none(), st.integers(0, 120)),
        retry_days=st.lists(st.integers(1, 8), max_size=2, unique=True),
        reminder_days=st.lists(st.integers(1, 8), max_size=2, unique=True),
    ),
    unused_credit=st.sampled_from(["offset", "balance", "refund", "forfeit"]),
)


@st.composite
def an_event(draw: st.DrawFn, sub: Subscription, on: date) -> Event | None:
    """An event for ``sub`` on ``on``: often one that fits, sometimes one that does not."""
    kind = draw(
        st.sampled_from(
            ["subscribe", "change", "cancel", "undo", "pay", "fail", "void", "usage", "none"]
        )
    )
    role = draw(st.sampled_from(ROLES))
    plan, usage_plan = draw(st.sampled_from(OFFERS))
    ids = [i.id for i in sub.unpaid]
    if sub.checkout is not None:
        ids.append(sub.checkout.invoice.id)
    invoice_id = draw(st.sampled_from(ids)) if ids and draw(st.integers(0, 9)) else "org-1/9999"
    if kind == "subscribe":
        return Subscribe(on=on, role=role, plan=plan, usage_plan=usage_plan)
    if kind == "change":
        return ChangePlan(on=on, role=role, plan=plan, usage_plan=usage_plan)
    if kind == "cancel":
        return Cancel(on=on, role=role)
    if kind == "undo":
        return UndoScheduledChange(on=on, role=role)
    if kind == "pay":
        return PaymentSucceeded(on=on, invoice_id=invoice_id)
    if kind == "fail":
        return PaymentFailed(on=on, invoice_id=invoice_id, reason="card declined")
    if kind == "void":
        return InvoiceVoided(on=on, invoice_id=invoice_id)
    if kind == "usage" and sub.awaiting_usage:
        window = draw(st.sampled_from(sub.awaiting_usage))
        return UsageReported(on=on, period=window.period, usage={MAC: draw(st.integers(0, 5000))})
    return None


dunning_schedules = st.builds(
    DunningSchedule.standard,
    grace_days=st.one_of(st.none(), st.integers(0, 12)),
    cancel_at_cycle_end=st.booleans(),
    cancel_after_days=st.one_of(st.none(), st.integers(12, 50)),
    deletion_days=st.one_of(st.none(), st.integers(0, 100)),
    retry_days=st.lists(st.integers(1, 10), max_size=3, unique=True),
    reminder_days=st.lists(st.integers(1, 10), max_size=3, unique=True),
)
