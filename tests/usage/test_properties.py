"""Properties of aggregation that must hold for any events.

The strategies are in ``tests/strategies/usage.py``, shared with ``test_duckdb.py``.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from billkit.periods import MONTHLY, BillingCycle, Cycle, Period
from billkit.usage import UsageEvent, aggregate
from billkit.usage._calendar import offset_segments, phase_key
from billkit.usage.events import billing_day, micros
from tests.strategies.usage import (
    COUNT_ALL,
    METERS,
    ZONES,
    billings,
    bys,
    close_afters,
    event_lists,
    windows,
)

EXAMPLES = 60  # each example aggregates up to 35 events several times: keep the suite quick


def distinct(events: list[UsageEvent]) -> int:
    return len({e.idempotency_key for e in events})


@settings(max_examples=EXAMPLES)
@given(event_lists(), billings, st.sampled_from(ZONES), windows, bys, st.booleans())
def test_unique_counts_never_exceed_counts(
    events: list[UsageEvent],
    billing: object,
    tz: str,
    window: Period | None,
    by: tuple[str, ...],
    daily: bool,
) -> None:
    report = aggregate(events, METERS, billing=billing, tz=tz, window=window, by=by, daily=daily)  # type: ignore[arg-type]
    for row in report.rows:
        assert row.usage["mac"] <= row.usage["mac_events"]
        assert row.usage["mac"] <= row.events["mac"] == row.usage["mac_events"]
        assert row.usage["gb_peak"] <= row.usage["gb"]
        assert row.usage["billable"] == row.usage["messages"] + row.usage["paid_installs"]


@settings(max_examples=EXAMPLES)
@given(
    event_lists(),
    billings,
    st.sampled_from(ZONES),
    close_afters,
    bys,
    st.randoms(use_true_random=False),
)
def test_aggregation_does_not_depend_on_event_order(
    events: list[UsageEvent],
    billing: object,
    tz: str,
    close_after: timedelta | None,
    by: tuple[str, ...],
    rng: random.Random,
) -> None:
    shuffled = list(events)
    rng.shuffle(shuffled)
    kwargs = {"billing": billing, "tz": tz, "close_after": close_after, "by": by}
    expected = aggregate(events, METERS, **kwargs)  # type: ignore[arg-type]
    assert aggregate(shuffled, METERS, **kwargs) == expected  # type: ignore[arg-type]
    assert aggregate(reversed(events), METERS, **kwargs) == expected  # type: ignore[arg-type]
    # Equal reports are written the same way too.
    assert [r.figures for r in aggregate(shuffled, METERS, **kwargs).rows] == [  # type: ignore[arg-type]
        r.figures for r in expected.rows
    ]
    assert [str(f) for r in expected.rows for f in r.figures] == [
        str(f)
        for r in aggregate(shuffled, METERS, **kwargs).rows
        for f in r.figures  # type: ignore[arg-type]
    ]


@settings(max_examples=EXAMPLES)
@given(event_lists(), st.lists(st.integers(0, 100), max_size=10), billings, close_afters)
def test_sending_events_again_changes_nothing(
    events: list[UsageEvent], picks: list[int], billing: object, close_after: timedelta | None
) -> None:
    kwargs = {"billing": billing, "tz": "Europe/Rome", "close_after": close_after}
    expected = aggregate(events, METERS, **kwargs)  # type: ignore[arg-type]
    again = [events[i % len(events)] for i in picks] if events else []
    report = aggregate(events + again, METERS, **kwargs)  # type: ignore[arg-type]
    assert (report.rows, report.late, report.corrections, report.outside) == (
        expected.rows,
        expected.late,
        expected.corrections,
        expected.outside,
    )
    assert report.duplicates == expected.duplicates + len(again)


@settings(max_examples=EXAMPLES)
@given(event_lists(), billings, st.sampled_from(ZONES), windows, close_afters)
def test_periods_partition_the_events(
    events: list[UsageEvent],
    billing: object,
    tz: str,
    window: Period | None,
    close_after: timedelta | None,
) -> None:
    # Every distinct event is counted in exactly one period, or reported late, or
    # reported outside the window.
    report = aggregate(
        events, COUNT_ALL, billing=billing, tz=tz, window=window, close_after=close_after
    )  # type: ignore[arg-type]
    counted = sum(row.counts[0] for row in report.rows)
    assert counted + len(report.late) + report.outside == distinct(events)
    assert report.duplicates == len(events) - distinct(events)
    # Periods of one customer never overlap.
    for customer in {r.customer for r in report.rows}:
        periods = [r.period for r in report.rows if r.customer == customer]
        assert all(a.end <= b.start for a, b in itertools.pairwise(periods))
    # Corrections add back up: figures as closed + late = revised, for counts.
    for c in report.corrections:
        assert c.revised == c.closed + c.late_events


@settings(max_examples=EXAMPLES)
@given(event_lists(max_size=12), billings, st.sampled_from(ZONES), windows)
def test_each_event_lands_in_the_period_of_its_billing_day(
    events: list[UsageEvent], billing: object, tz: str, window: Period | None
) -> None:
    for event in events:
        report = aggregate([event], COUNT_ALL, billing=billing, tz=tz, window=window)  # type: ignore[arg-type]
        day = billing_day(event.timestamp, tz)
        cycle = billing if isinstance(billing, BillingCycle) else billing[event.customer]  # type: ignore[index]
        period = cycle.period_containing(day)
        if window is not None:
            if day not in window:
                assert (report.rows, report.outside) == ((), 1)
                continue
            period = period.intersection(window)
        assert [(r.customer, r.period) for r in report.rows] == [(event.customer, period)]


@settings(max_examples=EXAMPLES)
@given(event_lists(), billings, bys)
def test_breakdowns_add_up_to_the_period_for_counts_and_sums(
    events: list[UsageEvent], billing: object, by: tuple[str, ...]
) -> None:
    total = aggregate(events, METERS, billing=billing, tz="UTC")  # type: ignore[arg-type]
    split = aggregate(events, METERS, billing=billing, tz="UTC", by=by, daily=True)  # type: ignore[arg-type]
    for row in total.rows:
        parts = [r for r in split.rows if (r.customer, r.period) == (row.customer, row.period)]
        for code in ("messages", "mac_events", "gb", "paid_installs", "billable"):
            assert sum(r.usage[code] for r in parts) == row.usage[code]
        # A contact may be active on several days: the period's MAC is at most the sum.
        assert (
            max(r.usage["mac"] for r in parts)
            <= row.usage["mac"]
            <= sum(r.usage["mac"] for r in parts)
        )
        assert max(r.usage["gb_peak"] for r in parts) == row.usage["gb_peak"]


# --- the calendar machinery both engines share --------------------------------------


@given(
    st.sampled_from(["day", "week", "month", "year"]),
    st.integers(1, 14),
    st.dates(date(1990, 1, 1), date(2060, 1, 1)),
    st.integers(-40, 40),
    st.dates(date(2020, 1, 1), date(2030, 1, 1)),
)
def test_cycles_with_one_phase_key_have_the_same_periods(
    unit: str, count: int, anchor: date, shift: int, day: date
) -> None:
    cycle = Cycle(unit, count)
    one = BillingCycle.anniversary(cycle, anchor)
    try:
        other = BillingCycle.anniversary(cycle, cycle.add(anchor, shift))
    except Exception:  # outside the calendar's range
        return
    if phase_key(one) == phase_key(other):
        assert one.period_containing(day) == other.period_containing(day)


@given(
    st.sampled_from([*ZONES, "America/New_York", "Australia/Lord_Howe", "Africa/Casablanca"]),
    st.integers(0, 3 * 365 * 86_400),
    st.integers(1, 400 * 86_400),
)
def test_offset_segments_match_astimezone(zone: str, start: int, length: int) -> None:
    tz = ZoneInfo(zone)
    lo = micros(datetime(2024, 1, 1, tzinfo=timezone.utc)) + start * 1_000_000
    hi = lo + length * 1_000_000
    segments = offset_segments(tz, lo, hi)
    probes = [lo, hi, *(s for s, _ in segments[1:] if s is not None)]
    probes += [s - 1 for s, _ in segments[1:] if s is not None]
    probes += [lo + (hi - lo) * k // 17 for k in range(17)]
    for us in probes:
        offset = next(o for s, o in reversed(segments) if s is None or s <= us)
        instant = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=us)
        expected = instant.astimezone(tz).utcoffset()
        assert expected is not None
        assert offset == expected // timedelta(microseconds=1)


@pytest.mark.slow
def test_the_strategies_reach_late_events_corrections_and_repeats() -> None:
    # Guards the properties above against strategies that never make the hard cases.
    def interesting(events: list[UsageEvent]) -> bool:
        report = aggregate(
            events,
            METERS,
            billing=BillingCycle.calendar(MONTHLY),
            tz="UTC",
            close_after=timedelta(days=3),
            window=Period(date(2026, 1, 10), date(2026, 3, 20)),
        )
        return bool(report.late and report.corrections and report.duplicates and report.outside)

    found = find(
        event_lists(),
        interesting,
        settings=settings(
            database=None, phases=[Phase.generate], max_examples=2000, derandomize=True
        ),
    )
    assert interesting(found)
