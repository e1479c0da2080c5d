"""Stripe's subscription statuses, as a lifecycle option.

Teams that move from Stripe Billing keep talking in its statuses:
``incomplete``, ``incomplete_expired``, ``trialing``, ``active``,
``past_due``, ``canceled``, ``unpaid`` and ``paused``. A
:class:`StripeLifecycle` moves a :class:`StripeStatus` along a
:class:`StripeEvent` as Stripe's API reference describes it:

* a subscription whose first payment fails is ``incomplete``; paying its
  first invoice makes it ``active``; unpaid after 23 hours it is
  ``incomplete_expired``, a final status;
* a trial is ``trialing`` and becomes ``active`` when it ends; one that ends
  without a payment method follows ``missing_payment_method`` (Stripe's
  ``trial_settings.end_behavior``): ``paused`` (resumed once a method is
  added), ``canceled``, or an invoice is created as usual;
* a failed renewal makes it ``past_due``; when the retries run out it becomes
  ``canceled``, ``unpaid`` or stays ``past_due`` (``when_retries_fail``,
  Stripe's subscription settings); paying the latest invoice makes a
  ``past_due`` or ``unpaid`` subscription ``active`` again.

>>> from datetime import datetime, timezone
>>> stripe = StripeLifecycle(when_retries_fail="mark_unpaid")
>>> status = stripe.apply("active", "payment_failed")
>>> status, stripe.apply(status, "retries_exhausted")
(<StripeStatus.PAST_DUE: 'past_due'>, <StripeStatus.UNPAID: 'unpaid'>)
>>> created = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
>>> stripe.expires_at(created)
datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone.utc)
>>> stripe.expire("incomplete", created, datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
<StripeStatus.INCOMPLETE_EXPIRED: 'incomplete_expired'>
"""

from __future__ import annotations

import enum
import functools
from datetime import datetime, timedelta
from typing import ClassVar, Final

import attrs

from billkit import _checks as checks
from billkit._states import Machine
from billkit.errors import SubscriptionError, ValidationError

__all__ = [
    "MissingPaymentMethod",
    "RetriesExhausted",
    "StripeEvent",
    "StripeLifecycle",
    "StripeStatus",
]


class StripeStatus(str, enum.Enum):
    """A Stripe subscription status (the API's ``status`` values).

    >>> StripeStatus("past_due") is StripeStatus.PAST_DUE
    True
    """

    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


class StripeEvent(str, enum.Enum):
    """What happens to a subscription.

    ``payment_succeeded`` and ``payment_failed``: an invoice of it paid, or a
    payment on it failed; ``expired``: its first invoice still unpaid 23
    hours after creation; ``trial_ended`` (with a payment method) and
    ``trial_ended_without_payment_method``; ``retries_exhausted``: the last
    retry failed; ``resumed``: a paused subscription resumed; ``canceled``.

    >>> StripeEvent("retries_exhausted") is StripeEvent.RETRIES_EXHAUSTED
    True
    """

    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"
    EXPIRED = "expired"
    TRIAL_ENDED = "trial_ended"
    TRIAL_ENDED_WITHOUT_PAYMENT_METHOD = "trial_ended_without_payment_method"
    RETRIES_EXHAUSTED = "retries_exhausted"
    RESUMED = "resumed"
    CANCELED = "canceled"


class RetriesExhausted(str, enum.Enum):
    """What a ``past_due`` subscription becomes when every retry failed
    (Stripe's subscription settings: cancel it, mark it unpaid, or leave it
    past due).

    >>> RetriesExhausted("leave_past_due").name
    'LEAVE_PAST_DUE'
    """

    CANCEL = "cancel"
    MARK_UNPAID = "mark_unpaid"
    LEAVE_PAST_DUE = "leave_past_due"


class MissingPaymentMethod(str, enum.Enum):
    """What a trial that ends without a payment method does (Stripe's
    ``trial_settings.end_behavior.missing_payment_method``): create the
    invoice as usual (the subscription turns ``active`` and its payment
    fails on its own), ``pause`` it or ``cancel`` it.

    >>> MissingPaymentMethod("pause") is MissingPaymentMethod.PAUSE
    True
    """

    CREATE_INVOICE = "create_invoice"
    PAUSE = "pause"
    CANCEL = "cancel"


_S: Final = StripeStatus
_E: Final = StripeEvent
_AFTER_RETRIES: Final = {
    RetriesExhausted.CANCEL: _S.CANCELED,
    RetriesExhausted.MARK_UNPAID: _S.UNPAID,
    RetriesExhausted.LEAVE_PAST_DUE: _S.PAST_DUE,
}
_WITHOUT_METHOD: Final = {
    MissingPaymentMethod.CREATE_INVOICE: _S.ACTIVE,
    MissingPaymentMethod.PAUSE: _S.PAUSED,
    MissingPaymentMethod.CANCEL: _S.CANCELED,
}


