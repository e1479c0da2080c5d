"""Concurrency: worker processes run the same month end with overlapping shards; one is killed.

Every worker is given a range of subscription ids that overlaps its
neighbours'; a victim, given every subscription, is killed (SIGKILL) at a
random moment while it bills (the seed is printed, so a failure can be
replayed with ``BILLKIT_CONCURRENCY_SEED``). Whatever the interleaving, every
subscription period is billed exactly once, numbers run without gaps, every
succeeded payment is credited once and every balance is the sum of its
entries.

By default the run is scaled to the test suite: 120 subscriptions, 3 workers
plus the victim. ``BILLKIT_CONCURRENCY=full`` runs the issue's full size,
10 000 subscriptions and 8 worker processes (7 over overlapping ranges plus
the victim), on a SQLite file and on PostgreSQL; CI runs it as its own stage
(``.ci/run``)::

    BILLKIT_CONCURRENCY=full pytest tests/engine/test_concurrency.py

``BILLKIT_CONCURRENCY=<n>`` runs ``n`` subscriptions with the full size's 8
processes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from billkit.billing import DocumentKey
from billkit.storage import SqlStore
from tests.engine import support, workers
from tests.storage.support import _postgres_schema, migrated_sqlite  # noqa: F401 (fixture)


def _size() -> tuple[int, int]:
    """(subscriptions, shard workers besides the victim) from ``BILLKIT_CONCURRENCY``."""
    size = os.environ.get("BILLKIT_CONCURRENCY", "")
    if not size:
        return 120, 3
    if size == "full":
        return 10_000, 7
    if not size.isdigit() or not 1 <= int(size) <= 10_000:
        raise ValueError(f"BILLKIT_CONCURRENCY={size!r}: expected 'full' or 1..10000")
    return int(size), 7


SUBSCRIPTIONS, WORKERS = _size()
SEED = int(os.environ.get("BILLKIT_CONCURRENCY_SEED") or random.SystemRandom().randrange(10**6))


def overlapping_shards(subscriptions: int, workers: int) -> list[tuple[str | None, str | None]]:
    """``workers`` id ranges covering every subscription, each overlapping the next by
    half a range (the last one open-ended).

    >>> overlapping_shards(120, 3)
    [('s0000', 's0060'), ('s0040', 's0100'), ('s0080', None)]
    """
    step = subscriptions // workers
    shards: list[tuple[str | None, str | None]] = []
    for n in range(workers):
        lo = f"s{n * step:04d}"
        end = (n + 1) * step + step // 2
        shards.append((lo, None if n == workers - 1 or end >= subscriptions else f"s{end:04d}"))
    return shards


SHARDS = overlapping_shards(SUBSCRIPTIONS, WORKERS)


def run_month_end(
    url: str,
    schema: str | None,
    out: Path,
    shards: list[tuple[str | None, str | None]],
    *,
    victim: bool,
) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=workers.run_shard, args=(url, schema, lo, hi, str(out), f"w{n}"))
        for n, (lo, hi) in enumerate(shards)
    ]
    if victim:
        processes.append(
            context.Process(
                target=workers.run_shard, args=(url, schema, None, None, str(out), "victim")
            )
        )
    for process in processes:
        process.start()
    if victim:
        deadline = time.monotonic() + 120
        while not (out / "victim.started").exists():
            assert time.monotonic() < deadline, "the victim never started"
            time.sleep(0.01)
        # killed at a random moment while it bills (its share of the run:
        # about 1 ms a subscription here, on a loaded machine more)
        delay = random.Random(SEED).uniform(0.1, 0.3 + SUBSCRIPTIONS / 2000)
        print(
            f"the victim is killed {delay:.2f} s after it starts (BILLKIT_CONCURRENCY_SEED={SEED})"
        )
        time.sleep(delay)
        os.kill(processes[-1].pid, signal.SIGKILL)  # type: ignore[arg-type]
    for process in processes:
        process.join(timeout=300 + SUBSCRIPTIONS // 10)
        assert not process.is_alive(), "a worker hangs"
    for process in processes[: len(shards)]:
        assert process.exitcode == 0
    return {f"w{n}": json.loads((out / f"w{n}.json").read_text()) for n in range(len(shards))}


def check_month_end(url: str, schema: str | None, subscriptions: int) -> dict[str, int]:
    store = SqlStore(url, schema=schema) if schema else SqlStore(url)
    with store.transaction(readonly=True) as tx:
        documents = tx.documents()
        entries = {f"c{n:04d}": tx.entries(f"c{n:04d}/main") for n in range(subscriptions)}
        balances = {f"c{n:04d}": tx.balance(f"c{n:04d}/main") for n in range(subscriptions)}
        subs = [tx.subscription(f"s{n:04d}") for n in range(subscriptions)]
    store.close()
    keys = [DocumentKey.parse(d.id) for d in documents]
    # every subscription's March billed exactly once, and nothing else
    assert sorted(k.subscription for k in keys) == [f"s{n:04d}" for n in range(subscriptions)]
    assert {(k.kind, k.revision, str(k.period)) for k in keys} == {
        ("invoice", 0, "2026-03-01..2026-04-01")
    }
    numbers = sorted(int(d.number.removeprefix("INV-")) for d in documents if d.number)
    assert numbers == list(range(1, subscriptions + 1))
    assert all(
        s.next_billing is not None and s.next_billing.isoformat() == "2026-05-01" for s in subs
    )
    paid = 0
    for doc in documents:
        customer_entries = entries[doc.customer]
        payments = [e for e in customer_entries if e.kind == "payment"]
        charges = [e for e in customer_entries if e.kind == "charge"]
        if doc.status == "paid":
            paid += 1
            assert len(payments) == 1
            assert payments[0].amount == doc.total
            assert len(charges) == 1
            assert charges[0].amount == -doc.total
        else:  # a declined card: nothing moved, the failure recorded
            assert doc.status == "issued"
            assert not customer_entries
    for customer, balance in balances.items():
        assert balance.amount == sum((e.amount.amount for e in entries[customer]), Decimal(0))
    return {"documents": len(documents), "paid": paid}


def test_sqlite_overlapping_shards_with_one_worker_killed(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    support.billing(store, workers.KeyedGateway(), support.FixedClock(support.START))  # type: ignore[arg-type]
    support.populate_fast(store, SUBSCRIPTIONS)
    store.close()
    out = tmp_path / "out"
    out.mkdir()
    results = run_month_end(url, None, out, SHARDS, victim=True)
    counts = check_month_end(url, None, SUBSCRIPTIONS)
    assert counts["documents"] == SUBSCRIPTIONS
    # every 7th customer's card is declined (n % 7 == 3)
    assert counts["paid"] == SUBSCRIPTIONS - len([n for n in range(SUBSCRIPTIONS) if n % 7 == 3])
    assert sum(r["billed"] for r in results.values()) <= SUBSCRIPTIONS


@pytest.mark.postgres
def test_postgres_overlapping_shards_with_one_worker_killed(
    tmp_path: Path, postgres_schema: Any
) -> None:
    postgres_schema.empty()
    store = SqlStore(postgres_schema.url, schema=postgres_schema.name)
    support.billing(store, workers.KeyedGateway(), support.FixedClock(support.START))  # type: ignore[arg-type]
    support.populate_fast(store, SUBSCRIPTIONS)
    store.close()
    out = tmp_path / "out"
    out.mkdir()
    results = run_month_end(postgres_schema.url, postgres_schema.name, out, SHARDS, victim=True)
    counts = check_month_end(postgres_schema.url, postgres_schema.name, SUBSCRIPTIONS)
    assert counts["documents"] == SUBSCRIPTIONS
    assert counts["paid"] == SUBSCRIPTIONS - len([n for n in range(SUBSCRIPTIONS) if n % 7 == 3])
    assert sum(r["billed"] for r in results.values()) <= SUBSCRIPTIONS
