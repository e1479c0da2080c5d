"""Aggregation: usage figures per customer and billing period, and breakdowns.

:func:`aggregate` reads events, drops repeats (same idempotency key), places
each event on its billing day (its date in the billing time zone ``tz``) and
in the customer's billing period, and aggregates every meter per customer
and period, optionally per day and per property (``by``). The same function
runs on a list of :class:`~billkit.usage.UsageEvent` in pure Python, or on
Parquet and CSV files through DuckDB (:class:`~billkit.usage.EventFiles`),
with identical results.

>>> from datetime import date, datetime, timezone
>>> from billkit.periods import MONTHLY, BillingCycle, Period
>>> from billkit.usage import Meter, UsageEvent
>>> def message(key, day, contact):
...     return UsageEvent(customer="org-1", metric="message", idempotency_key=key,
...                       timestamp=datetime(2026, 3, day, 12, tzinfo=timezone.utc),
...                       properties={"contact_id": contact})
>>> events = [message("m1", 2, "c1"), message("m2", 3, "c2"), message("m3", 9, "c1"),
...           message("m3", 9, "c1")]   # m3 sent twice: counted once
>>> meters = [Meter(code="messages", aggregation="count", metrics="message"),
...           Meter(code="mac", aggregation="unique_count", metrics="message",
...                 field="contact_id")]
>>> report = aggregate(events, meters, billing=BillingCycle.calendar(MONTHLY), tz="UTC")
>>> march = Period(date(2026, 3, 1), date(2026, 4, 1))
>>> report.usage("org-1", march)   # 3 messages to 2 distinct contacts
{'messages': Decimal('3'), 'mac': Decimal('2')}
>>> report.duplicates
1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta, tzinfo

import billkit._checks as checks
from billkit.errors import UsageError
from billkit.periods import BillingCycle, Period
from billkit.usage._calendar import (
    check_billing,
    check_close_after,
    check_window,
)
from billkit.usage._python_engine import run_python
from billkit.usage.events import UsageEvent, to_timezone
from billkit.usage.files import EventFiles
from billkit.usage.meters import AnyMeter, Meter, check_meters
from billkit.usage.report import (
    Correction,
    LateEvent,
    Spec,
    UsageReport,
    UsageRow,
    build_report,
)

__all__ = ["Correction", "LateEvent", "UsageReport", "UsageRow", "aggregate"]


def aggregate(
    events: Iterable[UsageEvent] | EventFiles,
    meters: Sequence[AnyMeter] | AnyMeter,
    *,
    billing: BillingCycle | Mapping[str, BillingCycle],
    tz: str | tzinfo,
    window: Period | None = None,
    by: Sequence[str] = (),
    daily: bool = False,
    close_after: timedelta | None = None,
) -> UsageReport:
    """Aggregate ``events`` with ``meters`` per customer and billing period.

    - ``events``: :class:`~billkit.usage.UsageEvent` values (pure-Python
      engine), or :class:`~billkit.usage.EventFiles` (DuckDB engine, needs
      ``pip install 'py-billkit[duckdb]'``). Both give equal reports.
    - ``meters``: :class:`~billkit.usage.Meter` and
      :class:`~billkit.usage.MeterSum` values; their codes name the figures.
    - ``billing``: the billing cycle of every customer
      (``BillingCycle.calendar(MONTHLY)``), or a mapping of customer to cycle
      for anniversary billing; a customer with events but no cycle is an error.
    - ``tz``: the billing calendar's time zone (IANA name or ``tzinfo``), which
      turns an event's instant into its billing day. There is no default.
    - ``window``: only billing days in this period count; periods are cut to
      it (a cycle restarted on an upgrade is two windows). Events outside are
      counted in ``report.outside``.
    - ``by``: property names to break the figures down by (workspace,
      channel...); ``daily=True`` breaks them down by billing day. Unique
      counts of a breakdown do not add up to the period's: a contact active in
      two workspaces counts once in each.
    - ``close_after``: when set, each period closes this long (elapsed time)
      after the midnight, in ``tz``, that starts its end day (for a period cut
      by ``window``, the window's end). An event received
      (``received_at``) at or after that moment is *late*: left out of the
      rows, listed in ``report.late``, with ``report.corrections``. Every
      counted event then needs ``received_at``.

    Events with the same ``idempotency_key`` are one event: repeats are
    dropped (the copy received first is kept); copies that differ in content
    are refused with :class:`~billkit.UsageError`.

    >>> from datetime import datetime, timezone, date
    >>> from billkit.periods import MONTHLY, BillingCycle, Period
    >>> from billkit.usage import Meter, UsageEvent
    >>> night = UsageEvent(customer="org-1", metric="call", idempotency_key="k1",
    ...                    timestamp=datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc))
    >>> calls = Meter(code="calls", aggregation="count", metrics="call")
    >>> [str(r.period) for r in aggregate([night], calls, billing=BillingCycle.calendar(MONTHLY),
    ...                                   tz="Europe/Rome").rows]   # 00:30 on Feb 1st in Rome
    ['2026-02-01..2026-03-01']
    """
    spec = Spec(
        meters=(checked := check_meters(meters)),
        base=tuple(m for m in checked if isinstance(m, Meter)),
        tz=to_timezone(tz),
        billing=check_billing(billing),
        window=check_window(window),
        by=checks.texts("by", by, required=True, unique=True, error=UsageError),
        daily=checks.flag("daily", daily, error=UsageError),
        close_after=check_close_after(close_after),
    )
    if isinstance(events, EventFiles):
        from billkit.usage.duckdb_engine import run

        return build_report(spec, run(events, spec))
    if isinstance(events, (str, bytes, UsageEvent)) or not isinstance(events, Iterable):
        raise UsageError(
            "events", events, "an iterable of UsageEvent, or EventFiles for the DuckDB engine"
        )
    return build_report(spec, run_python(events, spec))
