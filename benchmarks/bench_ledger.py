"""How fast are a ledger's balance and payment allocation, against plain Decimal?

A ledger of 1 000 000 entries in one wallet, shaped like the hosting
provider's: every tenth entry is a payment (whole kopeks, roughly what was
spent since the previous one, give or take 50 RUB), the rest are charges with
four decimals (0.5000 to 55.4999 RUB). Charges sometimes run ahead of the
payments, so some are left unpaid until a later payment covers them.

* **balance**: the sum of the entries;
* **allocation**: which payment paid which charge, FIFO: each charge takes
  from the oldest payment with money left; a payment first pays the oldest
  unpaid charges. billkit's :func:`~billkit.credit.allocate_entries` yields an
  ``Allocation(debit, credit, amount, ...)`` for each part.

The baseline computes the same results by hand with plain ``Decimal`` and
tuples, in the same process, on the same data; the two allocation streams are
compared part by part before anything is timed. Timings alternate round by
round, so a noisy neighbour slows both alike; medians are reported.

Memory: the allocation is streamed (a generator in, a generator out), so
memory holds only the open payments and unpaid charges. tracemalloc's peak
while streaming a generator of N entries stays flat as N grows, while a
materialised list of the same entries grows with N.

**Posting** (issue 10): a :class:`~billkit.credit.Ledger` built one entry at
a time through its public API (``top_up`` every tenth post, ``charge`` the
rest), at 10 000 and 100 000 entries (``--post-sizes`` adds 1 000 000), in
CPU time per post. The baseline does the same bookkeeping by hand: a list of
rows, a dict of keys (a repeated key is refused), a funds check, FIFO lots in
a deque and a running balance. Flat time per post from 10k to 1M is the
target: posting is amortised O(1).

Run: ``python benchmarks/bench_ledger.py [--entries N] [--post-sizes 10000,100000,1000000]``
(the default, 100 000 entries, takes well under a minute; ``--entries 1000000``
for the streaming figures at a million).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from moneyed import get_currency

from billkit.credit import Entry, EntryKind, Ledger, Wallet
from billkit.credit.streams import allocate_entries, balance_of
from billkit.money import Money

RUB = get_currency("RUB")
START = datetime(2024, 1, 1, tzinfo=timezone.utc)
WALLET = "main"

Spec = tuple[int, bool, Decimal]  # index, is a payment, signed amount


def spec(n: int) -> Iterator[Spec]:
    """The ledger's entries as plain numbers: deterministic, no randomness."""
    x = 12345
    spent = 0  # ten-thousandths of a rouble since the last payment
    for i in range(n):
        x = (x * 1103515245 + 12345) % 2**31
        if i % 10 == 0:
            kopeks = max(spent // 100 + (x % 10001) - 5000, 1)  # +/- 50 RUB
            spent = 0
            yield i, True, Decimal(kopeks).scaleb(-2)
        else:
            units = 5000 + x % 550000  # 0.5000 .. 55.4999
            spent += units
            yield i, False, -Decimal(units).scaleb(-4)


def billkit_entries(n: int) -> Iterator[Entry]:
    """The ledger as billkit entries, built one by one (as storage would load them)."""
    second = timedelta(seconds=1)
    for i, paid, amount in spec(n):
        yield Entry(
            kind=EntryKind.TOP_UP if paid else EntryKind.CHARGE,
            amount=Money(amount, RUB),
            wallet=WALLET,
            at=START + i * second,
            key=f"{'p' if paid else 'c'}{i}",
        )


def plain_rows(n: int) -> Iterator[tuple[str, Decimal]]:
    """The same ledger as ``(key, signed amount)`` tuples."""
    for i, paid, amount in spec(n):
        yield f"{'p' if paid else 'c'}{i}", amount


# --------------------------------------------------------------------------- the baseline


def baseline_balance(rows: list[tuple[str, Decimal]]) -> Decimal:
    total = Decimal(0)
    for _, amount in rows:
        total += amount
    return total


def baseline_allocate(
    rows: list[tuple[str, Decimal]] | Iterator[tuple[str, Decimal]],
) -> Iterator[tuple[str, str, Decimal]]:
    """FIFO by hand: open payments and unpaid charges in two queues."""
    lots: deque[list[object]] = deque()  # [key, left]
    debts: deque[list[object]] = deque()
    for key, amount in rows:
        if amount > 0:
            left = amount
            while left and debts:
                debt = debts[0]
                owed: Decimal = debt[1]  # type: ignore[assignment]
                part = owed if owed <= left else left
                yield debt[0], key, part  # type: ignore[misc]
                left -= part
                if part == owed:
                    debts.popleft()
                else:
                    debt[1] = owed - part
            if left:
                lots.append([key, left])
        else:
            need = -amount
            while need and lots:
                lot = lots[0]
                have: Decimal = lot[1]  # type: ignore[assignment]
                part = have if have <= need else need
                yield key, lot[0], part  # type: ignore[misc]
                need -= part
                if part == have:
                    lots.popleft()
                else:
                    lot[1] = have - part
            if need:
                debts.append([key, need])


# --------------------------------------------------------------------------- billkit


def billkit_balance(entries: list[Entry] | Iterator[Entry]) -> Decimal:
    return balance_of(entries)[WALLET].amount


def consume_billkit(entries: list[Entry] | Iterator[Entry]) -> tuple[int, Decimal]:
    count, total = 0, Decimal(0)
    for part in allocate_entries(entries):
        count += 1
        total += part.amount.amount
    return count, total


def consume_baseline(
    rows: list[tuple[str, Decimal]] | Iterator[tuple[str, Decimal]],
) -> tuple[int, Decimal]:
    count, total = 0, Decimal(0)
    for part in baseline_allocate(rows):
        count += 1
        total += part[2]
    return count, total


# --------------------------------------------------------------------------- posting


def post_spec(n: int) -> list[tuple[str, datetime, Decimal]]:
    """``n`` posts (key, moment, signed amount): a 100.00 payment every tenth,
    charges of 0.5000 to 5.4999 between, so the balance never runs out."""
    second = timedelta(seconds=1)
    out = []
    x = 12345
    for i in range(n):
        x = (x * 1103515245 + 12345) % 2**31
        if i % 10 == 0:
            out.append((f"p{i}", START + i * second, Decimal("100.00")))
        else:
            out.append((f"c{i}", START + i * second, -Decimal(5000 + x % 50000).scaleb(-4)))
    return out


def post_billkit(posts: list[tuple[str, datetime, Decimal]]) -> Ledger:
    ledger = Ledger(wallets=[Wallet(name=WALLET, currency="RUB")])
    for key, at, amount in posts:
        if amount > 0:
            ledger = ledger.top_up(WALLET, amount, at=at, key=key)
        else:
            ledger = ledger.charge(WALLET, -amount, at=at, key=key)
    return ledger


def post_baseline(posts: list[tuple[str, datetime, Decimal]]) -> Decimal:
    rows: list[tuple[str, datetime, Decimal]] = []
    keys: dict[str, int] = {}
    lots: deque[list[object]] = deque()  # [key, left], FIFO
    balance = Decimal(0)
    for key, at, amount in posts:
        if key in keys:
            raise ValueError(key)
        if amount < 0:
            need = -amount
            if need > balance:
                raise ValueError(key)
            while need:
                lot = lots[0]
                have: Decimal = lot[1]  # type: ignore[assignment]
                if have <= need:
                    need -= have
                    lots.popleft()
                else:
                    lot[1] = have - need
                    need = Decimal(0)
        else:
            lots.append([key, amount])
        keys[key] = len(rows)
        rows.append((key, at, amount))
        balance += amount
    return balance


def cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def posting(sizes: list[int], rounds: int) -> None:
    print(f"posting one entry at a time ({rounds} interleaved rounds, CPU time, medians)")
    for n in sizes:
        posts = post_spec(n)
        ledger = post_billkit(posts)  # agreement first: the same balance
        assert ledger.balance(WALLET).amount == post_baseline(posts)
        assert len(ledger.entries) == n
        del ledger
        base: list[float] = []
        kit: list[float] = []
        for _ in range(rounds if n <= 100_000 else 1):
            base.append(cpu(lambda: post_baseline(posts)))  # noqa: B023 - run now
            kit.append(cpu(lambda: post_billkit(posts)))  # noqa: B023 - run now
        b, k = statistics.median(base), statistics.median(kit)
        print(
            f"  {n:>9,} posts: billkit {k:7.2f} s = {k / n * 1e6:6.2f} us/post; "
            f"baseline {b / n * 1e6:5.2f} us/post; ratio {k / b:5.1f}x"
        )


# --------------------------------------------------------------------------- measuring


def interleaved(candidates: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per round for each candidate, alternating them round by round."""
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def peak(fn: Callable[[], object]) -> int:
    """tracemalloc's peak, in bytes, while ``fn`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--post-sizes", default="10000,100000")
    parser.add_argument("--only-posting", action="store_true")
    args = parser.parse_args()
    n = args.entries

    posting([int(size) for size in args.post_sizes.split(",")], args.rounds)
    if args.only_posting:
        return

    start = time.perf_counter()
    rows = list(plain_rows(n))
    plain_build = time.perf_counter() - start
    start = time.perf_counter()
    entries = list(billkit_entries(n))
    entry_build = time.perf_counter() - start

    # Agreement first: the same balance, and the same allocation, part by part.
    assert billkit_balance(entries) == baseline_balance(rows)
    parts = 0
    for ours, theirs in zip(allocate_entries(entries), baseline_allocate(rows), strict=True):
        assert (ours.debit, ours.credit, ours.amount.amount) == theirs, (ours, theirs)
        parts += 1

    times = interleaved(
        {
            "balance baseline": lambda: baseline_balance(rows),
            "balance billkit": lambda: billkit_balance(entries),
            "allocation baseline": lambda: consume_baseline(rows),
            "allocation billkit": lambda: consume_billkit(entries),
        },
        args.rounds,
    )
    med = {name: statistics.median(ts) for name, ts in times.items()}

    def ratio(what: str) -> str:
        rs = sorted(
            b / a for a, b in zip(times[f"{what} baseline"], times[f"{what} billkit"], strict=True)
        )
        return f"{statistics.median(rs):5.2f}x (rounds {rs[0]:.2f}x to {rs[-1]:.2f}x)"

    print(
        f"ledger of {n:,} entries in one wallet ({n // 10:,} payments, {n - n // 10:,} charges), "
        f"{parts:,} allocation parts; results checked equal; {args.rounds} interleaved rounds, medians"
    )
    for what in ("balance", "allocation"):
        base, kit = med[f"{what} baseline"], med[f"{what} billkit"]
        print(
            f"  {what:<10} baseline (plain Decimal): {base:7.2f} s  {base / n * 1e6:6.2f} us/entry"
        )
        print(f"  {what:<10} billkit                : {kit:7.2f} s  {kit / n * 1e6:6.2f} us/entry")
        print(f"  {what:<10} ratio                  : {ratio(what)}")
    print(
        f"  building the entries: billkit Entry {entry_build / n * 1e6:.2f} us each "
        f"(validated, frozen), plain tuple {plain_build / n * 1e6:.2f} us each"
    )

    rows.clear()  # free the materialised ledgers before measuring memory
    entries.clear()
    gc.collect()
    small, large = max(n // 20, 1000), max(n // 5, 4000)  # tracemalloc is slow: a part of n
    streamed_small = peak(lambda: consume_billkit(billkit_entries(small)))
    streamed_large = peak(lambda: consume_billkit(billkit_entries(large)))
    listed_small = peak(lambda: consume_billkit(list(billkit_entries(small))))
    baseline_streamed = peak(lambda: consume_baseline(plain_rows(large)))
    print("memory (tracemalloc peak while allocating):")
    print(f"  billkit, a generator of {small:>9,} entries : {streamed_small / 1024:9.1f} KiB")
    print(f"  billkit, a generator of {large:>9,} entries : {streamed_large / 1024:9.1f} KiB")
    print(
        f"  billkit, a list of      {small:>9,} entries : {listed_small / 1024:9.1f} KiB "
        f"({listed_small / small:.0f} bytes per entry: {listed_small / small * n / 2**20:,.0f} MiB "
        f"for {n:,})"
    )
    print(f"  baseline, a generator of {large:>8,} rows    : {baseline_streamed / 1024:9.1f} KiB")


if __name__ == "__main__":
    main()
