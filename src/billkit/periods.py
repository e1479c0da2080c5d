"""Billing periods and cycles.

A :class:`Period` is a half-open range of billing days ``[start, end)``: it
contains its start and not its end, so consecutive periods meet end to end and
never share a day. A :class:`Cycle` says how long one period is (N days,
weeks, months or years); a :class:`BillingCycle` binds a cycle to the anchor
date its periods count from.

Month and year arithmetic clamps to the month end and always offsets from the
anchor, so a subscription that starts on January 31st renews on February 28th
(29th in a leap year) and then returns to March 31st.

Everything here is pure: no clock is read; dates are always parameters.

>>> from datetime import date
>>> from billkit.periods import MONTHLY, BillingCycle
>>> billing = BillingCycle.anniversary(MONTHLY, date(2026, 1, 31))
>>> [str(period) for period in billing.periods(date(2026, 1, 31), date(2026, 4, 1))]
['2026-01-31..2026-02-28', '2026-02-28..2026-03-31', '2026-03-31..2026-04-30']
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import ClassVar

import attrs

import billkit._checks as checks
from billkit.errors import PeriodError, ValidationError

__all__ = [
    "MONTHLY",
    "WEEKLY",
    "YEARLY",
    "BillingCycle",
    "Cycle",
    "CycleUnit",
    "Period",
    "days_between",
]
# Also importable from here: DAILY and QUARTERLY (MONTHLY * 3).


def _is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


@attrs.frozen(cache_hash=True)
class Period:
    """A half-open range of billing days ``[start, end)``.

    ``start`` is the first day in the period and ``end`` the first day after
    it, so a calendar month is ``Period(date(2026, 1, 1), date(2026, 2, 1))``.
    Both must be ``datetime.date`` (a ``datetime`` is refused) and ``start``
    must come before ``end``: a period is never empty.

    A period is not iterable, to keep ``start, end = period`` from meaning two
    things; use :meth:`dates` for its days.

    >>> from datetime import date
    >>> january = Period(date(2026, 1, 1), date(2026, 2, 1))
    >>> january.days
    31
    >>> date(2026, 1, 31) in january, date(2026, 2, 1) in january
    (True, False)
    >>> str(january)
    '2026-01-01..2026-02-01'
    """

    start: date
    end: date

    def __attrs_post_init__(self) -> None:
        checks.day("start", self.start, error=PeriodError)
        checks.day("end", self.end, error=PeriodError)
        if self.start >= self.end:
            raise PeriodError(
                "end",
                self.end,
                f"a date after start ({self.start.isoformat()}); "
                "periods are half-open [start, end) and never empty",
            )

    @property
    def days(self) -> int:
        """The number of days in the period: ``(end - start).days``.

        >>> from datetime import date
        >>> Period(date(2028, 2, 1), date(2028, 3, 1)).days
        29
        """
        return (self.end - self.start).days

    def __contains__(self, d: date) -> bool:
        """Whether day ``d`` lies in the period: ``start <= d < end``."""
        checks.day("d", d, error=PeriodError)
        return self.start <= d < self.end

    def dates(self) -> Iterator[date]:
        """Each day of the period in order, from ``start`` up to (not including) ``end``.

        >>> from datetime import date
        >>> [d.day for d in Period(date(2026, 1, 30), date(2026, 2, 2)).dates()]
        [30, 31, 1]
        """
        for offset in range(self.days):
            yield self.start + timedelta(days=offset)

    def overlaps(self, other: Period) -> bool:
        """Whether the two periods share at least one day.

        Periods that only meet end to end do not overlap.

        >>> from datetime import date
        >>> january = Period(date(2026, 1, 1), date(2026, 2, 1))
        >>> january.overlaps(Period(date(2026, 1, 31), date(2026, 3, 1)))
        True
        >>> january.overlaps(Period(date(2026, 2, 1), date(2026, 3, 1)))
        False
        """
        checks.instance("other", other, Period, error=PeriodError)
        return self.start < other.end and other.start < self.end

    def intersection(self, other: Period) -> Period | None:
        """The days both periods share, or ``None`` when they share none.

        >>> from datetime import date
        >>> january = Period(date(2026, 1, 1), date(2026, 2, 1))
        >>> print(january.intersection(Period(date(2026, 1, 20), date(2026, 3, 1))))
        2026-01-20..2026-02-01
        >>> print(january.intersection(Period(date(2026, 2, 1), date(2026, 3, 1))))
        None
        """
        checks.instance("other", other, Period, error=PeriodError)
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        if start >= end:
            return None
        return Period(start, end)

    def split(self, on: date) -> tuple[Period, Period]:
        """Cut the period in two on day ``on``: ``[start, on)`` and ``[on, end)``.

        ``on`` must lie strictly inside the period, so that both parts have
        at least one day.

        >>> from datetime import date
        >>> before, after = Period(date(2026, 1, 1), date(2026, 2, 1)).split(date(2026, 1, 15))
        >>> str(before), str(after)
        ('2026-01-01..2026-01-15', '2026-01-15..2026-02-01')
        """
        checks.day("on", on, error=PeriodError)
        if not self.start < on < self.end:
            raise PeriodError(
                "on",
                on,
                f"a date strictly inside {self} (after {self.start.isoformat()}, "
                f"before {self.end.isoformat()})",
            )
        return Period(self.start, on), Period(on, self.end)

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read a period written as ``str()`` writes it: ``'YYYY-MM-DD..YYYY-MM-DD'``.

        >>> from datetime import date
        >>> Period.parse("2026-01-01..2026-02-01") == Period(date(2026, 1, 1), date(2026, 2, 1))
        True
        """
        if not isinstance(text, str):
            raise PeriodError("text", text, "a str such as '2026-01-01..2026-02-01'")
        match = _PERIOD_TEXT.fullmatch(text)
        if match is None:
            raise PeriodError(
                "text",
                text,
                "a period written as 'YYYY-MM-DD..YYYY-MM-DD', e.g. '2026-01-01..2026-02-01'",
            )
        try:
            start = date.fromisoformat(match[1])
            end = date.fromisoformat(match[2])
        except ValueError as error:
            raise PeriodError("text", text, f"two real calendar dates ({error})") from None
        if start >= end:
            raise PeriodError(
                "text", text, "a start before the end (periods are half-open [start, end))"
            )
        return cls(start, end)


