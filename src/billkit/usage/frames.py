"""Usage events from a table: pandas, polars, Arrow, or plain records.

:func:`events_from_table` reads one event per row. Tables are read through
the Arrow PyCapsule interface (``__arrow_c_stream__``, which pandas 2.2+,
polars and pyarrow tables all have), with pyarrow imported inside the
function; a polars or pandas frame without it is read by duck typing
(``to_dicts()``, ``to_dict(orient="records")``). Nothing here imports
pandas, polars or pyarrow at import time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from billkit import _checks as checks
from billkit.errors import BillkitError, UsageError
from billkit.usage.events import UsageEvent

__all__ = ["events_from_table"]

_HOW = "an exact quantity: Decimal(str(x)) or a string such as '1.5' (floats are inexact)"


def _records(data: object) -> list[Any]:
    return checks.table_rows(
        "events",
        data,
        purpose="reading usage events from a table",
        expected="records or a pandas/polars/Arrow table of events",
        error=UsageError,
    )


def events_from_table(
    data: object,
    *,
    customer: str = "customer",
    metric: str = "metric",
    at: str = "at",
    quantity: str | None = "quantity",
    key: str = "key",
    properties: Sequence[str] = (),
) -> tuple[UsageEvent, ...]:
    """One :class:`UsageEvent` per row of ``data`` (a pandas, polars or Arrow
    table, or records). The arguments name the columns: who (``customer``;
    pass ``customer="subscription"`` when events name subscriptions), the
    ``metric``, when (``at``, a timezone-aware timestamp), how much
    (``quantity``; ``None`` or an absent column counts each event as 1) and
    the event's idempotency ``key``; ``properties`` are the columns kept as
    the event's properties. Quantities stay exact: integers (numpy and Arrow
    too), decimals and strings are accepted; a float is refused with how to
    pass it. Needs pyarrow for a table read through the Arrow PyCapsule
    interface (``py-billkit[arrow]``).

    >>> from decimal import Decimal
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "customer": ["org-1", "org-1"], "metric": ["gb", "gb"],
    ...     "at": pd.to_datetime(["2026-03-01 10:00", "2026-03-02 10:00"], utc=True),
    ...     "quantity": [Decimal("1.25"), Decimal("2")], "key": ["e1", "e2"]})
    >>> # one Arrow decimal column: both values at its scale, 2
    >>> [(e.customer, e.value, e.timestamp.isoformat()) for e in events_from_table(frame)]
    [('org-1', Decimal('1.25'), '2026-03-01T10:00:00+00:00'), ('org-1', Decimal('2.00'), '2026-03-02T10:00:00+00:00')]
    """
    events: list[UsageEvent] = []
    for n, row in enumerate(_records(data)):
        if not isinstance(row, Mapping):
            raise UsageError(f"events[{n}]", row, "a record (a mapping of column to value)")
        for column in (customer, metric, at, key):
            if column not in row:
                raise UsageError(f"events[{n}]", row, f"a {column!r} column")
        value = row.get(quantity, 1) if quantity is not None else 1
        if isinstance(value, float):
            raise UsageError(f"events[{n}].{quantity}", value, _HOW)
        props = {p: str(row[p]) for p in properties if row.get(p) is not None}
        try:
            event = UsageEvent(
                customer=row[customer],
                metric=row[metric],
                timestamp=row[at],
                idempotency_key=row[key],
                value=value,
                properties=props,
            )
        except BillkitError as error:
            field = getattr(error, "field", "")
            raise UsageError(
                f"events[{n}].{field}",
                getattr(error, "value", row),
                getattr(error, "expected", str(error)),
            ) from None
        events.append(event)
    return tuple(events)
