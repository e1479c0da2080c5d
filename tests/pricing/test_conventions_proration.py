"""Proration under other systems' conventions: Kill Bill, Lago and Stripe examples reproduced.

Each expected value comes from the other system's published rule or test,
cited beside it, with the arithmetic shown.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.conventions import BILLKIT, KILL_BILL, LAGO, STRIPE, Conventions
from billkit.errors import PeriodError, PricingError
from billkit.money import Money
from billkit.periods import MONTHLY, QUARTERLY, YEARLY, BillingCycle, Cycle, Period
from billkit.pricing import Plan, ProrationPolicy, change_plan, prorate
from billkit.pricing.proration import leading_stub, prorate_span, trailing_stub

KB_FIXED_30 = attrs.evolve(KILL_BILL, name="kill_bill_30", day_count="fixed_month")
KB_FIXED_28 = attrs.evolve(KB_FIXED_30, name="kill_bill_28", month_days=28)
KB_TESTS = (
    "github.com/killbill/killbill invoice/src/test/java/org/killbill/billing/invoice/generator/"
)


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


class TestKillBillFixedDays:
    """KB_TESTS + TestInvoiceDateUtilsWithFixedProration.java (fixed days = 30)."""

    @pytest.mark.parametrize(
        ("previous_bill_through", "end"),
        [
            (date(2023, 5, 23), date(2023, 6, 15)),
            (date(2023, 6, 23), date(2023, 7, 15)),
            (date(2023, 2, 23), date(2023, 3, 15)),  # Feb
            (date(2024, 2, 23), date(2024, 3, 15)),  # Feb, leap year
        ],
    )
    def test_pro_ration_after_last_billing_cycle_date(
        self, previous_bill_through: date, end: date
    ) -> None:
        # Kill Bill: 0.733333333 = 22/30 (30 - 23 + 15 = 22 fixed days).
        # A 300.00 price: 300 x 22/30 = 220.00.
        billing = BillingCycle.anniversary(MONTHLY, previous_bill_through)
        stub = trailing_stub(usd("300.00"), billing, end, KB_FIXED_30)
        assert (stub.units, stub.of_units) == (Decimal(22), Decimal(30))
        assert stub.amount == usd("220.00")

    @pytest.mark.parametrize(
        ("start", "next_billing"),
        [
            (date(2023, 5, 23), date(2023, 6, 15)),
            (date(2023, 6, 23), date(2023, 7, 15)),
            (date(2023, 2, 23), date(2023, 3, 15)),
            (date(2024, 2, 23), date(2024, 3, 15)),
        ],
    )
    def test_pro_ration_before_first_billing_period_1(
        self, start: date, next_billing: date
    ) -> None:
        billing = BillingCycle.anniversary(MONTHLY, next_billing)
        stub = leading_stub(usd("300.00"), billing, start, KB_FIXED_30)
        assert stub.fraction == Fraction(22, 30)  # Kill Bill: 0.733333333
        assert stub.amount == usd("220.00")

    @pytest.mark.parametrize(
        ("start", "next_billing"),
        [(date(2023, 5, 15), date(2023, 5, 23)), (date(2023, 6, 15), date(2023, 6, 23))],
    )
    def test_pro_ration_before_first_billing_period_2(
        self, start: date, next_billing: date
    ) -> None:
        # Kill Bill: 0.266666667 = 8/30; 300 x 8/30 = 80.00.
        stub = leading_stub(
            usd("300.00"), BillingCycle.anniversary(MONTHLY, next_billing), start, KB_FIXED_30
        )
        assert stub.amount == usd("80.00")

    def test_fixed_28(self) -> None:
        # TestInvoiceDateUtilsWithFixedProration.testDaysBetweenWithFixedDaysInMonth28:
        # 23 May -> 15 June is 20 days of a 28-day month; 280 x 20/28 = 200.00.
        billing = BillingCycle.anniversary(MONTHLY, date(2023, 5, 23))
        assert trailing_stub(usd("280.00"), billing, date(2023, 6, 15), KB_FIXED_28).amount == usd(
            "200.00"
        )

    def test_the_30_day_divisor_is_another_rule(self) -> None:
        # Actual days over 30: 23 May -> 15 June is 23 days, 300 x 23/30 = 230.00,
        # where the fixed month gives 220.00 (above).
        billing = BillingCycle.anniversary(MONTHLY, date(2023, 5, 23))
        thirty = ProrationPolicy(divisor="30_day_month", slices="independent")
        assert trailing_stub(usd("300.00"), billing, date(2023, 6, 15), thirty).amount == usd(
            "230.00"
        )

    def test_prorate_by_fixed_month_in_a_31_day_month(self) -> None:
        # January counts 30 days: 1 -> 16 January is 15 fixed days, 31.00 x 15/30 = 15.50;
        # the whole of January is the whole price.
        january = Period(date(2026, 1, 1), date(2026, 2, 1))
        policy = ProrationPolicy.of(KB_FIXED_30)
        assert prorate(
            usd("31.00"), january, date(2026, 1, 1), date(2026, 1, 16), policy
        ).amount == (usd("15.50"))
        whole = prorate(usd("31.00"), january, january.start, january.end, policy)
        assert whole.whole
        assert whole.amount == usd("31.00")

    def test_a_fixed_month_needs_month_periods(self) -> None:
        thirty_days = Period(date(2026, 1, 1), date(2026, 1, 31))
        with pytest.raises(PricingError, match="whole number of months"):
            prorate(usd("1.00"), thirty_days, date(2026, 1, 2), date(2026, 1, 3), KB_FIXED_30)


class TestKillBillSpans:
    def test_a_span_over_three_periods_is_divided_by_the_first(self) -> None:
        # KB_TESTS + TestInvoiceDateUtils.testProRationAfterLastBillingCycleDate:
        # 2 March -> 2 June 2012 is 2.967741935 periods: 92 days (31 + 30 + 31)
        # over March's 31. 100.00 x 92/31 = 296.774... -> 296.77.
        billing = BillingCycle.anniversary(MONTHLY, date(2012, 3, 2))
        first_period = attrs.evolve(KILL_BILL, span="first_period")
        (span,) = prorate_span(
            usd("100.00"), billing, date(2012, 3, 2), date(2012, 6, 2), first_period
        )
        assert (span.units, span.of_units) == (Decimal(92), Decimal(31))
        assert round(Decimal(span.fraction.numerator) / span.fraction.denominator, 9) == Decimal(
            "2.967741935"
        )
        assert span.amount == usd("296.77")
        # billkit, period by period: three whole months, 300.00.
        default = prorate_span(usd("100.00"), billing, date(2012, 3, 2), date(2012, 6, 2))
        assert [c.amount for c in default] == [usd("100.00")] * 3

    def test_the_generator_bills_a_span_period_by_period(self) -> None:
        # KB_TESTS/../proRations/inAdvance/monthly/TestDoubleProRation.java: start
        # 2011-01-01, end 2011-02-27, BCD 15: 14/31 + 1 + 12/28 periods.
        # 310.00 a month: 310 x 14/31 = 140.00; 310.00; 310 x 12/28 = 132.857 -> 132.86.
        bcd_15 = BillingCycle.on_day(MONTHLY, 15)
        charges = prorate_span(
            usd("310.00"), bcd_15, date(2011, 1, 1), date(2011, 2, 27), KILL_BILL
        )
        assert [(c.units, c.of_units) for c in charges] == [(14, 31), (31, 31), (12, 28)]
        assert [c.amount for c in charges] == [usd("140.00"), usd("310.00"), usd("132.86")]

    def test_the_generators_trailing_pro_ration(self) -> None:
        # .../monthly/TestTrailingProRation.java testTargetDateAtEndOfFirstBillingCycle:
        # start 2010-06-17, end 2010-07-25, BCD 17: 1 + 8/31 periods
        # (17 July -> 25 July is 8 days of the 31 to 17 August). 31.00 + 31 x 8/31 = 39.00.
        bcd_17 = BillingCycle.on_day(MONTHLY, 17)
        charges = prorate_span(
            usd("31.00"), bcd_17, date(2010, 6, 17), date(2010, 7, 25), KILL_BILL
        )
        assert [(c.units, c.of_units) for c in charges] == [(30, 30), (8, 31)]
        assert sum(c.amount.amount for c in charges) == Decimal("39.00")

    def test_a_span_within_one_period_is_divided_by_the_cycle_ending_on_its_end(self) -> None:
        # Kill Bill's FixedAndRecurringInvoiceItemGenerator: a service whose end date is not
        # after its first billing date is charged calculateProRationBeforeFirstBillingPeriod(
        # startDate, endDate, ...), whose period is endDate.minus(period) .. endDate. 10 to 20
        # April 2026 on calendar months: 10 days over 20 March .. 20 April (31 days) = 9.68;
        # billkit divides by April (30 days): 10.00. Either span rule, one slice.
        billing = BillingCycle.calendar(MONTHLY)
        start, end = date(2026, 4, 10), date(2026, 4, 20)
        for kill_bill in (KILL_BILL, attrs.evolve(KILL_BILL, span="first_period")):
            (one,) = prorate_span(usd("30.00"), billing, start, end, kill_bill)
            assert one.period == Period(date(2026, 3, 20), date(2026, 4, 20))
            assert one.amount == usd("9.68")  # 30 x 10/31 = 9.677...
        (other,) = prorate_span(
            usd("30.00"), billing, start, end, ProrationPolicy(slices="independent")
        )
        assert other.amount == usd("10.00")  # 30 x 10/30

    def test_the_cycle_ending_on_the_end_can_be_february(self) -> None:
        # billing day 5; a service from 10 to 25 March 2011, before its first billing date
        # (5 April): Kill Bill divides by 25 February .. 25 March (28 days): 28 x 15/28 = 15.00;
        # billkit by 5 March .. 5 April (31 days): 28 x 15/31 = 13.548... = 13.55 (independent)
        on_5th = BillingCycle.on_day(MONTHLY, 5)
        (kb,) = prorate_span(usd("28.00"), on_5th, date(2011, 3, 10), date(2011, 3, 25), KILL_BILL)
        assert (kb.units, kb.of_units, kb.amount) == (15, 28, usd("15.00"))
        (bk,) = prorate_span(
            usd("28.00"),
            on_5th,
            date(2011, 3, 10),
            date(2011, 3, 25),
            ProrationPolicy(slices="independent"),
        )
        assert (bk.units, bk.of_units, bk.amount) == (15, 31, usd("13.55"))

    def test_with_kill_bills_fixed_days(self) -> None:
        # with org.killbill.invoice.proration.fixed.days=30 the divisor is 30 whatever the cycle
        # (calculateProrationBetweenDates: daysBetween = fixedDaysInMonth); 10 -> 25 March is
        # 15 days in one month: 28 x 15/30 = 14.00
        fixed = attrs.evolve(KILL_BILL, day_count="fixed_month")
        on_5th = BillingCycle.on_day(MONTHLY, 5)
        (kb,) = prorate_span(usd("28.00"), on_5th, date(2011, 3, 10), date(2011, 3, 25), fixed)
        assert (kb.units, kb.of_units, kb.amount) == (15, 30, usd("14.00"))


class TestAnchorRule:
    """Billing day 31: Kill Bill divides by one cycle from the clamped date (Joda minus/plus)."""

    BCD_31 = BillingCycle.on_day(MONTHLY, 31)

    def test_leading_stub_before_a_clamped_february_date(self) -> None:
        # InvoiceDateUtils.calculateProRationBeforeFirstBillingPeriod: previous =
        # 2026-02-28 minus 1 month = 2026-01-28; 10 Feb -> 28 Feb is 18 of 31 days.
        # 31.00 x 18/31 = 18.00; billkit keeps the 31st: 31 Jan -> 28 Feb, 18/28 = 19.93.
        kb = leading_stub(usd("31.00"), self.BCD_31, date(2026, 2, 10), KILL_BILL)
        assert kb.period == Period(date(2026, 1, 28), date(2026, 2, 28))
        assert kb.amount == usd("18.00")
        assert leading_stub(usd("31.00"), self.BCD_31, date(2026, 2, 10)).amount == usd("19.93")

    def test_kill_bills_change_of_bcd_to_31(self) -> None:
        # KB_TESTS/../proRations/inAdvance/monthly/TestProRation.java
        # testSinglePlan_ChangeBCDTo31: on BCD 1 from 2011-02-01, changed on 2011-02-14
        # to BCD 31, billed in advance to 2011-03-01. Kill Bill expects 13/28 for
        # 1 -> 14 February (of February's 28 days), then 1 + 14/31 from 14 February:
        # 14 -> 28 February over 28 January -> 28 February (31 days), then the whole
        # period 28 February -> 31 March. 310.00 a month: 310 x 14/31 = 140.00.
        old = trailing_stub(
            usd("280.00"), BillingCycle.on_day(MONTHLY, 1), date(2011, 2, 14), KILL_BILL
        )
        assert (old.units, old.of_units, old.amount) == (13, 28, usd("130.00"))
        charges = prorate_span(
            usd("310.00"), self.BCD_31, date(2011, 2, 14), date(2011, 3, 31), KILL_BILL
        )
        assert [(c.units, c.of_units) for c in charges] == [(14, 31), (31, 31)]
        assert [c.amount for c in charges] == [usd("140.00"), usd("310.00")]
        # billkit keeps the 31st: 14 of 31 January -> 28 February's 28 days, 155.00.
        assert prorate_span(usd("310.00"), self.BCD_31, date(2011, 2, 14), date(2011, 2, 28))[
            0
        ].amount == usd("155.00")

    def test_trailing_stub_after_a_clamped_february_date(self) -> None:
        # calculateProRationAfterLastBillingCycleDate: next = 2026-02-28 plus 1 month =
        # 2026-03-28; 28 Feb -> 14 Mar is 14 of 28 days: 28.00 x 14/28 = 14.00.
        # billkit: 28 Feb -> 31 Mar, 14 of 31 days: 28 x 14/31 = 12.645 -> 12.65.
        kb = trailing_stub(usd("28.00"), self.BCD_31, date(2026, 3, 14), KILL_BILL)
        assert kb.period == Period(date(2026, 2, 28), date(2026, 3, 28))
        assert kb.amount == usd("14.00")
        assert trailing_stub(usd("28.00"), self.BCD_31, date(2026, 3, 14)).amount == usd("12.65")

    def test_a_stub_past_the_shorter_cycle_is_the_whole_price(self) -> None:
        # 28 Feb -> 30 Mar is 30 days, more than the 28 of 28 Feb -> 28 Mar:
        # billkit never charges a slice more than the whole period.
        kb = trailing_stub(usd("28.00"), self.BCD_31, date(2026, 3, 30), KILL_BILL)
        assert kb.whole
        assert kb.amount == usd("28.00")

    def test_starting_on_the_billing_date_is_a_whole_period(self) -> None:
        whole = leading_stub(usd("31.00"), self.BCD_31, date(2026, 1, 31), KILL_BILL)
        assert whole.whole
        assert whole.amount == usd("31.00")

    def test_span_uses_the_rule_on_both_stubs(self) -> None:
        # 10 Feb -> 14 Mar, period by period, with Kill Bill's anchor rule:
        # 18/31 of 31.00 = 18.00, then 14/28 of 31.00 = 15.50.
        policy = attrs.evolve(KILL_BILL, span="period_by_period")
        charges = prorate_span(
            usd("31.00"), self.BCD_31, date(2026, 2, 10), date(2026, 3, 14), policy
        )
        assert [c.amount for c in charges] == [usd("18.00"), usd("15.50")]

    @given(
        st.integers(min_value=1, max_value=28),
        st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
        st.integers(min_value=1, max_value=400),
        st.sampled_from([MONTHLY, QUARTERLY, YEARLY]),
    )
    def test_the_rules_agree_when_the_anchor_day_exists_in_every_month(
        self, day: int, start: date, length: int, cycle: Cycle
    ) -> None:
        billing = BillingCycle.on_day(cycle, day, month=start.month)
        end = start + timedelta(days=length)
        keep = ProrationPolicy(slices="independent")
        clamped = attrs.evolve(keep, anchor="from_clamped")
        assert leading_stub(usd("99.00"), billing, start, keep) == attrs.evolve(
            leading_stub(usd("99.00"), billing, start, clamped), policy=keep
        )
        kept = prorate_span(usd("99.00"), billing, start, end, keep)
        spans = prorate_span(usd("99.00"), billing, start, end, clamped)
        (first,) = kept[:1]
        if len(kept) == 1 and first.period.start < start and end < first.period.end:
            # inside one period: Kill Bill divides by the cycle ending on the end
            # (endDate.minus(period)), whichever day the billing day is
            assert spans[0].period == Period(cycle.add(end, -1), end)
            return
        assert [attrs.evolve(c, policy=keep) for c in spans] == list(kept)


class TestLago:
    def test_termination_charges_the_termination_day(self) -> None:
        # github.com/getlago/lago-api spec/services/credit_notes/create_from_termination_spec.rb:
        # plan 31.00 EUR, calendar monthly, terminated 2022-10-15: "Unused subscription
        # (16 days) €16.00" (16 Oct .. 31 Oct); 31 x 16/31 = 16.00. billkit's default
        # gives the 15th back too: 17 days, 17.00.
        plan = Plan(code="p", name="P", currency="EUR", base_fee=eur("31.00"))
        october = Period(date(2022, 10, 1), date(2022, 11, 1))
        lago = change_plan(
            plan, None, period=october, on=date(2022, 10, 15), timing="immediately", policy=LAGO
        )
        assert lago.credit is not None
        assert lago.credit.amount == eur("16.00")
        assert lago.credit.start == date(2022, 10, 16)
        assert lago.effective_on == date(2022, 10, 15)
        default = change_plan(
            plan, None, period=october, on=date(2022, 10, 15), timing="immediately"
        )
        assert default.credit is not None
        assert default.credit.amount == eur("17.00")

    @pytest.mark.parametrize(
        "period",
        [
            Period(date(2024, 4, 15), date(2024, 7, 15)),  # anniversary on the 15th
            Period(date(2024, 4, 1), date(2024, 7, 1)),  # calendar quarter
        ],
    )
    def test_a_terminated_quarter_charges_the_termination_day(self, period: Period) -> None:
        # github.com/getlago/lago-api spec/scenarios/subscriptions/upgrade_proration_spec.rb:
        # a quarterly 910.00 plan (91 days: 10.00 a day) started on 20 May 2024 and
        # terminated on 20 June 2024 bills 32_000 cents: 20 May .. 20 June, both
        # charged, is 12 + 20 = 32 days; 32 x 10.00 = 320.00. billkit's default
        # (the end day not charged) bills 31 days, 310.00.
        assert period.days == 91
        on, off = date(2024, 5, 20), date(2024, 6, 20)
        assert prorate(eur("910.00"), period, on, off, LAGO).amount == eur("320.00")
        assert prorate(eur("910.00"), period, on, off).amount == eur("310.00")

    def test_the_plans_conventions_are_the_default_policy(self) -> None:
        plan = Plan(code="p", name="P", currency="EUR", base_fee=eur("31.00"), conventions=LAGO)
        october = Period(date(2022, 10, 1), date(2022, 11, 1))
        change = change_plan(
            plan, None, period=october, on=date(2022, 10, 15), timing="immediately"
        )
        assert change.credit is not None
        assert change.credit.amount == eur("16.00")

    def test_terminating_on_the_last_day_credits_nothing(self) -> None:
        plan = Plan(code="p", name="P", currency="EUR", base_fee=eur("31.00"), conventions=LAGO)
        october = Period(date(2022, 10, 1), date(2022, 11, 1))
        change = change_plan(
            plan, None, period=october, on=date(2022, 10, 31), timing="immediately"
        )
        assert change.credit is not None
        assert change.credit.amount == eur("0.00")

    def test_an_upgrade_gives_the_day_to_the_new_plan(self) -> None:
        # CreditNotes::CreateFromTermination: `billed_from -= 1.day if upgrade`, so the
        # upgrade day is credited on the old plan (and billed on the new one).
        # 31.00 plan upgraded on 15 Oct: 17 days credited, 31 x 17/31 = 17.00.
        old = Plan(code="a", name="A", currency="EUR", base_fee=eur("31.00"), conventions=LAGO)
        new = Plan(code="b", name="B", currency="EUR", base_fee=eur("62.00"), conventions=LAGO)
        october = Period(date(2022, 10, 1), date(2022, 11, 1))
        change = change_plan(
            old, new, period=october, on=date(2022, 10, 15), timing="immediately_keep_anchor"
        )
        assert change.credit is not None
        assert change.credit.amount == eur("17.00")
        assert change.charge is not None
        assert change.charge.amount == eur("34.00")  # 62 x 17/31

    def test_a_trial_covering_the_period_is_an_empty_slice(self) -> None:
        # Fees::SubscriptionService#first_subscription_amount: "amount is 0 if trial
        # cover the full period"; a trial ending inside it bills from its end.
        calendar = BillingCycle.calendar(MONTHLY)
        empty = leading_stub(
            eur("30.00"), calendar, date(2026, 4, 10), LAGO, trial_end=date(2026, 5, 1)
        )
        assert empty.amount == eur("0.00")
        assert empty.units == 0
        part = leading_stub(
            eur("30.00"), calendar, date(2026, 4, 10), LAGO, trial_end=date(2026, 4, 21)
        )
        assert part.amount == eur("10.00")  # 21 -> 30 April: 10 of 30 days
        (span,) = prorate_span(
            eur("30.00"), calendar, date(2026, 4, 10), date(2026, 4, 20), trial_end=date(2026, 6, 1)
        )
        assert span.amount == eur("0.00")
        early = leading_stub(eur("30.00"), calendar, date(2026, 4, 10), trial_end=date(2026, 4, 1))
        assert early.amount == eur("21.00")  # a trial that ended before the start changes nothing

    def test_inclusive_cancellation_refuses_an_instant(self) -> None:
        plan = Plan(code="p", name="P", currency="EUR", base_fee=eur("30.00"))
        policy = ProrationPolicy(basis="second", count_end_day=True)
        with pytest.raises(PeriodError, match="count_end_day"):
            change_plan(
                plan,
                None,
                period=Period(date(2026, 4, 1), date(2026, 5, 1)),
                on=datetime(2026, 4, 10, 12, tzinfo=timezone.utc),
                timing="immediately",
                policy=policy,
            )


class TestStripe:
    def test_the_documented_halfway_upgrade(self) -> None:
        # docs.stripe.com/billing/subscriptions/prorations: 10 USD -> 20 USD monthly
        # halfway through the period bills 5 USD: -5 unused + 10 remaining.
        # April has 30 days; halfway is 16 April 00:00 UTC.
        basic = Plan(code="b", name="B", currency="USD", base_fee=usd("10.00"), conventions=STRIPE)
        pro = Plan(code="p", name="P", currency="USD", base_fee=usd("20.00"), conventions=STRIPE)
        change = change_plan(
            basic,
            pro,
            period=Period(date(2026, 4, 1), date(2026, 5, 1)),
            on=datetime(2026, 4, 16, tzinfo=timezone.utc),
            timing="immediately_keep_anchor",
        )
        assert change.credit is not None
        assert change.charge is not None
        assert (change.credit.amount, change.charge.amount, change.due) == (
            usd("5.00"),
            usd("10.00"),
            usd("5.00"),
        )

    def test_a_published_unused_time_line(self) -> None:
        # gist.github.com/matthewarkin/27bcfdf622eb91d3508ea082d0ad50b8 (an upcoming
        # invoice from Stripe's API): plan amount 1000 (USD cents), monthly; proration
        # date 1488568488, period end 1489449600, "Unused time" amount -364.
        # Left: 1489449600 - 1488568488 = 881112 s of 28 days (2419200 s):
        # 1000 x 881112 / 2419200 = 364.21 -> 364 cents.
        period = Period(date(2017, 2, 14), date(2017, 3, 14))
        assert datetime(2017, 3, 14, tzinfo=timezone.utc).timestamp() == 1489449600
        at = datetime.fromtimestamp(1488568488, tz=timezone.utc)
        credit = prorate(usd("10.00"), period, at, period.end, STRIPE)
        assert credit.amount == usd("3.64")
        assert credit.units == Decimal(881112)


class TestProperties:
    POLICIES: ClassVar[list[Conventions]] = [
        BILLKIT,
        LAGO,
        KILL_BILL,
        KB_FIXED_30,
        KB_FIXED_28,
        attrs.evolve(KB_FIXED_30, slices="cumulative", month_days=31),
        Conventions(divisor="30_day_month"),
    ]

    @given(
        st.sampled_from(POLICIES),
        st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
        st.sampled_from([MONTHLY, QUARTERLY, YEARLY]),
        st.decimals(min_value=0, max_value=100000, places=2),
    )
    def test_a_whole_period_costs_its_price_under_every_day_count(
        self, conventions: Conventions, anchor: date, cycle: Cycle, price: Decimal
    ) -> None:
        period = cycle.period(anchor, 0)
        end = period.end - timedelta(days=1) if conventions.count_end_day else period.end
        full = prorate(usd(str(price)), period, period.start, end, conventions)
        assert full.whole
        assert full.amount == usd(str(price))
        assert leading_stub(
            usd(str(price)), BillingCycle.anniversary(cycle, anchor), anchor, conventions
        ).amount == usd(str(price))

    @given(
        st.sampled_from(POLICIES),
        st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
        st.integers(min_value=0, max_value=400),
    )
    def test_no_slice_costs_less_than_nothing_or_more_than_the_period(
        self, conventions: Conventions, start: date, offset: int
    ) -> None:
        period = MONTHLY.period_containing(date(2000, 1, 31), start)
        a = period.start + timedelta(days=offset % period.days)
        b = a + timedelta(days=(offset * 7) % (period.end - a).days + 1)
        policy = ProrationPolicy.of(conventions)
        if policy.count_end_day:
            b -= timedelta(days=1)
        charge = prorate(usd("100.00"), period, a, b, policy)
        assert usd("0.00") <= charge.amount <= usd("100.00")


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(min_value=1, max_value=500),
    st.integers(min_value=1, max_value=31),
    st.decimals(min_value=0, max_value=10000, places=2),
)
def test_the_billkit_preset_changes_nothing(
    start: date, length: int, day: int, price: Decimal
) -> None:
    """BILLKIT is every default: the same charges as passing no policy at all."""
    billing = BillingCycle.on_day(MONTHLY, day)
    end = start + timedelta(days=length)
    amount = usd(str(price))
    assert prorate_span(amount, billing, start, end, BILLKIT) == prorate_span(
        amount, billing, start, end
    )
    assert leading_stub(amount, billing, start, BILLKIT) == leading_stub(amount, billing, start)
    assert trailing_stub(amount, billing, end, BILLKIT) == trailing_stub(amount, billing, end)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(min_value=0, max_value=30),
)
def test_an_inclusive_cancellation_credits_from_the_next_day(anchor: date, offset: int) -> None:
    """count_end_day: cancelling on day d credits what the default credits from d + 1."""
    plan = Plan(code="p", name="P", currency="EUR", base_fee=eur("99.00"))
    period = MONTHLY.period(anchor, 0)
    on = period.start + timedelta(days=offset % period.days)
    inclusive = change_plan(
        plan,
        None,
        period=period,
        on=on,
        timing="immediately",
        policy=ProrationPolicy(count_end_day=True),
    )
    assert inclusive.credit is not None
    if on + timedelta(days=1) < period.end:
        default = change_plan(
            plan, None, period=period, on=on + timedelta(days=1), timing="immediately"
        )
        assert default.credit is not None
        assert inclusive.credit.amount == default.credit.amount
    else:  # cancelled on the period's last day: nothing is unused
        assert inclusive.credit.amount == eur("0.00")
