"""Subscriptions and services: lifecycles, dunning, renewals, as pure transitions.

The names most callers need are here; the rest live in the module that
defines them:

* :mod:`~billkit.subscriptions.lifecycle`: the messaging business's
  subscription (TRIAL to CANCELLED): upgrades at once with a pro rata charge,
  downgrades and cancellations at the end of the cycle, unpaid invoices,
  grace, FROZEN, CANCELLED and the deletion mark; :func:`apply` an event,
  :func:`advance` through time;
* :mod:`~billkit.subscriptions.settings`: the states, roles and every rule's
  number as :class:`LifecycleSettings`;
* :mod:`~billkit.subscriptions.subscription`: the :class:`Subscription` value
  and the :class:`~billkit.subscriptions.subscription.Outcome` every function
  returns;
* :mod:`~billkit.subscriptions.events`: the events :func:`apply` accepts;
* :mod:`~billkit.subscriptions.dunning`: the dunning schedule as data and
  ``simulate_dunning`` over a calendar;
* :mod:`~billkit.subscriptions.overdue`: an overdue ladder of blocking
  states entered on their own conditions (Kill Bill's overdue system) and
  retry schedules as days or as intervals;
* :mod:`~billkit.subscriptions.statuses`: Stripe's subscription statuses
  as a lifecycle option;
* :mod:`~billkit.subscriptions.timeline`: a subscription replayed day by day;
* :mod:`~billkit.subscriptions.services`: the hosting provider's service
  states, who may move them, which are billed;
* :mod:`~billkit.subscriptions.renewals`: auto-renewal from the balance or a
  saved payment method, and the saved methods' states;
* :mod:`~billkit.subscriptions.actions`: what every function asks the caller
  to do (:class:`SubscriptionAction`), the invoices it tracks, the access a
  state gives.

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

from typing import TYPE_CHECKING

from billkit import _lazy

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
    from billkit.subscriptions.actions import ActionKind, SubscriptionAction
    from billkit.subscriptions.events import (
        Cancel,
        ChangePlan,
        PaymentFailed,
        PaymentSucceeded,
        Subscribe,
    )
    from billkit.subscriptions.lifecycle import advance, apply, start_trial
    from billkit.subscriptions.settings import LifecycleSettings, SubscriptionState
    from billkit.subscriptions.subscription import Subscription
    from billkit.subscriptions.timeline import simulate

_EXPORTS = {
    "ActionKind": "billkit.subscriptions.actions",
    "SubscriptionAction": "billkit.subscriptions.actions",
    "Cancel": "billkit.subscriptions.events",
    "ChangePlan": "billkit.subscriptions.events",
    "PaymentFailed": "billkit.subscriptions.events",
    "PaymentSucceeded": "billkit.subscriptions.events",
    "Subscribe": "billkit.subscriptions.events",
    "advance": "billkit.subscriptions.lifecycle",
    "apply": "billkit.subscriptions.lifecycle",
    "start_trial": "billkit.subscriptions.lifecycle",
    "LifecycleSettings": "billkit.subscriptions.settings",
    "SubscriptionState": "billkit.subscriptions.settings",
    "simulate": "billkit.subscriptions.timeline",
    "Subscription": "billkit.subscriptions.subscription",
}

# Names that left __all__ in 0.x (issue 9) stay importable from the package for
# code written before; new code imports them from the module that defines them.
_FORMER = {
    "Access": "billkit.subscriptions.actions",
    "InvoiceKind": "billkit.subscriptions.actions",
    "IssuedInvoice": "billkit.subscriptions.actions",
    "Transition": "billkit.subscriptions.actions",
    "DunningAnchor": "billkit.subscriptions.dunning",
    "DunningMove": "billkit.subscriptions.dunning",
    "DunningSchedule": "billkit.subscriptions.dunning",
    "DunningStep": "billkit.subscriptions.dunning",
    "MESSAGING_DUNNING": "billkit.subscriptions.dunning",
    "ScheduledMove": "billkit.subscriptions.dunning",
    "cancel_date": "billkit.subscriptions.dunning",
    "simulate_dunning": "billkit.subscriptions.dunning",
    "Event": "billkit.subscriptions.events",
    "InvoiceVoided": "billkit.subscriptions.events",
    "UndoScheduledChange": "billkit.subscriptions.events",
    "UsageReported": "billkit.subscriptions.events",
    "allowed_events": "billkit.subscriptions.lifecycle",
    "DEFAULT_RENEWAL": "billkit.subscriptions.renewals",
    "MethodEvent": "billkit.subscriptions.renewals",
    "MethodState": "billkit.subscriptions.renewals",
    "RenewalOutcome": "billkit.subscriptions.renewals",
    "RenewalSettings": "billkit.subscriptions.renewals",
    "SavedMethod": "billkit.subscriptions.renewals",
    "delete_method": "billkit.subscriptions.renewals",
    "method_transition": "billkit.subscriptions.renewals",
    "renewal_day": "billkit.subscriptions.renewals",
    "renewal_result": "billkit.subscriptions.renewals",
    "renewal_window": "billkit.subscriptions.renewals",
    "Actor": "billkit.subscriptions.services",
    "BALANCE": "billkit.subscriptions.services",
    "BillingMode": "billkit.subscriptions.services",
    "DEFAULT_SERVICE_SETTINGS": "billkit.subscriptions.services",
    "Operation": "billkit.subscriptions.services",
    "Service": "billkit.subscriptions.services",
    "ServiceEvent": "billkit.subscriptions.services",
    "ServiceOutcome": "billkit.subscriptions.services",
    "ServiceSettings": "billkit.subscriptions.services",
    "ServiceState": "billkit.subscriptions.services",
    "daily_charge": "billkit.subscriptions.services",
    "is_billed": "billkit.subscriptions.services",
    "service_transition": "billkit.subscriptions.services",
    "CancelReason": "billkit.subscriptions.settings",
    "DEFAULT_LIFECYCLE": "billkit.subscriptions.settings",
    "Role": "billkit.subscriptions.settings",
    "Day": "billkit.subscriptions.timeline",
    "Timeline": "billkit.subscriptions.timeline",
    "Checkout": "billkit.subscriptions.subscription",
    "Outcome": "billkit.subscriptions.subscription",
    "ScheduledChange": "billkit.subscriptions.subscription",
    "UsageWindow": "billkit.subscriptions.subscription",
}

__all__ = [
    "ActionKind",
    "Cancel",
    "ChangePlan",
    "LifecycleSettings",
    "PaymentFailed",
    "PaymentSucceeded",
    "Subscribe",
    "Subscription",
    "SubscriptionAction",
    "SubscriptionState",
    "advance",
    "apply",
    "simulate",
    "start_trial",
]
__getattr__, __dir__ = _lazy.attach(__name__, {**_EXPORTS, **_FORMER})
