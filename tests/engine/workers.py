"""Worker processes for the engine's concurrency test and benchmark (spawned: importable)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from billkit.payments.types import (
    Capabilities,
    Failure,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
)
from billkit.ports import FixedClock
from billkit.storage import SqlStore
from tests.engine import support


class KeyedGateway:
    """A provider whose answer depends only on the request and its idempotency key.

    Like a real provider's idempotency, every process asking with one key gets
    the one payment (``pay_<hash of the key>``): succeeded, or failed for the
    sandbox's declining token. Used where several processes share one provider.
    """

    name = "keyed"
    capabilities = Capabilities(currencies=["EUR"])

    def create_payment(self, request: PaymentRequest, idempotency_key: str) -> PaymentResult:
        reference = "pay_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
        token = request.method.token if request.method else ""
        if token == "tok_insufficient_funds":
            return PaymentResult(
                reference=reference,
                status=PaymentStatus.FAILED,
                amount=request.amount,
                provider="keyed",
                failure=Failure(code="insufficient_funds"),
            )
        return PaymentResult(
            reference=reference,
            status=PaymentStatus.SUCCEEDED,
            amount=request.amount,
            provider="keyed",
        )

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


def run_shard(
    url: str,
    schema: str | None,
    id_from: str | None,
    id_to: str | None,
    out: str,
    name: str,
    ready: Any = None,
    go: Any = None,
) -> None:
    """One worker: the month-end run of subscriptions ``id_from <= id < id_to``.

    With ``ready`` and ``go`` (``multiprocessing`` events) the worker behaves as
    one of a long-lived pool: it imports billkit and opens its store, sets
    ``ready``, and runs only once ``go`` is set (the benchmark starts its clock
    then). Its result file also gives the CPU seconds it spent before and in
    the run.
    """
    store = SqlStore(url, schema=schema) if schema else SqlStore(url)
    clock = FixedClock(support.MONTH_END)
    engine = support.billing(store, KeyedGateway(), clock)  # type: ignore[arg-type]
    if ready is not None:
        ready.set()
        go.wait()
    Path(out, f"{name}.started").write_text("")
    cpu = time.process_time()
    started = time.perf_counter()
    report = engine.run(id_from=id_from, id_to=id_to)
    result = {
        "billed": report.billed,
        "issued": len(report.issued),
        "paid": report.paid,
        "failures": report.failures,
        "seconds": time.perf_counter() - started,
        "cpu_before": cpu,
        "cpu_run": time.process_time() - cpu,
    }
    Path(out, f"{name}.json").write_text(json.dumps(result))
    store.close()
