"""What the lifecycle functions ask a caller to do, as frozen values.

Every function of :mod:`billkit.subscriptions` returns the new state of the
thing it changed plus the :class:`SubscriptionAction`\\ s the caller must take: issue an
invoice, charge it, void it, credit or refund an amount, send a notice,
block or unblock access, measure usage, mark an organisation for deletion,
charge a saved payment method, stop or start a service. The functions never
do any of it themselves: they read no clock and touch no gateway, so a year of
billing can be replayed from its events alone.

>>> from datetime import date
>>> from billkit.money import Money
>>> action = SubscriptionAction(on=date(2026, 3, 1), kind=ActionKind.NOTIFY, subject="org-1",
...                 notice=SubscriptionNoticeKind.PAYMENT_OVERDUE, recipients=("org_admin", "billing_admin"))
>>> print(action)
2026-03-01 org-1 notify payment_overdue -> org_admin, billing_admin
"""

from __future__ import annotations

import enum
from datetime import date

import attrs
from moneyed import Money

from billkit._kinds import InvoiceKind  # one enum for both rooms
from billkit.periods import Period
from billkit.pricing import PlanChange, Quote

__all__ = [
    "Access",
    "ActionKind",
    "InvoiceKind",
    "IssuedInvoice",
    "SubscriptionAction",
    "SubscriptionNoticeKind",
    "Transition",
]


class ActionKind(str, enum.Enum):
    """What a caller must do.

    * ``ISSUE_INVOICE``: create the document for ``invoice`` (the invoicing
      room builds it from ``invoice.source``, a quote or a plan change);
    * ``CHARGE``: collect ``invoice`` (or ``amount``) from the saved payment
      method (``method``, when a particular one is meant); ``reason`` says
      whether it is a first attempt or a retry;
    * ``DEBIT_BALANCE``: take ``amount`` from the account balance;
    * ``VOID_INVOICE``: void ``invoice`` (a checkout that was not paid);
    * ``CREDIT_BALANCE`` / ``REFUND``: the unused part of a plan, credited to
      the customer's balance or refunded;
    * ``NOTIFY``: send ``notice`` to ``recipients`` (role names);
    * ``BLOCK`` / ``UNBLOCK``: apply ``access``, the new access of the
      organisation (what is blocked and what is kept);
    * ``MEASURE_USAGE``: a usage period closed: measure the usage of
      ``period`` and report it back (:class:`~billkit.subscriptions.UsageReported`);
    * ``MARK_FOR_DELETION``: the cancelled organisation is marked for deletion;
    * ``STOP_SERVICE`` / ``START_SERVICE``: switch a hosted service off or on.

    >>> ActionKind("charge") is ActionKind.CHARGE
    True
    """

    ISSUE_INVOICE = "issue_invoice"
    CHARGE = "charge"
    DEBIT_BALANCE = "debit_balance"
    VOID_INVOICE = "void_invoice"
    CREDIT_BALANCE = "credit_balance"
    REFUND = "refund"
    NOTIFY = "notify"
    BLOCK = "block"
    UNBLOCK = "unblock"
    MEASURE_USAGE = "measure_usage"
    MARK_FOR_DELETION = "mark_for_deletion"
    STOP_SERVICE = "stop_service"
    START_SERVICE = "start_service"


