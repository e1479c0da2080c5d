"""How fast does SqlStore write ledger entries and usage events, against plain executemany?

On SQLite (a file) and, when a server is given, on PostgreSQL:

* **ledger postings**: N entries over 100 accounts, posted with
  ``Transaction.post_all`` in batches of B per transaction. The store locks
  and reads the batch's accounts, checks each entry's idempotency key
  (replay or conflict), currency and credit limit, inserts the new entries,
  moves the balances, and returns the entries as stored (with their ``seq``);
* **usage events**: N events of 100 subscriptions added with
  ``Transaction.add_usage`` in batches of B: the subscriptions checked, the
  events inserted once per key, a reused key compared with what is stored;
* **one posting per transaction**: ``post`` in its own transaction with a lock
  scope, the shape of an interactive charge (N / 10 of them). Not a batched
  write: the 2x target does not apply to it.

The baseline is what hand-written code would do with the same driver
(sqlite3 or psycopg 3, through the store's own engine settings: WAL,
``BEGIN IMMEDIATE``, busy timeout on SQLite): it starts from the same
``EntryRecord``/``UsageRecord`` objects the store gets, converts each batch
to row tuples itself inside the clock (``json.dumps`` of the data; on SQLite
also the amount as text and the moment as ISO text), and writes them with
the cursor's ``executemany`` (pipelined by psycopg 3), one transaction per
batch, into a table with the same columns, primary key, unique key (the one
the store deduplicates on), index and foreign key as the store's table. It
does not read or update balances, check keys, limits or currencies, or
return anything: that is the store's extra work, which the ratio measures.

Single writer, then W writer processes at once (8 by default; each its own
accounts or subscriptions): each process makes its records and connects
first, then all start together at a barrier; the time is from the barrier to
the last one done. Each configuration runs R rounds (3 by default),
billkit and baseline interleaved, on emptied tables; it prints the medians,
their ratio, and the range of the rounds' ratios. The machine's load moves
the figures: run it more than once. Target: at most 2x the baseline for
batched writes.

``--concurrency`` runs the full-size concurrency check of the test suite
(8 processes, 10 000 operations, 100 accounts, one worker SIGKILLed inside
an open transaction) and verifies the store afterwards.

Run: ``python benchmarks/bench_store.py [--n N] [--batch B] [--writers W]
[--rounds R] [--kinds ledger,usage,single] [--no-sqlite] [--postgres URL]
[--concurrency]`` (needs ``py-billkit[postgres]``; the PostgreSQL URL
defaults to ``$BILLKIT_TEST_POSTGRES_URL``; tables go into a scratch schema
that is dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from moneyed import Money

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.storage.workers

from billkit.storage import (
    AccountRecord,
    EntryRecord,
    PayerRecord,
    SqlStore,
    SubscriptionRecord,
    UsageRecord,
    upgrade,
)
from billkit.storage import _schema as t
from billkit.storage.sql import make_engine

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
ACCOUNTS = 100


def entries(writer: int, n: int) -> list[EntryRecord]:
    return [
        EntryRecord(
            account=f"w{writer}-acc-{i % ACCOUNTS:03d}",
            key=f"w{writer}-e-{i}",
            amount=Money(Decimal(1 + i % 5000) / 100, "EUR"),
            at=T0 + timedelta(seconds=i),
            kind="top_up",
            data={"n": i},
        )
        for i in range(n)
    ]


def events(writer: int, n: int) -> list[UsageRecord]:
    return [
        UsageRecord(
            subscription=f"w{writer}-sub-{i % ACCOUNTS:03d}",
            metric="calls" if i % 2 else "gb",
            at=T0 + timedelta(seconds=i),
            quantity=Decimal(1 + i % 97) / 10,
            key=f"w{writer}-u-{i}",
            data={"n": i},
        )
        for i in range(n)
    ]


def prepare(url: str, schema: str | None, writers: int) -> None:
    store = SqlStore(url, schema=schema)
    with store.transaction() as tx:
        tx.save_payer(PayerRecord(id="payer"))
        for w in range(writers):
            for i in range(ACCOUNTS):
                tx.open_account(
                    AccountRecord(
                        id=f"w{w}-acc-{i:03d}",
                        customer="payer",
                        credit_limit=Money(0, "EUR"),
                        balance=Money(0, "EUR"),
                    )
                )
                tx.add_subscription(
                    SubscriptionRecord(
                        id=f"w{w}-sub-{i:03d}", customer="payer", plan="p", status="a"
                    )
                )
    store.close()
    # The baseline's tables: copies of the store's own entries and usage tables
    # (same columns and types, primary key, unique key, index, foreign key).
    plain = sa.MetaData(naming_convention=t.metadata.naming_convention)
    for table in (t.payers, t.subscriptions, t.accounts):
        table.to_metadata(plain)  # what the foreign keys point at (not created)
    made = [_copy(t.entries, "plain_entries", plain), _copy(t.usage_events, "plain_usage", plain)]
    engine = _engine(url, schema)
    plain.create_all(engine, tables=made)
    engine.dispose()


def _copy(table: sa.Table, name: str, metadata: sa.MetaData) -> sa.Table:
    """``table`` under another name: its columns, keys, indexes and foreign keys."""
    columns = [
        sa.Column(
            col.name,
            col.type,
            *[sa.ForeignKey(fk.target_fullname) for fk in col.foreign_keys],
            primary_key=col.primary_key,
            nullable=col.nullable,
            autoincrement=col.autoincrement,
        )
        for col in table.c
    ]
    uniques = [
        sa.UniqueConstraint(*[col.name for col in uc.columns])
        for uc in table.constraints
        if isinstance(uc, sa.UniqueConstraint)
    ]
    indexes = [
        sa.Index(None, *[col.name for col in ix.columns], unique=bool(ix.unique))
        for ix in table.indexes
    ]
    return sa.Table(name, metadata, *columns, *uniques, *indexes)


def _engine(url: str, schema: str | None) -> sa.Engine:
    args = {"options": f"-c search_path={schema}"} if schema else {}
    return sa.create_engine(url, connect_args=args)


def _entry_rows(work: list[EntryRecord], sqlite: bool) -> list[tuple[Any, ...]]:
    """Hand-written conversion of the records to the table's row tuples."""
    if sqlite:
        return [
            (
                e.account,
                e.key,
                str(e.amount.amount),
                e.amount.currency.code,
                e.at.isoformat(timespec="microseconds"),  # records keep moments in UTC
                e.kind,
                json.dumps(e.data),
            )
            for e in work
        ]
    return [
        (
            e.account,
            e.key,
            e.amount.amount,
            e.amount.currency.code,
            e.at,
            e.kind,
            json.dumps(e.data),
        )
        for e in work
    ]


