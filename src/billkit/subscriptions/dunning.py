"""Dunning as data: which notice on which day, retries, freezing, cancelling, deletion.

A :class:`DunningSchedule` is a list of :class:`DunningStep`\\ s, each a
*move* a number of *days* after an *anchor* date:

* ``overdue``: the day the subscription's earliest unpaid invoice fell
  overdue (the day it entered PENDING_PAYMENT);
* ``cycle_end``: the first end of a billing cycle after the subscription was
  frozen (after it fell overdue, when the schedule never freezes);
* ``cancelled``: the day the subscription was cancelled, for any reason.

The moves are ``notify`` (a notice), ``retry`` (charge the overdue invoice
again, counted from that invoice's own overdue day), ``freeze`` (FROZEN: see
:class:`~billkit.subscriptions.Access`), ``cancel`` and ``mark_for_deletion``.

The messaging business is the default,
:data:`MESSAGING_DUNNING`: a notice the day an invoice falls overdue; FROZEN
after a 5-day grace period; CANCELLED at the end of the billing cycle if
still unpaid; marked for deletion 90 days after cancellation. The grace
period is half-open like every billkit period: overdue on 10 March, the
organisation may pay on the 10th to the 14th and is frozen on the 15th.

:func:`simulate_dunning` lays a schedule over a calendar and lists the dated
moves, exactly as :func:`~billkit.subscriptions.advance` performs them for a
subscription with one overdue invoice:

>>> from datetime import date
>>> from billkit.periods import MONTHLY, BillingCycle
>>> cycle = BillingCycle.anniversary(MONTHLY, date(2026, 3, 1))
>>> for move in simulate_dunning(MESSAGING_DUNNING, overdue_on=date(2026, 3, 10), cycle=cycle):
...     print(move)
2026-03-10 notify payment_overdue
2026-03-15 freeze frozen
2026-04-01 cancel cancelled
2026-06-30 mark_for_deletion marked_for_deletion
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, timedelta
from typing import ClassVar, Final

import attrs

from billkit import _checks as checks
from billkit.errors import PeriodError, SubscriptionError, ValidationError
from billkit.periods import BillingCycle
from billkit.subscriptions.actions import SubscriptionNoticeKind
from billkit.subscriptions.overdue import RetrySchedule

__all__ = [
    "MESSAGING_DUNNING",
    "DunningAnchor",
    "DunningMove",
    "DunningSchedule",
    "DunningStep",
    "ScheduledMove",
    "cancel_date",
    "simulate_dunning",
]


class DunningMove(str, enum.Enum):
    """What a dunning step does.

    >>> DunningMove("freeze") is DunningMove.FREEZE
    True
    """

    NOTIFY = "notify"
    RETRY = "retry"
    FREEZE = "freeze"
    CANCEL = "cancel"
    MARK_FOR_DELETION = "mark_for_deletion"


class DunningAnchor(str, enum.Enum):
    """The date a dunning step counts its days from.

    >>> DunningAnchor("cycle_end") is DunningAnchor.CYCLE_END
    True
    """

    OVERDUE = "overdue"
    CYCLE_END = "cycle_end"
    CANCELLED = "cancelled"


# Which anchors each move may count from, and the smallest number of days.
_RULES: Final = {
    DunningMove.NOTIFY: ((DunningAnchor.OVERDUE, DunningAnchor.CANCELLED), 0),
    DunningMove.RETRY: ((DunningAnchor.OVERDUE,), 1),
    DunningMove.FREEZE: ((DunningAnchor.OVERDUE,), 0),
    DunningMove.CANCEL: ((DunningAnchor.OVERDUE, DunningAnchor.CYCLE_END), 0),
    DunningMove.MARK_FOR_DELETION: ((DunningAnchor.CANCELLED,), 0),
}
_MAX_DAYS: Final = 3660


@attrs.frozen(kw_only=True)
class DunningStep:
    """One step: ``move`` on the day ``days`` after ``anchor``, sending ``notice`` if set.

    Retries count at least one day (a charge is never retried the day it
    failed); a cancellation at the cycle end happens on the cycle end itself
    (``days`` 0); notices need a notice kind.

    >>> DunningStep(move="retry", days=2)
    DunningStep(move=<DunningMove.RETRY: 'retry'>, anchor=<DunningAnchor.OVERDUE: 'overdue'>, days=2, notice=None)
    >>> DunningStep(move="freeze", anchor="cancelled", days=5)
    Traceback (most recent call last):
    ...
    billkit.errors.SubscriptionError: anchor = 'cancelled': expected 'overdue' for a 'freeze' step
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    move: DunningMove = attrs.field(converter=checks.MEMBER)
    anchor: DunningAnchor = attrs.field(default=DunningAnchor.OVERDUE, converter=checks.MEMBER)
    days: int = attrs.field(
        default=0, converter=checks.WHOLE, metadata=checks.options(low=0, high=_MAX_DAYS)
    )
    notice: SubscriptionNoticeKind | None = attrs.field(default=None, converter=checks.MEMBER)

    def __attrs_post_init__(self) -> None:
        anchors, low = _RULES[self.move]
        if self.anchor not in anchors:
            names = " or ".join(repr(a.value) for a in anchors)
            raise SubscriptionError(
                "anchor", self.anchor.value, f"{names} for a {self.move.value!r} step"
            )
        if self.days < low:
            raise SubscriptionError(
                "days", self.days, f"{low} or more for a {self.move.value!r} step"
            )
        if self.anchor is DunningAnchor.CYCLE_END and self.days != 0:
            raise SubscriptionError(
                "days", self.days, "0: a cancellation at the cycle end happens on the cycle end"
            )
        if self.move is DunningMove.NOTIFY and self.notice is None:
            raise SubscriptionError("notice", None, "a SubscriptionNoticeKind for a 'notify' step")


