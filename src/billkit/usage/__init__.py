"""Usage metering: events, meters, aggregation per billing period, breakdowns, alerts.

Events (:class:`UsageEvent`) become usage figures through meters
(:class:`Meter`, :class:`MeterSum`): :func:`aggregate` computes them per
customer and billing period, optionally per day and per property, with late
events reported rather than folded into closed periods; :func:`alerts` dates
the moments usage reached 90% and 100% of an allowance. Figures are
``Decimal`` and feed :func:`billkit.pricing.quote` directly.

Two engines give equal results: pure Python for lists of events, and DuckDB
for Parquet and CSV files (:class:`EventFiles`; ``pip install
'py-billkit[duckdb]'``), imported only when used.

>>> from datetime import datetime, timezone
>>> from billkit.periods import MONTHLY, BillingCycle
>>> from billkit.usage import Meter, UsageEvent, aggregate
>>> events = [UsageEvent(customer="org-1", metric="call", idempotency_key=f"call-{n}",
...                      timestamp=datetime(2026, 3, n, tzinfo=timezone.utc))
...           for n in (1, 2, 2)]
>>> report = aggregate(events, Meter(code="calls", aggregation="count", metrics="call"),
...                    billing=BillingCycle.calendar(MONTHLY), tz="UTC")
>>> print(report)
customer  period                  calls
org-1     2026-03-01..2026-04-01      2
"""

from __future__ import annotations

from billkit.usage.aggregation import Correction, LateEvent, UsageReport, UsageRow, aggregate
from billkit.usage.events import UsageEvent, billing_day, to_timezone
from billkit.usage.files import EventFiles
from billkit.usage.meters import Aggregation, AnyMeter, Meter, MeterSum
from billkit.usage.thresholds import Alert, AlertRule, Trigger, alerts

__all__ = [
    "Aggregation",
    "Alert",
    "AlertRule",
    "AnyMeter",
    "Correction",
    "EventFiles",
    "LateEvent",
    "Meter",
    "MeterSum",
    "Trigger",
    "UsageEvent",
    "UsageReport",
    "UsageRow",
    "aggregate",
    "alerts",
    "billing_day",
    "to_timezone",
]
