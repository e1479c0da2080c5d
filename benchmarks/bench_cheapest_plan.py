"""How fast is billkit.pricing.cheapest_plan compared with the same search by hand?

Twenty plans, each a base fee, graduated API calls above an allowance (two
tiers) and on-demand blocks of 100 contacts above another allowance; ten
thousand usage profiles. For every profile, ``cheapest_plan`` quotes all
twenty plans and keeps every total; the baseline computes the same twenty
totals with plain ``Decimal`` (no validation, no explanations) and keeps the
cheapest. Both run in the same process, are checked to agree on every
profile (plan and total) before anything is timed, and are timed in
alternating rounds.

Run: ``python benchmarks/bench_cheapest_plan.py``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Charge, Graduated, Package, Plan, Tier, cheapest_plan

EUR = "EUR"
CENT = Decimal("0.01")
PLANS_N, PROFILES_N = 20, 10_000
PERIOD = Period(date(2026, 1, 1), date(2026, 2, 1))

# (code, base fee, API calls included, tier 1 bound and price, tier 2 price,
#  contacts included, block price); block size 100 for all.
ROWS = [
    (
        f"plan-{i:02d}",
        Decimal(19 + 20 * i) + Decimal("0.90"),
        Decimal(5_000 * (i + 1)),
        Decimal(50_000),
        Decimal("0.0040") - Decimal("0.0001") * i,
        Decimal("0.0020") - Decimal("0.00005") * i,
        Decimal(500 * (i + 1)),
        Decimal("20.00") - Decimal("0.50") * i,
    )
    for i in range(PLANS_N)
]
BLOCK = Decimal(100)


def _eur(amount: Decimal) -> Money:
    return Money(amount, EUR)


PLANS = [
    Plan(
        code=code,
        name=code,
        currency=EUR,
        base_fee=_eur(base),
        charges=[
            Charge(
                code="api",
                metric="api_calls",
                included=api_free,
                model=Graduated(
                    tiers=[
                        Tier(up_to=bound, unit_price=_eur(price1)),
                        Tier(unit_price=_eur(price2)),
                    ]
                ),
            ),
            Charge(
                code="contacts",
                metric="contacts",
                included=contacts_free,
                model=Package(size=BLOCK, price=_eur(block)),
            ),
        ],
    )
    for code, base, api_free, bound, price1, price2, contacts_free, block in ROWS
]


def baseline(usage: dict[str, Decimal]) -> tuple[str, Decimal, list[Decimal]]:
    """The same search by hand: every plan's total in plain Decimal, rounded per
    line half-up, and the first plan with the lowest total."""
    totals = []
    calls, contacts = usage["api_calls"], usage["contacts"]
    for _, base, api_free, bound, price1, price2, contacts_free, block in ROWS:
        total = base.quantize(CENT, ROUND_HALF_UP)
        q = calls - api_free if calls > api_free else Decimal(0)
        api = q * price1 if q <= bound else bound * price1 + (q - bound) * price2
        total += api.quantize(CENT, ROUND_HALF_UP)
        over = contacts - contacts_free
        if over > 0:
            total += ((over / BLOCK).to_integral_value(ROUND_CEILING) * block).quantize(
                CENT, ROUND_HALF_UP
            )
        totals.append(total)
    low = min(totals)
    return ROWS[totals.index(low)][0], low, totals


def profiles(n: int) -> list[dict[str, Decimal]]:
    return [
        {"api_calls": Decimal(i * 7919 % 400_000), "contacts": Decimal(i * 131 % 15_000)}
        for i in range(n)
    ]


def interleaved(candidates: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per round for each candidate, alternating them round by round so
    that a noisy neighbour on the machine slows all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            start = time.process_time()  # CPU time: a busy neighbour does not count
            fn()
            times[name].append(time.process_time() - start)
    return times


def main() -> None:
    data = profiles(PROFILES_N)
    winners: dict[str, int] = {}
    for usage in data:  # both find the same plan and totals before anything is timed
        result = cheapest_plan(PLANS, usage, PERIOD)
        code, low, totals = baseline(usage)
        assert (result.plan.code, result.total.amount) == (code, low), usage
        assert [q.total.amount for q in result.quotes] == totals, usage
        winners[code] = winners.get(code, 0) + 1
    times = interleaved(
        {
            "baseline": lambda: [baseline(u) for u in data],
            "cheapest_plan": lambda: [cheapest_plan(PLANS, u, PERIOD) for u in data],
        },
        rounds=5,
    )
    n = len(data)
    per = {name: statistics.median(ts) / n * 1e6 for name, ts in times.items()}
    ratios = sorted(c / b for c, b in zip(times["cheapest_plan"], times["baseline"], strict=True))
    print(
        f"cheapest_plan over {PLANS_N} plans (base fee + graduated(2) + package), "
        f"{n} usage profiles, {len(ratios)} interleaved rounds (medians)"
    )
    print(f"  plans that came out cheapest     : {len(winners)} of {PLANS_N}")
    print(f"  baseline (plain Decimal)         : {per['baseline']:7.1f} us per profile")
    print(f"  billkit.pricing.cheapest_plan    : {per['cheapest_plan']:7.1f} us per profile")
    print(
        f"  ratio                            : {statistics.median(ratios):7.2f}x "
        f"(rounds: {ratios[0]:.2f}x to {ratios[-1]:.2f}x; target <= 1.5x, issue 10)"
    )
    print(
        f"  whole run: baseline {statistics.median(times['baseline']):.2f} s, "
        f"cheapest_plan {statistics.median(times['cheapest_plan']):.2f} s per round"
    )


if __name__ == "__main__":
    main()
