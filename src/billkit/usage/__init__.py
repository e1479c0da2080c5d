"""Usage metering: events, meters, aggregation per billing period, breakdowns, alerts.

Events (:class:`UsageEvent`) become usage figures through meters
(:class:`Meter`, :class:`MeterSum`): :func:`aggregate` computes them per
customer and billing period, optionally per day and per property, with late
events reported rather than folded into closed periods; :func:`alerts` dates
the moments usage reached 90% and 100% of an allowance. Figures are
``Decimal`` and feed :func:`billkit.pricing.quote` directly.

The rest lives in the modules: :mod:`billkit.usage.events` (``billing_day``,
``to_timezone``), :mod:`~billkit.usage.meters` (``AnyMeter``),
:mod:`~billkit.usage.report` (``Correction``), :mod:`~billkit.usage.frames`
(``events_from_table``: events from a pandas, polars or Arrow table) and
:mod:`~billkit.usage.thresholds` (``Trigger``).

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

from typing import TYPE_CHECKING

from billkit import _lazy

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from billkit.usage.aggregation import (
        aggregate as aggregate,
    )
    from billkit.usage.events import (
        UsageEvent as UsageEvent,
    )
    from billkit.usage.events import (
        billing_day as billing_day,
    )
    from billkit.usage.events import (
        to_timezone as to_timezone,
    )
    from billkit.usage.files import (
        EventFiles as EventFiles,
    )
    from billkit.usage.frames import (
        events_from_table as events_from_table,
    )
    from billkit.usage.meters import (
        Aggregation as Aggregation,
    )
    from billkit.usage.meters import (
        AnyMeter as AnyMeter,
    )
    from billkit.usage.meters import (
        Meter as Meter,
    )
    from billkit.usage.meters import (
        MeterSum as MeterSum,
    )
    from billkit.usage.report import (
        Correction as Correction,
    )
    from billkit.usage.report import (
        LateEvent as LateEvent,
    )
    from billkit.usage.report import (
        UsageReport as UsageReport,
    )
    from billkit.usage.report import (
        UsageRow as UsageRow,
    )
    from billkit.usage.thresholds import (
        Alert as Alert,
    )
    from billkit.usage.thresholds import (
        AlertRule as AlertRule,
    )
    from billkit.usage.thresholds import (
        Trigger as Trigger,
    )
    from billkit.usage.thresholds import (
        alerts as alerts,
    )

# Every name importable from this package -> the module that defines it, loaded
# on first use. Only __all__ is the public surface; the other names stay
# importable here (and from their modules) for code written against earlier versions.
_EXPORTS: dict[str, str] = {
    "Aggregation": "billkit.usage.meters",
    "Alert": "billkit.usage.thresholds",
    "AlertRule": "billkit.usage.thresholds",
    "AnyMeter": "billkit.usage.meters",
    "Correction": "billkit.usage.report",
    "EventFiles": "billkit.usage.files",
    "LateEvent": "billkit.usage.report",
    "Meter": "billkit.usage.meters",
    "MeterSum": "billkit.usage.meters",
    "Trigger": "billkit.usage.thresholds",
    "UsageEvent": "billkit.usage.events",
    "UsageReport": "billkit.usage.report",
    "UsageRow": "billkit.usage.report",
    "aggregate": "billkit.usage.aggregation",
    "alerts": "billkit.usage.thresholds",
    "billing_day": "billkit.usage.events",
    "events_from_table": "billkit.usage.frames",
    "to_timezone": "billkit.usage.events",
}

__all__ = [
    "Aggregation",
    "Alert",
    "AlertRule",
    "EventFiles",
    "LateEvent",
    "Meter",
    "MeterSum",
    "UsageEvent",
    "UsageReport",
    "UsageRow",
    "aggregate",
    "alerts",
]

__getattr__, __dir__ = _lazy.attach(__name__, _EXPORTS)
