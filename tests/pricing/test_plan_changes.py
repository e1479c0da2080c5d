"""Tests for change_plan and change_direction: upgrades, downgrades, cancellations.

The messaging business (REQUIREMENTS 4) is the worked example: an upgrade
takes effect at once, restarts the cycle and charges a pro rata amount;
upgrading over the limit bills the on-demand usage at once; a downgrade or
cancellation waits for the end of the cycle. Its Growth plan (99.00 EUR,
1 000 contacts, on-demand blocks of 100 at 20.00) is the demo catalog's; the
Advanced plan (189.00 EUR, 3 000 contacts) is illustrative.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.errors import CurrencyMismatchError, PeriodError, PricingError
from billkit.money import Money
from billkit.periods import MONTHLY, QUARTERLY, BillingCycle, Period
from billkit.pricing import Plan, ProrationPolicy, change_plan, prorate
from billkit.pricing.overage import overage_charge
from billkit.pricing.proration import (
    ChangeDirection,
    ChangeTiming,
    PlanChange,
    UnusedCredit,
    change_direction,
    fixed_fee,
)
from tests.strategies.pricing import currencies, periods_for, plans


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def d(text: str) -> date:
    return date.fromisoformat(text)


GROWTH = Plan(
    code="growth",
    name="Growth",
    currency="EUR",
    base_fee=eur("99.00"),
    charges=[overage_charge("blocks", "contacts", included=1000, price=eur("20.00"), block=100)],
)
ADVANCED = Plan(
    code="advanced",
    name="Advanced",
    currency="EUR",
    base_fee=eur("189.00"),
    charges=[overage_charge("blocks", "contacts", included=3000, price=eur("15.00"), block=100)],
)
ANNUAL = Plan(
    code="growth-annual", name="Growth, annual", currency="EUR", cycle="yearly",
    base_fee=eur("950.40"),  # 12 x 99.00 less 20 %, as in the demo catalog
)  # fmt: skip
APRIL = Period(d("2026-04-01"), d("2026-05-01"))  # 30 days
ON = d("2026-04-21")  # 10 days left: the 21st to the 30th


class TestUpgrade:
    def test_restarts_the_cycle_and_charges_pro_rata(self) -> None:
        change = change_plan(GROWTH, ADVANCED, period=APRIL, on=ON)
        assert change.direction is ChangeDirection.UPGRADE
        assert change.timing is ChangeTiming.IMMEDIATELY
        assert change.effective_on == ON
        assert not change.scheduled
        # Credit: 99.00 x 10 / 30 = 33.00 for the unused 21st to 30th.
        assert change.credit is not None
        assert change.credit.amount == eur("33.00")
        assert (change.credit.start, change.credit.end) == (ON, APRIL.end)
        # The new cycle starts on the 21st: a whole month of Advanced, 189.00.
        assert change.new_period == Period(ON, d("2026-05-21"))
        assert change.charge is not None
        assert change.charge.whole
        assert change.charge.amount == eur("189.00")
        # The credit is offset: 189.00 - 33.00 = 156.00 to pay.
        assert change.offset == eur("33.00")
        assert change.due == eur("156.00")
        assert change.to_balance == change.refund == change.forfeited == eur("0")

    def test_over_the_limit_bills_the_on_demand_usage_at_once(self) -> None:
        change = change_plan(GROWTH, ADVANCED, period=APRIL, on=ON, usage={"contacts": 1250})
        # 1 250 contacts, 1 000 included: 250 over = 3 blocks of 100 x 20.00 = 60.00.
        assert change.usage is not None
        assert change.usage.line("blocks").amount == eur("60.00")
        assert change.usage_charge == eur("60.00")
        # 189.00 + 60.00 - 33.00 = 216.00.
        assert change.due == eur("216.00")

    def test_within_the_limit_no_usage_is_billed(self) -> None:
        change = change_plan(GROWTH, ADVANCED, period=APRIL, on=ON, usage={"contacts": 1000})
        assert change.usage_charge == eur("0.00")
        assert change.due == eur("156.00")

    def test_keeping_the_anchor(self) -> None:
        change = change_plan(
            GROWTH, ADVANCED, period=APRIL, on=ON, timing="immediately_keep_anchor"
        )
        assert change.new_period == APRIL
        # 189.00 x 10 / 30 = 63.00 charged, 33.00 credited: 30.00 to pay.
        assert change.charge is not None
        assert change.charge.amount == eur("63.00")
        assert change.due == eur("30.00")

    def test_monthly_to_annual_is_an_upgrade_that_starts_a_year(self) -> None:
        change = change_plan(GROWTH, ANNUAL, period=APRIL, on=ON)
        assert change.direction is ChangeDirection.UPGRADE
        assert change.new_period == Period(ON, d("2027-04-21"))
        assert change.charge is not None
        assert change.charge.amount == eur("950.40")
        assert change.due == eur("917.40")  # 950.40 - 33.00

    def test_monthly_to_annual_keeping_the_anchor(self) -> None:
        change = change_plan(
            GROWTH, ANNUAL, period=APRIL, on=ON, timing=ChangeTiming.IMMEDIATELY_KEEP_ANCHOR
        )
        # The annual period from the anchor (1 April) runs to 1 April 2027: 365 days, of
        # which the 21st of April on is 345. Cumulatively: 950.40 - 950.40 x 20 / 365
        # (= 52.0767 -> 52.08) = 898.32.
        assert change.new_period == Period(d("2026-04-01"), d("2027-04-01"))
        assert change.charge is not None
        assert (change.charge.units, change.charge.of_units) == (Decimal(345), Decimal(365))
        assert change.charge.amount == eur("898.32")
        assert change.due == eur("865.32")  # 898.32 - 33.00

    def test_explain(self) -> None:
        text = change_plan(
            GROWTH, ADVANCED, period=APRIL, on=ON, usage={"contacts": 1250}
        ).explain()
        assert text.splitlines() == [
            "growth -> advanced: upgrade, immediately, effective 2026-04-21",
            "  why: upgrade: 'advanced' bills 189.00 EUR per 1 month, "
            "'growth' 99.00 EUR per 1 month",
            "  credit, unused growth: 2026-04-21..2026-05-01 of 2026-04-01..2026-05-01: "
            "99.00 x 10/30 days = 33.00 EUR",
            "  charge, advanced: 2026-04-21..2026-05-21 of 2026-04-21..2026-05-21: "
            "189.00 x 30/30 days = 189.00 EUR",
            "  usage so far on growth: 60.00",
            "  unused credit (offset), offset: 33.00",
            "  due 2026-04-21: 216.00 EUR",
        ]


class TestDowngradeAndCancel:
    def test_downgrade_waits_for_the_end_of_the_cycle(self) -> None:
        change = change_plan(ADVANCED, GROWTH, period=APRIL, on=ON)
        assert change.direction is ChangeDirection.DOWNGRADE
        assert change.timing is ChangeTiming.END_OF_PERIOD
        assert change.scheduled  # the messaging business shows DOWNGRADING until then
        assert change.effective_on == APRIL.end
        assert change.credit is None  # nothing is unused: Advanced runs to the end
        assert change.new_period == Period(d("2026-05-01"), d("2026-06-01"))
        assert change.charge is not None
        assert change.charge.amount == eur("99.00")  # the new amount, from 1 May
        assert change.due == eur("99.00")
        assert "scheduled for 2026-05-01" in str(change)

    def test_cancellation_waits_and_charges_nothing(self) -> None:
        change = change_plan(GROWTH, None, period=APRIL, on=ON)
        assert change.direction is ChangeDirection.CANCELLATION
        assert change.scheduled  # CANCELLING until the end of the cycle
        assert change.effective_on == APRIL.end
        assert change.new_plan is None
        assert change.charge is None
        assert change.new_period is None
        assert change.due == eur("0")

    def test_immediate_cancellation_refunds_the_unused_days(self) -> None:
        change = change_plan(
            GROWTH, None, period=APRIL, on=ON, timing="immediately", unused_credit="refund"
        )
        assert change.refund == eur("33.00")  # 99.00 x 10 / 30
        assert change.due == eur("0")
        assert not change.scheduled

    def test_immediate_cancellation_offset_has_nothing_to_offset(self) -> None:
        change = change_plan(GROWTH, None, period=APRIL, on=ON, timing="immediately")
        # Nothing is billed, so all of the credit goes to the balance.
        assert change.offset == eur("0")
        assert change.to_balance == eur("33.00")

    def test_usage_at_a_scheduled_change_is_billed_when_it_takes_effect(self) -> None:
        change = change_plan(ADVANCED, GROWTH, period=APRIL, on=ON, usage={"contacts": 3001})
        # 1 contact over 3 000: one block of 15.00, with the 99.00 of the new plan.
        assert change.usage_charge == eur("15.00")
        assert change.due == eur("114.00")


class TestUnusedCredit:
    """An immediate downgrade keeping the anchor: credit 189.00 x 10/30 = 63.00,
    charge 99.00 x 10/30 = 33.00."""

    def change(self, policy: str) -> PlanChange:
        return change_plan(
            ADVANCED,
            GROWTH,
            period=APRIL,
            on=ON,
            timing="immediately_keep_anchor",
            unused_credit=policy,
        )

    def test_offset_then_the_rest_to_the_balance(self) -> None:
        c = self.change("offset")
        assert (c.offset, c.to_balance, c.due) == (eur("33.00"), eur("30.00"), eur("0.00"))

    def test_balance(self) -> None:
        c = self.change("balance")
        assert (c.offset, c.to_balance, c.due) == (eur("0"), eur("63.00"), eur("33.00"))

    def test_refund(self) -> None:
        c = self.change("refund")
        assert (c.refund, c.to_balance, c.due) == (eur("63.00"), eur("0"), eur("33.00"))

    def test_forfeit(self) -> None:
        c = self.change("forfeit")
        assert (c.forfeited, c.refund, c.due) == (eur("63.00"), eur("0"), eur("33.00"))
        assert "forfeited: 63.00" in c.explain()

    def test_credit_follows_what_was_paid(self) -> None:
        # Growth was billed 89.10 this period (99.00 less a 10 % coupon): 10 of 30 days
        # unused return 89.10 - 89.10 x 20/30 (= 59.40) = 29.70, not 33.00.
        change = change_plan(
            GROWTH, ADVANCED, period=APRIL, on=ON, timing="immediately", paid=eur("89.10")
        )
        assert change.credit is not None
        assert change.credit.amount == eur("29.70")
        assert change.due == eur("159.30")  # 189.00 - 29.70
        with pytest.raises(CurrencyMismatchError, match=r"paid"):
            change_plan(GROWTH, ADVANCED, period=APRIL, on=ON, paid=Money("89.10", "USD"))
        with pytest.raises(PricingError, match=r"paid = .*zero or more"):
            change_plan(GROWTH, ADVANCED, period=APRIL, on=ON, paid=eur("-1.00"))

    def test_unknown_policy(self) -> None:
        with pytest.raises(PricingError, match=r"unused_credit = 'keep'"):
            self.change("keep")


class TestDirection:
    def test_yearly_to_monthly_is_not_an_upgrade(self) -> None:
        # Monthly costs more per day (99.00 / 30 > 950.40 / 365) but commits to less.
        assert change_direction(ANNUAL, GROWTH) is ChangeDirection.DOWNGRADE
        change = change_plan(ANNUAL, GROWTH, period=Period(d("2026-03-14"), d("2027-03-14")), on=ON)
        assert change.scheduled
        assert change.new_period == Period(d("2027-03-14"), d("2027-04-14"))

    def test_rank_decides_first(self) -> None:
        rank = ["growth", "growth-annual", "advanced"]
        assert change_direction(ADVANCED, GROWTH, rank=rank) is ChangeDirection.DOWNGRADE
        assert change_direction(ANNUAL, ADVANCED, rank=rank) is ChangeDirection.UPGRADE

    def test_equal_ranks_fall_back_to_the_fee(self) -> None:
        rank = {"growth": 1, "growth-annual": 1, "advanced": 2}
        assert change_direction(GROWTH, ANNUAL, rank=rank) is ChangeDirection.UPGRADE
        assert change_direction(ANNUAL, GROWTH, rank=rank) is ChangeDirection.DOWNGRADE
        change = change_plan(GROWTH, ANNUAL, period=APRIL, on=ON, rank=rank)
        assert change.reason.startswith("upgrade: equal rank;")

    def test_same_fee_is_lateral_and_keeps_the_anchor(self) -> None:
        twin = attrs.evolve(GROWTH, code="growth-2024")
        change = change_plan(GROWTH, twin, period=APRIL, on=ON)
        assert change.direction is ChangeDirection.LATERAL
        assert change.timing is ChangeTiming.IMMEDIATELY_KEEP_ANCHOR
        assert change.credit is not None
        assert change.charge is not None
        assert change.credit.amount == change.charge.amount == eur("33.00")
        assert change.due == eur("0.00")

    def test_rank_must_list_both_plans(self) -> None:
        with pytest.raises(PricingError, match=r"new.code = 'advanced': expected a plan code"):
            change_direction(GROWTH, ADVANCED, rank=["growth"])

    def test_rank_values(self) -> None:
        with pytest.raises(PricingError, match=r"rank\['growth'\]"):
            change_direction(GROWTH, ADVANCED, rank={"growth": "1", "advanced": 2})  # type: ignore[dict-item]
        with pytest.raises(PricingError, match=r"rank = 'growth'"):
            change_direction(GROWTH, ADVANCED, rank="growth")

    def test_currencies_must_match(self) -> None:
        rub = Plan(code="rub", name="R", currency="RUB", base_fee=Money("9000.00", "RUB"))
        with pytest.raises(CurrencyMismatchError, match=r"new.currency = 'RUB'"):
            change_direction(GROWTH, rub)

    def test_cancellation(self) -> None:
        assert change_direction(GROWTH, None) is ChangeDirection.CANCELLATION


class TestAnchors:
    def test_keeping_an_anchor_on_the_31st(self) -> None:
        billing = BillingCycle.anniversary(MONTHLY, d("2026-01-31"))
        period = billing.period(1)  # 28 February to 31 March
        assert period == Period(d("2026-02-28"), d("2026-03-31"))
        quarterly = attrs.evolve(ADVANCED, code="q", cycle=QUARTERLY, base_fee=eur("540.00"))
        kept = change_plan(
            GROWTH,
            quarterly,
            period=period,
            on=d("2026-03-05"),
            timing="immediately_keep_anchor",
            anchor=d("2026-01-31"),
        )
        # Quarters from 31 January: 31 Jan..30 Apr (clamped), not 28 Feb..28 May.
        assert kept.new_period == Period(d("2026-01-31"), d("2026-04-30"))
        drifted = change_plan(
            GROWTH, quarterly, period=period, on=d("2026-03-05"), timing="immediately_keep_anchor"
        )
        assert drifted.new_period == Period(d("2026-02-28"), d("2026-05-28"))

    def test_end_of_period_on_a_month_end(self) -> None:
        period = Period(d("2026-02-28"), d("2026-03-31"))
        change = change_plan(ADVANCED, GROWTH, period=period, on=d("2026-03-10"))
        assert change.new_period == Period(d("2026-03-31"), d("2026-04-30"))

    def test_leap_day(self) -> None:
        feb = Period(d("2028-02-01"), d("2028-03-01"))
        change = change_plan(GROWTH, ADVANCED, period=feb, on=d("2028-02-29"))
        assert change.credit is not None
        assert (change.credit.units, change.credit.of_units) == (Decimal(1), Decimal(29))
        assert change.credit.amount == eur("3.41")  # 99.00 - 99.00 x 28 / 29 (95.586 -> 95.59)
        assert change.new_period == Period(d("2028-02-29"), d("2028-03-29"))

    def test_by_second(self) -> None:
        policy = ProrationPolicy(basis="second")
        noon = datetime(2026, 4, 21, 12, tzinfo=timezone.utc)
        change = change_plan(GROWTH, ADVANCED, period=APRIL, on=noon, policy=policy)
        # 9.5 days unused of 30: 99.00 x 9.5 / 30 = 31.35.
        assert change.credit is not None
        assert change.credit.amount == eur("31.35")
        # The new cycle is 21 April..21 May; from noon on: 189.00 x 29.5 / 30 = 185.85.
        assert change.charge is not None
        assert change.charge.amount == eur("185.85")


class TestRefusals:
    def test_on_outside_the_period(self) -> None:
        with pytest.raises(PeriodError, match=r"on = .*within the current period"):
            change_plan(GROWTH, ADVANCED, period=APRIL, on=d("2026-05-01"))

    def test_period_must_be_a_whole_cycle(self) -> None:
        with pytest.raises(PricingError, match=r"one whole billing cycle of plan 'growth'"):
            change_plan(GROWTH, ADVANCED, period=Period(ON, APRIL.end), on=ON)

    def test_datetime_by_day(self) -> None:
        with pytest.raises(PeriodError, match=r"on = .*a datetime.date"):
            change_plan(
                GROWTH, ADVANCED, period=APRIL, on=datetime(2026, 4, 21, tzinfo=timezone.utc)
            )

    def test_anchor_must_be_a_date(self) -> None:
        with pytest.raises(PeriodError, match=r"anchor"):
            change_plan(GROWTH, ADVANCED, period=APRIL, on=ON, anchor="2026-04-01")  # type: ignore[arg-type]

    def test_unknown_timing(self) -> None:
        with pytest.raises(PricingError, match=r"timing = 'tomorrow'"):
            change_plan(GROWTH, ADVANCED, period=APRIL, on=ON, timing="tomorrow")

    def test_not_plans(self) -> None:
        with pytest.raises(PricingError, match=r"old"):
            change_plan("growth", ADVANCED, period=APRIL, on=ON)  # type: ignore[arg-type]
        with pytest.raises(PricingError, match=r"new"):
            change_plan(GROWTH, "advanced", period=APRIL, on=ON)  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties


@st.composite
def plan_pairs(draw: st.DrawFn) -> tuple[Plan, Plan, Period, date]:
    """Two plans in one currency and cycle, one of their periods, and a day in it."""
    currency = draw(currencies())
    old = draw(plans(currency=currency))
    new = attrs.evolve(draw(plans(currency=currency)), cycle=old.cycle)
    period = draw(periods_for(old.cycle))
    on = period.start + timedelta(days=draw(st.integers(0, period.days - 1)))
    return old, new, period, on


@settings(max_examples=60)
@given(pair=plan_pairs(), policy=st.sampled_from(list(UnusedCredit)))
def test_credit_and_charge_over_the_same_days_are_consistent(
    pair: tuple[Plan, Plan, Period, date], policy: UnusedCredit
) -> None:
    old, new, period, on = pair
    change = change_plan(
        old, new, period=period, on=on, timing="immediately_keep_anchor", unused_credit=policy
    )
    assert change.credit is not None
    assert change.charge is not None
    assert change.new_period == period
    # Both cover [on, end); with the days before it, each adds up to its plan's fee.
    for plan, part in ((old, change.credit), (new, change.charge)):
        assert (part.start, part.end) == (on, period.end)
        fee = fixed_fee(plan, period)
        used = (
            prorate(fee, period, period.start, on, ProrationPolicy(rounding=plan.rounding))
            if on > period.start
            else None
        )
        assert part.amount + (used.amount if used else Money(0, fee.currency)) == fee
    # The credit is all accounted for, and the bill is what is charged less the offset.
    credit = change.credit.amount
    assert change.offset + change.to_balance + change.refund + change.forfeited == credit
    assert change.due == change.charge.amount + change.usage_charge - change.offset
    assert change.due.amount >= 0


@settings(max_examples=60)
@given(pair=plan_pairs())
def test_moving_to_the_same_plan_costs_nothing(pair: tuple[Plan, Plan, Period, date]) -> None:
    old, _, period, on = pair
    change = change_plan(old, old, period=period, on=on)
    assert change.direction is ChangeDirection.LATERAL
    assert change.credit is not None
    assert change.charge is not None
    assert change.credit.amount == change.charge.amount
    assert change.due.amount == 0


@settings(max_examples=60)
@given(pair=plan_pairs())
def test_timing_follows_the_direction(pair: tuple[Plan, Plan, Period, date]) -> None:
    old, new, period, on = pair
    change = change_plan(old, new, period=period, on=on)
    assert change.new_period is not None
    assert change.charge is not None
    if change.direction is ChangeDirection.UPGRADE:
        assert change.effective_on == on
        assert change.new_period == new.cycle.period(on, 0)  # the cycle restarts on `on`
        assert change.charge.whole
        assert change.charge.amount == fixed_fee(new, change.new_period)
    elif change.direction is ChangeDirection.DOWNGRADE:
        assert change.scheduled
        assert change.effective_on == period.end
        assert change.new_period.start == period.end  # the periods meet end to end
        assert change.credit is None
        assert change.due == fixed_fee(new, change.new_period)
    else:
        assert change.direction is ChangeDirection.LATERAL
        assert fixed_fee(old) == fixed_fee(new)


@settings(max_examples=60)
@given(pair=plan_pairs())
def test_direction_is_antisymmetric(pair: tuple[Plan, Plan, Period, date]) -> None:
    old, new, _, _ = pair
    opposite = {
        ChangeDirection.UPGRADE: ChangeDirection.DOWNGRADE,
        ChangeDirection.DOWNGRADE: ChangeDirection.UPGRADE,
        ChangeDirection.LATERAL: ChangeDirection.LATERAL,
    }
    assert change_direction(new, old) is opposite[change_direction(old, new)]


def test_fixed_fee_ignores_usage_but_not_flat_charges() -> None:
    # The base fee plus nothing for blocks at zero usage.
    assert fixed_fee(GROWTH) == eur("99.00")
    assert fixed_fee(GROWTH, APRIL) == eur("99.00")
    assert Decimal(fixed_fee(ANNUAL).amount) == Decimal("950.40")
    with pytest.raises(PricingError, match=r"plan"):
        fixed_fee("growth")  # type: ignore[arg-type]
