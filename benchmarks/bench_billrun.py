"""How fast is a month-end bill run at scale, on a process pool and on Dask?

The run: N accounts (1 000 000 by default) of the messaging business on two
plans, each quoted for March 2026 and given an invoice document (no PDF),
hashed as it is built. Usage comes from one Parquet file written by DuckDB
(columns ``account``, ``plan``, ``usage``), which each shard reads for its
own range of accounts: workers receive shard keys, never rows.

Three ways, in the same run, on the same accounts:

* **single core**: the pure computation in this process
  (``bill_accounts`` over the synthetic rows, which equal the file's): the
  baseline.
* **processes**: ``bill_run`` with ``ProcessRunner(max_workers=W)``, reading
  Parquet.
* **dask**: ``bill_run`` with ``DaskRunner`` on a ``distributed.LocalCluster``
  of W worker processes (one thread each), reading Parquet.

The three must give the same count, totals and document hash before any
time is reported. Reported: wall and CPU time, accounts per second, speed-up
against the single core, and the peak resident memory (``ru_maxrss``) of
this process and of the largest worker. CPU time counts this process and the
pool processes it waited for, not the Dask workers. Memory stays flat in N: each shard
keeps one invoice at a time.

Run: ``python benchmarks/bench_billrun.py [--accounts N] [--shard-size N] [--workers W]
[--baseline-accounts N]``. ``--pipeline N`` times only the per-account pipeline
of issue 10 in this process: the quote and the invoice of each account (with
the buyer's party and terms; no PDF, no hashing), streamed one account at a
time, over N accounts each way (100 000 in the issue): ``bill_account``, which
makes each plan's invoice from a template compiled once per run
(``invoicing/_template.py``), against the general path (``quote`` +
``Party`` + ``DocumentTerms`` + ``items_from_quote`` + ``build_invoice``) on
the same accounts, in interleaved rounds: medians of CPU time per account,
with the peak resident memory after the first round and at the end (flat
when nothing accumulates), and, in the same rounds, the quote alone and
the quote with its line figures (what the compiled invoice reads), which
split the time into pricing and the invoice's side. (needs ``py-billkit[bench]``: duckdb and
dask[distributed]). ``--profile N`` runs ``bill_shard`` on one Parquet shard of N
accounts under cProfile and splits each account's time into reading, quote +
invoice, hashing and the rest. ``--baseline-accounts`` times the single core on the
first N accounts only and scales the time (the default runs all of them).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from billkit.demo import demo_catalog
from billkit.invoicing import DocumentTerms, build_invoice, items_from_quote
from billkit.parties import Address, Party
from billkit.periods import Period
from billkit.pricing import quote
from billkit.runners import (
    BillRun,
    DaskRunner,
    ProcessRunner,
    RunManifest,
    Shard,
    bill_account,
    bill_accounts,
    bill_run,
    bill_shard,
    synthetic_accounts,
)
from billkit.serialize import dumps


def make_run(usage: str | None) -> BillRun:
    catalog = demo_catalog()
    return BillRun(
        plans=(catalog["growth-monthly"], catalog["growth-annual-usage"]),
        metric="monthly_active_contacts",
        period=Period(date(2026, 3, 1), date(2026, 4, 1)),
        issue_date=date(2026, 4, 1),
        seller=Party(
            kind="legal_entity",
            country="IT",
            name="Chat Srl",
            legal_address=Address(country="IT", city="Milano"),
        ),
        locale="it_IT",
        usage=usage,
    )


def generate(path: Path, accounts: int) -> float:
    """The synthetic population as Parquet, written by DuckDB; the seconds it took."""
    import duckdb

    started = time.perf_counter()
    with duckdb.connect() as db:
        db.execute(
            f"COPY (SELECT range AS account,"
            f" CASE WHEN range % 2 = 0 THEN 'growth-monthly' ELSE 'growth-annual-usage' END AS plan,"
            f" CAST(range * 7919 % 3000 AS DECIMAL(18, 0)) AS usage FROM range({accounts}))"
            f" TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 100000)"
        )
    return time.perf_counter() - started


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def _worker_maxrss_mb() -> float:
    return _maxrss_mb()


def _worker_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def timed(label: str, accounts: int, work: Any) -> tuple[RunManifest, dict[str, float]]:
    cpu, wall = _cpu(), time.perf_counter()
    result = work()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    print(f"  {label}: {wall:.1f} s wall, {cpu:.1f} s CPU, {accounts / wall:,.0f} accounts/s")
    return result, {"wall": wall, "cpu": cpu}


def general_account(run: BillRun, account: int, plan_code: str, usage: Any) -> Any:
    """``bill_account`` by the general path: quote, the buyer's ``Party`` and
    ``DocumentTerms``, ``items_from_quote`` and ``build_invoice`` (the baseline)."""
    bill = quote(run.plan(plan_code), {run.metric: usage}, run.period)
    buyer = Party(kind="individual", country=run.seller.country, name=f"Account {account}")
    terms = DocumentTerms(seller=run.seller, buyer=buyer, locale=run.locale, rules=None)
    return bill, build_invoice(
        items_from_quote(bill),
        terms,
        issue_date=run.issue_date,
        number=f"{run.number_prefix}{account}",
        payment_days=run.payment_days,
        invoice_kind="subscription",
        period=run.period,
    )


def quote_account(run: BillRun, account: int, plan_code: str, usage: Any) -> Any:
    """The quote alone, as ``bill_account`` makes it (its lines not read)."""
    return quote(run.plan(plan_code), {run.metric: usage}, run.period)


def quote_figures_account(run: BillRun, account: int, plan_code: str, usage: Any) -> Any:
    """The quote and its line figures (``Quote._figures``, which the compiled invoice
    reads): the pricing side of ``bill_account``."""
    bill = quote(run.plan(plan_code), {run.metric: usage}, run.period)
    return bill._figures


def pipeline(n: int, rounds: int = 5) -> None:
    """quote + invoice per account (issue 10), streamed: ``bill_account`` (each plan's
    invoice compiled once, invoicing/_template.py) against the general path
    (:func:`general_account`) on the same accounts, in interleaved rounds; with,
    in the same rounds, the quote alone and the quote with its line figures,
    which split ``bill_account``'s time into pricing and invoice."""
    run = make_run(None)
    for account, plan_code, usage in synthetic_accounts(run, 0, 200):  # warm, and equal
        fast, general = (
            bill_account(run, account, plan_code, usage),
            general_account(run, account, plan_code, usage),
        )
        assert dumps(fast[1]) == dumps(general[1]), account
    size = max(n // rounds, 1)
    early = 0.0
    ways = {
        "bill_account": bill_account,
        "general path": general_account,
        "quote": quote_account,
        "quote + figures": quote_figures_account,
    }
    times: dict[str, list[float]] = {label: [] for label in ways}
    for r in range(rounds):
        for label, work in ways.items():
            started = time.process_time()
            for account, plan_code, usage in synthetic_accounts(run, r * size, (r + 1) * size):
                work(run, account, plan_code, usage)  # kept no longer than this loop
            times[label].append((time.process_time() - started) / size * 1e6)
        if r == 0:
            early = _maxrss_mb()
    us = {label: statistics.median(t) for label, t in times.items()}
    fast_us, general_us = us["bill_account"], us["general path"]
    print(
        f"pipeline (quote + invoice with the buyer's party and terms, no PDF), {n:,} accounts"
        f" each way, medians of {rounds} interleaved rounds, CPU time per account:"
    )
    print(f"  bill_account (compiled invoice): {fast_us:.1f} us (target <= 30 us, issue 10)")
    print(f"  general path (items_from_quote + build_invoice): {general_us:.1f} us")
    print(f"  ratio: {general_us / fast_us:.2f}x")
    priced = us["quote + figures"]
    print(
        f"  of bill_account: quote() {us['quote']:.1f} us, + its line figures"
        f" {priced - us['quote']:.1f} us (pricing {priced:.1f} us, {priced / fast_us:.0%});"
        f" buyer, number and invoice {fast_us - priced:.1f} us ({1 - priced / fast_us:.0%})"
    )
    print(f"  peak memory {early:.0f} MB after the first round, {_maxrss_mb():.0f} MB at the end")


def profile(n: int) -> None:
    """cProfile of ``bill_shard`` over one Parquet shard of ``n`` accounts: where each
    account's time goes (reading, quote + invoice, hashing, the rest), per account."""
    import cProfile
    import pstats

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "usage.parquet"
        generate(path, n)
        run = make_run(str(path))
        bill_shard(Shard(run, 0, min(n, 500)))  # imports and caches warm
        started = time.process_time()
        bill_shard(Shard(run, 0, n))
        plain = (time.process_time() - started) / n * 1e6
        profiler = cProfile.Profile()
        profiler.enable()
        bill_shard(Shard(run, 0, n))
        profiler.disable()
    stats = pstats.Stats(profiler)
    table: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]

    def cumulative(module: str, function: str) -> float:
        return sum(
            row[3]
            for (file, _, name), row in table.items()
            if file.endswith(module) and name == function
        )

    whole = cumulative("runners.py", "bill_shard")
    parts = {
        "read the shard (DuckDB, Parquet)": cumulative("runners.py", "_parquet_accounts"),
        "quote + invoice (bill_account)": cumulative("runners.py", "bill"),
        "hash the invoice (its dumps text)": cumulative("serialize.py", "dumps"),
    }
    parts["the rest (loop, totals, manifest)"] = whole - sum(parts.values())
    print(f"bill_shard, {n:,} accounts from Parquet: {plain:.1f} us CPU per account unprofiled")
    print("under cProfile (which inflates every call), per account:")
    for label, seconds in parts.items():
        print(f"  {label:<38}{seconds / n * 1e6:>8.1f} us  {seconds / whole:>5.0%}")
    stats.sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--shard-size", type=int, default=25_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--baseline-accounts", type=int, default=None)
    parser.add_argument("--pipeline", type=int, default=None)
    parser.add_argument("--profile", type=int, default=None)
    args = parser.parse_args()
    if args.pipeline is not None:
        pipeline(args.pipeline)
        return
    if args.profile is not None:
        profile(args.profile)
        return
    import distributed

    n, workers = args.accounts, args.workers
    base_n = min(args.baseline_accounts or n, n)
    print(f"bill run: {n:,} accounts, shards of {args.shard_size:,}, {workers} workers")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "usage.parquet"
        print(f"  Parquet written in {generate(path, n):.1f} s")
        run = make_run(str(path))

        def single() -> RunManifest:
            pure = make_run(None)
            rows = synthetic_accounts(pure, 0, base_n)
            return RunManifest.of([bill_accounts(pure, "all", rows)])

        baseline, base_t = timed(f"single core ({base_n:,} accounts)", base_n, single)
        scale = n / base_n
        base_wall = base_t["wall"] * scale

        processes, proc_t = timed(
            f"processes x{workers}",
            n,
            lambda: bill_run(
                run,
                accounts=n,
                shard_size=args.shard_size,
                runner=ProcessRunner(max_workers=workers),
            ),
        )
        proc_mem = _maxrss_mb(resource.RUSAGE_CHILDREN)

        with (
            distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            client.wait_for_workers(workers)
            before = client.run(_worker_cpu)
            dask, dask_t = timed(
                f"dask x{workers}",
                n,
                lambda: bill_run(
                    run, accounts=n, shard_size=args.shard_size, runner=DaskRunner(client)
                ),
            )
            after = client.run(_worker_cpu)
            dask_cpu = sum(after[w] - before.get(w, 0.0) for w in after)
            dask_t["cpu"] += dask_cpu
            print(f"  dask workers' CPU: {dask_cpu:.1f} s")
            per_worker = sorted(client.run(_worker_maxrss_mb).values())
            dask_mem = max(per_worker)

    assert processes == dask, "the process pool and Dask billed different documents"
    assert processes.count == n
    if base_n == n:
        assert (baseline.count, baseline.totals) == (n, processes.totals)
    print(f"  checked: {n:,} invoices, totals {processes.totals}, digest {processes.digest[:16]}")
    print()
    print(f"{'way':<14}{'wall s':>9}{'accounts/s':>13}{'speed-up':>10}{'peak MB':>10}")
    print(
        f"{'single core':<14}{base_wall:>9.1f}{n / base_wall:>13,.0f}{1:>10.2f}"
        f"{_maxrss_mb():>10.0f}" + ("  (scaled)" if scale != 1 else "")
    )
    for label, t, mem in (("processes", proc_t, proc_mem), ("dask", dask_t, dask_mem)):
        print(
            f"{label:<14}{t['wall']:>9.1f}{n / t['wall']:>13,.0f}"
            f"{base_wall / t['wall']:>10.2f}{mem:>10.0f}"
        )
    print("peak MB: this process (single core); the largest worker (processes, dask)")
    print("dask workers' peak MB: " + ", ".join(f"{mb:.0f}" for mb in per_worker))
    print(
        f"CPU s: single core {base_t['cpu'] * scale:.1f}"
        + (" (scaled)" if scale != 1 else "")
        + f", processes {proc_t['cpu']:.1f}, dask {dask_t['cpu']:.1f}"
    )


if __name__ == "__main__":
    main()
