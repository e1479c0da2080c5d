"""How much does billkit.simulate add to the quotes it makes?

10 000 synthetic customers of the messaging business (three tariffs) priced
under three scenarios for one month: 30 000 quotes. The baseline is the same
30 000 ``quote()`` calls in a plain loop, summing totals per scenario by hand;
both are checked to agree before anything is timed. Also timed: building the
per-customer table and turning it into pandas.

Times are CPU time (``time.process_time``), medians of interleaved rounds.

Run: ``python benchmarks/bench_simulate.py``.
"""

from __future__ import annotations

import statistics
import time
from datetime import date
from decimal import Decimal

import attrs

from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Charge, Package, Plan, quote
from billkit.simulate import Scenario, simulate, synthetic

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
METRIC = "monthly_active_contacts"


def tariff(code: str, fee: str, included: int, block: str) -> Plan:
    return Plan(
        code=code,
        name=code,
        currency="EUR",
        base_fee=Money(fee, "EUR"),
        charges=[
            Charge(
                code="blocks",
                metric=METRIC,
                included=included,
                model=Package(size=100, price=Money(block, "EUR")),
            )
        ],
    )


PLANS = [
    tariff("start", "29.00", 250, "25.00"),
    tariff("growth", "99.00", 1000, "20.00"),
    tariff("scale", "399.00", 5000, "12.00"),
]
DEARER = [attrs.evolve(p, base_fee=Money(p.base_fee.amount + 10, "EUR")) for p in PLANS]  # type: ignore[union-attr]
MOVED = attrs.evolve(PLANS[2], code="scale-2026", base_fee=Money("349.00", "EUR"))
SCENARIOS = [
    Scenario(name="today", catalog=PLANS),
    Scenario(name="+10", catalog=DEARER),
    Scenario(name="scale-2026", catalog=[*PLANS, MOVED], moves={"growth": "scale-2026"}),
]
PEOPLE = synthetic(
    10_000, seed=14, plans={"start": 2, "growth": 5, "scale": 1}, usage={METRIC: (0, 12_000)}
)


def by_hand() -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for scenario in SCENARIOS:
        plans = {p.code: p for p in scenario.catalog}
        total = Decimal(0)
        for person in PEOPLE:
            plan = plans[scenario.moves.get(person.plan, person.plan)]
            total += quote(plan, person.usage, MARCH).total.amount
        totals[scenario.name] = total
    return totals


def with_simulate() -> dict[str, Decimal]:
    result = simulate(PEOPLE, SCENARIOS, MARCH)
    return {r["scenario"]: r["total"] for r in result.summary().to_records()}


def timed(fn: object) -> float:
    start = time.process_time()
    fn()  # type: ignore[operator]
    return time.process_time() - start


def main() -> None:
    assert by_hand() == with_simulate()
    result = simulate(PEOPLE, SCENARIOS, MARCH)
    rounds: dict[str, list[float]] = {"quote loop (baseline)": [], "simulate + summary": []}
    tables: list[float] = []
    for _ in range(5):
        rounds["quote loop (baseline)"].append(timed(by_hand))
        rounds["simulate + summary"].append(timed(with_simulate))
        tables.append(timed(lambda: result.by_customer().to_pandas()))
    print(f"{len(PEOPLE)} customers x {len(SCENARIOS)} scenarios = {len(result.bills)} quotes")
    for name, values in rounds.items():
        print(f"{name:<24} {statistics.median(values):.3f} s")
    print(f"{'by_customer().to_pandas()':<24} {statistics.median(tables):.3f} s")


if __name__ == "__main__":
    main()
