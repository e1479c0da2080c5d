"""Private: the DuckDB engine behind ``aggregate(EventFiles(...), ...)``.

It computes exactly what the pure-Python engine computes, in SQL:

1. one scan checks every row (the checks ``UsageEvent`` makes) and finds the
   first and last instants;
2. billing days come from UTC offsets that Python's ``zoneinfo`` gives for
   that range (so DuckDB's own time-zone data is never consulted), and a
   small table maps each day to its period, per billing phase;
3. one query drops repeated keys (refusing keys whose copies differ), places
   events in periods and aggregates every meter with ``FILTER`` clauses, in
   ``DECIMAL(38, scale)`` arithmetic: exact, and an error on overflow.

DuckDB is imported here only, when the engine runs.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from billkit.errors import BillkitError, MissingDependencyError, UsageError
from billkit.periods import BillingCycle, Period
from billkit.usage._calendar import (
    DAY_US,
    day_number,
    from_day_number,
    missing_cycle,
    offset_segments,
)
from billkit.usage.events import from_micros
from billkit.usage.files import EVENT_FIELDS, EventFiles
from billkit.usage.meters import Aggregation, Meter
from billkit.usage.report import (
    GroupKey,
    LateEvent,
    Raw,
    Spec,
    conflict_error,
    missing_field_error,
    missing_received_error,
    row_maker,
)

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

_SHIFT_DAYS: Final = 1_000_000  # makes instants positive before dividing: floor, not truncation
_TEXT_TYPES: Final = re.compile(
    r"VARCHAR|ENUM\(.*\)|(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)|UHUGEINT", re.S
)
_INTEGER: Final = re.compile(r"U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|UHUGEINT")
_DECIMAL: Final = re.compile(r"DECIMAL\((\d+),(\d+)\)")
_AWARE: Final = "TIMESTAMP WITH TIME ZONE"
_ISO_WITH_OFFSET: Final = (
    r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"\s*(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)\s*$"
)
_PLAIN_DECIMAL: Final = r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$"


_FEATURE: Final = "the DuckDB engine (or give aggregate() a list of UsageEvent)"


def _import() -> Any:
    try:
        import duckdb
    except ImportError as error:
        raise MissingDependencyError("duckdb", _FEATURE, "duckdb") from error
    major = int(duckdb.__version__.split(".")[0])
    if major < 2:
        # duckdb 1.x wraps an overflowing DECIMAL sum around to a wrong (even
        # negative) figure; 2.0 raises. A wrong bill is worse than no engine.
        raise MissingDependencyError(
            "duckdb>=2.0",
            _FEATURE,
            "duckdb",
            f"duckdb {duckdb.__version__} sums DECIMAL overflows silently; 2.0 needs Python 3.11+",
        )
    return duckdb


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(values: frozenset[str] | tuple[str, ...]) -> str:
    return "(" + ", ".join(_lit(v) for v in sorted(values)) + ")"


class _Source:
    """The files, their columns, and SQL expressions for each event field."""

    def __init__(self, con: duckdb.DuckDBPyConnection, files: EventFiles, spec: Spec) -> None:
        self.files = files
        self.con = con
        self.params: dict[str, object] = {"paths": list(files.paths)}
        if files.format == "csv":
            self.table = (
                "read_csv($paths, header = true, all_varchar = true, "
                f"delim = {_lit(files.delimiter)})"
            )
        else:
            self.table = "read_parquet($paths)"
        described = self.query(f"DESCRIBE SELECT * FROM {self.table}").fetchall()
        self.types: dict[str, str] = {str(row[0]): str(row[1]) for row in described}
        fields = files.fields()
        for field in ("customer", "metric", "timestamp", "idempotency_key", "value"):
            column = fields[field]
            if column is not None and column not in self.types:
                raise UsageError(
                    field,
                    column,
                    f"a column of {self._where()}; it has {sorted(self.types)}"
                    + (" (value=None counts every event as 1)" if field == "value" else ""),
                )
        received = fields["received_at"]
        self.received = received if received in self.types else None
        if spec.close_after is not None and self.received is None:
            raise UsageError(
                "received_at",
                received,
                f"a column of {self._where()} when periods close (close_after is set)",
            )
        named = {c for c in fields.values() if c is not None}
        if files.properties is None:
            # Every other column, except one named like an event field that is
            # not read (received_at=None leaves a received_at column alone).
            skipped = named | set(EVENT_FIELDS)
            self.properties = [c for c in self.types if c not in skipped]
        else:
            missing = [c for c in files.properties if c not in self.types]
            if missing:
                raise UsageError("properties", missing, f"columns of {self._where()}")
            self.properties = list(files.properties)
        self.prop_alias = {name: f"p{i}" for i, name in enumerate(self.properties)}
        # A breakdown by a property no file has puts every event in the group None,
        # as the pure-Python engine does for events without the property.
        self.absent = {
            name: f"x{i}" for i, name in enumerate(spec.by) if name not in self.prop_alias
        }

    def _where(self) -> str:
        return f"the {self.files.format} files {list(self.files.paths)}"

    def query(self, sql: str) -> duckdb.DuckDBPyConnection:
        params = {name: value for name, value in self.params.items() if f"${name}" in sql}
        try:
            return self.con.execute(sql, params)
        except _import().Error as error:
            raise _translate(error, self.files) from error

    def column(self, field: str) -> str:
        column = self.files.fields()[field]
        assert column is not None
        return column

    def text(self, field: str, column: str) -> str:
        kind = self.types[column]
        if kind == "VARCHAR":
            return _ident(column)
        if _TEXT_TYPES.fullmatch(kind):
            return f"CAST({_ident(column)} AS VARCHAR)"
        raise UsageError(
            field,
            column,
            f"a text or integer column, not {kind} (name the property columns with "
            "EventFiles(properties=[...]) to leave other columns out)",
        )

    def instant(self, field: str, column: str, *, checked: bool) -> str:
        """Microseconds since the epoch; ``checked=False`` gives NULL for bad text."""
        kind = self.types[column]
        if kind == _AWARE:
            return f"epoch_us({_ident(column)})"
        if kind == "VARCHAR":
            cast = "CAST" if checked else "TRY_CAST"
            return f"epoch_us({cast}({_ident(column)} AS TIMESTAMPTZ))"
        raise UsageError(
            field,
            f"{column} ({kind})",
            "a TIMESTAMP WITH TIME ZONE column (or ISO 8601 text with an offset): "
            "naive timestamps have no instant",
        )

    def amount(self, *, checked: bool) -> str:
        scale = self.files.scale
        if self.files.value is None:
            return f"CAST(1 AS DECIMAL(38, {scale}))"
        column = self.files.value
        kind = self.types[column]
        cast = "CAST" if checked else "TRY_CAST"
        if kind == "VARCHAR":
            return f"{cast}(trim({_ident(column)}) AS DECIMAL(38, {scale}))"
        if _DECIMAL.fullmatch(kind) or _INTEGER.fullmatch(kind):
            return f"{cast}({_ident(column)} AS DECIMAL(38, {scale}))"
        raise UsageError(
            "value",
            f"{column} ({kind})",
            "a DECIMAL, integer or text column (FLOAT and DOUBLE are inexact)",
        )


def _translate(error: Exception, files: EventFiles) -> BillkitError:
    message = str(error)
    if "Overflow" in message or "out of range" in message.lower():
        return UsageError(
            "value",
            message,
            f"figures that fit DECIMAL(38, {files.scale}): at most {38 - files.scale} digits "
            "before the point (lower EventFiles.scale if values need fewer decimals)",
        )
    return UsageError(
        "paths", list(files.paths), f"{files.format} files DuckDB can read: {message}"
    )


def _check_rows(source: _Source, spec: Spec) -> tuple[int, int | None, int | None]:
    """Refuse rows a UsageEvent would refuse; the row count and instant range."""
    files = source.files
    scale = files.scale
    key_col = _ident(source.column("idempotency_key"))
    key_text = f"coalesce(CAST({key_col} AS VARCHAR), '<no key>')"
    checks: list[tuple[str, str, str, str]] = []  # field, condition, example, expected

    def text_check(field: str) -> None:
        col = _ident(source.column(field))
        expr = source.text(field, source.column(field))
        example = key_text if field != "idempotency_key" else "'<row without a key>'"
        checks.append(
            (field, f"{col} IS NULL OR {expr} = ''", example, f"a non-empty {field} in every row")
        )

    for field in ("customer", "metric", "idempotency_key"):
        text_check(field)
    ts_col = source.column("timestamp")
    ts = _ident(ts_col)
    checks.append(("timestamp", f"{ts} IS NULL", key_text, "a timestamp in every row"))
    if source.types[ts_col] == "VARCHAR":
        checks.append(
            (
                "timestamp",
                f"NOT regexp_matches({ts}, {_lit(_ISO_WITH_OFFSET)}) OR "
                f"{source.instant('timestamp', ts_col, checked=False)} IS NULL",
                ts,
                "ISO 8601 text with a UTC offset, such as '2026-03-02T09:04:00+01:00' "
                "(naive timestamps have no instant)",
            )
        )
    else:
        source.instant("timestamp", ts_col, checked=False)  # refuses naive column types
    if files.value is not None:
        val = _ident(files.value)
        kind = source.types[files.value]
        amount = source.amount(checked=False)
        checks.append(("value", f"{val} IS NULL", key_text, "a value in every row"))
        if kind == "VARCHAR":
            checks.append(
                (
                    "value",
                    f"NOT regexp_matches({val}, {_lit(_PLAIN_DECIMAL)}) OR "
                    f"length(regexp_extract({val}, '\\.([0-9]*)', 1)) > {scale}",
                    val,
                    f"a plain decimal number with at most {scale} decimals (EventFiles.scale)",
                )
            )
        else:
            checks.append(
                (
                    "value",
                    f"{amount} IS DISTINCT FROM {val}",
                    f"CAST({val} AS VARCHAR)",
                    f"a number with at most {scale} decimals (EventFiles.scale) and "
                    f"{38 - scale} digits before the point",
                )
            )
        checks.append(
            ("value", f"{amount} < 0", f"CAST({val} AS VARCHAR)", "a quantity of zero or more")
        )
        if kind == "VARCHAR":
            checks.append(
                (
                    "value",
                    f"{val} IS NOT NULL AND {amount} IS NULL",
                    val,
                    f"at most {38 - scale} digits before the point",
                )
            )
    if source.received is not None:
        rc = _ident(source.received)
        if source.types[source.received] == "VARCHAR":
            checks.append(
                (
                    "received_at",
                    f"{rc} IS NOT NULL AND (NOT regexp_matches({rc}, {_lit(_ISO_WITH_OFFSET)}) OR "
                    f"{source.instant('received_at', source.received, checked=False)} IS NULL)",
                    rc,
                    "ISO 8601 text with a UTC offset (naive timestamps have no instant)",
                )
            )
        else:
            source.instant("received_at", source.received, checked=False)
    for name in source.properties:
        expr = source.text(f"properties[{name!r}]", name)
        checks.append(
            (
                f"properties[{name!r}]",
                f"{expr} = ''",
                key_text,
                "a non-empty value, or NULL when the event lacks the property",
            )
        )

    instant = source.instant("timestamp", ts_col, checked=False)
    selects = ["count(*)", f"min({instant})", f"max({instant})"]
    selects += [f"count(*) FILTER (WHERE {condition})" for _, condition, _, _ in checks]
    found = source.query(f"SELECT {', '.join(selects)} FROM {source.table}").fetchone()
    assert found is not None
    for i, (field, condition, example, expected) in enumerate(checks):
        bad = found[3 + i]
        if bad:
            # Only now look for an example: one more scan, when the files are refused.
            first = source.query(
                f"SELECT min({example}) FROM {source.table} WHERE {condition}"
            ).fetchone()
            raise UsageError(
                field,
                None if first is None else first[0],
                f"{expected}: {bad} row(s) of {source._where()} fail this "
                f"(the value shown is the first offending value or event key)",
            )
    return int(found[0]), found[1], found[2]


def _meter_condition(meter: Meter, source: _Source) -> str:
    parts = [f"metric IN {_in(meter.metrics)}"]
    for name, allowed in meter.where.items():
        alias = source.prop_alias.get(name)
        if alias is None:
            parts.append("FALSE")  # a property no file has: no event matches
        else:
            parts.append(f"{alias} IN {_in(allowed)}")
    for name, refused in meter.exclude.items():
        alias = source.prop_alias.get(name)
        if alias is not None:
            parts.append(f"({alias} IS NULL OR {alias} NOT IN {_in(refused)})")
    return "coalesce(" + " AND ".join(parts) + ", FALSE)"


def _aggregate_sql(meter: Meter, source: _Source) -> str:
    kind = meter.aggregation
    if kind is Aggregation.COUNT:
        return "count(*)"
    if kind is Aggregation.SUM:
        return "sum(value)"
    if kind is Aggregation.MAX:
        return "max(value)"
    if kind is Aggregation.LATEST:
        return "arg_max(value, (us, key))"
    assert meter.field is not None
    alias = source.prop_alias.get(meter.field)
    return "count(DISTINCT NULL)" if alias is None else f"count(DISTINCT {alias})"


def run(files: EventFiles, spec: Spec) -> Raw:
    """Aggregate the events in ``files`` as the pure-Python engine would."""
    duckdb = _import()
    config: dict[str, str | int] = {}
    if files.threads is not None:
        config["threads"] = files.threads
    con = duckdb.connect(":memory:", config=config)
    try:
        # A library must not draw progress bars on its caller's terminal.
        con.execute("SET enable_progress_bar = false")
        # Nothing here depends on the session's time zone (instants are read as
        # microseconds since the epoch); fix it anyway, never the machine's.
        with contextlib.suppress(duckdb.Error):
            con.execute("SET TimeZone = 'UTC'")
        return _run(con, files, spec)
    finally:
        con.close()


def _run(con: duckdb.DuckDBPyConnection, files: EventFiles, spec: Spec) -> Raw:
    source = _Source(con, files, spec)
    total, lo_us, hi_us = _check_rows(source, spec)
    if total == 0 or lo_us is None or hi_us is None:
        return Raw(rows=[], revised=[], late=[], duplicates=0, outside=0)

    # Billing days: UTC offsets from Python's zoneinfo over the data's range.
    tz = spec.tz
    segments = offset_segments(tz, lo_us, hi_us)
    if len(segments) == 1:
        offset = str(segments[0][1])
    else:
        whens = " ".join(
            f"WHEN us < {start} THEN {previous[1]}"
            for previous, (start, _) in itertools.pairwise(segments)
            if start is not None
        )
        offset = f"CASE {whens} ELSE {segments[-1][1]} END"
    shift = _SHIFT_DAYS * DAY_US
    first = from_micros(lo_us).astimezone(tz).date() - timedelta(days=1)
    last = from_micros(hi_us).astimezone(tz).date() + timedelta(days=1)

    # Periods, per phase (customers whose cycles give the same periods share one).
    calendar = spec.calendar()
    per_customer = not isinstance(spec.billing, BillingCycle)
    if per_customer:
        assert not isinstance(spec.billing, BillingCycle)
        names = list(spec.billing)
        phases = [calendar.phase(c) for c in names]
        source.params.update(c_names=names, c_phases=phases)
        source.query(
            "CREATE TEMP TABLE customers AS "
            "SELECT unnest($c_names) AS customer, unnest($c_phases) AS phase"
        )
    else:
        assert isinstance(spec.billing, BillingCycle)
        calendar.phase_of_cycle(spec.billing)
    # One row per phase and period; pid numbers the distinct periods in order, so
    # that ordering by pid is ordering by period.
    found_periods = [
        (phase, period)
        for phase in range(len(calendar.representatives))
        for period in calendar.periods(phase, first, last)
    ]
    periods = sorted({period for _, period in found_periods}, key=lambda p: (p.start, p.end))
    pid = {period: i for i, period in enumerate(periods)}
    cols: dict[str, list[int]] = {"phase": [], "pid": [], "lo": [], "hi": [], "cl": []}
    for phase, period in found_periods:
        cols["phase"].append(phase)
        cols["pid"].append(pid[period])
        cols["lo"].append(max(day_number(period.start), day_number(first)))
        cols["hi"].append(min(day_number(period.end), day_number(last) + 1))
        cols["cl"].append(calendar.close_micros(period) if spec.close_after is not None else 0)
    source.params.update({f"d_{k}": v for k, v in cols.items()})
    source.query(
        "CREATE TEMP TABLE days AS SELECT phase, unnest(range(lo, hi)) AS day, pid, cl "
        "FROM (SELECT unnest($d_phase) AS phase, unnest($d_pid) AS pid, "
        "unnest($d_lo) AS lo, unnest($d_hi) AS hi, unnest($d_cl) AS cl)"
    )

    # Events: fields under fixed names (properties as p0, p1...).
    closing = spec.close_after is not None
    selects = [
        f"{source.text('customer', source.column('customer'))} AS customer",
        f"{source.text('metric', source.column('metric'))} AS metric",
        f"{source.text('idempotency_key', source.column('idempotency_key'))} AS key",
        f"{source.instant('timestamp', source.column('timestamp'), checked=True)} AS us",
        f"{source.amount(checked=True)} AS value",
    ]
    if closing:
        assert source.received is not None
        selects.append(f"{source.instant('received_at', source.received, checked=True)} AS rus")
    for name, alias in source.prop_alias.items():
        selects.append(f"{source.text(name, name)} AS {alias}")
    for alias in source.absent.values():
        selects.append(f"CAST(NULL AS VARCHAR) AS {alias}")

    # Repeats: one row per key. Copies must agree on every field but received_at:
    # compared through a 64-bit hash of their content, which costs a fraction of
    # comparing each column (two different contents collide with odds of 2**-64).
    compared = ["customer", "metric", "us", "value", *source.prop_alias.values()]
    content_hash = f"hash({', '.join(compared)})"
    # Only the properties meters or the breakdown read go on past the key's row.
    used = {m.field for m in spec.base if m.field is not None}
    for m in spec.base:
        used |= set(m.where) | set(m.exclude)
    used |= set(spec.by)
    kept = ["customer", "metric", "us", "value"]
    kept += [alias for name, alias in source.prop_alias.items() if name in used]
    kept += list(source.absent.values())
    dedup = ["key"] + [f"any_value({c}) AS {c}" for c in kept] + ["min(h) <> max(h) AS conflict"]
    if closing:
        dedup.append("CASE WHEN count(rus) < count(*) THEN NULL ELSE min(rus) END AS rus")

    base = spec.base
    conditions = [_meter_condition(m, source) for m in base]
    flags = [f"{c} AS m{j}" for j, c in enumerate(conditions)]
    if closing:
        flags.append("coalesce(rus >= cl, FALSE) AS late")
    if per_customer:
        join = (
            "LEFT JOIN customers c ON c.customer = placed.customer "
            "LEFT JOIN days d ON d.phase = c.phase AND d.day = placed.day"
        )
        no_cycle = "c.phase IS NULL"
    else:
        join = "LEFT JOIN days d ON d.day = placed.day"
        no_cycle = "FALSE"

    groups = ["customer", "pid"]
    if spec.daily:
        groups.append("day")
    groups += [source.prop_alias.get(name) or source.absent[name] for name in spec.by]
    any_meter = "(" + " OR ".join(f"m{j}" for j in range(len(base))) + ")"
    outputs = [
        *groups,
        "count(*) AS n_all",
        "count(*) FILTER (WHERE conflict) AS n_conflict",
        "min(key) FILTER (WHERE conflict) AS k_conflict",
    ]
    if per_customer:
        outputs += [
            "count(*) FILTER (WHERE no_cycle) AS n_no_cycle",
            "min(customer) FILTER (WHERE no_cycle) AS k_no_cycle",
        ]
    else:
        outputs += ["0 AS n_no_cycle", "NULL AS k_no_cycle"]
    checks = [
        "sum(n_all)",
        "sum(n_all) FILTER (WHERE pid IS NULL)",
        "sum(n_conflict)",
        "min(k_conflict)",
        "sum(n_no_cycle)",
        "min(k_no_cycle)",
    ]
    for j, meter in enumerate(base):
        on_time = f"m{j} AND NOT late" if closing else f"m{j}"
        outputs.append(f"{_aggregate_sql(meter, source)} FILTER (WHERE {on_time}) AS v{j}")
        outputs.append(f"count(*) FILTER (WHERE {on_time}) AS n{j}")
        if meter.aggregation is Aggregation.UNIQUE_COUNT:
            assert meter.field is not None
            field_alias = source.prop_alias.get(meter.field)
            # Only events inside the window count, as in the pure-Python engine.
            lacking = f"m{j} AND pid IS NOT NULL" + (
                "" if field_alias is None else f" AND {field_alias} IS NULL"
            )
            outputs.append(f"count(*) FILTER (WHERE {lacking}) AS nf{j}")
            outputs.append(f"min(key) FILTER (WHERE {lacking}) AS kf{j}")
            checks += [f"sum(nf{j})", f"min(kf{j})"]
        if closing:
            outputs.append(f"{_aggregate_sql(meter, source)} FILTER (WHERE m{j}) AS r{j}")
            outputs.append(f"count(*) FILTER (WHERE m{j} AND late) AS l{j}")
    if closing:
        unreceived = f"{any_meter} AND pid IS NOT NULL AND rus IS NULL"
        outputs.append(f"count(*) FILTER (WHERE {unreceived}) AS n_no_rus")
        outputs.append(f"min(key) FILTER (WHERE {unreceived}) AS k_no_rus")
        checks += ["sum(n_no_rus)", "min(k_no_rus)"]
        flags_list = "[" + ", ".join(f"m{j}" for j in range(len(base))) + "]"
        outputs.append(
            f"list({{'key': key, 'metric': metric, 'us': us, 'rus': rus, 'cl': cl, "
            f"'day': day, 'meters': {flags_list}}}) FILTER (WHERE late AND {any_meter}) "
            "AS late_list"
        )
    source.query(f"""
        CREATE TEMP TABLE agg AS
        WITH src AS (SELECT {", ".join(selects)} FROM {source.table}),
        dedup AS (
            SELECT {", ".join(dedup)} FROM (SELECT *, {content_hash} AS h FROM src)
            GROUP BY key
        ),
        placed AS (
            SELECT *, (us + {offset} + {shift}) // {DAY_US} - {_SHIFT_DAYS} AS day FROM dedup
        ),
        joined AS (
            SELECT placed.*, d.pid, d.cl, {no_cycle} AS no_cycle FROM placed {join}
        ),
        flagged AS (SELECT *, {", ".join(flags)} FROM joined)
        SELECT {", ".join(outputs)} FROM flagged GROUP BY {", ".join(groups)}
    """)

    # Refusals, in the pure-Python engine's order; then the counts.
    found = source.query(f"SELECT {', '.join(checks)} FROM agg").fetchone()
    assert found is not None
    distinct, outside, n_conflict, k_conflict, n_no_cycle, k_no_cycle = found[:6]
    if n_conflict:
        raise conflict_error(k_conflict)
    if n_no_cycle:
        raise missing_cycle(k_no_cycle)
    position = 6
    lacking_field = []
    for meter in base:
        if meter.aggregation is Aggregation.UNIQUE_COUNT:
            if found[position]:
                lacking_field.append((found[position + 1], meter))
            position += 2
    if lacking_field:
        first, meter = min(lacking_field, key=lambda item: item[0])
        raise missing_field_error(first, meter)
    if closing and found[position]:
        raise missing_received_error(found[position + 1])

    # Every meter's figure in request order (sums of meters added here), as
    # canonical text for decimals, and the counts.
    scale = files.scale
    index = {meter.code: j for j, meter in enumerate(base)}
    parts = [
        [index[m.code]] if isinstance(m, Meter) else [index[c] for c in m.meters]
        for m in spec.meters
    ]

    def figure_columns(prefix: str) -> list[str]:
        columns = []
        for meter_parts in parts:
            exact = all(base[j].aggregation in _WHOLE for j in meter_parts)
            total = " + ".join(f"coalesce({prefix}{j}, 0)" for j in meter_parts)
            columns.append(total if exact or scale == 0 else _canonical_text(total))
        return columns

    def count_columns(prefix: str) -> list[str]:
        return [" + ".join(f"{prefix}{j}" for j in meter_parts) for meter_parts in parts]

    order = ", ".join(f"{g} NULLS FIRST" for g in groups)
    rows = source.query(
        f"SELECT {', '.join(groups + figure_columns('v') + count_columns('n'))} FROM agg "
        f"WHERE pid IS NOT NULL AND {' + '.join(f'n{j}' for j in range(len(base)))} > 0 "
        f"ORDER BY {order}"
    ).fetchall()
    late_rows = []
    if closing:
        late_rows = source.query(
            f"SELECT {', '.join(groups + figure_columns('v') + figure_columns('r'))}, "
            f"{', '.join(count_columns('l'))}, late_list FROM agg "
            f"WHERE pid IS NOT NULL AND ({' OR '.join(f'l{j} > 0' for j in range(len(base)))}) "
            f"ORDER BY {order}"
        ).fetchall()
    return _collect(rows, late_rows, spec, periods, total - int(distinct or 0), int(outside or 0))


_WHOLE: Final = (Aggregation.COUNT, Aggregation.UNIQUE_COUNT)


def _canonical_text(number: str) -> str:
    """A DECIMAL as text without trailing zeros after the point ('3.500000' -> '3.5')."""
    return f"rtrim(rtrim(CAST({number} AS VARCHAR), '0'), '.')"


def _collect(
    rows: list[tuple[Any, ...]],
    late_rows: list[tuple[Any, ...]],
    spec: Spec,
    periods: list[Period],
    duplicates: int,
    outside: int,
) -> Raw:
    base = spec.base
    m = len(spec.meters)
    daily = spec.daily
    width = 2 + (1 if daily else 0) + len(spec.by)
    by_from = width - len(spec.by)
    no_values: tuple[str | None, ...] = ()
    number = Decimal

    def key_of(r: tuple[Any, ...]) -> GroupKey:
        return (
            r[0],
            periods[r[1]],
            from_day_number(r[2]) if daily else None,
            r[by_from:width] if by_from < width else no_values,
        )

    make_row = row_maker(spec)
    if daily or spec.by:
        found = [
            make_row(*key_of(r), tuple(map(number, r[width : width + m])), r[width + m :])
            for r in rows
        ]
    else:  # the common case, inlined: 300 000 rows at 10 000 000 events
        found = [
            make_row(
                r[0], periods[r[1]], None, no_values, tuple(map(number, r[2 : 2 + m])), r[2 + m :]
            )
            for r in rows
        ]
    revised = []
    late: list[LateEvent] = []
    for r in late_rows:
        key = key_of(r)
        closed = tuple(number(v) for v in r[width : width + m])
        after = tuple(number(v) for v in r[width + m : width + 2 * m])
        revised.append((key, closed, after, r[width + 2 * m : width + 3 * m]))
        for item in r[-1] or ():
            late.append(
                LateEvent(
                    customer=r[0],
                    metric=item["metric"],
                    idempotency_key=item["key"],
                    timestamp=from_micros(item["us"]),
                    received_at=from_micros(item["rus"]),
                    day=from_day_number(item["day"]),
                    period=key[1],
                    closed_at=from_micros(item["cl"]),
                    meters=tuple(
                        meter.code for meter, hit in zip(base, item["meters"], strict=True) if hit
                    ),
                )
            )
    return Raw(rows=found, revised=revised, late=late, duplicates=duplicates, outside=outside)