def _usage_rows(work: list[UsageRecord], sqlite: bool) -> list[tuple[Any, ...]]:
    """Hand-written conversion of the records to the table's row tuples."""
    if sqlite:
        return [
            (
                u.key,
                u.subscription,
                u.metric,
                u.at.isoformat(timespec="microseconds"),
                str(u.quantity),
                json.dumps(u.data),
            )
            for u in work
        ]
    return [(u.key, u.subscription, u.metric, u.at, u.quantity, json.dumps(u.data)) for u in work]


class _Writer:
    """One writer's work, made before the clock starts: ``write()`` is what is timed."""

    def __init__(
        self, runner: str, url: str, schema: str | None, kind: str, writer: int, n: int, batch: int
    ) -> None:
        self.kind, self.batch, self.n = kind, batch, n
        self.work: list[Any] = (
            entries(writer, n) if kind in ("ledger", "single") else events(writer, n)
        )
        self.runner = runner
        if runner == "billkit":
            self.store = SqlStore(url, schema=schema)
            with self.store.transaction(readonly=True) as tx:  # connect before the clock
                tx.account(f"w{writer}-acc-000")
        else:
            self.engine = make_engine(url, schema=schema)  # the store's driver settings
            self.raw = self.engine.raw_connection()
            self.sqlite = self.engine.dialect.name == "sqlite"

    def write(self) -> None:
        if self.runner == "billkit":
            self._billkit()
        else:
            self._plain()

    def _billkit(self) -> None:
        work, batch = self.work, self.batch
        if self.kind == "single":
            for e in work:
                with self.store.transaction(lock=f"account:{e.account}") as tx:
                    tx.post(e)
            return
        for start in range(0, self.n, batch):
            with self.store.transaction() as tx:
                if self.kind == "ledger":
                    tx.post_all(work[start : start + batch])
                else:
                    tx.add_usage(work[start : start + batch])

    def _plain(self) -> None:
        ledger = self.kind in ("ledger", "single")
        if ledger:
            columns = "account, key, amount, currency, at, kind, data"
            table, count = "plain_entries", 7
        else:
            columns, table, count = (
                "key, subscription, metric, at, quantity, data",
                "plain_usage",
                6,
            )
        mark = "?" if self.sqlite else "%s"
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join([mark] * count)})"
        step = 1 if self.kind == "single" else self.batch
        raw, sqlite = self.raw, self.sqlite
        for start in range(0, self.n, step):
            chunk = self.work[start : start + step]
            rows = _entry_rows(chunk, sqlite) if ledger else _usage_rows(chunk, sqlite)
            cursor = raw.cursor()
            if sqlite:  # the store's hooks leave transactions to us: BEGIN IMMEDIATE, as it does
                cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(sql, rows)
            if sqlite:
                cursor.execute("COMMIT")
            else:
                raw.commit()
            cursor.close()

    def close(self) -> None:
        if self.runner == "billkit":
            self.store.close()
        else:
            self.raw.close()
            self.engine.dispose()