class SubscriptionNoticeKind(str, enum.Enum):
    """Why a notice is sent.

    Subscriptions: ``TRIAL_ENDED``; ``CHECKOUT_FAILED`` (an upgrade or a
    subscription whose payment failed or was never made: nothing changed);
    ``PAYMENT_FAILED`` (with the processor's reason); ``PAYMENT_OVERDUE``,
    ``PAYMENT_REMINDER``, ``FROZEN``, ``PAYMENT_RECEIVED`` (the organisation
    is back), ``CANCELLED``, ``DELETION_REMINDER``, ``MARKED_FOR_DELETION``
    (the dunning schedule's notices); ``PLAN_CHANGED``,
    ``DOWNGRADE_SCHEDULED``, ``CANCELLATION_SCHEDULED``,
    ``SCHEDULED_CHANGE_UNDONE``; ``OVERDUE_STATE`` (the subscription entered
    or left a state of the settings' overdue ladder).

    Services: ``RENEWAL_FAILED``, ``SERVICE_RENEWED``, ``SERVICE_EXPIRED``,
    ``AUTO_RENEWAL_OFF`` (its saved method was deleted).

    >>> SubscriptionNoticeKind("frozen") is SubscriptionNoticeKind.FROZEN
    True
    """

    TRIAL_ENDED = "trial_ended"
    CHECKOUT_FAILED = "checkout_failed"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_OVERDUE = "payment_overdue"
    PAYMENT_REMINDER = "payment_reminder"
    FROZEN = "frozen"
    PAYMENT_RECEIVED = "payment_received"
    CANCELLED = "cancelled"
    DELETION_REMINDER = "deletion_reminder"
    MARKED_FOR_DELETION = "marked_for_deletion"
    PLAN_CHANGED = "plan_changed"
    DOWNGRADE_SCHEDULED = "downgrade_scheduled"
    CANCELLATION_SCHEDULED = "cancellation_scheduled"
    SCHEDULED_CHANGE_UNDONE = "scheduled_change_undone"
    OVERDUE_STATE = "overdue_state"
    RENEWAL_FAILED = "renewal_failed"
    SERVICE_RENEWED = "service_renewed"
    SERVICE_EXPIRED = "service_expired"
    AUTO_RENEWAL_OFF = "auto_renewal_off"


@attrs.frozen(kw_only=True)
class Access:
    """What an organisation may do in a state: part of the state, not a guess.

    * ``platform``: use the application (the billing page stays reachable
      whatever the state, so an overdue invoice can always be paid);
    * ``outbound``: send messages and make calls;
    * ``inbound``: receive and store incoming messages;
    * ``workflows``: run automations.

    A FROZEN organisation of the messaging business keeps its inbound
    messages and loses the rest:

    >>> frozen = Access(platform=False, outbound=False, inbound=True, workflows=False)
    >>> frozen.blocked(), frozen.kept()
    (('platform', 'outbound', 'workflows'), ('inbound',))
    """

    platform: bool
    outbound: bool
    inbound: bool
    workflows: bool

    def _items(self) -> tuple[tuple[str, bool], ...]:
        return (
            ("platform", self.platform),
            ("outbound", self.outbound),
            ("inbound", self.inbound),
            ("workflows", self.workflows),
        )

    def blocked(self) -> tuple[str, ...]:
        """The capabilities this access blocks, in a fixed order."""
        return tuple(name for name, on in self._items() if not on)

    def kept(self) -> tuple[str, ...]:
        """The capabilities this access keeps, in a fixed order."""
        return tuple(name for name, on in self._items() if on)

    def loses(self, other: Access) -> bool:
        """Whether moving from ``self`` to ``other`` blocks anything."""
        return any(
            a and not b for (_, a), (_, b) in zip(self._items(), other._items(), strict=True)
        )

    def gains(self, other: Access) -> bool:
        """Whether moving from ``self`` to ``other`` unblocks anything."""
        return any(
            b and not a for (_, a), (_, b) in zip(self._items(), other._items(), strict=True)
        )


