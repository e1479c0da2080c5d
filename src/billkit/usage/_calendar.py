"""Private: from an event's instant to its billing day and billing period.

Both engines use these functions, so they place every event in the same
period: the billing day is the instant's date in the billing time zone,
computed with Python's ``zoneinfo`` rules (the DuckDB engine gets the same
UTC offsets from :func:`offset_segments`, never from DuckDB's own ICU data),
and the period is the customer's :class:`~billkit.periods.BillingCycle`
period that contains the day, cut to the requested window.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Final

import attrs

import billkit._checks as checks
from billkit.errors import UsageError
from billkit.periods import BillingCycle, CycleUnit, Period
from billkit.usage.events import from_micros, micros

DAY_US: Final = 86_400_000_000
EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()

PhaseKey = tuple[object, ...]


def phase_key(billing: BillingCycle) -> PhaseKey:
    """A key equal for two billing cycles exactly when their periods are the same.

    Periods of N-day (or week) cycles repeat with the anchor's day number
    modulo N; those of month (or year) cycles with the anchor's month modulo
    the cycle length and the anchor's day of month (which decides clamping).
    So 100 000 anniversary subscriptions share at most a few dozen keys.
    """
    cycle = billing.cycle
    anchor = billing.anchor
    if cycle.unit in (CycleUnit.DAY, CycleUnit.WEEK):
        n = cycle.count * (7 if cycle.unit is CycleUnit.WEEK else 1)
        return ("days", n, anchor.toordinal() % n)
    m = cycle.count * (12 if cycle.unit is CycleUnit.YEAR else 1)
    return ("months", m, (anchor.year * 12 + anchor.month - 1) % m, anchor.day)


def check_billing(billing: object) -> BillingCycle | Mapping[str, BillingCycle]:
    """``billing`` if it is a BillingCycle or a mapping of customer to BillingCycle."""
    if isinstance(billing, BillingCycle):
        return billing
    if isinstance(billing, Mapping):
        for customer, cycle in billing.items():
            if not isinstance(customer, str) or not isinstance(cycle, BillingCycle):
                raise UsageError(
                    f"billing[{customer!r}]", cycle, "a BillingCycle for a str customer"
                )
        return billing
    raise UsageError(
        "billing",
        billing,
        "a BillingCycle (e.g. BillingCycle.calendar(MONTHLY)) or a mapping of customer "
        "to BillingCycle",
    )


def check_window(window: object) -> Period | None:
    return None if window is None else checks.instance("window", window, Period, error=UsageError)


def check_close_after(value: object) -> timedelta | None:
    if value is None:
        return None
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise UsageError("close_after", value, "a timedelta of zero or more, or None")
    return value


def missing_cycle(customer: str) -> UsageError:
    return UsageError(
        f"billing[{customer!r}]",
        None,
        "a BillingCycle for every customer with events (this customer has none)",
    )


@attrs.define
class Calendar:
    """Places billing days in periods, per customer; caches what it computed."""

    billing: BillingCycle | Mapping[str, BillingCycle]
    tz: tzinfo
    window: Period | None
    close_after: timedelta | None
    _phases: dict[PhaseKey, int] = attrs.field(factory=dict)
    _reps: list[BillingCycle] = attrs.field(factory=list)
    _customer_phase: dict[str, int] = attrs.field(factory=dict)
    _periods: dict[tuple[int, date], Period | None] = attrs.field(factory=dict)
    _closes: dict[Period, int] = attrs.field(factory=dict)

    def phase_of_cycle(self, billing: BillingCycle) -> int:
        key = phase_key(billing)
        phase = self._phases.get(key)
        if phase is None:
            phase = self._phases[key] = len(self._reps)
            self._reps.append(billing)
        return phase

    def phase(self, customer: str) -> int:
        """The phase number of ``customer``'s billing cycle."""
        phase = self._customer_phase.get(customer)
        if phase is None:
            if isinstance(self.billing, BillingCycle):
                phase = self.phase_of_cycle(self.billing)
            else:
                cycle = self.billing.get(customer)
                if cycle is None:
                    raise missing_cycle(customer)
                phase = self.phase_of_cycle(cycle)
            self._customer_phase[customer] = phase
        return phase

    @property
    def representatives(self) -> list[BillingCycle]:
        """One billing cycle per phase, by phase number."""
        return self._reps

    def period(self, phase: int, day: date) -> Period | None:
        """The period of ``phase`` that holds ``day``, cut to the window; None outside it."""
        found = self._periods.get((phase, day), self)
        if found is self:
            found = None
            if self.window is None or day in self.window:
                whole = self._reps[phase].period_containing(day)
                found = whole if self.window is None else whole.intersection(self.window)
            self._periods[(phase, day)] = found
        assert found is None or isinstance(found, Period)
        return found

    def periods(self, phase: int, first: date, last: date) -> Iterator[Period]:
        """The (window-cut) periods of ``phase`` holding days ``first..last``."""
        start, end = first, last + timedelta(days=1)
        if self.window is not None:
            start, end = max(start, self.window.start), min(end, self.window.end)
        if start >= end:
            return
        for whole in self._reps[phase].periods(start, end):
            cut = whole if self.window is None else whole.intersection(self.window)
            if cut is not None:
                yield cut

    def close_micros(self, period: Period) -> int:
        """When ``period`` closes: ``close_after`` after the midnight (in ``tz``)
        that starts its end day, as microseconds since the epoch."""
        found = self._closes.get(period)
        if found is None:
            assert self.close_after is not None
            midnight = datetime.combine(period.end, time(0), tzinfo=self.tz)
            found = micros(midnight) + micros_of(self.close_after)
            self._closes[period] = found
        return found


def micros_of(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return day.toordinal() - EPOCH_ORDINAL


def from_day_number(n: int) -> date:
    return date.fromordinal(n + EPOCH_ORDINAL)


def offset_micros(tz: tzinfo, us: int) -> int:
    """The UTC offset of ``tz`` at the instant ``us``, in microseconds."""
    offset = from_micros(us).astimezone(tz).utcoffset()
    assert offset is not None
    return micros_of(offset)


_STEP_US: Final = 3_600_000_000  # one hour: no zone changes its offset twice within an hour


def offset_segments(tz: tzinfo, lo_us: int, hi_us: int) -> list[tuple[int | None, int]]:
    """The UTC offsets of ``tz`` between the instants ``lo_us`` and ``hi_us``.

    A list of ``(from_us, offset_us)``: the offset applies from ``from_us``
    (``None``: from the beginning of time) until the next entry's ``from_us``.
    Found by sampling every hour and bisecting each change to the microsecond,
    with the same ``astimezone`` the pure-Python engine uses.
    """
    if isinstance(tz, timezone):
        return [(None, offset_micros(tz, lo_us))]
    segments: list[tuple[int | None, int]] = [(None, offset_micros(tz, lo_us))]
    previous_us, previous = lo_us, segments[0][1]
    us = lo_us
    while us < hi_us:
        us = min(us + _STEP_US, hi_us)
        current = offset_micros(tz, us)
        if current != previous:
            low, high = previous_us, us  # offset(low) == previous, offset(high) == current
            while high - low > 1:
                middle = (low + high) // 2
                if offset_micros(tz, middle) == previous:
                    low = middle
                else:
                    high = middle
            segments.append((high, current))
            previous = current
        previous_us = us
    return segments