_PERIOD_TEXT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})")


def days_between(start: date, end: date) -> int:
    """The number of days from ``start`` to ``end``: ``(end - start).days``.

    The result is signed: negative when ``end`` comes before ``start``.
    ``datetime`` values are refused, since their time of day would be lost.

    >>> from datetime import date
    >>> days_between(date(2028, 2, 1), date(2028, 3, 1))
    29
    >>> days_between(date(2026, 3, 1), date(2026, 2, 1))
    -28
    """
    checks.day("start", start, error=PeriodError)
    checks.day("end", end, error=PeriodError)
    return (end - start).days


class CycleUnit(str, enum.Enum):
    """The unit a billing cycle counts in.

    >>> CycleUnit("month") is CycleUnit.MONTH
    True
    """

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


_WORDS: dict[str, tuple[CycleUnit, int]] = {
    "daily": (CycleUnit.DAY, 1),
    "weekly": (CycleUnit.WEEK, 1),
    "monthly": (CycleUnit.MONTH, 1),
    "quarterly": (CycleUnit.MONTH, 3),
    "yearly": (CycleUnit.YEAR, 1),
    "annual": (CycleUnit.YEAR, 1),
    "annually": (CycleUnit.YEAR, 1),
}
_CYCLE_TEXT = re.compile(r"([0-9]+)\s+(day|week|month|year)s?")
_CYCLE_FORMS = (
    "a cycle such as '1 month', '3 months', '30 days', '2 weeks' or '1 year' "
    "(singular or plural, any case), or one of: " + ", ".join(_WORDS)
)


