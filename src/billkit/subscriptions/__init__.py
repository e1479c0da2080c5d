"""Subscriptions and services: lifecycles, dunning, renewals, as pure transitions.

* :mod:`~billkit.subscriptions.lifecycle`: the messaging business's
  subscription (TRIAL to CANCELLED): upgrades at once with a pro rata charge,
  downgrades and cancellations at the end of the cycle, unpaid invoices,
  grace, FROZEN, CANCELLED and the deletion mark; roles that may change
  billing; :func:`apply` an event, :func:`advance` through time;
* :mod:`~billkit.subscriptions.dunning`: the dunning schedule as data and
  :func:`simulate_dunning` over a calendar;
* :mod:`~billkit.subscriptions.simulate`: a subscription replayed day by day;
* :mod:`~billkit.subscriptions.services`: the hosting provider's service
  states, who may move them, which are billed;
* :mod:`~billkit.subscriptions.renewals`: auto-renewal from the balance or a
  saved payment method, and the saved methods' states;
* :mod:`~billkit.subscriptions.actions`: what every function asks the caller
  to do (:class:`SubscriptionAction`), the invoices it tracks, the access a state gives.

Every function takes the current state, what happened and the date, and
returns the new state and the actions; nothing reads a clock or does I/O.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.pricing import Plan
>>> from billkit.subscriptions import PaymentFailed, Subscribe, PaymentSucceeded, advance, apply, start_trial
>>> growth = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
>>> sub = start_trial("org-1", plan=growth, on=date(2026, 1, 1)).subscription
>>> sub = apply(sub, Subscribe(on=date(2026, 1, 1), role="org_admin", plan=growth)).subscription
>>> sub = apply(sub, PaymentSucceeded(on=date(2026, 1, 1), invoice_id="org-1/0001")).subscription
>>> out = apply(sub, PaymentFailed(on=date(2026, 2, 1), invoice_id="org-1/0002", reason="card declined"))
>>> out.subscription.state.value
'pending_payment'
>>> advance(out.subscription, date(2026, 2, 7)).subscription.state.value
'frozen'
"""

from __future__ import annotations

from billkit.subscriptions.actions import (
    Access,
    ActionKind,
    InvoiceKind,
    IssuedInvoice,
    SubscriptionAction,
    SubscriptionNoticeKind,
    Transition,
)
from billkit.subscriptions.dunning import (
    MESSAGING_DUNNING,
    DunningAnchor,
    DunningMove,
    DunningSchedule,
    DunningStep,
    ScheduledMove,
    cancel_date,
    simulate_dunning,
)
from billkit.subscriptions.lifecycle import (
    DEFAULT_LIFECYCLE,
    Cancel,
    CancelReason,
    ChangePlan,
    Checkout,
    Event,
    InvoiceVoided,
    LifecycleSettings,
    Outcome,
    PaymentFailed,
    PaymentSucceeded,
    Role,
    ScheduledChange,
    Subscribe,
    Subscription,
    SubscriptionState,
    UndoScheduledChange,
    UsageReported,
    UsageWindow,
    advance,
    allowed_events,
    apply,
    start_trial,
)
from billkit.subscriptions.renewals import (
    DEFAULT_RENEWAL,
    MethodEvent,
    MethodState,
    RenewalOutcome,
    RenewalSettings,
    SavedMethod,
    delete_method,
    method_transition,
    renewal_day,
    renewal_result,
    renewal_window,
)
from billkit.subscriptions.services import (
    BALANCE,
    DEFAULT_SERVICE_SETTINGS,
    Actor,
    BillingMode,
    Operation,
    Service,
    ServiceEvent,
    ServiceOutcome,
    ServiceSettings,
    ServiceState,
    daily_charge,
    is_billed,
    service_transition,
)
from billkit.subscriptions.simulate import Day, Timeline, simulate

__all__ = [
    "BALANCE",
    "DEFAULT_LIFECYCLE",
    "DEFAULT_RENEWAL",
    "DEFAULT_SERVICE_SETTINGS",
    "MESSAGING_DUNNING",
    "Access",
    "ActionKind",
    "Actor",
    "BillingMode",
    "Cancel",
    "CancelReason",
    "ChangePlan",
    "Checkout",
    "Day",
    "DunningAnchor",
    "DunningMove",
    "DunningSchedule",
    "DunningStep",
    "Event",
    "InvoiceKind",
    "InvoiceVoided",
    "IssuedInvoice",
    "LifecycleSettings",
    "MethodEvent",
    "MethodState",
    "Operation",
    "Outcome",
    "PaymentFailed",
    "PaymentSucceeded",
    "RenewalOutcome",
    "RenewalSettings",
    "Role",
    "SavedMethod",
    "ScheduledChange",
    "ScheduledMove",
    "Service",
    "ServiceEvent",
    "ServiceOutcome",
    "ServiceSettings",
    "ServiceState",
    "Subscribe",
    "Subscription",
    "SubscriptionAction",
    "SubscriptionNoticeKind",
    "SubscriptionState",
    "Timeline",
    "Transition",
    "UndoScheduledChange",
    "UsageReported",
    "UsageWindow",
    "advance",
    "allowed_events",
    "apply",
    "cancel_date",
    "daily_charge",
    "delete_method",
    "is_billed",
    "method_transition",
    "renewal_day",
    "renewal_result",
    "renewal_window",
    "service_transition",
    "simulate",
    "simulate_dunning",
    "start_trial",
]
