"""How fast does billkit aggregate millions of usage events, against DuckDB SQL and pandas?

The data: N events (10 000 000 by default) of 100 000 customers and three
metrics, over January to March 2026, in one Parquet file written by DuckDB:
``api_call`` events (counted), ``storage`` events (values summed, DECIMAL(18,3))
and ``message`` events (distinct ``contact_id`` counted: monthly active
contacts). 1% of the events are sent twice (same idempotency key, same
content). Periods are calendar months in the ``Europe/Rome`` billing calendar,
so events late on March 31st (UTC) belong to April.

Three ways to get the same figures per customer and month, on the same file:

* **billkit**: ``aggregate(EventFiles(...), meters, ...)`` with the DuckDB
  engine, down to the ``UsageReport`` and its rows of ``Decimal`` figures.
  It also checks every row (what ``UsageEvent`` refuses), refuses keys whose
  copies differ, and takes billing days from Python's ``zoneinfo``.
* **DuckDB SQL**: the same figures written directly in one SQL query
  (``DISTINCT ON`` the key, ``timezone()`` for the month, ``FILTER``
  aggregates), fetched as Python tuples.
* **pandas**: ``read_parquet``, ``drop_duplicates`` on the key, months from
  ``tz_convert``, a ``groupby`` with ``nunique``; storage values are summed
  exactly as integer thousandths.

The three results are compared row by row (a digest of the sorted rows)
before any time is reported. Each run happens in a fresh Python process, so
that its peak resident set size (``ru_maxrss``: DuckDB's memory is native and
invisible to tracemalloc) is its own. Rounds alternate the three, so a noisy
neighbour slows each alike; reported are the median wall and CPU times and
the median of the round-by-round ratios. On a shared machine, compare the
CPU times too: wall times swing with the neighbours' load, and multi-threaded
DuckDB loses more to them than pandas, which mostly runs on one core.

Run: ``python benchmarks/bench_usage.py [--events N] [--customers N] [--rounds N]``
(needs duckdb, pandas and pyarrow; a few minutes at 10 000 000 events on two
cores; ``--events 1000000`` for a quick look).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

TZ = "Europe/Rome"
START = "2026-01-01 00:00:00+00"
DAYS = 90


def generate(path: Path, events: int, customers: int) -> float:
    """Write the events to ``path`` with DuckDB; the seconds it took."""
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    span_us = DAYS * 86_400 * 1_000_000
    con.execute(
        f"""
        COPY (
            WITH ids AS (
                -- every hundredth event repeats the one before it: a retry
                SELECT CASE WHEN i % 100 = 99 THEN i - 1 ELSE i END AS j FROM range({events}) t(i)
            ),
            hashed AS (SELECT j, hash(j) AS h, hash(j * 7 + 3) AS g FROM ids),
            typed AS (
                SELECT j, h, g,
                    CASE g % 3 WHEN 0 THEN 'api_call' WHEN 1 THEN 'storage' ELSE 'message' END
                        AS metric
                FROM hashed
            )
            SELECT
                'c' || CAST(h % {customers} AS VARCHAR) AS customer,
                metric,
                TIMESTAMPTZ '{START}' + to_microseconds(CAST((h >> 20) % {span_us} AS BIGINT))
                    AS timestamp,
                'k' || CAST(j AS VARCHAR) AS idempotency_key,
                CAST(CAST((h >> 40) % 100000 AS DECIMAL(18, 3)) / 1000 AS DECIMAL(18, 3))
                    AS value,
                'w' || CAST((g >> 8) % 5 AS VARCHAR) AS workspace,
                CASE (g >> 16) % 3 WHEN 0 THEN 'email' WHEN 1 THEN 'sms' ELSE 'whatsapp' END
                    AS channel,
                CASE WHEN metric = 'message' THEN 'ct' || CAST((g >> 24) % 2000 AS VARCHAR) END
                    AS contact_id
            FROM typed
        ) TO '{path}' (FORMAT parquet)
        """
    )
    con.close()
    return time.perf_counter() - started


def _canonical(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def digest(rows: Iterable[tuple[str, str, int, Decimal, int]]) -> tuple[str, int]:
    """A hash of the sorted rows (customer, month, api calls, storage, contacts)."""
    lines = sorted(
        f"{customer}|{month}|{api}|{_canonical(storage)}|{contacts}"
        for customer, month, api, storage, contacts in rows
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16], len(lines)


# --- the three ways, each run in its own process ------------------------------------


def run_billkit(path: Path) -> tuple[float, list[tuple[str, str, int, Decimal, int]]]:
    from billkit.periods import MONTHLY, BillingCycle
    from billkit.usage import EventFiles, Meter, aggregate

    meters = [
        Meter(code="api_calls", aggregation="count", metrics="api_call"),
        Meter(code="storage", aggregation="sum"),
        Meter(code="contacts", aggregation="unique_count", metrics="message", field="contact_id"),
    ]
    started = time.perf_counter()
    report = aggregate(
        EventFiles(paths=path), meters, billing=BillingCycle.calendar(MONTHLY), tz=TZ
    )
    rows = report.rows
    elapsed = time.perf_counter() - started
    return elapsed, [
        (
            r.customer,
            r.period.start.isoformat(),
            int(r.figures[0]),
            r.figures[1],
            int(r.figures[2]),
        )
        for r in rows
    ]


DIRECT_SQL = """
    WITH events AS (
        SELECT DISTINCT ON (idempotency_key) customer, metric, timestamp, value, contact_id
        FROM read_parquet($path)
    )
    SELECT
        customer,
        CAST(date_trunc('month', timezone('{tz}', timestamp)) AS DATE) AS month,
        count(*) FILTER (WHERE metric = 'api_call') AS api_calls,
        coalesce(sum(value) FILTER (WHERE metric = 'storage'), 0) AS storage,
        count(DISTINCT contact_id) FILTER (WHERE metric = 'message') AS contacts
    FROM events
    GROUP BY ALL