@attrs.frozen(cache_hash=True)
class Cycle:
    """How long one billing period is: ``count`` days, weeks, months or years.

    ``unit`` is a :class:`CycleUnit` or its string value; ``count`` is a whole
    number of at least 1. Multiplying by N gives a cycle N times as long.

    Month and year cycles clamp to the month end and always offset from the
    anchor, never from the previous period, so the anchor's day comes back
    after a short month.

    >>> from datetime import date
    >>> Cycle("month", 3) == QUARTERLY == MONTHLY * 3
    True
    >>> str(Cycle(CycleUnit.DAY, 30))
    '30 days'
    >>> [MONTHLY.add(date(2026, 1, 31), n).isoformat() for n in (1, 2, 3)]
    ['2026-02-28', '2026-03-31', '2026-04-30']
    """

    _error_class: ClassVar[type[ValidationError]] = PeriodError

    unit: CycleUnit = attrs.field(converter=checks.MEMBER)
    count: int = attrs.field(default=1, converter=checks.WHOLE, metadata=checks.options(low=1))

    def __str__(self) -> str:
        plural = "" if self.count == 1 else "s"
        return f"{self.count} {self.unit.value}{plural}"

    def __mul__(self, n: int) -> Cycle:
        """A cycle ``n`` times as long: ``MONTHLY * 3 == QUARTERLY``."""
        checks.whole("n", n, low=1, error=PeriodError)
        return attrs.evolve(self, count=self.count * n)

    def __rmul__(self, n: int) -> Cycle:
        """A cycle ``n`` times as long: ``3 * MONTHLY == QUARTERLY``."""
        return self * n

    @classmethod
    def parse(cls, text: str) -> Cycle:
        """Read a cycle from text: the ``str()`` forms or a word such as ``'quarterly'``.

        Accepts ``'<count> <unit>'`` in singular or plural, in any case and with
        surrounding spaces, and the words daily, weekly, monthly, quarterly,
        yearly, annual and annually.

        >>> Cycle.parse("3 months") == Cycle.parse(" Quarterly ") == QUARTERLY
        True
        >>> Cycle.parse("30 days")
        Cycle(unit=<CycleUnit.DAY: 'day'>, count=30)
        """
        if not isinstance(text, str):
            raise PeriodError("text", text, _CYCLE_FORMS)
        normal = text.strip().lower()
        word = _WORDS.get(normal)
        if word is not None:
            return cls(*word)
        match = _CYCLE_TEXT.fullmatch(normal)
        if match is None or len(match[1]) > 6 or int(match[1]) < 1:  # 999999 days: ~2700 years
            raise PeriodError("text", text, _CYCLE_FORMS)
        return cls(CycleUnit(match[2]), int(match[1]))

    def _months(self) -> int:
        """The length of one month or year cycle in months."""
        return self.count * 12 if self.unit is CycleUnit.YEAR else self.count

    def _days(self) -> int:
        """The length of one day or week cycle in days."""
        return self.count * 7 if self.unit is CycleUnit.WEEK else self.count

    def _shift(self, anchor: date, n: int) -> date:
        """``add`` without checks; raises OverflowError or ValueError off the calendar."""
        if self.unit in (CycleUnit.MONTH, CycleUnit.YEAR):
            # Always from the anchor in one step, the day clamped to the month end
            # (chaining clamped steps would drift: 31 -> 28 -> 28). This is
            # ``anchor + relativedelta(months=...)`` computed directly, without
            # building a relativedelta per step (tests/periods prove them equal).
            year, month0 = divmod(anchor.year * 12 + anchor.month - 1 + n * self._months(), 12)
            if not 1 <= year <= 9999:
                raise ValueError(f"year {year} is out of range")
            day = anchor.day
            if day > 28:
                day = min(day, calendar.monthrange(year, month0 + 1)[1])
            return anchor.replace(year=year, month=month0 + 1, day=day)
        return anchor + timedelta(days=n * self._days())

    def _try_shift(self, anchor: date, n: int) -> date | None:
        try:
            return self._shift(anchor, n)
        except (OverflowError, ValueError):
            return None

    def add(self, anchor: date, n: int) -> date:
        """The start of the ``n``-th period counted from ``anchor`` (``n`` may be negative).

        Months and years are offset from the anchor in one step, with the day
        clamped to the month end, so the anchor's day returns after a short
        month.

        >>> from datetime import date
        >>> MONTHLY.add(date(2028, 1, 31), 1)
        datetime.date(2028, 2, 29)
        >>> Cycle("day", 30).add(date(2026, 1, 1), -1)
        datetime.date(2025, 12, 2)
        """
        checks.day("anchor", anchor, error=PeriodError)
        checks.whole("n", n, low=None, error=PeriodError)
        try:
            return self._shift(anchor, n)
        except (OverflowError, ValueError):
            raise PeriodError(
                "n",
                n,
                f"a period within datetime.date's range (years 1..9999); "
                f"{anchor.isoformat()} + {n} x {self} is outside it",
            ) from None

    def period(self, anchor: date, n: int) -> Period:
        """The ``n``-th period counted from ``anchor``: ``[add(anchor, n), add(anchor, n + 1))``.

        >>> from datetime import date
        >>> print(MONTHLY.period(date(2026, 1, 31), 1))
        2026-02-28..2026-03-31
        """
        checks.whole("n", n, low=None, error=PeriodError)
        return Period(self.add(anchor, n), self.add(anchor, n + 1))

    def index_of(self, anchor: date, on: date) -> int:
        """The ``n`` such that day ``on`` lies in ``period(anchor, n)``; negative before the anchor.

        Computed directly from the distance between the dates, not by stepping
        from the anchor.

        >>> from datetime import date
        >>> MONTHLY.index_of(date(2026, 1, 31), date(2026, 3, 30))
        1
        >>> MONTHLY.index_of(date(2026, 1, 31), date(2026, 1, 30))
        -1
        """
        checks.day("anchor", anchor, error=PeriodError)
        checks.day("on", on, error=PeriodError)
        if self.unit in (CycleUnit.DAY, CycleUnit.WEEK):
            return (on - anchor).days // self._days()
        months = (on.year - anchor.year) * 12 + (on.month - anchor.month)
        # Period n starts in month anchor + n * step, so this estimate is right
        # or one too high (when on is in that month but before the start day).
        n = months // self._months()
        # A start that falls off the calendar can only fall below year 1 here
        # (it is in on's month or earlier), so it is before on.
        start = self._try_shift(anchor, n)
        while start is not None and start > on:
            n -= 1
            start = self._try_shift(anchor, n)
        # Symmetrically, the next start can only fall beyond year 9999: after on.
        following = self._try_shift(anchor, n + 1)
        while following is not None and following <= on:
            n += 1
            following = self._try_shift(anchor, n + 1)
        return n

    def period_containing(self, anchor: date, on: date) -> Period:
        """The period counted from ``anchor`` that contains day ``on``.

        >>> from datetime import date
        >>> print(QUARTERLY.period_containing(date(2000, 1, 1), date(2026, 5, 17)))
        2026-04-01..2026-07-01
        """
        return self.period(anchor, self.index_of(anchor, on))

    def periods(self, anchor: date, start: date, end: date) -> Iterator[Period]:
        """Every period counted from ``anchor`` that overlaps ``[start, end)``, in order.

        The first and last periods may reach outside ``[start, end)``; use
        :meth:`Period.intersection` to cut them.

        >>> from datetime import date
        >>> thirty_days, anchor = Cycle("day", 30), date(2026, 1, 1)
        >>> [str(p) for p in thirty_days.periods(anchor, date(2026, 1, 1), date(2026, 2, 1))]
        ['2026-01-01..2026-01-31', '2026-01-31..2026-03-02']
        """
        checks.day("anchor", anchor, error=PeriodError)
        checks.day("start", start, error=PeriodError)
        checks.day("end", end, error=PeriodError)
        if start >= end:
            raise PeriodError(
                "end", end, f"a date after start ({start.isoformat()}); [start, end) is half-open"
            )
        return self._periods_from(anchor, self.index_of(anchor, start), end)

    def _periods_from(self, anchor: date, n: int, end: date) -> Iterator[Period]:
        current = self.add(anchor, n)
        while current < end:
            n += 1
            following = self.add(anchor, n)
            yield Period(current, following)
            current = following

    def is_whole_period(self, period: Period) -> bool:
        """Whether ``period`` is exactly one cycle long under some anchor.

        Day and week cycles compare the number of days. Month and year cycles
        ask whether ``end`` is the date one cycle after ``start`` for an anchor
        on ``start``'s day; when ``start`` is the last day of its month the
        anchor may be any later day (a month-end start may be a clamped 29th,
        30th or 31st).

        >>> from datetime import date
        >>> MONTHLY.is_whole_period(Period(date(2026, 2, 28), date(2026, 3, 31)))
        True
        >>> MONTHLY.is_whole_period(Period(date(2026, 1, 15), date(2026, 2, 14)))
        False
        """
        checks.instance("period", period, Period, error=PeriodError)
        if self.unit in (CycleUnit.DAY, CycleUnit.WEEK):
            return period.days == self._days()
        start, end = period.start, period.end
        year, month0 = divmod(start.year * 12 + start.month - 1 + self._months(), 12)
        if (end.year, end.month) != (year, month0 + 1):
            return False
        # An anchor on day a puts the end on min(a, days in end's month).
        last_day = calendar.monthrange(end.year, end.month)[1]
        if _is_month_end(start):
            # Any anchor day from start.day to 31 is possible: ends from
            # min(start.day, last_day) up to last_day.
            return end.day >= min(start.day, last_day)
        return end.day == min(start.day, last_day)


