"""The attribution business, end to end: three 30-day periods of one app.

Example business 5 (the attribution business, docs/examples-businesses.md): billing every 30 days; the customer chooses a plan
at the start of the period; billable attributions = non-organic installs +
re-attributions + rejected (fraudulent) installs; attributions above the plan
are billed at the plan's overage price on a separate line; when the overage
reaches the plan's threshold the customer is moved automatically to the
higher plan, whose attributions are cheaper, so the bill comes out smaller;
analytics features are billed as a percentage of the plan fee. Invoices are
in whole rials.

The plans are the demo catalog's (Starter: 450 000 000 IRR, 10 000
attributions, 52 000 each above, analytics 10 % + 15 %; Growth: 1 050 000 000,
30 000, 38 000, 8 % + 12 %); the counters and the threshold are illustrative.
Every figure is asserted, with its arithmetic beside it.

Run: python examples/attribution_end_to_end.py
"""

from __future__ import annotations

from datetime import date

from billkit import Money, Period, quote
from billkit.demo import demo_catalog
from billkit.periods import BillingCycle, Cycle, CycleUnit
from billkit.pricing import CompositeMetric, auto_upgrade, cheapest_plan


def irr(amount: int) -> Money:
    return Money(amount, "IRR")


catalog = demo_catalog()
starter, growth = catalog["attribution-starter"], catalog["attribution-growth"]
ladder = [starter, growth]
THRESHOLD = 5_000  # attributions over the plan before the automatic move is considered
attributions = CompositeMetric(
    metric="attributions",
    parts=["non_organic_installs", "reattributions", "rejected_installs"],
)
billing = BillingCycle.anniversary(Cycle(CycleUnit.DAY, 30), date(2026, 3, 21))


def show(title: str, text: str) -> None:
    print(f"\n{title}\n{'-' * len(title)}\n{text}")


# Period 1: the customer forecast about 10 000 installs and chose Starter -------------
first = billing.period(0)
assert first == Period(date(2026, 3, 21), date(2026, 4, 20))
counters = {"non_organic_installs": 9200, "reattributions": 1400, "rejected_installs": 650}
usage = attributions.apply(counters)
assert usage == {"attributions": 11_250}  # 9 200 + 1 400 + 650
result = auto_upgrade(starter, usage, first, ladder=ladder, threshold=THRESHOLD)
assert not result.upgraded  # 1 250 over, below the threshold
bill = result.quote
assert [line.code for line in bill.lines] == ["base", "overage", "cohorts", "fraud"]
assert bill.line("overage").amount == irr(65_000_000)  # 1 250 x 52 000, its own line
assert bill.line("cohorts").amount == irr(45_000_000)  # 10 % of 450 000 000
assert bill.line("fraud").amount == irr(67_500_000)  # 15 % of 450 000 000
assert bill.total == irr(627_500_000)  # 450 + 65 + 45 + 67.5 million
show("Period 1: " + attributions.explain(counters), f"{result.reason}\n{bill}")

# Period 2: a campaign; the overage reaches the threshold -------------------------------
second = billing.period(1)
assert second == Period(date(2026, 4, 20), date(2026, 5, 20))
counters = {"non_organic_installs": 17_900, "reattributions": 4_300, "rejected_installs": 2_800}
usage = attributions.apply(counters)
assert usage == {"attributions": 25_000}
result = auto_upgrade(starter, usage, second, ladder=ladder, threshold=THRESHOLD)
# Starter: 450 000 000 + 15 000 x 52 000 + 45 000 000 + 67 500 000 = 1 342 500 000.
# Growth:  1 050 000 000 + 0 (within 30 000) + 84 000 000 + 126 000 000 = 1 260 000 000.
assert result.upgraded
assert result.billed is growth
assert result.original_quote.total == irr(1_342_500_000)
assert result.quote.total == irr(1_260_000_000)
assert result.saved == irr(82_500_000)
show("Period 2: " + attributions.explain(counters), f"{result}\n{result.quote}")

# Period 3: the customer stays on Growth (the caller records the move) -----------------
third = billing.period(2)
assert third == Period(date(2026, 5, 20), date(2026, 6, 19))
counters = {"non_organic_installs": 24_000, "reattributions": 4_500, "rejected_installs": 2_500}
usage = attributions.apply(counters)
result = auto_upgrade(result.billed, usage, third, ladder=ladder, threshold=THRESHOLD)
assert not result.upgraded  # 1 000 over Growth's 30 000: below the threshold (and no plan above)
# 31 000 attributions: 1 000 over x 38 000 = 38 000 000 on top of 1 260 000 000.
assert result.quote.line("overage").amount == irr(38_000_000)
assert result.quote.total == irr(1_298_000_000)
show("Period 3: " + attributions.explain(counters), f"{result.reason}\n{result.quote}")

# Which plan suits which volume: the analyst's view, with the break-even ---------------
rows = []
for volume in (10_000, 20_000, 23_413, 23_414, 30_000, 40_000):
    comparison = cheapest_plan(ladder, {"attributions": volume}, third)
    totals = comparison.totals()
    rows.append(
        f"{volume:>7}  {totals[starter.code].amount:>14}  {totals[growth.code].amount:>14}"
        f"  {comparison.plan.code}"
    )
    # Starter's fixed part is 562 500 000: Growth's 1 260 000 000 is cheaper from
    # 10 000 + 697 500 000 / 52 000 = 23 413.46 attributions on.
    assert comparison.plan is (growth if volume >= 23_414 else starter)
assert quote(starter, {"attributions": 23_414}, third).total == irr(1_260_028_000)
show(
    "Cheapest plan by volume",
    f"{'volume':>7}  {'starter':>14}  {'growth':>14}  cheapest\n" + "\n".join(rows),
)
