"""The messaging business, end to end: a year of one organisation's billing.

Example business 4 (the messaging business, docs/examples-businesses.md): monthly and annual plans (annual saves up to
20 %); Monthly Active Contacts beyond the plan billed in on-demand blocks of
100, on a separate usage invoice, monthly even on annual plans; an upgrade
takes effect at once, restarts the billing cycle and charges a pro rata
amount, and bills the on-demand usage at once if the organisation is over its
limit; a downgrade or a cancellation waits for the end of the cycle.

Growth (99.00 EUR, 1 000 contacts, blocks of 100 at 20.00) and the annual
plans are the demo catalog's; Advanced (189.00, 3 000 contacts, blocks at
15.00) and the promo code are illustrative. Every figure is asserted, with
its arithmetic beside it.

Run: python examples/messaging_end_to_end.py
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from billkit import Money, Period, quote
from billkit.demo import demo_catalog
from billkit.periods import MONTHLY, BillingCycle
from billkit.pricing import (
    ChangeDirection,
    Coupon,
    Plan,
    apply_discounts,
    change_plan,
    overage_charge,
    redeem,
    term_plan,
    upgrade_advice,
)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


catalog = demo_catalog()
growth = catalog["growth-monthly"]
annual = catalog["growth-annual"]
annual_usage = catalog["growth-annual-usage"]
advanced = Plan(
    code="advanced-monthly",
    name="Advanced, monthly",
    currency="EUR",
    base_fee=eur("189.00"),
    charges=[
        overage_charge(
            "mac-blocks",
            "monthly_active_contacts",
            included=3000,
            price=eur("15.00"),
            block=100,
            description="On-demand blocks of 100 contacts",
        )
    ],
)
MAC = "monthly_active_contacts"


def show(title: str, text: str) -> None:
    print(f"\n{title}\n{'-' * len(title)}\n{text}")


# 1. 14 March 2026: the organisation subscribes to Growth with a promo code ----------
billing = BillingCycle.anniversary(MONTHLY, date(2026, 3, 14))
first = billing.period(0)
assert first == Period(date(2026, 3, 14), date(2026, 4, 14))
welcome = Coupon(code="WELCOME10", percent_off="10%", lines=["base"])
coupon = redeem([welcome], "welcome10", on=first.start, plan=growth)
# The subscription invoice at the start of the cycle: the fee only, no usage yet.
subscription = apply_discounts(quote(growth, {}, first), [coupon], cycle=0)
assert subscription.total == eur("89.10")  # 99.00 less 10 % (9.90)
show("Subscription invoice, 14 March", subscription.explain())

# The on-demand usage invoice for the month: 1 250 contacts, 250 over = 3 blocks.
usage_bill = quote(growth, {MAC: Decimal(1250)}, first)
assert usage_bill.line("mac-blocks").amount == eur("60.00")  # 3 x 20.00
show("On-demand usage, March cycle", str(usage_bill.line("mac-blocks").breakdown))

# 2. The second cycle: the coupon was for the first cycle only -----------------------
second = billing.period(1)
assert second == Period(date(2026, 4, 14), date(2026, 5, 14))  # 30 days
assert apply_discounts(quote(growth, {}, second), [coupon], cycle=1).total == eur("99.00")

# 3. 4 May: 1 800 contacts so far, 20 days in. Is upgrading cheaper? ---------------
on = date(2026, 5, 4)
so_far = {MAC: Decimal(1800)}
projected = {MAC: Decimal(2700)}  # the run rate: 1 800 / 20 days x 30 days
advice = upgrade_advice(growth, advanced, so_far, second, on, projected=projected)
# Stay: 2 700 - 1 000 = 1 700 over = 17 blocks x 20.00 = 340.00.
assert advice.stay == eur("340.00")
# Switch (10 of 30 days left): 189.00 x 10/30 = 63.00 - 99.00 x 10/30 = 33.00, plus the
# 8 blocks already used (160.00); the other 900 contacts fit in Advanced's 3 000.
assert advice.switch == eur("190.00")
assert advice.saving == eur("150.00")
assert advice.worth_it
show("Upgrade advice, 4 May", advice.explain())

# 4. The organisation upgrades: at once, the cycle restarts, usage is billed now -----
up = change_plan(growth, advanced, period=second, on=on, usage=so_far)
assert up.direction is ChangeDirection.UPGRADE
assert up.effective_on == on
assert up.new_period == Period(date(2026, 5, 4), date(2026, 6, 4))
assert up.credit is not None
assert up.credit.amount == eur("33.00")
assert up.charge is not None
assert up.charge.amount == eur("189.00")
assert up.usage_charge == eur("160.00")  # 800 over = 8 blocks x 20.00
assert up.due == eur("316.00")  # 189.00 + 160.00 - 33.00
show("Upgrade to Advanced, 4 May", up.explain())

# 5. 20 June: back to Growth. The downgrade waits for the end of the cycle ---------
advanced_billing = BillingCycle.anniversary(MONTHLY, up.effective_on)
june = advanced_billing.period_containing(date(2026, 6, 20))
assert june == Period(date(2026, 6, 4), date(2026, 7, 4))
down = change_plan(advanced, growth, period=june, on=date(2026, 6, 20))
assert down.direction is ChangeDirection.DOWNGRADE
assert down.scheduled  # the subscription shows DOWNGRADING until 4 July
assert down.effective_on == date(2026, 7, 4)
assert down.credit is None  # Advanced runs to the end of the cycle it was paid for
assert down.due == eur("99.00")  # Growth's fee from 4 July
show("Downgrade to Growth, 20 June", down.explain())

# 6. 10 July: annual billing, 20 % below twelve monthly fees ------------------------
# Only the fee is prepaid; the contact blocks stay on a monthly usage plan.
fee_only = attrs.evolve(growth, charges=())
assert term_plan(fee_only, 12, discount="20%", code="growth-annual").base_fee == annual.base_fee
assert annual.base_fee == eur("950.40")  # 12 x 99.00 = 1 188.00 less 237.60
july = Period(date(2026, 7, 4), date(2026, 8, 4))  # 31 days
yearly = change_plan(growth, annual, period=july, on=date(2026, 7, 10))
# Monthly to yearly commits to more per cycle: an upgrade, although the annual plan's
# daily price is lower. 25 of July's 31 days are unused: 99.00 - 99.00 x 6/31
# (19.1613 -> 19.16) = 79.84 of credit.
assert yearly.direction is ChangeDirection.UPGRADE
assert yearly.new_period == Period(date(2026, 7, 10), date(2027, 7, 10))
assert yearly.credit is not None
assert yearly.credit.amount == eur("79.84")
assert yearly.due == eur("870.56")  # 950.40 - 79.84
show("Switch to annual billing, 10 July", yearly.explain())

# Annual plans still get a monthly on-demand usage invoice.
august_usage = quote(
    annual_usage, {MAC: Decimal(1180)}, Period(date(2026, 7, 10), date(2026, 8, 10))
)
assert august_usage.total == eur("40.00")  # 180 over = 2 blocks x 20.00
show("On-demand usage on the annual plan, July cycle", august_usage.explain())

# 7. 1 February 2027: cancellation, at the end of the paid year ---------------------
cancel = change_plan(annual, None, period=yearly.new_period, on=date(2027, 2, 1))
assert cancel.direction is ChangeDirection.CANCELLATION
assert cancel.scheduled  # CANCELLING until 10 July 2027
assert cancel.effective_on == date(2027, 7, 10)
assert cancel.due == eur("0.00")
show("Cancellation, 1 February 2027", cancel.explain())
