"""How fast is billkit.quote compared with the same bill written by hand?

The plan has a base fee and three metered charges: graduated (4 tiers),
volume (4 tiers) and package. The baseline computes the same four line
amounts and total with plain ``Decimal`` (no explanations, no validation),
in the same process, on the same usage profiles. Both are checked to agree
before anything is timed.

Times are CPU time (``time.process_time``), medians of interleaved rounds.

Run: ``python benchmarks/bench_quote.py``; it also reports ``import billkit``
and ``import billkit.invoicing`` time (wall), measured in fresh interpreters.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Charge, Graduated, Package, Plan, Tier, Volume, quote

EUR = "EUR"
CENT = Decimal("0.01")
GRAD = [
    (Decimal(1000), Decimal("0.05")),
    (Decimal(10000), Decimal("0.04")),
    (Decimal(100000), Decimal("0.03")),
    (None, Decimal("0.02")),
]
VOL = [
    (Decimal(10), Decimal("12.00")),
    (Decimal(50), Decimal("10.00")),
    (Decimal(200), Decimal("8.00")),
    (None, Decimal("6.00")),
]
BASE = Decimal("49.00")
PKG_SIZE, PKG_PRICE = Decimal(100), Decimal("15.00")


def _eur(amount: Decimal) -> Money:
    return Money(amount, EUR)


PLAN = Plan(
    code="bench",
    name="Benchmark plan",
    currency=EUR,
    base_fee=_eur(BASE),
    charges=[
        Charge(
            code="api",
            metric="api_calls",
            model=Graduated(tiers=[Tier(up_to=u, unit_price=_eur(p)) for u, p in GRAD]),
        ),
        Charge(
            code="seats",
            metric="seats",
            model=Volume(tiers=[Tier(up_to=u, unit_price=_eur(p)) for u, p in VOL]),
        ),
        Charge(
            code="contacts", metric="contacts", model=Package(size=PKG_SIZE, price=_eur(PKG_PRICE))
        ),
    ],
)
PERIOD = Period(date(2026, 1, 1), date(2026, 2, 1))


def baseline(usage: dict[str, Decimal]) -> Decimal:
    """The same bill by hand: plain Decimal, rounded per line, half-up."""
    total = BASE.quantize(CENT, ROUND_HALF_UP)
    q = usage["api_calls"]
    lower = Decimal(0)
    amount = Decimal(0)
    for upper, price in GRAD:
        if q <= lower:
            break
        top = q if upper is None or q < upper else upper
        amount += (top - lower) * price
        lower = upper if upper is not None else lower
    total += amount.quantize(CENT, ROUND_HALF_UP)
    q = usage["seats"]
    for upper, price in VOL:
        if upper is None or q <= upper:
            total += (q * price).quantize(CENT, ROUND_HALF_UP)
            break
    q = usage["contacts"]
    packs = (q / PKG_SIZE).to_integral_value(ROUND_CEILING)
    total += (packs * PKG_PRICE).quantize(CENT, ROUND_HALF_UP)
    return total


def profiles(n: int) -> list[dict[str, Decimal]]:
    return [
        {
            "api_calls": Decimal(i * 997 % 250_000),
            "seats": Decimal(i * 7 % 300),
            "contacts": Decimal(i * 131 % 20_000),
        }
        for i in range(n)
    ]


def interleaved(candidates: dict[str, object], rounds: int = 9) -> dict[str, list[float]]:
    """Seconds per round for each candidate, alternating them round by round so
    that a noisy neighbour on the machine slows all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            start = time.process_time()  # CPU time: a busy neighbour does not count
            fn()  # type: ignore[operator]
            times[name].append(time.process_time() - start)
    return times


def explained(usage: dict[str, Decimal]) -> int:
    """A quote read in full: every line and every step of its breakdown."""
    bill = quote(PLAN, usage, PERIOD)
    return sum(len(line.steps) for line in bill.lines)


def import_time(runs: int = 7) -> tuple[float, float, float]:
    """Median wall time of a fresh interpreter importing billkit, importing
    nothing, and importing billkit.invoicing."""

    def run(code: str) -> float:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    return run("import billkit"), run("pass"), run("import billkit.invoicing")


def main() -> None:
    data = profiles(2000)
    for usage in data:  # both compute the same bill before anything is timed
        assert quote(PLAN, usage, PERIOD).total.amount == baseline(usage), usage
    times = interleaved(
        {
            "baseline": lambda: [baseline(u) for u in data],
            "quote": lambda: [quote(PLAN, u, PERIOD) for u in data],
            "explained": lambda: [explained(u) for u in data],
        }
    )
    n = len(data)
    per = {name: statistics.median(ts) / n * 1e6 for name, ts in times.items()}
    ratios = sorted(q / b for q, b in zip(times["quote"], times["baseline"], strict=False))
    full = sorted(q / b for q, b in zip(times["explained"], times["baseline"], strict=False))
    print(
        f"quote, base fee + graduated(4) + volume(4) + package, {n} usage profiles, "
        f"{len(ratios)} interleaved rounds (medians)"
    )
    print(f"  baseline (plain Decimal)         : {per['baseline']:7.1f} us per bill")
    print(f"  billkit.quote                    : {per['quote']:7.1f} us per quote")
    print(
        f"  ratio                            : {statistics.median(ratios):7.2f}x "
        f"(rounds: {ratios[0]:.2f}x to {ratios[-1]:.2f}x; target <= 1.5x, issue 10)"
    )
    print(
        f"  quote + every line's breakdown   : {per['explained']:7.1f} us "
        f"({statistics.median(full):.1f}x the baseline; target <= 10x)"
    )
    with_kit, bare, invoicing = import_time()
    print(
        f"import billkit: {(with_kit - bare) * 1e3:.1f} ms over a bare interpreter "
        f"({with_kit * 1e3:.1f} ms vs {bare * 1e3:.1f} ms; target < 20 ms)"
    )
    print(
        f"import billkit.invoicing: {(invoicing - bare) * 1e3:.1f} ms over a bare interpreter "
        f"(target <= 60 ms)"
    )


if __name__ == "__main__":
    main()
