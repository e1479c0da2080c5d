"""How fast does SqlStore write ledger entries and usage events, against plain executemany?

On SQLite (a file) and, when a server is given, on PostgreSQL:

* **ledger postings**: N entries over 100 accounts, posted with
  ``Transaction.post_all`` in batches of B per transaction (each batch checks
  idempotency keys, currencies and credit limits, moves the balances);
* **usage events**: N events of 100 subscriptions added with
  ``Transaction.add_usage`` in batches of B (deduplicated on their keys);
* **one posting per transaction**: ``post`` in its own transaction with a lock
  scope, the shape of an interactive charge (N / 10 of them).

Each against a baseline that writes the same rows, already converted, with
the driver's own ``executemany`` into a plain table of the same columns, in
one transaction per batch, through the same driver (sqlite3, psycopg). Single
writer, then W writer processes at once (8 by default; each its own
accounts or subscriptions). Target: at most 2x the baseline for batched writes.

``--concurrency`` runs the full-size concurrency check of the test suite
(8 processes, 10 000 operations, 100 accounts, one worker SIGKILLed inside
an open transaction) and verifies the store afterwards.

Run: ``python benchmarks/bench_store.py [--n N] [--batch B] [--writers W]
[--postgres URL] [--concurrency]`` (needs ``py-billkit[postgres]``; the
PostgreSQL URL defaults to ``$BILLKIT_TEST_POSTGRES_URL``; tables go into a
scratch schema that is dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
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
    engine = _engine(url, schema)
    plain = sa.MetaData()
    for name in ("plain_entries", "plain_usage"):
        sa.Table(
            name,
            plain,
            sa.Column("a", sa.String(200)),
            sa.Column("k", sa.String(200)),
            sa.Column("x", sa.Numeric() if engine.dialect.name != "sqlite" else sa.String(64)),
            sa.Column("c", sa.String(200)),
            sa.Column(
                "at",
                sa.DateTime(timezone=True) if engine.dialect.name != "sqlite" else sa.String(32),
            ),
            sa.Column("m", sa.String(200)),
            sa.Column("d", sa.JSON()),
        )
    plain.create_all(engine)
    engine.dispose()


def _engine(url: str, schema: str | None) -> sa.Engine:
    args = {"options": f"-c search_path={schema}"} if schema else {}
    return sa.create_engine(url, connect_args=args)


def _plain_rows(kind: str, writer: int, n: int, sqlite: bool) -> list[tuple[Any, ...]]:
    """The rows the store writes, converted the way it converts them."""
    rows: list[tuple[Any, ...]] = []
    if kind == "ledger":
        for e in entries(writer, n):
            rows.append(
                (e.account, e.key, e.amount.amount, "EUR", e.at, e.kind, json.dumps(dict(e.data)))
            )
    else:
        for u in events(writer, n):
            rows.append(
                (u.subscription, u.key, u.quantity, u.metric, u.at, "", json.dumps(dict(u.data)))
            )
    if sqlite:
        rows = [
            (r[0], r[1], str(r[2]), r[3], r[4].isoformat(timespec="microseconds"), r[5], r[6])
            for r in rows
        ]
    return rows


def run_billkit(url: str, schema: str | None, kind: str, writer: int, n: int, batch: int) -> float:
    store = SqlStore(url, schema=schema)
    work = entries(writer, n) if kind in ("ledger", "single") else events(writer, n)
    started = time.perf_counter()
    if kind == "single":
        for e in work:
            with store.transaction(lock=f"account:{e.account}") as tx:
                tx.post(e)
    else:
        for start in range(0, n, batch):
            with store.transaction() as tx:
                if kind == "ledger":
                    tx.post_all(work[start : start + batch])
                else:
                    tx.add_usage(work[start : start + batch])
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def run_plain(url: str, schema: str | None, kind: str, writer: int, n: int, batch: int) -> float:
    engine = make_engine(url, schema=schema)  # the store's own driver settings
    sqlite = engine.dialect.name == "sqlite"
    rows = _plain_rows("ledger" if kind in ("ledger", "single") else "usage", writer, n, sqlite)
    table = "plain_entries" if kind in ("ledger", "single") else "plain_usage"
    mark = "?" if sqlite else "%s"
    sql = f"INSERT INTO {table} (a, k, x, c, at, m, d) VALUES ({', '.join([mark] * 7)})"
    raw = engine.raw_connection()
    step = 1 if kind == "single" else batch
    started = time.perf_counter()
    try:
        for start in range(0, n, step):
            cursor = raw.cursor()
            if sqlite:  # the store's hooks leave transactions to us: BEGIN IMMEDIATE, as it does
                cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(sql, rows[start : start + step])
            if sqlite:
                cursor.execute("COMMIT")
            else:
                raw.commit()
            cursor.close()
    finally:
        raw.close()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def _child(args: tuple[Any, ...], queue: Any) -> None:
    runner, *rest = args
    try:
        queue.put(("ok", (run_billkit if runner == "billkit" else run_plain)(*rest)))
    except BaseException as error:
        queue.put(("failed", f"{type(error).__name__}: {error}"))
        raise


def timed(
    runner: str, url: str, schema: str | None, kind: str, writers: int, n: int, batch: int
) -> float:
    """Wall seconds for ``writers`` processes (or this one) to write n rows each."""
    if writers == 1:
        fn = run_billkit if runner == "billkit" else run_plain
        return fn(url, schema, kind, 0, n, batch)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=_child, args=((runner, url, schema, kind, w, n, batch), queue))
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
    return max(
        seconds for _, seconds in outcomes
    )  # each worker times its own writing (not its start-up)


def _empty(url: str, schema: str | None) -> None:
    """No entries, events or plain rows; every balance back to zero."""
    engine = _engine(url, schema)
    with engine.begin() as conn:
        for table in ("billkit_entries", "billkit_usage_events", "plain_entries", "plain_usage"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
        conn.exec_driver_sql("UPDATE billkit_accounts SET balance = '0'")
    engine.dispose()


def bench(url: str, schema: str | None, label: str, args: argparse.Namespace) -> None:
    prepare(url, schema, args.writers)
    names = {"ledger": "ledger post_all", "usage": "usage add_usage", "single": "one post per txn"}
    for writers in (1, args.writers):
        for kind, n in (("ledger", args.n), ("usage", args.n), ("single", max(args.n // 10, 1))):
            _empty(url, schema)
            ours = timed("billkit", url, schema, kind, writers, n, args.batch)
            base = timed("plain", url, schema, kind, writers, n, args.batch)
            total = n * writers
            print(
                f"{label:10} {writers} writer(s) {names[kind]:18} {total / ours:9.0f} rows/s   "
                f"baseline {total / base:9.0f} rows/s   ratio {ours / base:5.2f}x",
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
    parser.add_argument("--postgres", default=os.environ.get("BILLKIT_TEST_POSTGRES_URL", ""))
    parser.add_argument(
        "--concurrency", action="store_true", help="the full-size concurrency check only"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        sqlite = f"sqlite:///{folder / 'bench.db'}"
        upgrade(sqlite)
        if args.concurrency:
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