"""


def run_direct(path: Path) -> tuple[float, list[tuple[str, str, int, Decimal, int]]]:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    rows = con.execute(DIRECT_SQL.format(tz=TZ), {"path": str(path)}).fetchall()
    con.close()
    elapsed = time.perf_counter() - started
    return elapsed, [(c, m.isoformat(), a, Decimal(s), n) for c, m, a, s, n in rows]


def run_pandas(path: Path) -> tuple[float, list[tuple[str, str, int, Decimal, int]]]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    started = time.perf_counter()
    table = pq.read_table(
        path, columns=["customer", "metric", "timestamp", "value", "idempotency_key", "contact_id"]
    )
    # Exact storage sums: thousandths as integers (DECIMAL(18,3) x 1000 has no fraction).
    thousandths = pc.multiply(table["value"], pa.scalar(Decimal(1000), pa.decimal128(4, 0)))
    table = table.set_column(
        3, "value", pc.cast(pc.cast(thousandths, pa.decimal128(38, 0)), pa.int64())
    )
    frame = table.to_pandas()
    frame = frame.drop_duplicates(subset="idempotency_key")
    local = frame["timestamp"].dt.tz_convert(TZ).dt.tz_localize(None)
    frame["month"] = local.values.astype("datetime64[M]")
    is_storage = frame["metric"] == "storage"
    frame["api"] = frame["metric"] == "api_call"
    frame["storage"] = frame["value"].where(is_storage, 0)
    frame["contact"] = frame["contact_id"].where(frame["metric"] == "message")
    grouped = frame.groupby(["customer", "month"], sort=False).agg(
        api=("api", "sum"), storage=("storage", "sum"), contacts=("contact", "nunique")
    )
    elapsed = time.perf_counter() - started
    return elapsed, [
        (customer, str(month)[:10], int(api), Decimal(int(storage)).scaleb(-3), int(contacts))
        for (customer, month), api, storage, contacts in zip(
            grouped.index, grouped["api"], grouped["storage"], grouped["contacts"], strict=True
        )
    ]


WAYS = {"billkit": run_billkit, "duckdb-sql": run_direct, "pandas": run_pandas}


def child(way: str, path: Path) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF)
    elapsed, rows = WAYS[way](path)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_mb = after.ru_maxrss / 1024  # ru_maxrss is in kilobytes on Linux
    check, count = digest(rows)
    result = {"seconds": elapsed, "cpu": cpu, "peak_mb": peak_mb, "digest": check, "rows": count}
    print(json.dumps(result))


def run_child(way: str, path: Path) -> dict[str, float | str | int]:
    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, __file__, "--child", way, "--file", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{way} failed:\n{done.stderr}")
    result: dict[str, float | str | int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--dir", type=Path, help="where to write the Parquet file (default: a temp dir)"
    )
    parser.add_argument("--child", choices=sorted(WAYS), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file)
        return

    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "events.parquet"
        seconds = generate(path, args.events, args.customers)
        size = path.stat().st_size / 2**20
        print(
            f"{args.events:,} events, {args.customers:,} customers, 3 metrics: "
            f"Parquet written by DuckDB in {seconds:.1f} s ({size:.0f} MiB)"
        )
        results: dict[str, list[dict[str, float | str | int]]] = {way: [] for way in WAYS}
        for round_ in range(args.rounds):
            for way in WAYS:
                results[way].append(run_child(way, path))
                last = results[way][-1]
                print(
                    f"  round {round_ + 1}: {way:<11} {last['seconds']:7.2f} s "
                    f"(CPU {last['cpu']:6.2f} s), peak RSS {last['peak_mb']:6.0f} MiB",
                    flush=True,
                )
        digests = {(r["digest"], r["rows"]) for runs in results.values() for r in runs}
        if len(digests) != 1:
            raise SystemExit(f"the three ways disagree: {results}")
        ((check, rows),) = digests
        print(f"all three agree: {rows:,} rows (customer x month), digest {check}")

        def median(way: str, key: str) -> float:
            return statistics.median(float(r[key]) for r in results[way])

        def ratio(other: str) -> float:
            # Round by round, against the run beside it: a noisy neighbour slows both.
            return statistics.median(
                float(a["seconds"]) / float(b["seconds"])
                for a, b in zip(results["billkit"], results[other], strict=True)
            )

        print(
            f"\nmedian of {args.rounds} round(s): wall time, CPU time (all threads: DuckDB "
            "and pyarrow use every core), peak RSS of a fresh process doing only that:"
        )
        for way in WAYS:
            peak = max(float(r["peak_mb"]) for r in results[way])
            print(
                f"  {way:<11} {median(way, 'seconds'):7.2f} s   "
                f"CPU {median(way, 'cpu'):7.2f} s   {peak:6.0f} MiB"
            )
        cpu_sql = median("billkit", "cpu") / median("duckdb-sql", "cpu")
        cpu_pandas = median("billkit", "cpu") / median("pandas", "cpu")
        print(
            f"\nbillkit / DuckDB SQL = {ratio('duckdb-sql'):.2f} (target: at most 1.5); "
            f"CPU time {cpu_sql:.2f}"
        )
        print(
            f"billkit / pandas     = {ratio('pandas'):.2f} (target: below 1); CPU time {cpu_pandas:.2f}"
        )


if __name__ == "__main__":
    main()
