"""How fast is a month-end run of the engine, against the pure computation plus plain writes?

A population of N customers, one subscription each (``tests/engine/support.py``:
the Pro plan, usage, a saved card; every 7th card is declined), is billed for
March by ``Billing.run`` in W worker processes (spawned), each its own shard
of subscription ids, on a SQLite file and (with a server) on PostgreSQL:
accounts per second, measured two ways in the same run:

* ``pool``: the run as a long-lived worker pool (a Dask or queue worker)
  sees it. Each worker imports billkit, opens its store, says it is ready and
  waits; the clock starts when all are ready and stops when the last one has
  finished.
* ``end-to-end``: from starting the processes to the last one's end, their
  start, ``import billkit`` and opening of the store included (``ready s``
  is that part; on a machine that writes no bytecode caches, such as one with
  ``PYTHONDONTWRITEBYTECODE=1``, every worker compiles billkit's sources again).

The baseline, in the same run: the pure computation alone
(``billing.plan_documents`` and ``serialize.to_data`` of every invoice) plus
writing the same rows (one document, two ledger entries per paid invoice)
with the driver's plain ``executemany`` into scratch tables, in batches of
500 (on PostgreSQL in a session with the server's own settings, not the
store's: no lz4 for long values, ``sql._lz4_session``). Target: the engine within 3x of that baseline. Both measures are
printed against it (``x base``), with the workers' CPU seconds in the run
alone and in all, and the baseline's.

``--check`` afterwards verifies what the run left (every period billed once,
numbers gap-free, every payment credited once, balances the sum of their
entries), the checks of ``tests/engine/test_concurrency.py``; with
``--overlap`` the shards overlap by half (every subscription is offered to
two workers).

``--statements N`` first bills N subscriptions in this process with a
SQLAlchemy ``before_cursor_execute`` listener and prints the SQL statements
per account, by kind (where a run's statements go).

Run: ``python benchmarks/bench_engine.py [--n 10000] [--workers 1,2,8]
[--postgres URL] [--check] [--overlap] [--statements 300]`` (PostgreSQL URL defaults to
``$BILLKIT_TEST_POSTGRES_URL``; its tables go into a scratch schema, dropped
afterwards).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.engine

from tests.engine import support, workers

from billkit.billing import BillingState, PlanFrom, Subscribed, UsageTotal, plan_documents
from billkit.invoicing.terms import DocumentTerms
from billkit.periods import Period
from billkit.ports import FixedClock
from billkit.serialize import to_data
from billkit.storage import SqlStore, upgrade
from billkit.storage.sql import _lz4_session, make_engine

MARCH = Period(support.START.date(), support.MONTH_END.date())


def shards(n: int, count: int, overlap: bool) -> list[tuple[str | None, str | None]]:
    bounds = [round(i * n / count) for i in range(count + 1)]
    out: list[tuple[str | None, str | None]] = []
    for i in range(count):
        lo, hi = bounds[i], bounds[i + 1]
        if overlap:
            hi = min(n, hi + (hi - lo) // 2)
        out.append((f"s{lo:04d}" if i else None, f"s{hi:04d}" if hi < n else None))
    return out


def engine_run(url: str, schema: str | None, n: int, count: int, overlap: bool) -> dict[str, float]:
    """Populate, then run the month end in ``count`` spawned processes.

    Each worker imports billkit, opens its store, says it is ready and waits;
    once all are ready the run starts. Returns the seconds of the run alone
    (``pool``: from the start signal to the last worker's end, what a
    long-lived worker pool pays per month end), of the whole (``end_to_end``:
    from starting the processes, their ``import billkit`` included) and of
    getting ready (``ready``); the workers' CPU seconds in the run alone
    (``pool_cpu``) and in all (``cpu``).
    """
    store = SqlStore(url, schema=schema) if schema else SqlStore(url)
    support.billing(store, workers.KeyedGateway(), FixedClock(support.START))  # type: ignore[arg-type]
    support.populate_fast(store, n)
    store.close()
    out = Path(tempfile.mkdtemp())
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    readies = []
    processes = []
    for i, (lo, hi) in enumerate(shards(n, count, overlap)):
        ready = context.Event()
        readies.append(ready)
        processes.append(
            context.Process(
                target=workers.run_shard,
                args=(url, schema, lo, hi, str(out), f"w{i}", ready, go),
            )
        )
    cpu = _children_cpu()
    started = time.perf_counter()
    for p in processes:
        p.start()
    for p, ready in zip(processes, readies, strict=True):
        while not ready.wait(0.05):
            assert p.exitcode is None, "a worker failed before it was ready"
    running = time.perf_counter()
    go.set()
    for p in processes:
        p.join()
        assert p.exitcode == 0, "a worker failed"
    ended = time.perf_counter()
    cpu = _children_cpu() - cpu
    results = [json.loads((out / f"w{i}.json").read_text()) for i in range(count)]
    shutil.rmtree(out, ignore_errors=True)
    return {
        "pool": ended - running,
        "end_to_end": ended - started,
        "ready": running - started,
        "pool_cpu": sum(r["cpu_run"] for r in results),
        "cpu": cpu,
    }


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def baseline(url: str, schema: str | None, n: int) -> tuple[float, float, float]:
    """(pure computation, plain executemany, this process's CPU) seconds for the
    same invoices and rows."""
    terms = DocumentTerms(seller=support.SELLER, buyer=support.SELLER, rules=None)
    cpu = time.process_time()
    started = time.perf_counter()
    rows: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    for i in range(n):
        sub = Subscribed(id=f"s{i:04d}", plans=[PlanFrom(on=MARCH.start, plan=support.PRO)])
        usage = [
            UsageTotal(subscription=sub.id, period=MARCH, metric="calls", quantity=support.calls(i))
        ]
        (planned,) = plan_documents(
            BillingState(terms=terms, subscriptions=[sub], usage=usage), MARCH.end
        )
        gross = planned.document.totals.gross.amount
        rows.append(
            (
                str(planned.key),
                f"c{i:04d}",
                f"INV-{i + 1:06d}",
                str(gross),
                json.dumps(to_data(planned.document)),
            )
        )
        if support.method(i) != "tok_insufficient_funds":
            entries += [
                (f"c{i:04d}/main", f"pay|{planned.key}|0", str(gross)),
                (f"c{i:04d}/main", f"doc|{planned.key}", str(-gross)),
            ]
    computed = time.perf_counter() - started
    engine = make_engine(url, schema=schema)
    if engine.dialect.name == "postgresql":
        # The server's own settings, as a plain client has them: not the
        # store's session settings (lz4 for long values, sql._lz4_session).
        sa.event.remove(engine, "connect", _lz4_session)
    raw = engine.raw_connection()
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    cur = raw.cursor()
    suffix = uuid.uuid4().hex[:8]
    cur.execute(
        f"CREATE TABLE base_docs_{suffix} (id TEXT PRIMARY KEY, customer TEXT, number TEXT, total TEXT, data TEXT)"
    )
    cur.execute(
        f"CREATE TABLE base_entries_{suffix} (account TEXT, key TEXT PRIMARY KEY, amount TEXT)"
    )
    raw.commit()
    started = time.perf_counter()
    for first in range(0, n, 500):
        cur.executemany(
            f"INSERT INTO base_docs_{suffix} VALUES ({', '.join([mark] * 5)})",
            rows[first : first + 500],
        )
        cur.executemany(
            f"INSERT INTO base_entries_{suffix} VALUES ({mark}, {mark}, {mark})",
            entries[2 * first : 2 * first + 1000],
        )
        raw.commit()
    written = time.perf_counter() - started
    cpu = time.process_time() - cpu
    cur.execute(f"DROP TABLE base_docs_{suffix}")
    cur.execute(f"DROP TABLE base_entries_{suffix}")
    raw.commit()
    raw.close()
    engine.dispose()
    return computed, written, cpu


def statements(url: str, schema: str | None, n: int) -> None:
    """Bill ``n`` subscriptions in this process; print SQL statements per account, by kind."""
    import collections
    import re

    import sqlalchemy as sa

    store = SqlStore(url, schema=schema) if schema else SqlStore(url)
    support.billing(store, workers.KeyedGateway(), FixedClock(support.START))  # type: ignore[arg-type]
    support.populate_fast(store, n)
    engine = support.billing(store, workers.KeyedGateway(), FixedClock(support.MONTH_END))  # type: ignore[arg-type]
    counts: collections.Counter[str] = collections.Counter()

    def count(*args: Any) -> None:
        words = re.sub(r"\s+", " ", str(args[2]).strip()).split(" ")
        after = words[words.index("FROM") :] if "FROM" in words else words
        table = next((w for w in after if "billkit_" in w), "")
        counts[f"{words[0]} {table.split('.')[-1].split('(')[0]}".strip()] += 1

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        report = engine.run()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    store.close()
    assert report.billed == n, report
    total = sum(counts.values())
    print(
        f"  {total / n:.1f} SQL statements per account ({total} for {n} accounts;"
        " an executemany counts once):"
    )
    for kind, seen in counts.most_common():
        print(f"    {seen / n:6.2f}  {kind}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--postgres", default=os.environ.get("BILLKIT_TEST_POSTGRES_URL", ""))
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--overlap", action="store_true")
    parser.add_argument("--statements", type=int, default=0)
    args = parser.parse_args()
    backends: list[tuple[str, str, str | None]] = []
    scratch = Path(tempfile.mkdtemp())
    backends.append(("sqlite", f"sqlite:///{scratch / 'base.db'}", None))
    if args.postgres:
        import sqlalchemy as sa

        schema = f"bk_bench_{uuid.uuid4().hex[:8]}"
        with sa.create_engine(args.postgres).begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        backends.append(("postgresql", args.postgres, schema))
    try:
        if args.statements:
            for name, url, schema in backends:
                if name == "sqlite":
                    url = f"sqlite:///{scratch / 'statements.db'}"
                    upgrade(url)
                else:
                    upgrade(url, schema=schema)
                print(f"{name}: month end over {args.statements} subscriptions, in this process")
                statements(url, schema, args.statements)
                if schema:
                    import sqlalchemy as sa

                    with sa.create_engine(args.postgres).begin() as conn:
                        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        print(
            f"month end over {args.n} subscriptions; x base: against the pure computation plus"
            " plain executemany of the same rows, in this process\n"
            "  pool: the run alone, from the start signal, every worker having imported billkit"
            " and opened its store (a long-lived worker pool)\n"
            "  end-to-end: from starting the worker processes (spawn, import billkit, open the"
            " store) to the last one's end\n"
            "  CPU: the workers' CPU seconds in the run alone / in all; the baseline's"
        )
        print(
            f"{'backend':<11} {'workers':>7} {'pool s':>7} {'acc/s':>6} {'x base':>6}"
            f" {'e2e s':>7} {'acc/s':>6} {'x base':>6} {'ready s':>7} {'base s':>6}"
            f" {'CPU run':>7} {'CPU all':>7} {'base CPU':>8}"
        )
        for name, url, schema in backends:
            for count in [int(w) for w in args.workers.split(",") if w]:
                if name == "sqlite":
                    url = f"sqlite:///{scratch / f'run{count}.db'}"
                    upgrade(url)
                else:
                    upgrade(url, schema=schema)
                run = engine_run(url, schema, args.n, count, args.overlap)
                computed, written, base_cpu = baseline(url, schema, args.n)
                base = computed + written
                pool, whole = run["pool"], run["end_to_end"]
                print(
                    f"{name:<11} {count:>7} {pool:>7.2f} {args.n / pool:>6.0f} {pool / base:>6.1f}"
                    f" {whole:>7.2f} {args.n / whole:>6.0f} {whole / base:>6.1f}"
                    f" {run['ready']:>7.2f} {base:>6.2f} {run['pool_cpu']:>7.1f} {run['cpu']:>7.1f}"
                    f" {base_cpu:>8.1f}"
                )
                if args.check:
                    from tests.engine.test_concurrency import check_month_end

                    check_month_end(url, schema, args.n)
                    print(
                        f"{'':<11} checked: every period billed once, numbers gap-free, payments credited once"
                    )
                if schema:
                    import sqlalchemy as sa

                    with sa.create_engine(args.postgres).begin() as conn:
                        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        for _name, _url, schema in backends:
            if schema:
                import sqlalchemy as sa

                with sa.create_engine(args.postgres).begin() as conn:
                    conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


if __name__ == "__main__":
    main()