@attrs.frozen(kw_only=True)
class IssuedInvoice:
    """An invoice the lifecycle issued and tracks until it is paid or voided.

    Not the document itself (that is the invoicing room's, built from
    ``source``): the facts the lifecycle needs to chase its payment.

    ``id`` is the subscription's id and a sequence number (deterministic:
    the n-th invoice of ``org-1`` is ``org-1/0003``); ``period`` is what it
    bills for; ``due_on`` the last day to pay; ``overdue_on`` the day it fell
    overdue (a failed charge on or after ``due_on``, or the day after
    ``due_on`` with no payment), ``None`` while it is not. ``source`` is the
    :class:`~billkit.pricing.Quote` or :class:`~billkit.pricing.PlanChange`
    it was computed from, for the invoicing room to build the document.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.periods import Period
    >>> inv = IssuedInvoice(id="org-1/0001", kind=InvoiceKind.SUBSCRIPTION, amount=Money("99.00", "EUR"),
    ...               period=Period(date(2026, 3, 1), date(2026, 4, 1)),
    ...               issued_on=date(2026, 3, 1), due_on=date(2026, 3, 1))
    >>> print(inv)
    org-1/0001 subscription 99.00 EUR for 2026-03-01..2026-04-01, due 2026-03-01
    """

    id: str
    kind: InvoiceKind
    amount: Money
    period: Period
    issued_on: date
    due_on: date
    overdue_on: date | None = None
    source: Quote | PlanChange | None = attrs.field(default=None, eq=False, repr=False)

    def __str__(self) -> str:
        text = (
            f"{self.id} {self.kind.value} {_fmt_money(self.amount)} for {self.period}, "
            f"due {self.due_on.isoformat()}"
        )
        if self.overdue_on is not None:
            text += f", overdue since {self.overdue_on.isoformat()}"
        return text


def _fmt_money(money: Money) -> str:
    return f"{format(money.amount, 'f')} {money.currency.code}"


@attrs.frozen(kw_only=True)
class SubscriptionAction:
    """One thing a caller must do, dated.

    ``subject`` is the subscription or service it concerns; the other fields
    are set when the kind needs them (see :class:`ActionKind`): ``invoice``
    (an :class:`~billkit.subscriptions.IssuedInvoice`), ``amount``, ``notice`` and
    ``recipients``, ``period``, ``access``, ``method`` (a saved payment
    method's id) and a human ``reason``.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> print(SubscriptionAction(on=date(2026, 5, 4), kind=ActionKind.CREDIT_BALANCE, subject="org-1",
    ...              amount=Money("12.00", "EUR"), reason="unused days of starter"))
    2026-05-04 org-1 credit_balance 12.00 EUR (unused days of starter)
    """

    on: date
    kind: ActionKind
    subject: str
    invoice: IssuedInvoice | None = None
    amount: Money | None = None
    notice: SubscriptionNoticeKind | None = None
    recipients: tuple[str, ...] = ()
    period: Period | None = None
    access: Access | None = None
    method: str | None = None
    reason: str = ""

    def __str__(self) -> str:
        parts = [self.on.isoformat(), self.subject, self.kind.value]
        if self.invoice is not None:
            parts.append(self.invoice.id)
        if self.notice is not None:
            parts.append(self.notice.value)
        if self.amount is not None:
            parts.append(_fmt_money(self.amount))
        if self.period is not None:
            parts.append(str(self.period))
        if self.method is not None:
            parts.append(f"via {self.method}")
        if self.access is not None:
            parts.append(f"blocked: {', '.join(self.access.blocked()) or 'nothing'}")
        if self.recipients:
            parts.append(f"-> {', '.join(self.recipients)}")
        text = " ".join(parts)
        return f"{text} ({self.reason})" if self.reason else text


@attrs.frozen(kw_only=True)
class Transition:
    """A state change: on ``on``, ``subject`` went from ``before`` to ``after``, and why.

    >>> from datetime import date
    >>> print(Transition(on=date(2026, 3, 6), subject="org-1", before="pending_payment",
    ...                  after="frozen", reason="unpaid 5 days after it fell overdue"))
    2026-03-06 org-1 pending_payment -> frozen (unpaid 5 days after it fell overdue)
    """

    on: date
    subject: str
    before: str
    after: str
    reason: str = ""

    def __str__(self) -> str:
        text = f"{self.on.isoformat()} {self.subject} {self.before} -> {self.after}"
        return f"{text} ({self.reason})" if self.reason else text