DAILY = Cycle(CycleUnit.DAY)
"""One day."""
WEEKLY = Cycle(CycleUnit.WEEK)
"""One week."""
MONTHLY = Cycle(CycleUnit.MONTH)
"""One month."""
QUARTERLY = Cycle(CycleUnit.MONTH, 3)
"""Three months."""
YEARLY = Cycle(CycleUnit.YEAR)
"""One year."""

_CALENDAR_MONTHS_ANCHOR = date(2000, 1, 1)
_CALENDAR_WEEKS_ANCHOR = date(2000, 1, 3)  # a Monday


@attrs.frozen
class BillingCycle:
    """A :class:`Cycle` bound to the anchor date its periods are counted from.

    Period 0 starts on the anchor; period ``n`` starts ``n`` cycles later (or
    earlier, for negative ``n``). Build one with :meth:`anniversary` (periods
    count from a subscription's start) or :meth:`calendar` (periods follow the
    calendar: months from the 1st, weeks from Monday).

    >>> from datetime import date
    >>> billing = BillingCycle.anniversary(MONTHLY, date(2026, 1, 31))
    >>> print(billing.period(1))
    2026-02-28..2026-03-31
    >>> print(BillingCycle.calendar(MONTHLY).period_containing(date(2026, 2, 14)))
    2026-02-01..2026-03-01
    """

    cycle: Cycle
    anchor: date

    def __attrs_post_init__(self) -> None:
        checks.instance("cycle", self.cycle, Cycle, error=PeriodError)
        checks.day("anchor", self.anchor, error=PeriodError)

    @classmethod
    def anniversary(cls, cycle: Cycle, start: date) -> BillingCycle:
        """Periods counted from ``start``, e.g. the day a subscription began.

        >>> from datetime import date
        >>> print(BillingCycle.anniversary(YEARLY, date(2028, 2, 29)).period(1))
        2029-02-28..2030-02-28
        """
        return cls(cycle, start)

    @classmethod
    def calendar(cls, cycle: Cycle) -> BillingCycle:
        """Periods aligned to the calendar.

        Month and year cycles are anchored on 2000-01-01, so months start on
        the 1st, quarters on January, April, July and October 1st and years on
        January 1st. Week cycles are anchored on Monday 2000-01-03. A day
        cycle has no calendar alignment and is refused: give it an anchor with
        :meth:`anniversary`.

        >>> from datetime import date
        >>> print(BillingCycle.calendar(WEEKLY).period_containing(date(2026, 3, 8)))
        2026-03-02..2026-03-09
        """
        checks.instance("cycle", cycle, Cycle, error=PeriodError)
        if cycle.unit is CycleUnit.DAY:
            raise PeriodError(
                "cycle",
                cycle,
                "a week, month or year cycle: an N-day cycle has no calendar alignment, "
                "so use BillingCycle.anniversary(cycle, start) with an anchor",
            )
        if cycle.unit is CycleUnit.WEEK:
            return cls(cycle, _CALENDAR_WEEKS_ANCHOR)
        return cls(cycle, _CALENDAR_MONTHS_ANCHOR)

    @classmethod
    def on_day(cls, cycle: Cycle, day: int, *, month: int = 1) -> BillingCycle:
        """Periods that start on day ``day`` (1 to 31) of the month, as billing systems configure it.

        Kill Bill's bill cycle day, Stripe's billing cycle anchor day and
        Lago's anniversary day are a number, not a date. A month that is too
        short for ``day`` bills on its last day, and the day returns in the
        next month long enough (day 31: 31 January, 28 February, 31 March).
        ``month`` (1 to 12) is a month in which a period starts, for cycles
        longer than a month (quarters starting in February, years in June);
        monthly cycles ignore it. The cycle must fit a year a whole number of
        times (1, 2, 3, 4, 6 or 12 months): other cycles, days and weeks need
        an anchor date (:meth:`anniversary`).

        >>> from datetime import date
        >>> bcd_31 = BillingCycle.on_day(MONTHLY, 31)
        >>> [str(bcd_31.period_containing(date(2026, m, 15))) for m in (2, 3, 4)]
        ['2026-01-31..2026-02-28', '2026-02-28..2026-03-31', '2026-03-31..2026-04-30']
        >>> print(BillingCycle.on_day(QUARTERLY, 15, month=2).period_containing(date(2026, 4, 1)))
        2026-02-15..2026-05-15
        """
        checks.instance("cycle", cycle, Cycle, error=PeriodError)
        checks.whole("day", day, low=1, high=31, error=PeriodError)
        checks.whole("month", month, low=1, high=12, error=PeriodError)
        if cycle.unit not in (CycleUnit.MONTH, CycleUnit.YEAR) or 12 % cycle._months():
            raise PeriodError(
                "cycle",
                cycle,
                "a cycle of 1, 2, 3, 4, 6 or 12 months: its periods then start in the "
                "same months every year (use BillingCycle.anniversary for others)",
            )
        # The anchor is `day` itself, in the first period start from `month` of
        # 2000 (a leap year) whose month is long enough, so the day is remembered.
        for n in range(12):
            year, month0 = divmod(2000 * 12 + month - 1 + n * cycle._months(), 12)
            if day <= calendar.monthrange(year, month0 + 1)[1]:
                return cls(cycle, date(year, month0 + 1, day))
        # Only a yearly cycle in February on the 30th or 31st: its last day, every year.
        return cls(cycle, date(2000, month, calendar.monthrange(2000, month)[1]))

    def period(self, n: int) -> Period:
        """The ``n``-th period; period 0 starts on the anchor.

        >>> from datetime import date
        >>> print(BillingCycle.anniversary(MONTHLY, date(2026, 1, 31)).period(-1))
        2025-12-31..2026-01-31
        """
        return self.cycle.period(self.anchor, n)

    def index_of(self, on: date) -> int:
        """The number of the period that contains day ``on`` (negative before the anchor).

        >>> from datetime import date
        >>> BillingCycle.anniversary(MONTHLY, date(2026, 1, 31)).index_of(date(2026, 3, 31))
        2
        """
        return self.cycle.index_of(self.anchor, on)

    def period_containing(self, on: date) -> Period:
        """The period that contains day ``on``.

        >>> from datetime import date
        >>> billing = BillingCycle.anniversary(MONTHLY, date(2026, 1, 31))
        >>> print(billing.period_containing(date(2026, 3, 30)))
        2026-02-28..2026-03-31
        """
        return self.cycle.period_containing(self.anchor, on)

    def periods(self, start: date, end: date) -> Iterator[Period]:
        """Every period that overlaps ``[start, end)``, in order.

        >>> from datetime import date
        >>> billing = BillingCycle.calendar(QUARTERLY)
        >>> [str(p) for p in billing.periods(date(2026, 2, 1), date(2026, 5, 1))]
        ['2026-01-01..2026-04-01', '2026-04-01..2026-07-01']
        """
        return self.cycle.periods(self.anchor, start, end)

    def next_period(self, after: Period) -> Period:
        """The period that starts where ``after`` ends.

        ``after`` is usually one of this cycle's periods, but may be any period
        that ends on a period boundary, such as a prorated first period.

        >>> from datetime import date
        >>> billing = BillingCycle.calendar(MONTHLY)
        >>> print(billing.next_period(Period(date(2026, 1, 15), date(2026, 2, 1))))
        2026-02-01..2026-03-01
        """
        checks.instance("after", after, Period, error=PeriodError)
        following = self.period_containing(after.end)
        if following.start != after.end:
            raise PeriodError(
                "after",
                after,
                f"a period ending on a period boundary of this cycle ({self.cycle} from "
                f"{self.anchor.isoformat()}); {after.end.isoformat()} falls inside {following}",
            )
        return following
