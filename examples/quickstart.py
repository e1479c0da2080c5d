"""Quickstart: price a month of usage from a catalog and read the explanation.

Run: python examples/quickstart.py
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billkit import Money, Period, quote
from billkit.demo import demo_catalog

catalog = demo_catalog()  # the catalog bundled with billkit (package data)
plan = catalog["growth-monthly"]  # the messaging SaaS: 99.00 EUR, 1 000 contacts included

march = Period(date(2026, 3, 14), date(2026, 4, 14))
bill = quote(plan, {"monthly_active_contacts": Decimal(1250)}, march)
print(bill.explain())

# 1 250 contacts - 1 000 included = 250 over the limit -> 3 blocks of 100 at 20.00.
blocks = bill.line("mac-blocks")
assert blocks.billable == 250
assert blocks.amount == Money("60.00", "EUR")
assert bill.total == Money("159.00", "EUR")  # 99.00 + 60.00
print(f"\n{plan.name}: {bill.total.amount} {bill.currency.code} for {march}")
