"""Worker processes that hammer one store at once (the concurrency tests and
``benchmarks/bench_store.py --concurrency`` run them).

Each operation is one transaction on a random account: a *charge* drafts an
invoice, numbers it from the one series ``INV`` and posts the debit (refused
whole when it would pass the account's credit limit); a *top-up* posts a
credit. A worker writes the keys it committed to ``out/<name>.json``. The
*victim* stops after ``stop_after`` operations inside an open transaction
(number taken, entry posted, nothing committed), says so in
``out/<name>.ready`` and waits to be killed.
"""

from __future__ import annotations

import json
import random
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from moneyed import Money

from billkit.errors import CreditLimitExceededError
from billkit.storage import (
    AccountRecord,
    DocumentRecord,
    EntryRecord,
    PayerRecord,
    SeriesRecord,
    SqlStore,
)

CURRENCY = "EUR"
LIMIT = Money("50", CURRENCY)
AT = datetime(2026, 3, 1, tzinfo=timezone.utc)


def account_id(index: int) -> str:
    return f"acc-{index:03d}"


def prepare(url: str, schema: str | None, accounts: int) -> None:
    """The accounts (credit limit 50 EUR, zero balance) and the number series."""
    store = SqlStore(url, schema=schema)
    with store.transaction() as tx:
        tx.save_payer(PayerRecord(id="payer"))
        tx.create_series(SeriesRecord(name="INV", prefix="INV-"))
        for i in range(accounts):
            tx.open_account(
                AccountRecord(
                    id=account_id(i),
                    customer="payer",
                    credit_limit=LIMIT,
                    balance=Money(0, CURRENCY),
                )
            )
    store.close()


def _charge(tx: object, key: str, account: str, amount: Money) -> None:
    tx.save_draft(  # type: ignore[attr-defined]
        DocumentRecord(id=key, customer="payer", kind="invoice", total=amount)
    )
    doc = tx.issue(key, series="INV", at=AT)  # type: ignore[attr-defined]
    tx.post(  # type: ignore[attr-defined]
        EntryRecord(
            account=account,
            key=key,
            amount=-amount,
            at=AT,
            kind="charge",
            data={"number": doc.number},
        )
    )


def work(
    url: str,
    schema: str | None,
    name: str,
    operations: int,
    accounts: int,
    seed: int,
    out: str,
    stop_after: int | None = None,
) -> None:
    """Run ``operations`` operations; see the module docstring."""
    rng = random.Random(seed)
    store = SqlStore(url, schema=schema)
    committed: list[list[str]] = []  # [key, "charge" | "top_up", account]
    refused = 0
    started = time.perf_counter()
    for i in range(operations):
        account = account_id(rng.randrange(accounts))
        cents = rng.randrange(1, 4000)
        amount = Money(Decimal(cents) / 100, CURRENCY)
        key = f"{name}-{i}"
        charge = rng.random() < 0.7
        if stop_after is not None and i >= stop_after:
            try:
                with store.transaction(lock=[f"account:{account}", "series:INV"]) as tx:
                    _charge(tx, key, account, amount)
                    ready = json.dumps({"committed": committed, "pending": key})
                    Path(out, f"{name}.ready").write_text(ready)
                    time.sleep(600)  # killed here, inside the open transaction
            except CreditLimitExceededError:
                continue  # refused and rolled back: the next operation opens it
        try:
            if charge:
                with store.transaction(lock=[f"account:{account}", "series:INV"]) as tx:
                    _charge(tx, key, account, amount)
            else:
                with store.transaction(lock=f"account:{account}") as tx:
                    tx.post(
                        EntryRecord(account=account, key=key, amount=amount, at=AT, kind="top_up")
                    )
        except CreditLimitExceededError:
            refused += 1
            continue
        committed.append([key, "charge" if charge else "top_up", account])
    elapsed = time.perf_counter() - started
    store.close()
    result = {"committed": committed, "refused": refused, "seconds": elapsed}
    Path(out, f"{name}.json").write_text(json.dumps(result))