def _timed_write(args: tuple[Any, ...], barrier: Any = None) -> tuple[float, float]:
    writer = _Writer(*args)
    try:
        if barrier is not None:
            barrier.wait(timeout=600)  # every writer starts at once
        started = time.monotonic()  # CLOCK_MONOTONIC: one clock for all processes
        writer.write()
        return started, time.monotonic()
    finally:
        writer.close()


def _child(args: tuple[Any, ...], barrier: Any, queue: Any) -> None:
    try:
        queue.put(("ok", _timed_write(args, barrier)))
    except BaseException as error:
        queue.put(("failed", f"{type(error).__name__}: {error}"))
        barrier.abort()
        raise


def timed(
    runner: str, url: str, schema: str | None, kind: str, writers: int, n: int, batch: int
) -> float:
    """Wall seconds for ``writers`` processes (or this one) to write n rows each:
    from the moment all of them start (a barrier, after start-up and connecting)
    to the moment the last one is done."""
    if writers == 1:
        started, ended = _timed_write((runner, url, schema, kind, 0, n, batch))
        return ended - started
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    barrier = context.Barrier(writers)
    processes = [
        context.Process(
            target=_child, args=((runner, url, schema, kind, w, n, batch), barrier, queue)
        )
        for w in range(writers)
    ]
    for p in processes:
        p.start()
    outcomes = [queue.get(timeout=3600) for _ in processes]
    for p in processes:
        p.join()
    failed = [detail for status, detail in outcomes if status != "ok"]
    if failed:
        raise RuntimeError(f"{runner} writer failed: {failed[0]}")
    return max(end for _, (_, end) in outcomes) - min(start for _, (start, _) in outcomes)