@functools.cache
def _machine(
    retries: RetriesExhausted, missing: MissingPaymentMethod
) -> Machine[StripeStatus, StripeEvent]:
    table = {
        (_S.INCOMPLETE, _E.PAYMENT_SUCCEEDED): _S.ACTIVE,
        (_S.INCOMPLETE, _E.PAYMENT_FAILED): _S.INCOMPLETE,
        (_S.INCOMPLETE, _E.EXPIRED): _S.INCOMPLETE_EXPIRED,
        (_S.INCOMPLETE, _E.CANCELED): _S.CANCELED,
        (_S.TRIALING, _E.TRIAL_ENDED): _S.ACTIVE,
        (_S.TRIALING, _E.TRIAL_ENDED_WITHOUT_PAYMENT_METHOD): _WITHOUT_METHOD[missing],
        (_S.TRIALING, _E.CANCELED): _S.CANCELED,
        (_S.ACTIVE, _E.PAYMENT_SUCCEEDED): _S.ACTIVE,
        (_S.ACTIVE, _E.PAYMENT_FAILED): _S.PAST_DUE,
        (_S.ACTIVE, _E.CANCELED): _S.CANCELED,
        (_S.PAST_DUE, _E.PAYMENT_SUCCEEDED): _S.ACTIVE,
        (_S.PAST_DUE, _E.PAYMENT_FAILED): _S.PAST_DUE,
        (_S.PAST_DUE, _E.RETRIES_EXHAUSTED): _AFTER_RETRIES[retries],
        (_S.PAST_DUE, _E.CANCELED): _S.CANCELED,
        (_S.UNPAID, _E.PAYMENT_SUCCEEDED): _S.ACTIVE,
        (_S.UNPAID, _E.PAYMENT_FAILED): _S.UNPAID,
        (_S.UNPAID, _E.CANCELED): _S.CANCELED,
        (_S.PAUSED, _E.RESUMED): _S.ACTIVE,
        (_S.PAUSED, _E.CANCELED): _S.CANCELED,
    }
    return Machine(
        "stripe subscription", StripeStatus, table, events=StripeEvent, error=SubscriptionError
    )


@attrs.frozen(kw_only=True)
class StripeLifecycle:
    """Stripe's subscription statuses with its two settings:
    ``when_retries_fail`` (:class:`RetriesExhausted`, ``cancel`` here by
    default) and ``missing_payment_method`` (:class:`MissingPaymentMethod`,
    ``create_invoice`` by default, as in Stripe's API); an ``incomplete``
    subscription expires ``incomplete_hours`` after its creation (23).

    ``canceled`` and ``incomplete_expired`` are final; any other status may
    be canceled. An event a status does not take is refused with a
    :class:`~billkit.errors.TransitionError` listing the ones it takes:

    >>> StripeLifecycle().apply("incomplete_expired", "payment_succeeded")
    Traceback (most recent call last):
    ...
    billkit.errors.TransitionError: stripe subscription in state 'incomplete_expired' cannot 'payment_succeeded'; allowed: nothing (a final state)
    >>> StripeLifecycle(missing_payment_method="pause").apply("trialing",
    ...                                                       "trial_ended_without_payment_method")
    <StripeStatus.PAUSED: 'paused'>
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    when_retries_fail: RetriesExhausted = attrs.field(
        default=RetriesExhausted.CANCEL, converter=checks.MEMBER
    )
    missing_payment_method: MissingPaymentMethod = attrs.field(
        default=MissingPaymentMethod.CREATE_INVOICE, converter=checks.MEMBER
    )
    incomplete_hours: int = attrs.field(
        default=23, converter=checks.WHOLE, metadata=checks.options(low=1, high=24 * 366)
    )

    def start(self, *, trial: bool = False, paid: bool = False) -> StripeStatus:
        """The status a new subscription starts in: ``trialing`` with a
        trial, ``active`` when its first invoice was paid, else ``incomplete``.

        >>> StripeLifecycle().start(), StripeLifecycle().start(paid=True)
        (<StripeStatus.INCOMPLETE: 'incomplete'>, <StripeStatus.ACTIVE: 'active'>)
        """
        if checks.flag("trial", trial, error=SubscriptionError):
            return StripeStatus.TRIALING
        if checks.flag("paid", paid, error=SubscriptionError):
            return StripeStatus.ACTIVE
        return StripeStatus.INCOMPLETE

    def apply(self, status: object, event: object) -> StripeStatus:
        """The status after ``event`` (a :class:`StripeEvent` or its value)."""
        return _machine(self.when_retries_fail, self.missing_payment_method).apply(status, event)

    def allowed(self, status: object) -> tuple[StripeEvent, ...]:
        """The events ``status`` takes.

        >>> [e.value for e in StripeLifecycle().allowed("paused")]
        ['resumed', 'canceled']
        """
        return _machine(self.when_retries_fail, self.missing_payment_method).allowed(status)

    def expires_at(self, created_at: datetime) -> datetime:
        """When an ``incomplete`` subscription created at ``created_at`` expires."""
        checks.moment("created_at", created_at, error=SubscriptionError)
        return created_at + timedelta(hours=self.incomplete_hours)

    def expire(self, status: object, created_at: datetime, now: datetime) -> StripeStatus:
        """``status`` at ``now``: ``incomplete_expired`` for an ``incomplete``
        subscription created at least ``incomplete_hours`` before, otherwise
        ``status`` as it is."""
        current = _machine(self.when_retries_fail, self.missing_payment_method).state(status)
        checks.moment("now", now, error=SubscriptionError)
        if current is StripeStatus.INCOMPLETE and now >= self.expires_at(created_at):
            return self.apply(current, StripeEvent.EXPIRED)
        return current
