"""An overdue ladder: blocking states entered on their own conditions, and retry schedules.

Kill Bill's overdue system (its ``overdue.xml``) moves an account through
states such as ``WARNING``, ``BLOCKED`` and ``CANCELLATION`` as its unpaid
invoices age and add up. Each :class:`OverdueState` is entered on its own
:class:`OverdueCondition` (days since the earliest unpaid invoice, number of
unpaid invoices, total unpaid balance: every one given must hold) and says
what it blocks: plan changes (``blockChanges``), the service itself
(``disableEntitlementAndChangesBlocked``: entitlement and billing paused,
changes blocked) and whether subscriptions are cancelled
(``subscriptionCancellationPolicy``). An :class:`OverdueLadder` lists the
states from the first entered to the last; the account is in the last state
whose condition holds, or clear when none does.

Kill Bill's overdue tutorial (a 10.00 USD invoice unpaid since 6 September
2021): ``WARNING`` after 10 days (changes blocked), ``BLOCKED`` after 14,
``CANCELLATION`` after 21 (subscriptions cancelled at the end of the term):

>>> from datetime import date
>>> from billkit.money import Money
>>> ladder = OverdueLadder(states=[
...     OverdueState(name="WARNING", condition=OverdueCondition(days_since_earliest_unpaid=10),
...                  block_changes=True),
...     OverdueState(name="BLOCKED", condition=OverdueCondition(days_since_earliest_unpaid=14),
...                  block_changes=True),
...     OverdueState(name="CANCELLATION", condition=OverdueCondition(days_since_earliest_unpaid=21),
...                  cancellation="end_of_term"),
... ])
>>> unpaid = [(date(2021, 9, 6), Money("10.00", "USD"))]
>>> for day, state in ladder.timeline(unpaid, date(2021, 9, 6), date(2021, 10, 1)):
...     print(day, state.name if state else "clear")
2021-09-06 clear
2021-09-16 WARNING
2021-09-20 BLOCKED
2021-09-27 CANCELLATION

The engine (``Billing(overdue=...)``) weighs a customer's unpaid invoices,
each from the day it counts from: its issue date once a charge of it
failed (as above), else the day after its due date, the first day it is
late. An invoice paid by transfer, due 13 April, under a ladder blocking at
0 days:

>>> blocked = OverdueLadder(states=[
...     OverdueState(name="BLOCKED", condition=OverdueCondition(days_since_earliest_unpaid=0),
...                  disable_entitlement=True),
... ])
>>> late = [(date(2026, 4, 14), Money("24.40", "EUR"))]
>>> blocked.state_of(late, date(2026, 4, 13)) is None, blocked.state_of(late, date(2026, 4, 14)).name
(True, 'BLOCKED')

Retries are a separate schedule (:class:`RetrySchedule`), given as days from
the overdue date or, as Kill Bill's ``org.killbill.payment.retry.days``, as
intervals between attempts: ``1,8,4,7`` retries on 7, 15, 19 and 26
September.

>>> [str(d) for d in RetrySchedule.intervals([1, 8, 4, 7]).dates(date(2021, 9, 6))]
['2021-09-07', '2021-09-15', '2021-09-19', '2021-09-26']
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import ClassVar, Final

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit.errors import PeriodError, SubscriptionError, ValidationError
from billkit.money import CONTEXT

__all__ = [
    "KILL_BILL_RETRIES",
    "OverdueCancellation",
    "OverdueCondition",
    "OverdueLadder",
    "OverdueState",
    "RetrySchedule",
]

_MAX_DAYS: Final = 3660


class OverdueCancellation(str, enum.Enum):
    """Whether entering an overdue state cancels the subscriptions, and how
    (Kill Bill's ``subscriptionCancellationPolicy``).

    >>> OverdueCancellation("end_of_term") is OverdueCancellation.END_OF_TERM
    True
    """

    NONE = "none"
    IMMEDIATE = "immediate"
    END_OF_TERM = "end_of_term"


def _unpaid(value: object) -> tuple[tuple[date, Money], ...]:
    items = checks.tuple_of("unpaid", value, tuple, error=SubscriptionError)
    out: list[tuple[date, Money]] = []
    for i, pair in enumerate(items):
        if len(pair) != 2:
            raise SubscriptionError(f"unpaid[{i}]", pair, "a (date, unpaid balance) pair")
        day = checks.day(f"unpaid[{i}]", pair[0], error=SubscriptionError)
        balance = checks.money(
            f"unpaid[{i}] balance", pair[1], sign="above_zero", error=SubscriptionError
        )
        if out:
            checks.same_currency(
                f"unpaid[{i}] balance", balance, out[0][1].currency, error=SubscriptionError
            )
        out.append((day, balance))
    return tuple(out)


@attrs.frozen(kw_only=True)
class OverdueCondition:
    """When an overdue state applies: every limit given must be reached.

    * ``days_since_earliest_unpaid``: at least this many days since the
      earliest unpaid invoice became unpaid (Kill Bill's
      ``timeSinceEarliestUnpaidInvoiceEqualsOrExceeds`` in days);
    * ``unpaid_invoices``: at least this many unpaid invoices
      (``numberOfUnpaidInvoicesEqualsOrExceeds``);
    * ``unpaid_balance``: at least this much unpaid in all
      (``totalUnpaidInvoiceBalanceEqualsOrExceeds``).

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> two_or_5 = OverdueCondition(unpaid_invoices=2, unpaid_balance=Money("5.00", "USD"))
    >>> two_or_5.holds([(date(2026, 3, 1), Money("4.00", "USD"))], date(2026, 3, 31))
    False
    >>> two_or_5.holds([(date(2026, 3, 1), Money("4.00", "USD")),
    ...                 (date(2026, 3, 8), Money("1.00", "USD"))], date(2026, 3, 9))
    True
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    days_since_earliest_unpaid: int | None = attrs.field(
        default=None, converter=checks.WHOLE, metadata=checks.options(low=0, high=_MAX_DAYS)
    )
    unpaid_invoices: int | None = attrs.field(
        default=None, converter=checks.WHOLE, metadata=checks.options(low=1)
    )
    unpaid_balance: Money | None = attrs.field(
        default=None, converter=checks.MONEY, metadata=checks.options(sign="above_zero")
    )

    def __attrs_post_init__(self) -> None:
        if (
            self.days_since_earliest_unpaid is None
            and self.unpaid_invoices is None
            and self.unpaid_balance is None
        ):
            raise SubscriptionError(
                "condition",
                None,
                "days_since_earliest_unpaid, unpaid_invoices or unpaid_balance",
            )

    def holds(self, unpaid: Iterable[tuple[date, Money]], on: date) -> bool:
        """Whether the condition holds on day ``on`` for the ``unpaid`` invoices
        (each as the day it became unpaid and what is unpaid of it); invoices
        unpaid only after ``on`` do not count."""
        checks.day("on", on, error=SubscriptionError)
        counted = [(day, balance) for day, balance in _unpaid(unpaid) if day <= on]
        if not counted:
            return False
        if self.days_since_earliest_unpaid is not None:
            earliest = min(day for day, _ in counted)
            if (on - earliest).days < self.days_since_earliest_unpaid:
                return False
        if self.unpaid_invoices is not None and len(counted) < self.unpaid_invoices:
            return False
        if self.unpaid_balance is not None:
            limit = self.unpaid_balance
            for _, balance in counted:
                checks.same_currency("unpaid", balance, limit.currency, error=SubscriptionError)
            with decimal.localcontext(CONTEXT):
                total = sum((balance.amount for _, balance in counted), decimal.Decimal(0))
            if total < limit.amount:
                return False
        return True


@attrs.frozen(kw_only=True)
class OverdueState:
    """One rung of the ladder: its ``name``, the ``condition`` that puts an
    account in it, and what it blocks.

    ``block_changes``: no plan changes (Kill Bill's ``blockChanges``);
    ``disable_entitlement``: the service and its billing are paused, and
    changes blocked too (``disableEntitlementAndChangesBlocked``);
    ``cancellation``: whether entering it cancels the subscriptions
    (:class:`OverdueCancellation`); ``message`` is shown to the customer
    (``externalMessage``).

    >>> od2 = OverdueState(name="OD2", condition=OverdueCondition(days_since_earliest_unpaid=10),
    ...                    disable_entitlement=True)
    >>> od2.blocks_changes, od2.blocks_service, od2.cancels
    (True, True, False)
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    name: str = attrs.field(converter=checks.TEXT)
    condition: OverdueCondition = attrs.field(converter=checks.INSTANCE)
    block_changes: bool = attrs.field(default=False, converter=checks.FLAG)
    disable_entitlement: bool = attrs.field(default=False, converter=checks.FLAG)
    cancellation: OverdueCancellation = attrs.field(
        default=OverdueCancellation.NONE, converter=checks.MEMBER
    )
    message: str = attrs.field(default="", converter=checks.FREE_TEXT)

    @property
    def blocks_changes(self) -> bool:
        """Whether plan changes are refused in this state."""
        return self.block_changes or self.disable_entitlement

    @property
    def blocks_service(self) -> bool:
        """Whether the service (entitlement and billing) is paused in this state."""
        return self.disable_entitlement

    @property
    def cancels(self) -> bool:
        """Whether entering this state cancels the subscriptions."""
        return self.cancellation is not OverdueCancellation.NONE


@attrs.frozen(kw_only=True)
class OverdueLadder:
    """The overdue states, from the first an account enters to the last.

    On any day the account is in the *last* state whose condition holds
    (Kill Bill lists them the other way round, the last first, and takes the
    first that matches: the same rule), or clear (``None``) when none does.
    State names are unique.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> ladder = OverdueLadder(states=[
    ...     OverdueState(name="OD1", condition=OverdueCondition(days_since_earliest_unpaid=30)),
    ...     OverdueState(name="OD2", condition=OverdueCondition(unpaid_balance=Money("500", "EUR")),
    ...                  block_changes=True),
    ... ])
    >>> unpaid = [(date(2026, 1, 5), Money("120.00", "EUR")), (date(2026, 2, 5), Money("400.00", "EUR"))]
    >>> ladder.state_of(unpaid, date(2026, 1, 20)) is None    # 15 days, 120.00
    True
    >>> ladder.state_of(unpaid, date(2026, 2, 4)).name         # 30 days since 5 January
    'OD1'
    >>> ladder.state_of(unpaid, date(2026, 2, 5)).name         # 120.00 + 400.00 = 520.00
    'OD2'
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    states: tuple[OverdueState, ...] = attrs.field(converter=checks.TUPLE)

    def __attrs_post_init__(self) -> None:
        if not self.states:
            raise SubscriptionError("states", self.states, "at least one overdue state")
        names = []
        for i, state in enumerate(self.states):
            checks.instance(f"states[{i}]", state, OverdueState, error=SubscriptionError)
            if state.name in names:
                raise SubscriptionError(f"states[{i}].name", state.name, "a name used only once")
            names.append(state.name)

    def state_of(self, unpaid: Iterable[tuple[date, Money]], on: date) -> OverdueState | None:
        """The state an account with ``unpaid`` invoices is in on ``on`` (``None``: clear)."""
        invoices = _unpaid(unpaid)
        for state in reversed(self.states):
            if state.condition.holds(invoices, on):
                return state
        return None

    def entered(
        self, unpaid: Iterable[tuple[date, Money]], on: date
    ) -> tuple[tuple[date, OverdueState], ...]:
        """The states an account with ``unpaid`` invoices has entered by day
        ``on`` (included), each with the day it was entered, in order; the
        last is :meth:`state_of` on ``on`` (none: clear on ``on``).

        ``unpaid`` staying as given, every condition that holds on a day
        holds on every later day (the days, the count and the sum of what
        is unpaid only grow), so the account only climbs the ladder: the
        result is :meth:`timeline` from the earliest unpaid day to ``on``
        without its clear days, found from each condition's first day
        rather than day by day. The engine applies each state passed on
        its own day, however long ago its last run was.

        >>> from datetime import date
        >>> from billkit.money import Money
        >>> ladder = OverdueLadder(states=[
        ...     OverdueState(name="WARNING", condition=OverdueCondition(days_since_earliest_unpaid=10)),
        ...     OverdueState(name="BLOCKED", condition=OverdueCondition(days_since_earliest_unpaid=14)),
        ... ])
        >>> unpaid = [(date(2021, 9, 6), Money("10.00", "USD"))]
        >>> [(str(day), state.name) for day, state in ladder.entered(unpaid, date(2021, 9, 27))]
        [('2021-09-16', 'WARNING'), ('2021-09-20', 'BLOCKED')]
        >>> ladder.entered(unpaid, date(2021, 9, 15))
        ()
        """
        checks.day("on", on, error=SubscriptionError)
        invoices = _unpaid(unpaid)
        firsts = sorted(
            (day, i)
            for i, state in enumerate(self.states)
            if (day := _first_day(state.condition, invoices)) is not None and day <= on
        )
        out: list[tuple[date, OverdueState]] = []
        top = -1
        for day, i in firsts:
            if i > top:
                top = i
                if out and out[-1][0] == day:
                    out[-1] = (day, self.states[i])  # two states the same day: the later rung
                else:
                    out.append((day, self.states[i]))
        return tuple(out)

    def timeline(
        self, unpaid: Iterable[tuple[date, Money]], start: date, end: date
    ) -> tuple[tuple[date, OverdueState | None], ...]:
        """Each day from ``start`` (included) to ``end`` (excluded) the state
        changes, with the state entered, the first day always listed;
        ``unpaid`` stays as given (nothing is paid in between).

        Kill Bill re-evaluates an account when a payment or invoice changes
        it and at each state's ``autoReevaluationInterval``; billkit
        evaluates every day, which gives the same days whenever those
        intervals reach the next state's condition on time (as its tutorial
        sets them). The engine reaches these days whichever days it runs
        on (:meth:`entered`).
        """
        checks.day("start", start, error=SubscriptionError)
        checks.day("end", end, error=SubscriptionError)
        if not start < end <= start + timedelta(days=_MAX_DAYS):
            raise PeriodError("end", end, f"a day after {start}, within {_MAX_DAYS} days")
        invoices = _unpaid(unpaid)
        changes: list[tuple[date, OverdueState | None]] = []
        day = start
        while day < end:
            state = self.state_of(invoices, day)
            if not changes or changes[-1][1] != state:
                changes.append((day, state))
            day += timedelta(days=1)
        return tuple(changes)


def _first_day(condition: OverdueCondition, unpaid: Sequence[tuple[date, Money]]) -> date | None:
    """The first day ``condition`` holds for ``unpaid`` (checked), ``None``: never.

    Each limit holds from a day on: the earliest unpaid day plus the days
    asked; the day the invoice that makes the count became unpaid; the
    day the sum of what is unpaid reaches the balance asked. The condition
    holds from the latest of them.
    """
    if not unpaid:
        return None
    days = sorted(day for day, _ in unpaid)
    first = days[0]
    if condition.days_since_earliest_unpaid is not None:
        try:
            first = max(first, days[0] + timedelta(days=condition.days_since_earliest_unpaid))
        except OverflowError:
            return None
    if condition.unpaid_invoices is not None:
        if condition.unpaid_invoices > len(days):
            return None
        first = max(first, days[condition.unpaid_invoices - 1])
    if condition.unpaid_balance is not None:
        limit = condition.unpaid_balance
        total = decimal.Decimal(0)
        reached = None
        with decimal.localcontext(CONTEXT):
            for day, balance in sorted(unpaid, key=lambda pair: pair[0]):
                checks.same_currency("unpaid", balance, limit.currency, error=SubscriptionError)
                total += balance.amount
                if total >= limit.amount:
                    reached = day
                    break
        if reached is None:
            return None
        first = max(first, reached)
    return first


def _days(value: object) -> tuple[int, ...]:
    items = checks.tuple_of("days", value, int, error=SubscriptionError)
    days = tuple(
        checks.whole(f"days[{i}]", d, low=1, high=_MAX_DAYS, error=SubscriptionError)
        for i, d in enumerate(items)
    )
    for i in range(1, len(days)):
        if days[i] <= days[i - 1]:
            raise SubscriptionError(f"days[{i}]", days[i], f"a day after {days[i - 1]}")
    return days


@attrs.frozen(kw_only=True)
class RetrySchedule:
    """When a failed charge is tried again: ``days`` after the day it fell
    overdue (increasing, the first at least 1).

    Build it from days since the overdue date (``RetrySchedule(days=[1, 9])``)
    or from the intervals between attempts, as Kill Bill configures them
    (:meth:`intervals`); :attr:`gaps` gives the intervals back. Its ``days``
    are what :meth:`~billkit.subscriptions.dunning.DunningSchedule.standard`
    takes as ``retry_days``.

    >>> schedule = RetrySchedule.intervals([1, 8, 4, 7])   # Kill Bill's tutorial
    >>> schedule.days, schedule.gaps
    ((1, 9, 13, 20), (1, 8, 4, 7))
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    days: tuple[int, ...] = attrs.field(converter=_days)

    @classmethod
    def intervals(cls, gaps: Sequence[int]) -> RetrySchedule:
        """The schedule whose attempts are ``gaps`` days apart, the first
        ``gaps[0]`` days after the failure (Kill Bill's
        ``org.killbill.payment.retry.days``)."""
        items = checks.tuple_of("gaps", gaps, int, error=SubscriptionError)
        total = 0
        days = []
        for i, gap in enumerate(items):
            total += checks.whole(f"gaps[{i}]", gap, low=1, high=_MAX_DAYS, error=SubscriptionError)
            days.append(total)
        return cls(days=days)

    @property
    def gaps(self) -> tuple[int, ...]:
        """The days between one attempt and the next, the first from the failure."""
        return tuple(d - (self.days[i - 1] if i else 0) for i, d in enumerate(self.days))

    def dates(self, overdue_on: date) -> tuple[date, ...]:
        """The days of the retries of a charge that fell overdue on ``overdue_on``."""
        checks.day("overdue_on", overdue_on, error=SubscriptionError)
        try:
            return tuple(overdue_on + timedelta(days=d) for d in self.days)
        except OverflowError:
            raise PeriodError(
                "overdue_on", overdue_on, "a day the retries stay within the calendar"
            ) from None


KILL_BILL_RETRIES: Final = RetrySchedule.intervals([8, 8, 8])
"""Kill Bill's default retry schedule (``org.killbill.payment.retry.days=8,8,8``):
8, 16 and 24 days after the failure."""
