"""The DuckDB engine: the same reports as the pure-Python engine, from Parquet and CSV.

Every comparison writes the same events to a CSV file (ISO 8601 text with the
offsets the events were written in) and to a Parquet file (TIMESTAMP WITH
TIME ZONE and DECIMAL columns, written by DuckDB), runs both engines and
compares whole reports, including how each figure is written.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

# The engine needs duckdb 2.0 (Python 3.11+): 1.x wraps DECIMAL overflows around.
duckdb = pytest.importorskip("duckdb", minversion="2.0")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from billkit.errors import UsageError  # noqa: E402
from billkit.periods import MONTHLY, BillingCycle, Cycle, Period  # noqa: E402
from billkit.usage import EventFiles, Meter, UsageEvent, UsageReport, aggregate  # noqa: E402
from tests.strategies.usage import (  # noqa: E402
    METERS,
    ZONES,
    billings,
    bys,
    close_afters,
    event_lists,
    windows,
)

UTC = timezone.utc
CALENDAR = BillingCycle.calendar(MONTHLY)
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
BASE = ["customer", "metric", "timestamp", "idempotency_key", "value", "received_at"]


def write_csv(events: Sequence[UsageEvent], path: Path, properties: Sequence[str] = ()) -> Path:
    names = sorted({name for e in events for name in e.properties} | set(properties))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(BASE + names)
        for e in events:
            writer.writerow(
                [
                    e.customer,
                    e.metric,
                    e.timestamp.isoformat(),
                    e.idempotency_key,
                    format(e.value, "f"),
                    "" if e.received_at is None else e.received_at.isoformat(),
                    *(e.properties.get(name, "") for name in names),
                ]
            )
    return path


def write_parquet(csv_path: Path, path: Path, value_type: str = "DECIMAL(18, 4)") -> Path:
    """The CSV's events as Parquet with typed columns, written by DuckDB."""
    con = duckdb.connect()
    try:
        columns = [
            row[0]
            for row in con.execute(
                "DESCRIBE SELECT * FROM read_csv(?, header = true, all_varchar = true)",
                [str(csv_path)],
            ).fetchall()
        ]
        typed = {
            "timestamp": "CAST(timestamp AS TIMESTAMPTZ) AS timestamp",
            "received_at": "CAST(received_at AS TIMESTAMPTZ) AS received_at",
            "value": f"CAST(value AS {value_type}) AS value",
        }
        select = ", ".join(typed.get(c, f'"{c}"') for c in columns)
        con.execute(
            f"COPY (SELECT {select} FROM read_csv('{csv_path}', header = true, all_varchar = true)) "
            f"TO '{path}' (FORMAT parquet)"
        )
    finally:
        con.close()
    return path


def files_of(events: Sequence[UsageEvent], folder: Path) -> tuple[EventFiles, EventFiles]:
    csv_path = write_csv(events, folder / "events.csv", properties=("contact_id",))
    parquet_path = write_parquet(csv_path, folder / "events.parquet")
    return EventFiles(paths=parquet_path), EventFiles(paths=str(csv_path))


def assert_same(python: UsageReport, *others: UsageReport) -> None:
    for other in others:
        assert other == python
        # Equal and written the same way: 4.5 everywhere, never 4.500000.
        assert [[str(f) for f in r.figures] for r in other.rows] == [
            [str(f) for f in r.figures] for r in python.rows
        ]
        assert [(str(c.closed), str(c.revised)) for c in other.corrections] == [
            (str(c.closed), str(c.revised)) for c in python.corrections
        ]


@pytest.mark.slow
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    event_lists(max_size=40),
    billings,
    st.sampled_from(ZONES),
    windows,
    close_afters,
    bys,
    st.booleans(),
)
def test_both_engines_agree_on_generated_events(
    tmp_path_factory: pytest.TempPathFactory,
    events: list[UsageEvent],
    billing: object,
    tz: str,
    window: Period | None,
    close_after: timedelta | None,
    by: tuple[str, ...],
    daily: bool,
) -> None:
    parquet, csv_files = files_of(events, tmp_path_factory.mktemp("events"))
    kwargs = {
        "billing": billing,
        "tz": tz,
        "window": window,
        "close_after": close_after,
        "by": by,
        "daily": daily,
    }
    python = aggregate(events, METERS, **kwargs)  # type: ignore[arg-type]
    assert_same(
        python, aggregate(parquet, METERS, **kwargs), aggregate(csv_files, METERS, **kwargs)
    )  # type: ignore[arg-type]


