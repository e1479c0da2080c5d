"""Proration: part of a billing period, plan changes, credits for unused time.

:func:`prorate` charges a slice of one billing period. How is data, not code:
a :class:`ProrationPolicy` says whether days or seconds are counted, whether
the end day counts, what the slice is divided by and how it is rounded. The
default counts days, half-open (the end day is not charged), divides by the
actual days of the billing period and rounds half-up to the minor unit,
*cumulatively*: a slice's amount is the rounded charge from the period start
to its end minus the rounded charge to its start, so slices that meet end to
end always add up to the full price, to the minor unit.

:func:`leading_stub`, :func:`trailing_stub` and :func:`prorate_span` cut a
service's first and last periods to the billing anchor. :func:`change_plan`
moves a subscription to another plan (or cancels it) now or at the end of
the period and explains the credit for the unused part of the old plan, the
charge for the new one and what happens to the credit.

A service ordered on 2 April on a plan billed on the 1st of each month pays
29 of April's 30 days, then the full price (the hosting provider's cart):

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.periods import MONTHLY, BillingCycle
>>> stub = leading_stub(Money("495.00", "RUB"), BillingCycle.calendar(MONTHLY), date(2023, 4, 2))
>>> print(stub)   # 495.00 x 29 / 30 = 478.50
2023-04-02..2023-05-01 of 2023-04-01..2023-05-01: 495.00 x 29/30 days = 478.50 RUB
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar, Final, TypeAlias

import attrs
from moneyed import Money

import billkit._checks as checks
from billkit.conventions import (
    AnchorRule,
    Conventions,
    DayCount,
    ProrationBasis,
    ProrationDivisor,
    SliceRounding,
    SpanProration,
    refuse_mixed_day_count,
)
from billkit.errors import PeriodError, PricingError, ValidationError
from billkit.money import CONTEXT, DEFAULT_ROUNDING, RoundingPolicy, to_money
from billkit.periods import BillingCycle, Cycle, CycleUnit, Period
from billkit.pricing.models import PricingCurrencyError
from billkit.pricing.plans import Plan
from billkit.pricing.quote import Quote, Usage, quote

__all__ = [
    "DEFAULT_PRORATION",
    "ChangeDirection",
    "ChangeTiming",
    "PlanChange",
    "Proration",
    "ProrationBasis",
    "ProrationDivisor",
    "ProrationPolicy",
    "SliceRounding",
    "UnusedCredit",
    "change_direction",
    "change_plan",
    "fixed_fee",
    "leading_stub",
    "prorate",
    "prorate_span",
    "trailing_stub",
]

_ZERO: Final = Decimal(0)
_ONE_DAY: Final = timedelta(days=1)
_MICRO: Final = timedelta(microseconds=1)
_MICROS_PER_DAY: Final = 86_400 * 10**6
_UTC: Final = timezone.utc

Moment: TypeAlias = "date | datetime"
"""A billing day (``date``) or, under the by-second basis, an aware instant."""


@attrs.frozen(kw_only=True)
class ProrationPolicy:
    """How part of a billing period is charged.

    * ``basis``: count whole days (default) or seconds (:class:`ProrationBasis`);
    * ``count_end_day``: whether the end date given is itself charged. By
      default (``False``) slices are half-open like every billkit period: a
      subscription cancelled on the 20th is charged up to the 19th. With
      ``True`` the end date is the last day charged, as engines that count
      both ends do: ``prorate(..., start=d, end=d)`` is one day;
    * ``divisor``: the actual length of the billing period (default) or a
      30-day month (:class:`ProrationDivisor`);
    * ``rounding``: the :class:`~billkit.money.RoundingPolicy` (``None``, the
      default: the plan's own when a plan is prorated, else half-up);
    * ``slices``: cumulative (default) or independent rounding of each slice
      (:class:`SliceRounding`);
    * ``tz``: where billing days begin, for the by-second basis (UTC): a
      ``tzinfo``, ``'UTC'``, an offset such as ``'+03:00'`` or an IANA name;
    * ``day_count`` and ``month_days``: actual days (default), or every month
      counted as ``month_days`` days, in the slice and in the divisor
      (:class:`~billkit.conventions.DayCount`; Kill Bill's fixed days);
    * ``span``: a span over several billing periods charged period by period
      (default) or as one slice over the first period's length
      (:class:`~billkit.conventions.SpanProration`; :func:`prorate_span`);
    * ``anchor``: the period a stub next to a clamped billing date is divided
      by: the one that contains it (default) or one cycle from the clamped
      date (:class:`~billkit.conventions.AnchorRule`; the stubs and spans).

    :meth:`of` builds a policy from a :class:`~billkit.conventions.Conventions`
    bundle, and every function that takes a policy also takes a bundle.
    Every choice is one argument away:

    >>> ProrationPolicy()
    ProrationPolicy(basis='day', count_end_day=False, divisor='period', rounding=None, slices='cumulative', tz=datetime.timezone.utc, day_count='actual', month_days=30, span='period_by_period', anchor='keep_day')
    >>> ProrationPolicy(divisor="30_day_month", slices="independent").divisor
    <ProrationDivisor.THIRTY_DAY_MONTH: '30_day_month'>
    >>> ProrationPolicy(basis="hour")
    Traceback (most recent call last):
    ...
    billkit.errors.PricingError: basis = 'hour': expected one of 'day', 'second'
    """

    _error_class: ClassVar[type[ValidationError]] = PricingError

    basis: ProrationBasis = attrs.field(
        default=ProrationBasis.DAY, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )
    count_end_day: bool = attrs.field(default=False, converter=checks.FLAG)
    divisor: ProrationDivisor = attrs.field(
        default=ProrationDivisor.PERIOD, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )
    rounding: RoundingPolicy | None = attrs.field(default=None, converter=checks.INSTANCE)
    slices: SliceRounding = attrs.field(
        default=SliceRounding.CUMULATIVE, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )
    tz: tzinfo = attrs.field(default=_UTC, converter=checks.TZ)
    day_count: DayCount = attrs.field(
        default=DayCount.ACTUAL, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )
    month_days: int = attrs.field(
        default=30, converter=checks.WHOLE, metadata=checks.options(low=28, high=31)
    )
    span: SpanProration = attrs.field(
        default=SpanProration.PERIOD_BY_PERIOD,
        converter=checks.MEMBER,
        repr=lambda v: repr(v.value),
    )
    anchor: AnchorRule = attrs.field(
        default=AnchorRule.KEEP_DAY, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )

    def __attrs_post_init__(self) -> None:
        refuse_mixed_day_count(self, PricingError)

    @classmethod
    def of(
        cls, conventions: Conventions, *, rounding: RoundingPolicy | None = None
    ) -> ProrationPolicy:
        """The proration policy a :class:`~billkit.conventions.Conventions` bundle describes.

        ``rounding`` stays ``None`` (each plan's own) unless given.

        >>> from billkit.conventions import KILL_BILL, STRIPE
        >>> ProrationPolicy.of(KILL_BILL).anchor, ProrationPolicy.of(STRIPE).basis
        (<AnchorRule.FROM_CLAMPED: 'from_clamped'>, <ProrationBasis.SECOND: 'second'>)
        """
        checks.instance("conventions", conventions, Conventions, error=PricingError)
        return cls(
            basis=conventions.basis,
            count_end_day=conventions.count_end_day,
            divisor=conventions.divisor,
            rounding=rounding,
            slices=conventions.slices,
            day_count=conventions.day_count,
            month_days=conventions.month_days,
            span=conventions.span,
            anchor=conventions.anchor,
        )


DEFAULT_PRORATION: Final = ProrationPolicy()
"""By day, end day not counted, actual period length, cumulative half-up rounding."""


def _policy_of(policy: object) -> ProrationPolicy:
    """A proration policy, or the one a conventions bundle describes."""
    if isinstance(policy, Conventions):
        return ProrationPolicy.of(policy)
    return checks.instance("policy", policy, ProrationPolicy, error=PricingError)


def _fixed_days(start: date, end: date, month_days: int) -> int:
    """:meth:`DayCount.days` under the fixed month, unchecked (dates only)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return month_days * months + end.day - start.day


# ---------------------------------------------------------------- points


def _midnight(day: date, policy: ProrationPolicy) -> datetime:
    try:
        return datetime(day.year, day.month, day.day, tzinfo=policy.tz).astimezone(_UTC)
    except OverflowError:
        raise PeriodError(
            "period",
            day,
            f"a day whose midnight in {policy.tz} is within datetime's range (years 1..9999)",
        ) from None


def _local_day(value: Moment, policy: ProrationPolicy) -> date:
    """The billing day a moment falls on."""
    if isinstance(value, datetime):
        return value.astimezone(policy.tz).date()
    return value


def _moment_for(policy: ProrationPolicy, field: str, value: object) -> Moment:
    """A billing day, or (by-second basis only) an aware instant."""
    if not isinstance(value, datetime):
        return checks.day(field, value, error=PeriodError)
    if policy.basis is ProrationBasis.DAY:
        raise PeriodError(
            field,
            value,
            "a datetime.date: the by-day basis counts whole days "
            "(pass .date(), or use ProrationPolicy(basis='second') for instants)",
        )
    return checks.moment(field, value, error=PeriodError)


def _point(value: Moment, policy: ProrationPolicy) -> date | datetime:
    """A moment on the policy's axis: a date by day, a UTC instant by second."""
    if policy.basis is ProrationBasis.DAY:
        return value
    if isinstance(value, datetime):
        return value.astimezone(_UTC)
    return _midnight(value, policy)


def _offset(origin: date | datetime, point: date | datetime) -> int:
    """Days (dates) or microseconds (instants) from ``origin`` to ``point``."""
    if isinstance(origin, datetime) and isinstance(point, datetime):
        return (point - origin) // _MICRO
    return (point - origin).days  # type: ignore[operator]


def _end_of(value: Moment, field: str, policy: ProrationPolicy) -> Moment:
    """The exclusive end of a slice whose end was given as ``value``."""
    if not policy.count_end_day:
        return value
    if isinstance(value, datetime):
        raise PeriodError(
            field,
            value,
            "a date: count_end_day charges the end day itself, and an instant has no end day",
        )
    return value + _ONE_DAY


def _months_in(period: Period) -> int | None:
    s, e = period.start, period.end
    months = (e.year - s.year) * 12 + (e.month - s.month)
    if months >= 1 and Cycle(CycleUnit.MONTH, months).is_whole_period(period):
        return months
    return None


def _divisor(period: Period, policy: ProrationPolicy) -> int:
    """The divisor in days (by day) or microseconds (by second)."""
    if policy.day_count is DayCount.FIXED_MONTH:
        months = _months_in(period)
        if months is None:
            raise PricingError(
                "period",
                str(period),
                "a whole number of months for the fixed-month day count "
                "(use day_count='actual' for other periods)",
            )
        return policy.month_days * months
    if policy.divisor is ProrationDivisor.PERIOD:
        if policy.basis is ProrationBasis.DAY:
            return period.days
        return _offset(_midnight(period.start, policy), _midnight(period.end, policy))
    months = _months_in(period)
    if months is None:
        raise PricingError(
            "period",
            str(period),
            "a whole number of months for the 30-day-month divisor "
            "(use divisor='period' for other periods)",
        )
    days = 30 * months
    return days if policy.basis is ProrationBasis.DAY else days * _MICROS_PER_DAY


# ---------------------------------------------------------------- Proration


def _fmt(value: Decimal) -> str:
    return format(value, "f")


@attrs.frozen(kw_only=True)
class Proration:
    """The charge for a slice ``[start, end)`` of a billing ``period``.

    ``full`` is the price of the whole period; ``units`` are the days (or
    seconds) charged and ``of_units`` the divisor, so ``exact`` is
    ``full x units / of_units`` before rounding (never more than ``full``,
    except for a ``first_period`` span of :func:`prorate_span`, which may
    cover several periods), and ``amount`` is the figure billed, rounded
    under the policy. ``end`` is always exclusive, whatever ``count_end_day``
    said about the input.
    ``whole`` is true when the slice is charged the whole price: it covers
    the period, or (with a 30-day-month divisor) at least 30 days a month.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> p = prorate(Money("100.00", "EUR"), Period(date(2026, 1, 1), date(2026, 2, 1)),
    ...             date(2026, 1, 15), date(2026, 2, 1))
    >>> p.units, p.of_units, p.fraction, p.amount     # 100.00 x 17 / 31 = 54.838...
    (Decimal('17'), Decimal('31'), Fraction(17, 31), Money('54.84', 'EUR'))
    >>> p.whole
    False
    """

    full: Money
    period: Period
    start: date | datetime
    end: date | datetime
    units: Decimal
    of_units: Decimal
    exact: Money
    amount: Money
    whole: bool
    policy: ProrationPolicy

    @property
    def fraction(self) -> Fraction:
        """The share of ``full`` charged, exactly: 1 when ``whole``."""
        if self.whole:
            return Fraction(1)
        return Fraction(self.units) / Fraction(self.of_units)

    @property
    def unit(self) -> str:
        """``'days'`` or ``'seconds'``."""
        return "days" if self.policy.basis is ProrationBasis.DAY else "seconds"

    def __str__(self) -> str:
        start = self.start.isoformat() if not isinstance(self.start, datetime) else str(self.start)
        end = self.end.isoformat() if not isinstance(self.end, datetime) else str(self.end)
        how = f"{_fmt(self.units)}/{_fmt(self.of_units)} {self.unit}"
        if self.whole and self.units != self.of_units:  # a 30-day-month divisor
            how = f"{_fmt(self.units)} {self.unit} (the whole period)"
        return (
            f"{start}..{end} of {self.period}: {_fmt(self.full.amount)} x {how}"
            f" = {_fmt(self.amount.amount)} {self.amount.currency.code}"
        )


def _slice(
    full: Money,
    period: Period,
    start: Moment,
    end: Moment,
    policy: ProrationPolicy,
    rounding: RoundingPolicy,
) -> Proration:
    """Prorate ``[start, end)`` (exclusive end, already checked to lie in ``period``)."""
    p0 = _point(period.start, policy)
    d = _divisor(period, policy)
    if policy.day_count is DayCount.FIXED_MONTH:
        # Kill Bill's count: the slice's own fixed-month days, placed at the
        # fixed-month offset of its start; never below zero nor past the period.
        assert not isinstance(start, datetime)
        assert not isinstance(end, datetime)
        s = min(max(_fixed_days(period.start, start, policy.month_days), 0), d)
        e = min(max(s + _fixed_days(start, end, policy.month_days), s), d)
        whole = e - s >= d or (start == period.start and end == period.end)
    else:
        s = _offset(p0, _point(start, policy))
        e = _offset(p0, _point(end, policy))
        whole = e - s >= d or (s == 0 and _point(end, policy) == _point(period.end, policy))
    currency = full.currency
    with decimal.localcontext(CONTEXT):
        a = full.amount
        if whole:
            exact = a
            amount = rounding.round_amount(a, currency)
        else:
            exact = a * (e - s) / d
            if policy.slices is SliceRounding.CUMULATIVE:
                amount = rounding.round_amount(a * e / d, currency) - rounding.round_amount(
                    a * s / d, currency
                )
            else:
                amount = rounding.round_amount(exact, currency)
        units = Decimal(e - s)
        of_units = Decimal(d)
        if policy.basis is ProrationBasis.SECOND:
            units = units.scaleb(-6)
            of_units = of_units.scaleb(-6)
    return Proration(
        full=full,
        period=period,
        start=start,
        end=end,
        units=units,
        of_units=of_units,
        exact=Money(exact, currency),
        amount=Money(amount, currency),
        whole=whole,
        policy=policy,
    )


def _within(
    period: Period, start: Moment, end: Moment, policy: ProrationPolicy, end_field: str = "end"
) -> None:
    p0, p1 = _point(period.start, policy), _point(period.end, policy)
    a, b = _point(start, policy), _point(end, policy)
    if a < p0 or a > p1:
        raise PeriodError("start", start, f"a moment within the billing period {period}")
    if b < a:
        what = "the last day charged" if policy.count_end_day else "the first moment not charged"
        raise PeriodError(end_field, end, f"a moment not before start ({start}); end is {what}")
    if b > p1:
        last = (period.end - _ONE_DAY).isoformat()
        bound = f"{last} (the period's last day)" if policy.count_end_day else str(period.end)
        raise PeriodError(end_field, end, f"a moment within the billing period {period}: {bound}")


def prorate(
    amount: Money,
    period: Period,
    start: Moment,
    end: Moment,
    policy: ProrationPolicy | Conventions = DEFAULT_PRORATION,
) -> Proration:
    """The charge for ``[start, end)`` of a billing ``period`` whose price is ``amount``.

    ``period`` is the billing period that contains the slice, whose length is
    the divisor (unless the policy divides by a 30-day month). With the
    default policy, ``end`` is the first day not charged; with
    ``count_end_day=True`` it is the last day charged. ``start == end`` is an
    empty slice (zero) when the end day does not count.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> january = Period(date(2026, 1, 1), date(2026, 2, 1))
    >>> prorate(Money("31.00", "EUR"), january, date(2026, 1, 10), date(2026, 1, 20)).amount
    Money('10.00', 'EUR')
    >>> inclusive = ProrationPolicy(count_end_day=True)   # the 10th to the 20th, both charged
    >>> prorate(Money("31.00", "EUR"), january, date(2026, 1, 10), date(2026, 1, 20), inclusive).amount
    Money('11.00', 'EUR')
    >>> thirty = ProrationPolicy(divisor="30_day_month")  # 10 days of a "30-day" January
    >>> prorate(Money("31.00", "EUR"), january, date(2026, 1, 10), date(2026, 1, 20), thirty).amount
    Money('10.33', 'EUR')
    """
    policy = _policy_of(policy)
    full = checks.money("amount", amount, error=PricingError)
    period = checks.instance("period", period, Period, error=PeriodError)
    start = _moment_for(policy, "start", start)
    end = _moment_for(policy, "end", end)
    exclusive = _end_of(end, "end", policy)
    _within(period, start, exclusive, policy)
    return _slice(full, period, start, exclusive, policy, policy.rounding or DEFAULT_ROUNDING)


def _stub_period(
    billing: BillingCycle, found: Period, lead: bool, policy: ProrationPolicy
) -> Period:
    """The period a stub of ``found`` is divided by, under the policy's anchor rule.

    ``lead``: the stub ends on ``found.end`` (a first charge); otherwise it
    starts on ``found.start`` (a last charge).
    """
    cycle = billing.cycle
    if policy.anchor is AnchorRule.KEEP_DAY or cycle.unit not in (CycleUnit.MONTH, CycleUnit.YEAR):
        return found
    if lead:  # Kill Bill: nextBillingCycleDate.minus(period)
        return Period(cycle.add(found.end, -1), found.end)
    return Period(found.start, cycle.add(found.start, 1))  # previousBillThroughDate.plus(period)


def _inner_stub_period(
    billing: BillingCycle, found: Period, end: Moment, policy: ProrationPolicy
) -> Period:
    """The period a slice inside ``found``, cut on both sides and ending at ``end``, is divided by.

    billkit (``keep_day``): ``found``. Kill Bill (``from_clamped``, by day):
    the cycle that ends on the slice's end, ``endDate.minus(period)``
    (``FixedAndRecurringInvoiceItemGenerator``: a service whose end date is
    not after its first billing date is charged
    ``calculateProRationBeforeFirstBillingPeriod(startDate, endDate, ...)``).
    """
    cycle = billing.cycle
    if (
        policy.anchor is AnchorRule.KEEP_DAY
        or cycle.unit not in (CycleUnit.MONTH, CycleUnit.YEAR)
        or isinstance(end, datetime)
    ):
        return found
    return Period(cycle.add(end, -1), end)


def _empty(full: Money, period: Period, policy: ProrationPolicy) -> Proration:
    """The empty slice at the end of ``period``: nothing charged."""
    rounding = policy.rounding or DEFAULT_ROUNDING
    return _slice(full, period, period.end, period.end, policy, rounding)


def leading_stub(
    amount: Money,
    billing: BillingCycle,
    start: Moment,
    policy: ProrationPolicy | Conventions = DEFAULT_PRORATION,
    *,
    trial_end: Moment | None = None,
) -> Proration:
    """The first charge of a service that starts on ``start``: up to the next anchor date.

    A service ordered mid-period on a plan billed on fixed anchor dates is
    charged pro rata from ``start`` to the end of the period that contains
    it, then the full price every cycle. Starting on an anchor date, the
    stub is the whole period. Under the ``from_clamped`` anchor rule a stub
    that ends on a clamped billing date is divided by the cycle before that
    date (Kill Bill's ``calculateProRationBeforeFirstBillingPeriod``).

    ``trial_end`` is the first day (or instant) after a free trial: the
    charge starts there when it falls inside the period, and is an empty
    slice (zero) when the trial covers the whole period (Lago: "amount is 0
    if trial cover the full period").

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.periods import MONTHLY, BillingCycle
    >>> calendar = BillingCycle.calendar(MONTHLY)
    >>> leading_stub(Money("110.00", "RUB"), calendar, date(2023, 4, 2)).amount   # 110 x 29/30
    Money('106.33', 'RUB')
    >>> leading_stub(Money("110.00", "RUB"), calendar, date(2023, 5, 1)).whole
    True
    >>> leading_stub(Money("110.00", "RUB"), calendar, date(2023, 4, 2),
    ...              trial_end=date(2023, 5, 15)).amount                          # all trial
    Money('0.00', 'RUB')
    """
    policy = _policy_of(policy)
    full = checks.money("amount", amount, error=PricingError)
    billing = checks.instance("billing", billing, BillingCycle, error=PeriodError)
    start = _moment_for(policy, "start", start)
    found = billing.period_containing(_local_day(start, policy))
    if trial_end is not None:
        trial_end = _moment_for(policy, "trial_end", trial_end)
        if _point(trial_end, policy) >= _point(found.end, policy):
            return _empty(full, found, policy)
        if _point(trial_end, policy) > _point(start, policy):
            start = trial_end
    period = found
    if _point(start, policy) != _point(found.start, policy):
        period = _stub_period(billing, found, True, policy)
    return _slice(full, period, start, found.end, policy, policy.rounding or DEFAULT_ROUNDING)


def _last_day(end: Moment, policy: ProrationPolicy) -> date:
    """The last billing day a slice ending (exclusively) at ``end`` touches."""
    if isinstance(end, datetime):
        return _local_day(end.astimezone(_UTC) - _MICRO, policy)
    return end - _ONE_DAY


def trailing_stub(
    amount: Money,
    billing: BillingCycle,
    end: Moment,
    policy: ProrationPolicy | Conventions = DEFAULT_PRORATION,
) -> Proration:
    """The last charge of a service that ends mid-period: from the period start to ``end``.

    ``end`` is the first day not charged (or, with ``count_end_day``, the
    last day charged). Ending on an anchor date, the stub is the whole
    period before it. Under the ``from_clamped`` anchor rule a stub that
    starts on a clamped billing date is divided by the cycle after that date
    (Kill Bill's ``calculateProRationAfterLastBillingCycleDate``), and is
    never charged more than that whole cycle.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.periods import MONTHLY, BillingCycle
    >>> billing = BillingCycle.anniversary(MONTHLY, date(2026, 1, 31))
    >>> print(trailing_stub(Money("28.00", "EUR"), billing, date(2026, 3, 14)))
    2026-02-28..2026-03-14 of 2026-02-28..2026-03-31: 28.00 x 14/31 days = 12.65 EUR
    >>> from billkit.conventions import KILL_BILL     # 28 February + 1 month = 28 March
    >>> print(trailing_stub(Money("28.00", "EUR"), billing, date(2026, 3, 14), KILL_BILL))
    2026-02-28..2026-03-14 of 2026-02-28..2026-03-28: 28.00 x 14/28 days = 14.00 EUR
    """
    policy = _policy_of(policy)
    full = checks.money("amount", amount, error=PricingError)
    billing = checks.instance("billing", billing, BillingCycle, error=PeriodError)
    end = _moment_for(policy, "end", end)
    exclusive = _end_of(end, "end", policy)
    found = billing.period_containing(_last_day(exclusive, policy))
    period = found
    if _point(exclusive, policy) != _point(found.end, policy):
        period = _stub_period(billing, found, False, policy)
    return _slice(full, period, found.start, exclusive, policy, policy.rounding or DEFAULT_ROUNDING)


def _first_period_span(
    full: Money,
    billing: BillingCycle,
    start: Moment,
    end: Moment,
    policy: ProrationPolicy,
    rounding: RoundingPolicy,
) -> Proration:
    """The whole span as one slice over the length of the period it starts in."""
    found = billing.period_containing(_local_day(start, policy))
    if _point(start, policy) == _point(found.start, policy):
        period = _stub_period(billing, found, False, policy)
    elif _point(end, policy) < _point(found.end, policy):
        period = _inner_stub_period(billing, found, end, policy)
    else:
        period = _stub_period(billing, found, True, policy)
    d = _divisor(period, policy)
    p0 = _point(period.start, policy)
    if policy.day_count is DayCount.FIXED_MONTH:
        assert not isinstance(start, datetime)
        assert not isinstance(end, datetime)
        s = max(_fixed_days(period.start, start, policy.month_days), 0)
        e = max(s + _fixed_days(start, end, policy.month_days), s)
    else:
        s = _offset(p0, _point(start, policy))
        e = _offset(p0, _point(end, policy))
    whole = s == 0 and e == d and _point(end, policy) == _point(period.end, policy)
    currency = full.currency
    with decimal.localcontext(CONTEXT):
        a = full.amount
        exact = a * (e - s) / d
        if whole:
            amount = rounding.round_amount(a, currency)
        elif policy.slices is SliceRounding.CUMULATIVE:
            amount = rounding.round_amount(a * e / d, currency) - rounding.round_amount(
                a * s / d, currency
            )
        else:
            amount = rounding.round_amount(exact, currency)
        units, of_units = Decimal(e - s), Decimal(d)
        if policy.basis is ProrationBasis.SECOND:
            units, of_units = units.scaleb(-6), of_units.scaleb(-6)
    return Proration(
        full=full,
        period=period,
        start=start,
        end=end,
        units=units,
        of_units=of_units,
        exact=Money(exact, currency),
        amount=Money(amount, currency),
        whole=whole,
        policy=policy,
    )


def prorate_span(
    amount: Money,
    billing: BillingCycle,
    start: Moment,
    end: Moment,
    policy: ProrationPolicy | Conventions = DEFAULT_PRORATION,
    *,
    trial_end: Moment | None = None,
) -> tuple[Proration, ...]:
    """Every charge of a service from ``start`` to ``end``, one per billing period.

    The first may be a leading stub and the last a trailing stub; the periods
    between are whole. The slices meet end to end: none overlaps another and
    no day is left out. Under the policy's ``span="first_period"`` the span
    is one charge instead: its days over the length of the billing period it
    starts in (Kill Bill), which may be more than one period's price.
    ``trial_end`` starts the charges after a free trial, as for
    :func:`leading_stub` (one empty slice when the trial covers the span).
    Under the ``from_clamped`` anchor rule (Kill Bill) a span that starts and
    ends inside one billing period is divided by the cycle that ends on its
    end (``endDate.minus(period)``), not by the billing period.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.periods import MONTHLY, BillingCycle
    >>> for charge in prorate_span(Money("30.00", "EUR"), BillingCycle.calendar(MONTHLY),
    ...                           date(2026, 1, 21), date(2026, 3, 8)):
    ...     print(charge)
    2026-01-21..2026-02-01 of 2026-01-01..2026-02-01: 30.00 x 11/31 days = 10.65 EUR
    2026-02-01..2026-03-01 of 2026-02-01..2026-03-01: 30.00 x 28/28 days = 30.00 EUR
    2026-03-01..2026-03-08 of 2026-03-01..2026-04-01: 30.00 x 7/31 days = 6.77 EUR
    """
    policy = _policy_of(policy)
    full = checks.money("amount", amount, error=PricingError)
    billing = checks.instance("billing", billing, BillingCycle, error=PeriodError)
    start = _moment_for(policy, "start", start)
    end = _moment_for(policy, "end", end)
    exclusive = _end_of(end, "end", policy)
    a, b = _point(start, policy), _point(exclusive, policy)
    if b <= a:
        raise PeriodError("end", end, f"a moment after start ({start})")
    rounding = policy.rounding or DEFAULT_ROUNDING
    if trial_end is not None:
        trial_end = _moment_for(policy, "trial_end", trial_end)
        t = _point(trial_end, policy)
        if t >= b:
            closing = billing.period_containing(_last_day(exclusive, policy))
            return (_slice(full, closing, exclusive, exclusive, policy, rounding),)
        if t > a:
            start, a = trial_end, t
    if policy.span is SpanProration.FIRST_PERIOD:
        return (_first_period_span(full, billing, start, exclusive, policy, rounding),)
    first, last = _local_day(start, policy), _last_day(exclusive, policy)
    out = []
    for period in billing.periods(first, last + _ONE_DAY):
        cut_start = _point(period.start, policy) < a
        cut_end = _point(period.end, policy) > b
        lo: Moment = start if cut_start else period.start
        hi: Moment = exclusive if cut_end else period.end
        divisor = period
        if cut_start != cut_end:  # a stub on one side: the anchor rule picks its divisor
            divisor = _stub_period(billing, period, cut_start, policy)
        elif cut_start:  # inside one period: so does it for a slice cut on both sides
            divisor = _inner_stub_period(billing, period, hi, policy)
        out.append(_slice(full, divisor, lo, hi, policy, rounding))
    return tuple(out)


# ---------------------------------------------------------------- plan changes

_FEE_ANCHOR: Final = date(2000, 1, 1)


def fixed_fee(plan: Plan, period: Period | None = None) -> Money:
    """What ``plan`` bills per cycle whatever the usage: its quote with no usage.

    That is the base fee plus any charge that costs something at zero usage
    (a ``Flat`` charge, a first tier's fee with ``flat_fee_at_zero``) and the
    percentages of those lines. It is the part of a bill a plan change
    prorates; usage is billed as used. ``period`` defaults to one cycle of
    the plan (the fee does not depend on which one).

    >>> from billkit.money import Money
    >>> from billkit.pricing import Charge, Flat, PercentOf
    >>> plan = Plan(code="p", name="P", currency="EUR", base_fee=Money("90.00", "EUR"),
    ...             charges=[Charge(code="ip", metric="ips", model=Flat(amount=Money("5.00", "EUR"))),
    ...                      PercentOf(code="support", of="base", rate="10%")])
    >>> fixed_fee(plan)     # 90.00 + 5.00 + 10 % of 90.00
    Money('104.00', 'EUR')
    """
    checks.instance("plan", plan, Plan, error=PricingError)
    if period is None:
        period = plan.cycle.period(_FEE_ANCHOR, 0)
    return quote(plan, {}, period).total


class ChangeDirection(str, enum.Enum):
    """Whether a plan change is an upgrade, a downgrade, neither, or a cancellation.

    See :func:`change_direction` for the rule.
    """

    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    LATERAL = "lateral"
    CANCELLATION = "cancellation"


class ChangeTiming(str, enum.Enum):
    """When a plan change takes effect.

    * ``IMMEDIATELY``: on the day requested, and the billing cycle restarts
      that day: the new plan's first period starts on it (the messaging
      business's upgrade);
    * ``IMMEDIATELY_KEEP_ANCHOR``: on the day requested, keeping the billing
      anchor: the new plan is charged pro rata to its next anchor date;
    * ``END_OF_PERIOD``: when the current period ends; until then the
      subscription shows a scheduled change (a downgrade or cancellation).
    """

    IMMEDIATELY = "immediately"
    IMMEDIATELY_KEEP_ANCHOR = "immediately_keep_anchor"
    END_OF_PERIOD = "end_of_period"


class UnusedCredit(str, enum.Enum):
    """What happens to the credit for the unused part of the old plan.

    * ``OFFSET`` (the default): taken off what the change bills (the new
      plan's charge and any usage billed with it); whatever is left goes to
      the customer's balance, never lost;
    * ``BALANCE``: all of it credited to the customer's balance;
    * ``REFUND``: all of it refunded to the customer;
    * ``FORFEIT``: none of it returned (shown, so the bill says so).
    """

    OFFSET = "offset"
    BALANCE = "balance"
    REFUND = "refund"
    FORFEIT = "forfeit"


def _rank_of(rank: Sequence[str] | Mapping[str, object], code: str, field: str) -> Decimal:
    if isinstance(rank, Mapping):
        if code not in rank:
            raise PricingError(field, code, f"a plan code listed in rank ({sorted(rank)})")
        value = rank[code]
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise PricingError(f"rank[{code!r}]", value, "an int or Decimal")
        return Decimal(value)
    if code not in rank:
        raise PricingError(field, code, f"a plan code listed in rank ({list(rank)})")
    return Decimal(list(rank).index(code))


def _direction(
    old: Plan, new: Plan | None, rank: Sequence[str] | Mapping[str, object] | None
) -> tuple[ChangeDirection, str]:
    checks.instance("old", old, Plan, error=PricingError)
    if new is None:
        return ChangeDirection.CANCELLATION, f"cancellation of {old.code!r}"
    if not isinstance(new, Plan):
        raise PricingError("new", new, "a Plan, or None to cancel")
    if new.currency != old.currency:
        raise PricingCurrencyError(
            "new.currency", new.currency.code, f"{old.currency.code}, the old plan's currency"
        )
    if rank is not None:
        if isinstance(rank, str) or not isinstance(rank, (Sequence, Mapping)):
            raise PricingError("rank", rank, "plan codes from lowest to highest, or code -> rank")
        r_old = _rank_of(rank, old.code, "old.code")
        r_new = _rank_of(rank, new.code, "new.code")
        if r_new != r_old:
            up = r_new > r_old
            return (
                ChangeDirection.UPGRADE if up else ChangeDirection.DOWNGRADE,
                f"{'upgrade' if up else 'downgrade'}: {new.code!r} ranks "
                f"{'above' if up else 'below'} {old.code!r}",
            )
    f_old, f_new = fixed_fee(old), fixed_fee(new)
    cur = old.currency.code
    said = (
        f"{new.code!r} bills {_fmt(f_new.amount)} {cur} per {new.cycle}, "
        f"{old.code!r} {_fmt(f_old.amount)} {cur} per {old.cycle}"
    )
    if rank is not None:
        said = f"equal rank; {said}"
    if f_new.amount > f_old.amount:
        return ChangeDirection.UPGRADE, f"upgrade: {said}"
    if f_new.amount < f_old.amount:
        return ChangeDirection.DOWNGRADE, f"downgrade: {said}"
    return ChangeDirection.LATERAL, f"lateral: {said}"


def change_direction(
    old: Plan,
    new: Plan | None,
    *,
    rank: Sequence[str] | Mapping[str, int] | None = None,
) -> ChangeDirection:
    """Whether moving from ``old`` to ``new`` is an upgrade, a downgrade or neither.

    The rule, in order:

    1. no new plan: a cancellation;
    2. with ``rank`` (plan codes from lowest to highest, or a mapping of code
       to rank), the higher-ranked plan is the upgrade; equal ranks go on to 3;
    3. otherwise the plans' fixed fees per billing cycle (:func:`fixed_fee`)
       are compared: a change that commits the customer to pay more per
       cycle is an upgrade, less a downgrade, the same lateral.

    Rule 3 is what makes a change of interval come out right: monthly to
    yearly is an upgrade (a year is paid at once), yearly to monthly a
    downgrade, even though the monthly plan's daily price is higher. Plans in
    different currencies are refused.

    >>> from billkit.money import Money
    >>> monthly = Plan(code="m", name="M", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> yearly = Plan(code="y", name="Y", currency="EUR", cycle="yearly",
    ...               base_fee=Money("950.40", "EUR"))
    >>> change_direction(yearly, monthly), change_direction(monthly, yearly)
    (<ChangeDirection.DOWNGRADE: 'downgrade'>, <ChangeDirection.UPGRADE: 'upgrade'>)
    >>> change_direction(yearly, monthly, rank=["y", "m"])
    <ChangeDirection.UPGRADE: 'upgrade'>
    """
    return _direction(old, new, rank)[0]


def _zero(plan: Plan) -> Money:
    """Zero written to the plan's minor unit (``0.00``), like every other figure."""
    return Money(plan.rounding.round_amount(_ZERO, plan.currency), plan.currency)


@attrs.frozen(kw_only=True)
class PlanChange:
    """A plan change (or cancellation), explained.

    * ``direction`` and ``reason``: upgrade, downgrade, lateral or
      cancellation, and why (:func:`change_direction`);
    * ``timing``, ``requested_on``, ``effective_on``: when it was asked for
      and when it takes effect; ``scheduled`` is true when that is later
      (the messaging business shows DOWNGRADING or CANCELLING until then);
    * ``old_period`` and ``new_period``: the old plan's current period and
      the new plan's first period (``None`` on cancellation);
    * ``credit``: the unused part of the old plan's fixed fee, or of what was
      ``paid`` for it (``None`` when the change waits for the end of the
      period: nothing is unused);
    * ``charge``: the new plan's fixed fee for ``new_period``, pro rata from
      ``effective_on``;
    * ``usage`` and ``usage_charge``: the old plan's quote for the usage so
      far, and the part of it above the fixed fee, billed with the change;
    * ``unused_credit``: the policy, and what it did: ``offset`` (taken off
      this bill), ``to_balance``, ``refund`` and ``forfeited``;
    * ``due``: what the change bills on ``effective_on``:
      ``charge + usage_charge - offset``.
    """

    old_plan: Plan = attrs.field(repr=lambda plan: repr(plan.code))
    new_plan: Plan | None = attrs.field(repr=lambda plan: repr(plan and plan.code))
    direction: ChangeDirection
    reason: str
    timing: ChangeTiming
    requested_on: date | datetime
    effective_on: date | datetime
    old_period: Period
    new_period: Period | None
    credit: Proration | None
    charge: Proration | None
    usage: Quote | None = attrs.field(repr=False)
    usage_charge: Money
    unused_credit: UnusedCredit
    offset: Money
    to_balance: Money
    refund: Money
    forfeited: Money
    due: Money

    @property
    def scheduled(self) -> bool:
        """Whether the change waits for a later date than the one requested."""
        return self.effective_on != self.requested_on

    def explain(self) -> str:
        """The change as plain text, one fact a line."""
        cur = self.old_plan.currency.code
        new = self.new_plan.code if self.new_plan is not None else "(cancelled)"
        when = "scheduled for" if self.scheduled else "effective"
        out = [
            f"{self.old_plan.code} -> {new}: {self.direction.value}, {self.timing.value}, "
            f"{when} {self.effective_on}",
            f"  why: {self.reason}",
        ]
        if self.credit is not None:
            out.append(f"  credit, unused {self.old_plan.code}: {self.credit}")
        if self.charge is not None:
            out.append(f"  charge, {new}: {self.charge}")
        if self.usage is not None:
            out.append(f"  usage so far on {self.old_plan.code}: {_fmt(self.usage_charge.amount)}")
        policy = self.unused_credit.value
        for label, money in (
            ("offset", self.offset),
            ("to balance", self.to_balance),
            ("refund", self.refund),
            ("forfeited", self.forfeited),
        ):
            if money.amount:
                out.append(f"  unused credit ({policy}), {label}: {_fmt(money.amount)}")
        out.append(f"  due {self.effective_on}: {_fmt(self.due.amount)} {cur}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.explain()


def _aligned(cycle: Cycle, anchor: date, day: date) -> Period:
    """The period of ``cycle`` from ``anchor`` that starts on ``day``, else one anchored on it."""
    found = cycle.period_containing(anchor, day)
    return found if found.start == day else cycle.period(day, 0)


def change_plan(
    old: Plan,
    new: Plan | None,
    *,
    period: Period,
    on: Moment,
    timing: ChangeTiming | str | None = None,
    unused_credit: UnusedCredit | str = UnusedCredit.OFFSET,
    usage: Usage | None = None,
    policy: ProrationPolicy | Conventions | None = None,
    anchor: date | None = None,
    rank: Sequence[str] | Mapping[str, int] | None = None,
    paid: Money | None = None,
) -> PlanChange:
    """Move a subscription from ``old`` to ``new`` (``None``: cancel it) on ``on``.

    ``period`` is the old plan's current billing period (one whole cycle),
    whose fixed fee was billed in advance; ``on`` lies in it. ``timing``
    defaults by direction: an upgrade takes effect at once and restarts the
    cycle, a downgrade or cancellation waits for the end of the period, a
    lateral change takes effect at once keeping the anchor.

    The period is split at ``on``: days before it are the old plan's, ``on``
    and after the new plan's, so no day is billed twice. The credit is the
    old fixed fee for ``[on, period end)``; the charge the new fixed fee from
    ``on`` to the new period's end, both under ``policy`` (a
    :class:`ProrationPolicy` or a :class:`~billkit.conventions.Conventions`
    bundle; by default the old plan's ``conventions``), rounded by each
    plan's own rounding unless the policy names one. With ``count_end_day``
    an immediate cancellation charges ``on`` itself: ``on`` is the last day
    served and the credit starts the day after (Lago's termination credit);
    a change to another plan still gives ``on`` to the new plan (Lago's
    upgrade credit starts on the day of the upgrade). ``usage`` is the usage so far on the old plan: its part of
    the old plan's bill above the fixed fee is billed with the change (the
    messaging business bills on-demand usage at once when upgrading). Usage
    allowances are not prorated. ``anchor`` is the subscription's billing
    anchor, to keep it (default ``period.start``; pass the real anchor when it
    is a 29th to 31st, which a clamped period start would forget). ``paid`` is
    what the customer was billed for the old plan's fixed fee this period when
    that differs from the fee (after a coupon, say): the credit is prorated
    from it, so no more is returned than was paid.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> starter = Plan(code="starter", name="Starter", currency="EUR", base_fee=Money("30.00", "EUR"))
    >>> growth = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("90.00", "EUR"))
    >>> april = Period(date(2026, 4, 1), date(2026, 5, 1))
    >>> up = change_plan(starter, growth, period=april, on=date(2026, 4, 21))
    >>> print(up)   # credit 30.00 x 10/30; charge a whole new month from the 21st
    starter -> growth: upgrade, immediately, effective 2026-04-21
      why: upgrade: 'growth' bills 90.00 EUR per 1 month, 'starter' 30.00 EUR per 1 month
      credit, unused starter: 2026-04-21..2026-05-01 of 2026-04-01..2026-05-01: 30.00 x 10/30 days = 10.00 EUR
      charge, growth: 2026-04-21..2026-05-21 of 2026-04-21..2026-05-21: 90.00 x 30/30 days = 90.00 EUR
      unused credit (offset), offset: 10.00
      due 2026-04-21: 80.00 EUR
    >>> down = change_plan(growth, starter, period=april, on=date(2026, 4, 21))
    >>> down.scheduled, down.effective_on, down.due
    (True, datetime.date(2026, 5, 1), Money('30.00', 'EUR'))
    """
    checks.instance("old", old, Plan, error=PricingError)
    policy = _policy_of(old.conventions if policy is None else policy)
    direction, reason = _direction(old, new, rank)
    period = checks.instance("period", period, Period, error=PeriodError)
    if not old.cycle.is_whole_period(period):
        raise PricingError(
            "period", str(period), f"one whole billing cycle of plan {old.code!r} ({old.cycle})"
        )
    on = _moment_for(policy, "on", on)
    p0, p1, at = _point(period.start, policy), _point(period.end, policy), _point(on, policy)
    if not p0 <= at < p1:
        raise PeriodError("on", on, f"a moment within the current period {period}")
    if anchor is not None and (isinstance(anchor, datetime) or not isinstance(anchor, date)):
        raise PeriodError("anchor", anchor, "a datetime.date")
    anchor = period.start if anchor is None else anchor
    if paid is not None:
        paid = to_money(paid, old.currency, field="paid")
        if paid.amount < 0:
            raise PricingError("paid", paid, "an amount of zero or more")
    if timing is None:
        timing = {
            ChangeDirection.UPGRADE: ChangeTiming.IMMEDIATELY,
            ChangeDirection.LATERAL: ChangeTiming.IMMEDIATELY_KEEP_ANCHOR,
        }.get(direction, ChangeTiming.END_OF_PERIOD)
    timing = checks.member("timing", timing, ChangeTiming, error=PricingError)
    credit_policy = checks.member("unused_credit", unused_credit, UnusedCredit, error=PricingError)

    zero = _zero(old)
    day = _local_day(on, policy)
    credit: Proration | None = None
    charge: Proration | None = None
    new_period: Period | None = None
    if timing is ChangeTiming.END_OF_PERIOD:
        effective: Moment = period.end
        if new is not None:
            new_period = _aligned(new.cycle, anchor, period.end)
            fee = fixed_fee(new, new_period)
            rounding = policy.rounding or new.rounding
            charge = _slice(fee, new_period, new_period.start, new_period.end, policy, rounding)
    else:
        effective = on
        fee = fixed_fee(old, period) if paid is None else paid
        unused_from = on
        if new is None and policy.count_end_day:  # `on` is the last day served
            unused_from = _end_of(on, "on", policy)
        credit = _slice(
            fee, period, unused_from, period.end, policy, policy.rounding or old.rounding
        )
        if new is not None:
            if timing is ChangeTiming.IMMEDIATELY:
                new_period = new.cycle.period(day, 0)
            elif new.cycle == old.cycle:
                new_period = period
            else:
                new_period = new.cycle.period_containing(anchor, day)
            fee = fixed_fee(new, new_period)
            charge = _slice(
                fee, new_period, on, new_period.end, policy, policy.rounding or new.rounding
            )

    usage_quote: Quote | None = None
    usage_charge = zero
    if usage is not None:
        usage_quote = quote(old, usage, period)
        usage_charge = usage_quote.total - fixed_fee(old, period)

    offset = to_balance = refund = forfeited = zero
    credit_amount = credit.amount if credit is not None else zero
    billed = (charge.amount if charge is not None else zero) + usage_charge
    if credit_policy is UnusedCredit.OFFSET:
        offset = min(credit_amount, max(billed, zero))
        to_balance = credit_amount - offset
    elif credit_policy is UnusedCredit.BALANCE:
        to_balance = credit_amount
    elif credit_policy is UnusedCredit.REFUND:
        refund = credit_amount
    else:
        forfeited = credit_amount
    return PlanChange(
        old_plan=old,
        new_plan=new,
        direction=direction,
        reason=reason,
        timing=timing,
        requested_on=on,
        effective_on=effective,
        old_period=period,
        new_period=new_period,
        credit=credit,
        charge=charge,
        usage=usage_quote,
        usage_charge=usage_charge,
        unused_credit=credit_policy,
        offset=offset,
        to_balance=to_balance,
        refund=refund,
        forfeited=forfeited,
        due=billed - offset,
    )
