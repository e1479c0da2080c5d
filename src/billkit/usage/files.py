"""Event files: Parquet or CSV files of usage events, for the DuckDB engine.

An :class:`EventFiles` names the files and the columns that hold each part
of an event. Building one imports nothing; DuckDB is imported only when
:func:`~billkit.usage.aggregate` reads the files.

>>> files = EventFiles(paths="events/2026-03-*.parquet", properties=("workspace", "contact_id"))
>>> files.format, files.paths, files.scale
('parquet', ('events/2026-03-*.parquet',), 6)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import ClassVar, Final

import attrs

import billkit._checks as checks
from billkit.errors import UsageError, ValidationError

__all__ = ["EventFiles"]

FORMATS: Final = ("parquet", "csv")
EVENT_FIELDS: Final = (
    "customer",
    "metric",
    "timestamp",
    "idempotency_key",
    "value",
    "received_at",
)
MAX_SCALE: Final = 18


def _paths(value: object) -> tuple[str, ...]:
    if isinstance(value, (str, os.PathLike)):
        value = (value,)
    if not isinstance(value, Iterable):
        raise UsageError("paths", value, "a path, a glob, or a sequence of them")
    paths = tuple(os.fspath(p) if isinstance(p, os.PathLike) else p for p in value)
    if not paths or not all(isinstance(p, str) and p for p in paths):
        raise UsageError("paths", value, "one or more non-empty paths or globs")
    return paths


@attrs.frozen(kw_only=True)
class EventFiles:
    """Usage events stored in Parquet or CSV files.

    - ``paths``: a path or glob, or several; DuckDB reads them as one table.
    - ``format``: ``"parquet"`` or ``"csv"``; by default from the first path's
      suffix (``.csv``, ``.csv.gz``, ``.csv.zst`` are CSV; anything else Parquet).
    - ``customer``, ``metric``, ``timestamp``, ``idempotency_key``, ``value``,
      ``received_at``: the column holding each field of a
      :class:`~billkit.usage.UsageEvent` (by default the field's own name).
      ``value=None`` gives every event the value 1 (files of countable
      events); a missing ``value`` column is otherwise an error, so a
      misspelt column never silently sums to a count. ``received_at`` may
      be absent from the files unless periods close (``close_after``).
    - ``properties``: the columns that are event properties (text or
      integer columns); ``None`` means every column not read as a field above
      and not named like one (so ``received_at=None`` ignores a
      ``received_at`` column). A NULL (or, in CSV, empty) cell is a property
      the event does not have.
    - ``scale``: the decimal places of values in the DuckDB engine, which
      computes in ``DECIMAL(38, scale)``: up to ``38 - scale`` digits before
      the point (32 by default), in values and in sums. A value with more
      decimals, or a sum that does not fit, is refused with an error, never
      rounded.
    - ``delimiter``: the CSV field separator.
    - ``threads``: DuckDB worker threads (default: DuckDB's, one per core).

    Timestamps must carry their offset: Parquet ``TIMESTAMP WITH TIME ZONE``
    (Arrow timestamps with a ``tz``), or in CSV text such as
    ``2026-03-02T09:04:00+01:00`` or ``...Z``. Naive timestamps are refused,
    as in :class:`~billkit.usage.UsageEvent`. Values must be exact: DECIMAL,
    integer or (CSV) plain decimal text; FLOAT and DOUBLE columns are refused.

    >>> EventFiles(paths=["jan.csv", "feb.csv"], value=None).format
    'csv'
    >>> EventFiles(paths="events.parquet", scale=40)
    Traceback (most recent call last):
    ...
    billkit.errors.UsageError: scale = 40: expected a whole number from 0 to 18
    """

    _error_class: ClassVar[type[ValidationError]] = UsageError

    paths: tuple[str, ...] = attrs.field(converter=_paths)
    format: str = attrs.field(
        default=attrs.Factory(lambda self: _guess_format(self.paths[0]), takes_self=True)
    )
    customer: str = attrs.field(default="customer", converter=checks.TEXT)
    metric: str = attrs.field(default="metric", converter=checks.TEXT)
    timestamp: str = attrs.field(default="timestamp", converter=checks.TEXT)
    idempotency_key: str = attrs.field(default="idempotency_key", converter=checks.TEXT)
    value: str | None = attrs.field(default="value", converter=checks.TEXT)
    received_at: str | None = attrs.field(default="received_at", converter=checks.TEXT)
    properties: tuple[str, ...] | None = attrs.field(
        default=None, converter=checks.TEXTS, metadata=checks.options(required=True, unique=True)
    )
    scale: int = attrs.field(
        default=6, converter=checks.WHOLE, metadata=checks.options(low=0, high=MAX_SCALE)
    )
    delimiter: str = ","
    threads: int | None = attrs.field(
        default=None, converter=checks.WHOLE, metadata=checks.options(low=1)
    )

    def __attrs_post_init__(self) -> None:
        if self.format not in FORMATS:
            raise UsageError("format", self.format, "'parquet' or 'csv'")
        if not isinstance(self.delimiter, str) or len(self.delimiter) != 1:
            raise UsageError("delimiter", self.delimiter, "one character")
        named = [c for c in self.fields().values() if c is not None]
        if len(set(named)) != len(named):
            raise UsageError("columns", named, "a different column for each event field")
        if self.properties is not None and set(self.properties) & set(named):
            raise UsageError(
                "properties", self.properties, "columns other than the event fields' columns"
            )

    def fields(self) -> dict[str, str | None]:
        """Event field -> column name (None: not read from the files).

        >>> EventFiles(paths="e.parquet", customer="org_id").fields()["customer"]
        'org_id'
        """
        return {  # in the order of EVENT_FIELDS
            "customer": self.customer,
            "metric": self.metric,
            "timestamp": self.timestamp,
            "idempotency_key": self.idempotency_key,
            "value": self.value,
            "received_at": self.received_at,
        }


def _guess_format(path: str) -> str:
    lowered = path.lower()
    for suffix in (".csv", ".csv.gz", ".csv.zst"):
        if lowered.endswith(suffix):
            return "csv"
    return "parquet"