def thousands_of_events(seed: int = 20260301) -> list[UsageEvent]:
    """5 000 events of 40 customers over four months, 3% sent twice."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    zones = [UTC, timezone(timedelta(hours=-3)), timezone(timedelta(hours=5, minutes=30))]
    events = []
    for n in range(5000):
        metric = rng.choice(["message", "call", "gb", "install"])
        properties = {"workspace": rng.choice(["sales", "support", "ops"])}
        if metric in ("message", "call"):
            properties["contact_id"] = f"c{rng.randrange(300)}"
            if rng.random() < 0.1:
                properties["kind"] = "broadcast"
        if metric == "install":
            properties["install_type"] = rng.choice(
                ["organic", "non_organic", "rejected", "reattribution"]
            )
        if rng.random() < 0.5:
            properties["channel"] = rng.choice(["email", "sms"])
        instant = start + timedelta(
            seconds=rng.randrange(120 * 86_400), microseconds=rng.randrange(10**6)
        )
        event = UsageEvent(
            customer=f"org-{rng.randrange(40):02d}",
            metric=metric,
            timestamp=instant.astimezone(rng.choice(zones)),
            idempotency_key=f"e{n:05d}",
            value=Decimal(rng.randrange(10**8)).scaleb(-rng.randrange(5)),
            properties=properties,
            received_at=instant + timedelta(hours=rng.choice([0, 0, 0, 1, 30, 24 * 20])),
        )
        events.append(event)
        if rng.random() < 0.03:
            events.append(event)
    return events


@pytest.fixture(scope="module")
def big(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[UsageEvent], EventFiles, EventFiles]:
    events = thousands_of_events()
    parquet, csv_files = files_of(events, tmp_path_factory.mktemp("big"))
    return events, parquet, csv_files


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tz": "Europe/Rome"},
        {"tz": "America/Sao_Paulo", "by": ("workspace", "channel"), "daily": True},
        {"tz": "Asia/Tehran", "close_after": timedelta(days=1)},
        {
            "tz": "UTC",
            "window": Period(date(2026, 1, 20), date(2026, 3, 10)),
            "close_after": timedelta(0),
        },
    ],
    ids=["rome", "daily-by-workspace-channel", "late", "window"],
)
def test_both_engines_agree_on_thousands_of_events(
    big: tuple[list[UsageEvent], EventFiles, EventFiles], kwargs: dict[str, object]
) -> None:
    events, parquet, csv_files = big
    per_customer = {
        f"org-{n:02d}": BillingCycle.anniversary(
            MONTHLY if n % 3 else Cycle("day", 30), date(2026, 1, 1 + n % 28)
        )
        for n in range(40)
    }
    for billing in (CALENDAR, per_customer):
        python = aggregate(events, METERS, billing=billing, **kwargs)  # type: ignore[arg-type]
        assert python.rows
        assert python.duplicates
        assert_same(
            python,
            aggregate(parquet, METERS, billing=billing, **kwargs),
            aggregate(csv_files, METERS, billing=billing, **kwargs),
        )  # type: ignore[arg-type]
    if "close_after" in kwargs:
        assert python.late
        assert python.corrections


def test_several_files_read_as_one(tmp_path: Path) -> None:
    events = thousands_of_events(seed=3)[:600]
    for i, chunk in enumerate((events[:250], events[250:])):
        write_parquet(
            write_csv(chunk, tmp_path / f"part-{i}.csv", ("contact_id", "kind")),
            tmp_path / f"part-{i}.parquet",
        )
    python = aggregate(events, METERS, billing=CALENDAR, tz="UTC")
    assert_same(
        python,
        aggregate(
            EventFiles(paths=str(tmp_path / "part-*.parquet")), METERS, billing=CALENDAR, tz="UTC"
        ),
        aggregate(
            EventFiles(paths=[tmp_path / "part-0.csv", tmp_path / "part-1.csv"]),
            METERS,
            billing=CALENDAR,
            tz="UTC",
        ),
    )


# --- the same refusals --------------------------------------------------------------


def ev(key: str, day: int, contact: str | None = "c1", **changes: object) -> UsageEvent:
    fields: dict[str, object] = {
        "customer": "org-1",
        "metric": "message",
        "timestamp": datetime(2026, 3, day, 12, tzinfo=UTC),
        "idempotency_key": key,
        "properties": {} if contact is None else {"contact_id": contact},
    }
    fields.update(changes)
    return UsageEvent(**fields)  # type: ignore[arg-type]


MAC = Meter(code="mac", aggregation="unique_count", metrics="message", field="contact_id")


@pytest.mark.parametrize(
    ("events", "kwargs", "field", "value"),
    [
        ([ev("k1", 2), ev("k2", 3), ev("k2", 3, "c9")], {}, "idempotency_key", "k2"),
        ([ev("k1", 2), ev("k1", 2, customer="org-2")], {}, "idempotency_key", "k1"),
        ([ev("k1", 2), ev("k1", 2, value=2)], {}, "idempotency_key", "k1"),
        ([ev("k2", 2), ev("k1", 3, None), ev("k0", 4, None)], {}, "properties['contact_id']", None),
        (
            [ev("k1", 2), ev("k2", 2, customer="org-9")],
            {"billing": {"org-1": CALENDAR}},
            "billing['org-9']",
            None,
        ),
        (
            [ev("k1", 2, received_at=datetime(2026, 3, 2, tzinfo=UTC)), ev("k2", 3)],
            {"close_after": timedelta(0)},
            "received_at",
            None,
        ),
    ],
    ids=[
        "conflict-contact",
        "conflict-customer",
        "conflict-value",
        "no-field",
        "no-cycle",
        "no-received",
    ],
)
def test_both_engines_refuse_the_same_way(
    tmp_path: Path, events: list[UsageEvent], kwargs: dict[str, object], field: str, value: object
) -> None:
    request: dict[str, object] = {"billing": CALENDAR, "tz": "UTC"}
    request.update(kwargs)
    parquet, csv_files = files_of(events, tmp_path)
    messages = []
    for source in (events, parquet, csv_files):
        with pytest.raises(UsageError) as caught:
            aggregate(source, MAC, **request)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.value) == (field, value)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] == messages[2]


def raw_parquet(tmp_path: Path, select: str, name: str = "raw.parquet") -> EventFiles:
    path = tmp_path / name
    duckdb.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
    return EventFiles(paths=path)


GOOD = (
    "SELECT 'org-1' AS customer, 'gb' AS metric, TIMESTAMPTZ '2026-03-02 10:00:00+00' AS timestamp, "
    "'k1' AS idempotency_key, 1.5::DECIMAL(9, 2) AS value"
)
SUM_GB = Meter(code="gb", aggregation="sum")


def run(files: EventFiles, meters: object = SUM_GB) -> UsageReport:
    return aggregate(files, meters, billing=CALENDAR, tz="UTC")  # type: ignore[arg-type]


def test_a_good_file(tmp_path: Path) -> None:
    assert run(raw_parquet(tmp_path, GOOD)).usage("org-1", MARCH) == {"gb": Decimal("1.5")}


@pytest.mark.parametrize(
    ("replace", "by", "field", "expected"),
    [
        (
            "TIMESTAMPTZ '2026-03-02 10:00:00+00' AS timestamp",
            "TIMESTAMP '2026-03-02 10:00:00' AS timestamp",
            "timestamp",
            "naive timestamps",
        ),
        ("1.5::DECIMAL(9, 2) AS value", "1.5::DOUBLE AS value", "value", "inexact"),
        (
            "1.5::DECIMAL(9, 2) AS value",
            "1.1234567::DECIMAL(18, 7) AS value",
            "value",
            "at most 6 decimals",
        ),
        ("1.5::DECIMAL(9, 2) AS value", "-1.5::DECIMAL(9, 2) AS value", "value", "zero or more"),
        (
            "1.5::DECIMAL(9, 2) AS value",
            "NULL::DECIMAL(9, 2) AS value",
            "value",
            "a value in every row",
        ),
        ("'org-1' AS customer", "NULL::VARCHAR AS customer", "customer", "non-empty customer"),
        ("'org-1' AS customer", "'' AS customer", "customer", "non-empty customer"),
        (
            "'k1' AS idempotency_key",
            "NULL::VARCHAR AS idempotency_key",
            "idempotency_key",
            "non-empty",
        ),
        (
            "'gb' AS metric",
            "'gb' AS metric, '' AS workspace",
            "properties['workspace']",
            "non-empty value",
        ),
        (
            "'gb' AS metric",
            "'gb' AS metric, 3.5::DOUBLE AS weight",
            "properties['weight']",
            "text or integer",
        ),
    ],
)
def test_bad_parquet_columns_are_refused(
    tmp_path: Path, replace: str, by: str, field: str, expected: str
) -> None:
    assert replace in GOOD
    with pytest.raises(UsageError, match=expected) as caught:
        run(raw_parquet(tmp_path, GOOD.replace(replace, by)))
    assert caught.value.field == field


def csv_file(
    tmp_path: Path, rows: list[str], header: str = "customer,metric,timestamp,idempotency_key,value"
) -> EventFiles:
    path = tmp_path / "events.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return EventFiles(paths=path)


@pytest.mark.parametrize(
    ("row", "field", "value"),
    [
        ("org-1,gb,2026-03-02 10:00:00,k1,1.5", "timestamp", "2026-03-02 10:00:00"),
        ("org-1,gb,2026-03-02,k1,1.5", "timestamp", "2026-03-02"),
        ("org-1,gb,2026-03-02T10:00:00+01:00,k1,1.5e2", "value", "1.5e2"),
        ("org-1,gb,2026-03-02T10:00:00+01:00,k1,0.1234567", "value", "0.1234567"),
        ("org-1,gb,2026-03-02T10:00:00+01:00,k1,-2", "value", "-2"),
        ("org-1,gb,2026-03-02T10:00:00+01:00,k1,abc", "value", "abc"),
        (",gb,2026-03-02T10:00:00+01:00,k1,1", "customer", "k1"),
    ],
)
def test_bad_csv_rows_are_refused(tmp_path: Path, row: str, field: str, value: object) -> None:
    good = "org-1,gb,2026-03-02T10:00:00Z,k0,1"
    with pytest.raises(UsageError) as caught:
        run(csv_file(tmp_path, [good, row]))
    assert (caught.value.field, caught.value.value) == (field, value)
    assert "1 row(s)" in str(caught.value)


def test_csv_offsets_decide_the_billing_day(tmp_path: Path) -> None:
    files = csv_file(
        tmp_path,
        ["org-1,gb,2026-03-31T23:30:00-02:00,k1,1", "org-1,gb,2026-04-01T00:30:00+02:00,k2,2"],
    )
    # 23:30-02:00 is 01:30 UTC on April 1st; 00:30+02:00 is 22:30 UTC on March 31st.
    report = run(files)
    assert report.usage("org-1", MARCH) == {"gb": Decimal(2)}
    assert report.usage("org-1", Period(date(2026, 4, 1), date(2026, 5, 1))) == {"gb": Decimal(1)}


def test_missing_columns_are_named(tmp_path: Path) -> None:
    no_value = "customer,metric,timestamp,idempotency_key"
    with pytest.raises(UsageError, match="value=None") as caught:
        run(csv_file(tmp_path, ["org-1,call,2026-03-02T10:00:00Z,k1"], header=no_value))
    assert caught.value.field == "value"
    counted = aggregate(
        EventFiles(paths=tmp_path / "events.csv", value=None),
        Meter(code="calls", aggregation="sum", metrics="call"),
        billing=CALENDAR,
        tz="UTC",
    )
    assert counted.usage("org-1", MARCH) == {"calls": Decimal(1)}  # every event is worth 1
    with pytest.raises(UsageError) as caught:
        aggregate(
            EventFiles(paths=tmp_path / "events.csv", value=None),
            MAC,
            billing=CALENDAR,
            tz="UTC",
            close_after=timedelta(0),
        )
    assert caught.value.field == "received_at"
    with pytest.raises(UsageError) as caught:
        aggregate(
            EventFiles(paths=tmp_path / "events.csv", value=None, properties=["contact_id"]),
            MAC,
            billing=CALENDAR,
            tz="UTC",
        )
    assert caught.value.field == "properties"


def test_renamed_columns_integer_values_and_other_delimiters(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "org;event;at;id;qty;ws\n"
        "org-1;gb;2026-03-02T10:00:00Z;k1;3;sales\n"
        "org-1;gb;2026-03-03T10:00:00Z;k2;4;support\n",
        encoding="utf-8",
    )
    files = EventFiles(
        paths=path,
        customer="org",
        metric="event",
        timestamp="at",
        idempotency_key="id",
        value="qty",
        delimiter=";",
    )
    report = aggregate(files, SUM_GB, billing=CALENDAR, tz="UTC", by=["ws"])
    assert [(r.group["ws"], r.usage["gb"]) for r in report.rows] == [
        ("sales", Decimal(3)),
        ("support", Decimal(4)),
    ]
    integers = raw_parquet(
        tmp_path, GOOD.replace("1.5::DECIMAL(9, 2) AS value", "7::BIGINT AS value")
    )
    assert run(integers).usage("org-1", MARCH) == {"gb": Decimal(7)}


def test_sums_that_do_not_fit_are_refused_not_rounded(tmp_path: Path) -> None:
    # scale=18: DECIMAL(38, 18) holds 20 digits before the point; each value fits
    # (and billkit's range, below 10**18), the sum of 1 100 of them (21 digits) does not.
    big = "9" * 17
    n = 1100
    rows = [f"org-1,gb,2026-03-02T10:00:00Z,k{i},{big}" for i in range(n)]
    files = csv_file(tmp_path, rows)
    with pytest.raises(UsageError, match="DECIMAL") as caught:
        aggregate(
            EventFiles(paths=tmp_path / "events.csv", scale=18), SUM_GB, billing=CALENDAR, tz="UTC"
        )
    assert caught.value.field == "value"
    # 1100 x 99 999 999 999 999 999 = 109 999 999 999 999 998 900, exactly: the
    # Python engine sums in billkit's 80-digit context.
    expected = {"gb": Decimal("109999999999999998900")}
    python = aggregate(
        [ev(f"k{i}", 2, value=big, metric="gb") for i in range(n)],
        SUM_GB,
        billing=CALENDAR,
        tz="UTC",
    )
    assert python.usage("org-1", MARCH) == expected
    assert run(files).usage("org-1", MARCH) == expected  # the default scale, 6, leaves 32 digits


def test_only_events_inside_the_window_must_be_complete(tmp_path: Path) -> None:
    # Outside the window an event without a contact, or without an arrival time,
    # is not counted, so it is not refused either: in both engines.
    events = [
        ev("k1", 2, received_at=datetime(2026, 3, 2, 12, tzinfo=UTC)),
        ev("k2", 20, None),  # outside the window, no contact, no received_at
    ]
    window = Period(date(2026, 3, 1), date(2026, 3, 10))
    parquet, csv_files = files_of(events, tmp_path)
    request = {"billing": CALENDAR, "tz": "UTC", "window": window, "close_after": timedelta(0)}
    python = aggregate(events, MAC, **request)  # type: ignore[arg-type]
    assert python.outside == 1
    assert python.usage("org-1", window) == {"mac": Decimal(1)}
    assert_same(python, aggregate(parquet, MAC, **request), aggregate(csv_files, MAC, **request))  # type: ignore[arg-type]


def test_other_columns_are_properties_unless_named_like_a_field(tmp_path: Path) -> None:
    with_arrival = GOOD + ", TIMESTAMPTZ '2026-03-02 10:00:05+00' AS received_at"
    files = raw_parquet(tmp_path, with_arrival)
    ignoring_arrival = EventFiles(paths=files.paths, received_at=None)
    assert run(ignoring_arrival).usage("org-1", MARCH) == {"gb": Decimal("1.5")}
    numeric = raw_parquet(tmp_path, GOOD + ", 0.25::DOUBLE AS cost", name="cost.parquet")
    with pytest.raises(UsageError, match=r"properties=\[") as caught:
        run(numeric)
    assert caught.value.field == "properties['cost']"
    chosen = EventFiles(paths=numeric.paths, properties=[])
    assert run(chosen).usage("org-1", MARCH) == {"gb": Decimal("1.5")}


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        run(EventFiles(paths=tmp_path / "missing.parquet"))
    assert caught.value.field == "paths"


def test_an_empty_file(tmp_path: Path) -> None:
    report = run(csv_file(tmp_path, []))
    assert (report.rows, report.duplicates) == ((), 0)