@attrs.frozen(kw_only=True)
class DunningSchedule:
    """The dunning steps, in the order they run on a day they share.

    At most one ``freeze``, one ``cancel`` and one ``mark_for_deletion``; a
    cancellation counted from the overdue day may not come before the freeze.
    Build the usual shape with :meth:`standard`; every number is a setting.

    >>> MESSAGING_DUNNING.grace_days, MESSAGING_DUNNING.deletion_days
    (5, 90)
    >>> tougher = DunningSchedule.standard(grace_days=3, retry_days=(1, 2), reminder_days=(2,))
    >>> [(s.move.value, s.days) for s in tougher.steps]
    [('notify', 0), ('retry', 1), ('retry', 2), ('notify', 2), ('freeze', 3), ('cancel', 0), ('mark_for_deletion', 90)]
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    steps: tuple[DunningStep, ...] = attrs.field(converter=checks.TUPLE)

    def __attrs_post_init__(self) -> None:
        for move in (DunningMove.FREEZE, DunningMove.CANCEL, DunningMove.MARK_FOR_DELETION):
            if sum(1 for s in self.steps if s.move is move) > 1:
                raise SubscriptionError("steps", self.steps, f"at most one {move.value!r} step")
        freeze, cancel = self.freeze_step, self.cancel_step
        if (
            freeze is not None
            and cancel is not None
            and cancel.anchor is DunningAnchor.OVERDUE
            and cancel.days < freeze.days
        ):
            raise SubscriptionError(
                "steps",
                self.steps,
                f"a 'cancel' step no earlier than the 'freeze' step (day {freeze.days})",
            )

    @classmethod
    def standard(
        cls,
        *,
        grace_days: int | None = 5,
        cancel_after_days: int | None = None,
        cancel_at_cycle_end: bool = True,
        deletion_days: int | None = 90,
        retry_days: Sequence[int] = (),
        reminder_days: Sequence[int] = (),
        retry_intervals: Sequence[int] = (),
    ) -> DunningSchedule:
        """The usual schedule, from its numbers.

        A notice the day an invoice falls overdue; ``reminder_days`` more
        (:attr:`~billkit.subscriptions.SubscriptionNoticeKind.PAYMENT_REMINDER`);
        ``retry_days`` charge retries; FROZEN ``grace_days`` after (``None``:
        never frozen); cancelled at the first cycle end after freezing, or
        ``cancel_after_days`` after the overdue day when given (``None`` with
        ``cancel_at_cycle_end=False``: never cancelled for non-payment);
        marked for deletion ``deletion_days`` after any cancellation.
        ``retry_intervals`` gives the retries as the days between attempts
        instead (Kill Bill's ``org.killbill.payment.retry.days``, see
        :class:`~billkit.subscriptions.overdue.RetrySchedule`): ``(1, 8, 4, 7)``
        retries 1, 9, 13 and 20 days after the invoice fell overdue.

        >>> [s.days for s in DunningSchedule.standard(retry_intervals=(1, 8, 4, 7)).steps
        ...  if s.move.value == "retry"]
        [1, 9, 13, 20]

        The attribution business blocks an account left unpaid 10 days after
        its invoice and cancels nothing:

        >>> blocked = DunningSchedule.standard(grace_days=10, cancel_at_cycle_end=False,
        ...                                    deletion_days=None)
        >>> [(s.move.value, s.anchor.value, s.days) for s in blocked.steps]
        [('notify', 'overdue', 0), ('freeze', 'overdue', 10)]
        """
        if len(retry_intervals):
            if len(retry_days):
                raise SubscriptionError(
                    "retry_intervals", tuple(retry_intervals), "() when retry_days are given"
                )
            retry_days = RetrySchedule.intervals(retry_intervals).days
        steps = [
            DunningStep(move=DunningMove.NOTIFY, notice=SubscriptionNoticeKind.PAYMENT_OVERDUE)
        ]
        events: list[tuple[int, int, DunningStep]] = []
        for i, days in enumerate(retry_days):
            events.append(
                (
                    checks.whole(f"retry_days[{i}]", days, low=1, error=SubscriptionError),
                    0,
                    DunningStep(move="retry", days=days),
                )
            )
        for i, days in enumerate(reminder_days):
            day = checks.whole(f"reminder_days[{i}]", days, low=1, error=SubscriptionError)
            step = DunningStep(
                move="notify", days=day, notice=SubscriptionNoticeKind.PAYMENT_REMINDER
            )
            events.append((day, 1, step))
        steps.extend(step for _, _, step in sorted(events, key=lambda e: (e[0], e[1])))
        if grace_days is not None:
            steps.append(
                DunningStep(move="freeze", days=grace_days, notice=SubscriptionNoticeKind.FROZEN)
            )
        if cancel_after_days is not None:
            steps.append(
                DunningStep(
                    move="cancel", days=cancel_after_days, notice=SubscriptionNoticeKind.CANCELLED
                )
            )
        elif checks.flag("cancel_at_cycle_end", cancel_at_cycle_end, error=SubscriptionError):
            steps.append(
                DunningStep(
                    move="cancel", anchor="cycle_end", notice=SubscriptionNoticeKind.CANCELLED
                )
            )
        if deletion_days is not None:
            steps.append(
                DunningStep(
                    move="mark_for_deletion",
                    anchor="cancelled",
                    days=deletion_days,
                    notice=SubscriptionNoticeKind.MARKED_FOR_DELETION,
                )
            )
        return cls(steps=steps)

    def _one(self, move: DunningMove) -> DunningStep | None:
        return next((s for s in self.steps if s.move is move), None)

    @property
    def freeze_step(self) -> DunningStep | None:
        """The ``freeze`` step, if any."""
        return self._one(DunningMove.FREEZE)

    @property
    def cancel_step(self) -> DunningStep | None:
        """The ``cancel`` step, if any."""
        return self._one(DunningMove.CANCEL)

    @property
    def grace_days(self) -> int | None:
        """Days from falling overdue to FROZEN (``None``: never frozen)."""
        step = self.freeze_step
        return None if step is None else step.days

    @property
    def deletion_days(self) -> int | None:
        """Days from cancellation to the deletion mark (``None``: never marked)."""
        step = self._one(DunningMove.MARK_FOR_DELETION)
        return None if step is None else step.days

    def anchored(self, anchor: DunningAnchor) -> tuple[DunningStep, ...]:
        """The steps counted from ``anchor``, in schedule order."""
        return tuple(s for s in self.steps if s.anchor is anchor)


MESSAGING_DUNNING: Final = DunningSchedule.standard()
"""The messaging business: overdue notice, FROZEN after 5 days, CANCELLED at
the cycle end, marked for deletion 90 days later."""


@attrs.frozen(kw_only=True)
class ScheduledMove:
    """A dunning step that happens on day ``on``.

    >>> from datetime import date
    >>> print(ScheduledMove(on=date(2026, 3, 15), step=MESSAGING_DUNNING.freeze_step))
    2026-03-15 freeze frozen
    """

    on: date
    step: DunningStep

    @property
    def move(self) -> DunningMove:
        """The step's move."""
        return self.step.move

    @property
    def notice(self) -> SubscriptionNoticeKind | None:
        """The step's notice, if any."""
        return self.step.notice

    def __str__(self) -> str:
        notice = f" {self.step.notice.value}" if self.step.notice is not None else ""
        return f"{self.on.isoformat()} {self.step.move.value}{notice}"