def _empty(url: str, schema: str | None) -> None:
    """No entries, events or plain rows; every balance back to zero."""
    engine = _engine(url, schema)
    tables = ("billkit_entries", "billkit_usage_events", "plain_entries", "plain_usage")
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for table in tables:
                conn.exec_driver_sql(f"DELETE FROM {table}")
        else:
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)}")
        conn.exec_driver_sql("UPDATE billkit_accounts SET balance = '0'")
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


def bench(url: str, schema: str | None, label: str, args: argparse.Namespace) -> None:
    prepare(url, schema, args.writers)
    names = {"ledger": "ledger post_all", "usage": "usage add_usage", "single": "one post per txn"}
    kinds = [k for k in ("ledger", "usage", "single") if k in args.kinds]
    for writers in sorted({1, args.writers}):
        for kind in kinds:
            n = max(args.n // 10, 1) if kind == "single" else args.n
            total = n * writers
            ours: list[float] = []
            base: list[float] = []
            for _ in range(args.rounds):  # interleaved: both see the same machine load
                _empty(url, schema)
                ours.append(timed("billkit", url, schema, kind, writers, n, args.batch))
                _empty(url, schema)
                base.append(timed("plain", url, schema, kind, writers, n, args.batch))
            ratios = sorted(o / b for o, b in zip(ours, base, strict=True))
            mid_ours, mid_base = statistics.median(ours), statistics.median(base)
            print(
                f"{label:10} {writers} writer(s) {names[kind]:18} {total / mid_ours:9.0f} rows/s   "
                f"baseline {total / mid_base:9.0f} rows/s   ratio {mid_ours / mid_base:5.2f}x "
                f"(rounds {ratios[0]:.2f}-{ratios[-1]:.2f}x)",
                flush=True,
            )


def concurrency(url: str, schema: str | None, label: str, folder: Path) -> None:
    from tests.storage.test_concurrency import check_store, run_workers

    out = folder / f"out-{label}"
    out.mkdir()
    started = time.perf_counter()
    # 7 survivors and 1 victim: 8 processes. The survivors run 1 370 operations each
    # and the victim 1 370 // 3 + 1 (the last one is killed open): 10 047 in all.
    operations = 1370
    outcome = run_workers(
        url, schema, out, workers=7, operations=operations, accounts=100, victim=True
    )
    counts = check_store(url, schema, outcome, 100)
    refused = sum(r["refused"] for r in outcome["results"].values())
    attempted = 7 * operations + operations // 3 + 1
    print(
        f"{label:10} concurrency: 8 processes, {attempted} operations, one SIGKILLed mid-transaction: "
        f"{counts['entries']} entries, {counts['documents']} documents numbered 1..{counts['documents']} "
        f"without gap, {refused} refused at the credit limit, all checked; "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="rows per writer (default 20 000)")
    parser.add_argument("--batch", type=int, default=1_000, help="rows per transaction")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument(
        "--kinds", default="ledger,usage,single", help="which of ledger,usage,single to run"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--postgres", default=os.environ.get("BILLKIT_TEST_POSTGRES_URL", ""))
    parser.add_argument(
        "--concurrency", action="store_true", help="the full-size concurrency check only"
    )
    args = parser.parse_args()
    args.kinds = set(args.kinds.split(","))
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        sqlite = f"sqlite:///{folder / 'bench.db'}"
        upgrade(sqlite)
        if args.no_sqlite:
            pass
        elif args.concurrency:
            concurrency(sqlite, None, "SQLite", folder)
        else:
            bench(sqlite, None, "SQLite", args)
        if args.postgres:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(args.postgres)
            with admin.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            try:
                upgrade(args.postgres, schema=schema)
                if args.concurrency:
                    concurrency(args.postgres, schema, "PostgreSQL", folder)
                else:
                    bench(args.postgres, schema, "PostgreSQL", args)
            finally:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                admin.dispose()
        else:
            print("PostgreSQL: skipped (give --postgres URL or set BILLKIT_TEST_POSTGRES_URL)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
