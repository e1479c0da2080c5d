"""Concurrency: worker processes issue numbers from one series and post to the
same accounts at once, on a SQLite file and on PostgreSQL; one worker is killed
(SIGKILL) inside an open transaction.

Scaled down to fit the test suite: 4 processes (3 survivors and the victim)
and 320 operations on 20 accounts, where the issue's full size is 8 processes
and 10 000 operations on 100 accounts; ``benchmarks/bench_store.py
--concurrency`` runs the full size with the same workers and checks.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billkit.storage import SqlStore
from tests.storage import workers as storage_workers
from tests.storage.support import _postgres_schema, migrated_sqlite  # noqa: F401 (fixture)

WORKERS = 3  # survivors, plus the victim
OPERATIONS = 80  # per process
ACCOUNTS = 20


def run_workers(
    url: str,
    schema: str | None,
    out: Path,
    *,
    workers: int,
    operations: int,
    accounts: int,
    victim: bool,
) -> dict[str, Any]:
    """Start the workers (and a victim killed mid-transaction); the results."""
    storage_workers.prepare(url, schema, accounts)
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(
            target=storage_workers.work,
            args=(url, schema, f"w{n}", operations, accounts, 1000 + n, str(out)),
        )
        for n in range(workers)
    ]
    killed: dict[str, Any] = {}
    if victim:
        stop_after = operations // 3
        processes.append(
            context.Process(
                target=storage_workers.work,
                args=(url, schema, "victim", operations, accounts, 999, str(out), stop_after),
            )
        )
    for process in processes:
        process.start()
    if victim:
        ready = out / "victim.ready"
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert time.monotonic() < deadline, "the victim never reached its open transaction"
            assert processes[-1].is_alive(), "the victim died before its open transaction"
            time.sleep(0.01)
        time.sleep(0.05)  # the others are now queued behind the victim's locks
        os.kill(processes[-1].pid, signal.SIGKILL)  # type: ignore[arg-type]
        killed = json.loads(ready.read_text())
    for process in processes:
        process.join(timeout=300)
        assert not process.is_alive(), "a worker hangs"
    for process in processes[:workers]:
        assert process.exitcode == 0
    if victim:
        assert processes[-1].exitcode == -signal.SIGKILL
    results = {f"w{n}": json.loads((out / f"w{n}.json").read_text()) for n in range(workers)}
    return {"results": results, "killed": killed}


def check_store(
    url: str, schema: str | None, outcome: dict[str, Any], accounts: int
) -> dict[str, int]:
    """Every guarantee, on what the workers left; returns a few counts."""
    committed = [op for r in outcome["results"].values() for op in r["committed"]]
    killed = outcome["killed"]
    if killed:
        committed += killed["committed"]  # what the victim committed before it was killed
    charges = {key: account for key, kind, account in committed if kind == "charge"}
    expected_keys = {key for key, _, _ in committed}
    store = SqlStore(url, schema=schema)
    with store.transaction(readonly=True) as tx:
        entries = [e for i in range(accounts) for e in tx.entries(storage_workers.account_id(i))]
        documents = tx.documents(customer="payer")
        series = tx.series("INV")
        balances = {
            storage_workers.account_id(i): tx.account(storage_workers.account_id(i))
            for i in range(accounts)
        }
    store.close()
    keys = [e.key for e in entries]
    # no lost entry, no duplicated entry, nothing from the killed transaction
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_keys
    if killed:
        assert killed["pending"] not in set(keys)
        assert killed["pending"] not in {d.id for d in documents}
    # numbers: 1..N without gap or duplicate, N = the counter, one per committed charge
    numbers = sorted(int(d.number.removeprefix("INV-")) for d in documents if d.number)
    assert numbers == list(range(1, len(charges) + 1))
    assert series.next == len(charges) + 1
    assert all(d.issued for d in documents)
    assert {d.id for d in documents} == set(charges)
    by_key = {e.key: e for e in entries}
    for doc in documents:  # each number went with its own debit, in the same transaction
        assert by_key[doc.id].data == {"number": doc.number}
        assert by_key[doc.id].account == charges[doc.id]
    # each balance is the sum of its entries and never below minus the credit limit
    for account, record in balances.items():
        total = sum((e.amount.amount for e in entries if e.account == account), Decimal(0))
        assert record.balance.amount == total
        assert record.balance.amount >= -record.credit_limit.amount
    return {"entries": len(keys), "documents": len(documents)}


def test_sqlite_workers_with_one_killed(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    outcome = run_workers(
        url, None, out, workers=WORKERS, operations=OPERATIONS, accounts=ACCOUNTS, victim=True
    )
    counts = check_store(url, None, outcome, ACCOUNTS)
    refused = sum(r["refused"] for r in outcome["results"].values())
    # every survivor operation either committed or was refused by the credit limit
    assert counts["entries"] + refused == WORKERS * OPERATIONS + len(outcome["killed"]["committed"])
    assert refused > 0  # the limits were reached: the check above was exercised


@pytest.mark.postgres
def test_postgres_workers_with_one_killed(tmp_path: Path, postgres_schema: Any) -> None:
    postgres_schema.empty()
    out = tmp_path / "out"
    out.mkdir()
    outcome = run_workers(
        postgres_schema.url,
        postgres_schema.name,
        out,
        workers=WORKERS,
        operations=OPERATIONS,
        accounts=ACCOUNTS,
        victim=True,
    )
    counts = check_store(postgres_schema.url, postgres_schema.name, outcome, ACCOUNTS)
    refused = sum(r["refused"] for r in outcome["results"].values())
    assert counts["entries"] + refused == WORKERS * OPERATIONS + len(outcome["killed"]["committed"])
    assert refused > 0
