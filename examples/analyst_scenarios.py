"""An analyst's question: what would a month cost on each attribution plan?

The attribution business bills every 30 days. Billable attributions are
non-organic installs + re-attributions + rejected installs; attributions above
the plan are billed at the plan's overage price, and analytics features are a
percentage of the plan fee. This compares both plans over a range of volumes.

Run: python examples/analyst_scenarios.py
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billkit import Period, quote
from billkit.demo import demo_catalog

catalog = demo_catalog()
plans = [catalog["attribution-starter"], catalog["attribution-growth"]]
period = Period(date(2026, 3, 21), date(2026, 4, 20))  # 30 days

print(f"{'attributions':>12}  " + "  ".join(f"{p.code:>20}" for p in plans) + "  cheaper")
for volume in range(5_000, 45_001, 5_000):
    totals = [quote(p, {"attributions": Decimal(volume)}, period).total for p in plans]
    cheaper = min(zip(totals, plans, strict=True), key=lambda pair: pair[0].amount)[1].code
    print(f"{volume:>12}  " + "  ".join(f"{t.amount:>20}" for t in totals) + f"  {cheaper}")

# Starter at 20 000 attributions: 450 000 000 fee + 10 000 over x 52 000
# + 10 % + 15 % of the fee = 450 000 000 + 520 000 000 + 112 500 000.
starter = quote(plans[0], {"attributions": Decimal(20_000)}, period)
assert starter.total.amount == Decimal("1082500000")
