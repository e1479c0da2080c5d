"""The engine: runs a billing business on a store, a payment gateway, a notifier and a clock.

:class:`Billing` is the one place that reads the clock, touches the store,
calls the gateway and queues notifications. Its month-end :meth:`Billing.run`
bills every due subscription by recompute-and-diff
(:func:`billkit.billing.plan_documents`, :func:`billkit.billing.diff`), in
one transaction per customer with gap-free numbers, then collects payment:

* from the customer's balance first, then from the saved payment method;
* every gateway call carries an idempotency key derived from what it is for
  (``pay|<document>|<attempt>``), so a run retried after a crash never charges
  twice: the gateway replays the first answer;
* a failed payment is recorded on the document (its ``payment_failed``
  events count the attempts, one a day); after ``max_attempts`` the
  subscription is frozen, or, given ``dunning=`` a
  :class:`~billkit.subscriptions.DunningSchedule`, the schedule's retries,
  notices, freeze and cancellation happen on its days; given ``overdue=``
  an :class:`~billkit.subscriptions.OverdueLadder`, its states (weighed
  per account, on the days the invoices' dates give) block changes,
  freeze and cancel; both are kept in the store;
* a customer whose run fails with a billkit error is skipped and named in
  the :class:`RunReport`; the next run tries again.

It also keeps what the example businesses need around the month end:
top-ups with the payment method's commission and cashback and the bonus
program (:meth:`Billing.top_up`), upgrades at once with proration and
downgrades at the cycle end (:meth:`Billing.change_plan`), autopayment
within a customer's monthly cap, the credit-limit schedule of postpaid
customers (statement, due, overdue, blocked), and usage alerts at 90 % and
100 % of an allowance.

Notifications go to the store's outbox in the transaction that makes them
true, one per channel the customer chose for the topic's category
(:data:`billkit.ports.CATEGORIES`), each under a de-duplication key, and
:meth:`Billing.deliver` hands them to the :class:`~billkit.ports.Notifier`
at least once.

See ``docs/engine.md`` for a whole month of an app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from billkit import _lazy

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
    from billkit.engine._billing import Billing
    from billkit.engine._core import DUNNING_ID as DUNNING_ID
    from billkit.engine._core import SELLER_ID as SELLER_ID
    from billkit.engine._core import SETTINGS_ID as SETTINGS_ID
    from billkit.engine._report import RunReport

# Each name -> the module of the engine package that defines it (the package was one
# module until it was split by concern: docs/architecture.md).
_EXPORTS = {
    "Billing": "billkit.engine._billing",
    "DUNNING_ID": "billkit.engine._core",
    "RunReport": "billkit.engine._report",
    "SELLER_ID": "billkit.engine._core",
    "SETTINGS_ID": "billkit.engine._core",
}
__all__ = ["Billing", "RunReport"]
__getattr__, __dir__ = _lazy.attach(__name__, _EXPORTS)