def _plus(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise PeriodError("days", days, f"a date within the calendar after {day}") from None


def cancel_date(
    schedule: DunningSchedule, overdue_on: date, cycle: BillingCycle | None
) -> date | None:
    """The day the schedule cancels a subscription overdue since ``overdue_on``.

    ``None`` when the schedule never cancels. A cancellation at the cycle end
    is the first cycle boundary strictly after the freeze day (after the
    overdue day when the schedule never freezes): a subscription that freezes
    on the very day its cycle ends renews once more and is cancelled at the
    next end.

    >>> from datetime import date
    >>> from billkit.periods import MONTHLY, BillingCycle
    >>> cycle = BillingCycle.anniversary(MONTHLY, date(2026, 1, 1))
    >>> cancel_date(MESSAGING_DUNNING, date(2026, 3, 27), cycle)    # frozen 1 April
    datetime.date(2026, 5, 1)
    """
    step = schedule.cancel_step
    if step is None:
        return None
    if step.anchor is DunningAnchor.OVERDUE:
        return _plus(overdue_on, step.days)
    if cycle is None:
        raise SubscriptionError(
            "cycle", None, "a BillingCycle: the schedule cancels at the end of the billing cycle"
        )
    grace = schedule.grace_days
    reference = overdue_on if grace is None else _plus(overdue_on, grace)
    return cycle.period_containing(reference).end


def simulate_dunning(
    schedule: DunningSchedule,
    *,
    overdue_on: date,
    cycle: BillingCycle | None = None,
    paid_on: date | None = None,
) -> tuple[ScheduledMove, ...]:
    """Every dunning move for one invoice that falls overdue on ``overdue_on``, dated.

    ``cycle`` is the subscription's billing cycle (needed when the schedule
    cancels at the cycle end). ``paid_on`` is the day the invoice is paid:
    moves due that day still happen (the day's schedule runs before the
    day's events), later ones do not; paying after the cancellation changes
    nothing (CANCELLED is final, and its deletion still comes).

    On the day of a cancellation, the cancellation comes first: no other
    overdue-counted step happens that day or later. The moves come in date
    order; moves of one day in the order of the schedule.

    >>> from datetime import date
    >>> from billkit.periods import MONTHLY, BillingCycle
    >>> cycle = BillingCycle.anniversary(MONTHLY, date(2026, 3, 1))
    >>> schedule = DunningSchedule.standard(retry_days=(1, 3))
    >>> for move in simulate_dunning(schedule, overdue_on=date(2026, 3, 10), cycle=cycle,
    ...                              paid_on=date(2026, 3, 16)):
    ...     print(move)
    2026-03-10 notify payment_overdue
    2026-03-11 retry
    2026-03-13 retry
    2026-03-15 freeze frozen
    """
    checks.instance("schedule", schedule, DunningSchedule, error=SubscriptionError)
    overdue_on = checks.day("overdue_on", overdue_on, error=PeriodError)
    paid_on = None if paid_on is None else checks.day("paid_on", paid_on, error=PeriodError)
    if paid_on is not None and paid_on < overdue_on:
        raise PeriodError("paid_on", paid_on, f"a day on or after overdue_on ({overdue_on})")
    if cycle is not None:
        checks.instance("cycle", cycle, BillingCycle, error=SubscriptionError)
    cancelled = cancel_date(schedule, overdue_on, cycle)
    if cancelled is not None and paid_on is not None and paid_on < cancelled:
        cancelled = None
    out: list[tuple[date, int, DunningStep]] = []
    for i, step in enumerate(schedule.anchored(DunningAnchor.OVERDUE)):
        if step.move is DunningMove.CANCEL:
            continue
        on = _plus(overdue_on, step.days)
        if paid_on is not None and on > paid_on:
            continue
        if cancelled is not None and on >= cancelled:
            continue
        out.append((on, i + 1, step))
    if cancelled is not None:
        cancel = schedule.cancel_step
        assert cancel is not None
        out.append((cancelled, 0, cancel))
        for i, step in enumerate(schedule.anchored(DunningAnchor.CANCELLED)):
            out.append((_plus(cancelled, step.days), len(schedule.steps) + i + 1, step))
    out.sort(key=lambda item: (item[0], item[1]))
    return tuple(ScheduledMove(on=on, step=step) for on, _, step in out)
