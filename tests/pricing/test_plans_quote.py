"""Tests for billkit.pricing.plans and billkit.pricing.quote.

The five businesses of REQUIREMENTS.md are modelled as worked examples. Where
REQUIREMENTS.md gives a number (10 000 RUB a month, 2 500 free emails, blocks
of 100 contacts, 30-day cycles, 22.4137 RUB expense rows, 20 % annual saving)
the test uses it; the other inputs (a price per email, the size of a plan)
are made up, and every expected figure is worked out in a comment.
"""

from __future__ import annotations

import decimal
from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import (
    CurrencyMismatchError,
    MoneyError,
    PricingCurrencyError,
    PricingError,
    UnknownMetricError,
)
from billkit.money import Money, RoundingMode, RoundingPolicy, sum_money
from billkit.periods import MONTHLY, YEARLY, Cycle, CycleUnit, Period
from billkit.pricing import (
    Charge,
    Flat,
    Graduated,
    Package,
    Percentage,
    PercentOf,
    PerUnit,
    Plan,
    Quote,
    Tier,
    Volume,
    quote,
)
from billkit.pricing.plans import BASE_FEE_CODE
from billkit.pricing.quote import QuoteLine
from tests.strategies.pricing import periods_for, plans, usage_for


def money(amount: str, currency: str) -> Money:
    return Money(amount, currency)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def uah(amount: str) -> Money:
    return Money(amount, "UAH")


def irr(amount: str) -> Money:
    return Money(amount, "IRR")


MARCH_2026 = Period(date(2026, 3, 1), date(2026, 4, 1))


# ---------------------------------------------------------------- the five businesses


class TestAnalyticsSaaS:
    """1. Analytics SaaS with a prepaid balance: a 10 000 RUB/month tariff."""

    plan = Plan(code="analytics-10k", name="Analytics", currency="RUB", base_fee=rub("10000"))

    def test_one_month(self) -> None:
        q = quote(self.plan, {}, MARCH_2026)
        assert q.total == rub("10000.00")
        (line,) = q.lines
        assert (line.code, line.kind, line.description) == ("base", "base", "Analytics")
        assert (line.quantity, line.included, line.billable) == (1, 0, 1)
        assert line.amount == line.exact == rub("10000.00")
        assert [str(s) for s in line.steps] == ["base fee: 1 x 10000 = 10000"]

    def test_nine_months_paid_at_once(self) -> None:
        # REQUIREMENTS.md: paying 9 months of a 10 000 RUB tariff is 90 000 RUB.
        # Nine anniversary months from 2026-01-31 (clamped to month ends).
        months = [MONTHLY.period(date(2026, 1, 31), n) for n in range(9)]
        assert str(months[1]) == "2026-02-28..2026-03-31"
        totals = [quote(self.plan, {}, month).total for month in months]
        assert sum_money(totals) == rub("90000")  # 9 x 10 000


class TestEmailSaaS:
    """2. Email marketing SaaS: 2 500 promotional emails free (REQUIREMENTS.md)."""

    # The price per email beyond the free 2 500 is made up: 0.10 UAH.
    plan = Plan(
        code="email-free",
        name="Email, pay as you go",
        currency="UAH",
        charges=[
            Charge(
                code="emails",
                metric="emails_sent",
                included=2500,
                description="Promotional emails",
                model=PerUnit(unit_price=uah("0.10")),
            )
        ],
    )

    @pytest.mark.parametrize(
        ("sent", "billable", "amount"),
        [
            (0, "0", "0.00"),
            (2400, "0", "0.00"),  # inside the free 2 500: nothing billed
            (2500, "0", "0.00"),  # exactly the allowance
            (2501, "1", "0.10"),  # 1 x 0.10
            (4001, "1501", "150.10"),  # (4001 - 2500) x 0.10 = 1501 x 0.10
        ],
    )
    def test_free_allowance(self, sent: int, billable: str, amount: str) -> None:
        q = quote(self.plan, {"emails_sent": sent}, MARCH_2026)
        line = q.line("emails")
        assert line.quantity == sent
        assert line.included == 2500
        assert line.billable == Decimal(billable)
        assert line.amount == uah(amount)
        assert q.total == uah(amount)  # no base fee: pay as you go

    def test_line_fields(self) -> None:
        line = quote(self.plan, {"emails_sent": 4001}, MARCH_2026).line("emails")
        assert isinstance(line, QuoteLine)
        assert line.code == "emails"
        assert line.description == "Promotional emails"
        assert line.kind == "usage"
        assert line.metric == "emails_sent"
        assert line.unit_price == uah("0.10")
        assert line.exact == uah("150.100")  # 1501 x 0.10, before rounding
        assert line.amount.amount == Decimal("150.10")
        assert line.amount.amount.as_tuple().exponent == -2  # rounded to kopiykas
        assert [str(s) for s in line.steps] == ["per unit: 1501 x 0.10 = 150.10"]

    def test_missing_metric_counts_as_zero(self) -> None:
        assert quote(self.plan, {}, MARCH_2026).total == uah("0")


class TestHostingProvider:
    """3. Cloud hosting on a billing panel (REQUIREMENTS.md, section 3)."""

    def test_monthly_service_price(self) -> None:
        # The cart's example service: 250.00 RUB a month (VAT included).
        plan = Plan(code="vps", name="VPS", currency="RUB", base_fee=rub("250.00"))
        assert quote(plan, {}, MARCH_2026).total == rub("250.00")

    @pytest.mark.parametrize(("amount", "in_kopecks"), [("22.4137", "22.41"), ("34.4827", "34.48")])
    def test_daily_expense_rows_keep_four_decimals(self, amount: str, in_kopecks: str) -> None:
        # The expense history shows daily charges of 22.4137 and 34.4827 RUB:
        # the panel keeps 4 decimals, so the plan's rounding does too.
        plan = Plan(
            code="vps-daily",
            name="VPS, billed daily",
            currency="RUB",
            cycle="daily",
            base_fee=rub(amount),
            rounding=RoundingPolicy(minor_units={"RUB": 4}),
        )
        day = Period(date(2026, 3, 1), date(2026, 3, 2))
        assert quote(plan, {}, day).total.amount == Decimal(amount)
        # Under the ISO minor unit (2 decimals) the same row would be rounded:
        # 22.4137 -> 22.41, 34.4827 -> 34.48.
        two = attrs.evolve(plan, rounding=RoundingPolicy())
        assert quote(two, {}, day).total == rub(in_kopecks)


class TestMessagingSaaS:
    """4. Messaging SaaS: contacts over the plan's limit in blocks of 100."""

    # A made-up plan: 79.00 EUR a month for 1 000 monthly active contacts;
    # each on-demand block of 100 contacts over the limit costs 20.00.
    plan = Plan(
        code="growth",
        name="Growth",
        currency="EUR",
        base_fee=eur("79.00"),
        charges=[
            Charge(
                code="contacts",
                metric="monthly_active_contacts",
                included=1000,
                description="On-demand contacts",
                model=Package(size=100, price=eur("20.00")),
            )
        ],
    )

    @pytest.mark.parametrize(
        ("contacts", "blocks"),
        # blocks = ceil(max(contacts - 1000, 0) / 100)
        [(900, 0), (1000, 0), (1001, 1), (1100, 1), (1101, 2), (1250, 3)],
    )
    def test_blocks_over_the_limit(self, contacts: int, blocks: int) -> None:
        q = quote(self.plan, {"monthly_active_contacts": contacts}, MARCH_2026)
        line = q.line("contacts")
        assert line.billable == max(contacts - 1000, 0)
        assert line.amount == eur("20.00") * blocks
        assert q.total == eur("79.00") + eur("20.00") * blocks

    def test_250_over_the_limit_is_3_blocks(self) -> None:
        # 1 250 - 1 000 = 250 over; ceil(250 / 100) = 3 blocks x 20.00 = 60.00;
        # total 79.00 + 60.00 = 139.00.
        q = quote(self.plan, {"monthly_active_contacts": 1250}, MARCH_2026)
        line = q.line("contacts")
        assert line.unit_price == eur("20.00")  # per block
        assert [str(s) for s in line.steps] == ["3 packages of 100: 3 x 20.00 = 60.00"]
        assert q.total == eur("139.00")

    def test_annual_billing_saves_20_percent(self) -> None:
        # 12 x 79.00 = 948.00 a year; 20 % less: 948.00 x 0.8 = 758.40.
        annual = attrs.evolve(
            self.plan, code="growth-annual", cycle="yearly", base_fee=eur("758.40")
        )
        year = Period(date(2026, 1, 1), date(2027, 1, 1))
        assert annual.cycle == YEARLY
        q = quote(annual, {}, year)
        assert q.line("base").amount == eur("758.40")
        assert eur("948.00") - q.line("base").amount == eur("189.60")  # 20 % of 948.00


class TestAttributionSaaS:
    """5. Mobile attribution SaaS: 30-day cycles, overage line, features as %."""

    # Made up: 150 000 000 IRR for 10 000 attributions; each one above at
    # 18 000 IRR; two analytics features at 5 % and 3 % of the plan fee.
    # Iranian invoices are in whole rials: IRR rounds to 0 decimals here.
    starter = Plan(
        code="attribution-10k",
        name="Attribution 10k",
        currency="IRR",
        cycle="30 days",
        rounding=RoundingPolicy(minor_units={"IRR": 0}),
        base_fee=irr("150000000"),
        charges=[
            Charge(
                code="overage",
                metric="attributions",
                included=10000,
                description="Attributions above the plan",
                model=PerUnit(unit_price=irr("18000")),
            ),
            PercentOf(code="cohorts", of="base", rate="5%", description="Cohort analytics"),
            PercentOf(code="audiences", of=["base"], rate="3%", description="Audiences"),
        ],
    )
    period = Period(date(2026, 1, 1), date(2026, 1, 31))  # 30 days

    def test_billable_attributions_above_the_plan(self) -> None:
        # The caller sums the billable attributions: non-organic installs +
        # re-attributions + rejected installs = 9 000 + 1 500 + 700 = 11 200.
        billable = 9000 + 1500 + 700
        q = quote(self.starter, {"attributions": billable}, self.period)
        assert self.starter.cycle == Cycle(CycleUnit.DAY, 30)
        overage = q.line("overage")
        # 11 200 - 10 000 = 1 200 above the plan x 18 000 = 21 600 000
        assert (overage.quantity, overage.included, overage.billable) == (11200, 10000, 1200)
        assert overage.amount == irr("21600000")
        assert q.line("cohorts").amount == irr("7500000")  # 150 000 000 x 5 %
        assert q.line("audiences").amount == irr("4500000")  # 150 000 000 x 3 %
        # 150 000 000 + 21 600 000 + 7 500 000 + 4 500 000
        assert q.total == irr("183600000")
        assert [ln.code for ln in q.lines] == ["base", "overage", "cohorts", "audiences"]

    def test_within_the_plan(self) -> None:
        q = quote(self.starter, {"attributions": 9500}, self.period)
        assert q.line("overage").amount == irr("0")
        assert q.total == irr("162000000")  # 150 000 000 x (1 + 5 % + 3 %)

    def test_percent_of_line_fields(self) -> None:
        line = quote(self.starter, {}, self.period).line("cohorts")
        assert (line.kind, line.metric, line.quantity, line.unit_price) == (
            "percent_of",
            None,
            150000000,
            None,
        )
        assert [str(s) for s in line.steps] == ["5% of base: 150000000 x 0.05 = 7500000.00"]

    def test_the_higher_plan_can_come_out_smaller(self) -> None:
        # A made-up higher plan: 250 000 000 IRR for 20 000 attributions.
        growth = attrs.evolve(
            self.starter,
            code="attribution-20k",
            base_fee=irr("250000000"),
            charges=[
                attrs.evolve(self.starter.charges[0], included=20000),  # type: ignore[misc]
                *self.starter.charges[1:],
            ],
        )
        usage = {"attributions": 20000}
        # Starter: 150 000 000 + 10 000 x 18 000 + 8 % x 150 000 000 = 342 000 000
        # Growth:  250 000 000 + 0 + 8 % x 250 000 000 = 270 000 000
        assert quote(self.starter, usage, self.period).total == irr("342000000")
        assert quote(growth, usage, self.period).total == irr("270000000")

    def test_a_calendar_month_is_not_a_cycle(self) -> None:
        # January has 31 days; the plan bills every 30.
        with pytest.raises(PricingError, match=r"^period = '2026-01-01\.\.2026-02-01': expected"):
            quote(self.starter, {}, Period(date(2026, 1, 1), date(2026, 2, 1)))
        # Any 30 days will do, across a month end too: Jan 31 + 30 days = Mar 2.
        quote(self.starter, {}, Period(date(2026, 1, 31), date(2026, 3, 2)))


# ---------------------------------------------------------------- quote() rules


class TestQuoteInputs:
    plan = TestEmailSaaS.plan

    def test_unknown_metric_names_it_and_lists_the_plans_metrics(self) -> None:
        with pytest.raises(
            UnknownMetricError,
            match=r"^usage\['emails_snt'\] = 5: expected a metric of plan 'email-free': "
            r"one of \['emails_sent'\]$",
        ) as info:
            quote(self.plan, {"emails_sent": 1, "emails_snt": 5}, MARCH_2026)
        assert isinstance(info.value, PricingError)

    def test_period_must_be_one_whole_cycle(self) -> None:
        with pytest.raises(
            PricingError,
            match=r"^period = '2026-03-01\.\.2026-03-15': expected one whole billing cycle "
            r"of plan 'email-free' \(1 month\)",
        ):
            quote(self.plan, {}, Period(date(2026, 3, 1), date(2026, 3, 15)))
        with pytest.raises(PricingError, match=r"^period = '2026-03-01\.\.2026-05-01'"):
            quote(self.plan, {}, Period(date(2026, 3, 1), date(2026, 5, 1)))

    @pytest.mark.parametrize(
        "text", ["2026-01-31..2026-02-28", "2026-02-28..2026-03-31", "2028-01-31..2028-02-29"]
    )
    def test_anniversary_months_are_whole_cycles(self, text: str) -> None:
        # Month ends clamp: a cycle anchored on the 31st runs Jan 31 -> Feb 28 -> Mar 31.
        assert quote(self.plan, {}, Period.parse(text)).period == Period.parse(text)

    @pytest.mark.parametrize(
        ("value", "error", "shown", "expected"),
        [
            (2.5, MoneyError, r"2\.5", "a str, int or Decimal"),
            (-1, PricingError, "-1", "a quantity of zero or more"),
            ("-0.5", PricingError, "'-0\\.5'", "a quantity of zero or more"),
            (Decimal("-1"), PricingError, r"Decimal\('-1'\)", "a quantity of zero or more"),
            (True, MoneyError, "True", "a number, not a bool"),
            (Decimal("NaN"), MoneyError, r"Decimal\('NaN'\)", "a finite number"),
            ("lots", MoneyError, "'lots'", "a decimal number"),
        ],
    )
    def test_bad_quantities_name_the_metric(
        self, value: object, error: type[Exception], shown: str, expected: str
    ) -> None:
        with pytest.raises(error, match=rf"^usage\['emails_sent'\] = {shown}: expected {expected}"):
            quote(self.plan, {"emails_sent": value}, MARCH_2026)

    def test_quantities_as_text_int_or_decimal(self) -> None:
        for value in ("4001", 4001, Decimal("4001"), "4_001", " 4001 "):
            assert quote(self.plan, {"emails_sent": value}, MARCH_2026).total == uah("150.10")

    def test_fractional_usage(self) -> None:
        # Storage: 0.20 EUR per GB, 2.5 GB -> 0.50.
        plan = Plan(
            code="s3",
            name="Storage",
            currency="EUR",
            charges=[Charge(code="gb", metric="gb", model=PerUnit(unit_price=eur("0.20")))],
        )
        assert quote(plan, {"gb": "2.5"}, MARCH_2026).total == eur("0.50")

    def test_event_lists_only_for_percentage_charges(self) -> None:
        with pytest.raises(
            PricingError,
            match=r"^usage\['emails_sent'\] = \['1', '2'\]: expected a quantity \(event lists "
            r"are for Percentage charges\)",
        ):
            quote(self.plan, {"emails_sent": ["1", "2"]}, MARCH_2026)

    def test_other_arguments(self) -> None:
        with pytest.raises(PricingError, match=r"^plan = 'email-free': expected a Plan"):
            quote("email-free", {}, MARCH_2026)  # type: ignore[arg-type]
        with pytest.raises(PricingError, match=r"^period = '2026-03': expected a Period"):
            quote(self.plan, {}, "2026-03")  # type: ignore[arg-type]
        with pytest.raises(PricingError, match=r"^usage = \[\('emails_sent', 1\)\]: expected a"):
            quote(self.plan, [("emails_sent", 1)], MARCH_2026)  # type: ignore[arg-type]


class TestPercentageCharges:
    # A payments plan: 2.9 % + 0.30 EUR per card payment (made up), and a
    # marketplace fee of 2 % of the month's sales.
    plan = Plan(
        code="payments",
        name="Payments",
        currency="EUR",
        charges=[
            Charge(
                code="card_fees",
                metric="card_payments",
                model=Percentage(rate="2.9%", currency="EUR", fixed=eur("0.30")),
            ),
            Charge(
                code="marketplace",
                metric="sales",
                model=Percentage(rate="2%", currency="EUR"),
            ),
        ],
    )

    def test_events(self) -> None:
        q = quote(self.plan, {"card_payments": ["100.00", "10.00"]}, MARCH_2026)
        line = q.line("card_fees")
        # (100.00 x 2.9 % + 0.30) + (10.00 x 2.9 % + 0.30) = 3.20 + 0.59 = 3.79
        assert line.amount == eur("3.79")
        assert line.quantity == Decimal("110.00")  # the events' sum
        assert line.events == (Decimal("100.00"), Decimal("10.00"))
        assert [s.label for s in line.steps] == ["2.9% of 2 events", "fixed fee per event"]

    def test_per_event_terms_refuse_a_total_naming_the_metric(self) -> None:
        with pytest.raises(
            PricingError,
            match=r"^usage\['card_payments'\] = '110\.00': expected event amounts \(a list\)",
        ):
            quote(self.plan, {"card_payments": "110.00"}, MARCH_2026)

    def test_per_event_terms_with_no_usage_bill_nothing(self) -> None:
        # No payments reported: no events, so no fixed fee either.
        q = quote(self.plan, {}, MARCH_2026)
        assert q.line("card_fees").amount == eur("0")
        assert q.line("card_fees").events == ()
        assert q.total == eur("0")
        assert "0 events" in q.explain()

    def test_per_event_terms_with_a_zero_total_bill_nothing(self) -> None:
        # A total of zero can only be no events at all: nothing to charge, not an error.
        q = quote(self.plan, {"card_payments": 0}, MARCH_2026)
        assert q.line("card_fees").amount == eur("0")
        assert q.line("card_fees").events == ()

    def test_the_base_fee_line_has_its_fee_as_unit_price(self) -> None:
        # The text shows "1 x fee"; the value says the same.
        plan = Plan(code="p", name="P", currency="EUR", base_fee=eur("49.00"))
        line = quote(plan, {}, MARCH_2026).line("base")
        assert (line.quantity, line.unit_price, line.amount) == (
            Decimal(1),
            eur("49.00"),
            eur("49.00"),
        )

    def test_a_total_or_events_without_per_event_terms(self) -> None:
        # 2 % of 1 234.50 = 24.69, whether given as a total or as its events.
        as_total = quote(self.plan, {"sales": "1234.50"}, MARCH_2026)
        as_events = quote(self.plan, {"sales": ["1000.00", "234.50"]}, MARCH_2026)
        assert as_total.line("marketplace").amount == eur("24.69")
        assert as_events.line("marketplace").amount == eur("24.69")

    def test_event_in_another_currency(self) -> None:
        with pytest.raises(PricingCurrencyError, match=r"^amounts\[0\] = Money\('1', 'USD'\)"):
            quote(self.plan, {"card_payments": [Money("1", "USD")]}, MARCH_2026)


class TestRoundingOncePerLine:
    @staticmethod
    def three_half_cents(mode: RoundingMode) -> Plan:
        # Three lines, each exactly 1 x 0.005 = 0.005 EUR.
        return Plan(
            code="halves",
            name="Halves",
            currency="EUR",
            rounding=RoundingPolicy(mode=mode),
            charges=[
                Charge(code=f"l{i}", metric=f"m{i}", model=PerUnit(unit_price=eur("0.005")))
                for i in range(3)
            ],
        )

    def test_half_up(self) -> None:
        q = quote(
            self.three_half_cents(RoundingMode.HALF_UP), {"m0": 1, "m1": 1, "m2": 1}, MARCH_2026
        )
        # Each line: 0.005 -> 0.01 (half up). Total: the sum of the rounded
        # lines, 3 x 0.01 = 0.03 -- not the rounded sum (0.015 -> 0.02).
        assert [ln.exact for ln in q.lines] == [eur("0.005")] * 3
        assert [ln.amount for ln in q.lines] == [eur("0.01")] * 3
        assert q.total == eur("0.03")

    def test_half_even(self) -> None:
        q = quote(
            self.three_half_cents(RoundingMode.HALF_EVEN), {"m0": 1, "m1": 1, "m2": 1}, MARCH_2026
        )
        # 0.005 -> 0.00 (the even neighbour), three times.
        assert [ln.amount for ln in q.lines] == [eur("0.00")] * 3
        assert q.total == eur("0.00")

    def test_a_line_is_rounded_once_not_per_step(self) -> None:
        plan = Plan(
            code="two-steps",
            name="Two steps",
            currency="EUR",
            charges=[
                Charge(
                    code="api",
                    metric="calls",
                    model=Graduated(
                        tiers=[
                            Tier(up_to=1, unit_price=eur("1.004")),
                            Tier(unit_price=eur("1.004")),
                        ]
                    ),
                )
            ],
        )
        line = quote(plan, {"calls": 2}, MARCH_2026).line("api")
        # 1 x 1.004 + 1 x 1.004 = 2.008 -> 2.01; rounding each step would give
        # 1.00 + 1.00 = 2.00.
        assert [s.amount for s in line.steps] == [eur("1.004"), eur("1.004")]
        assert line.amount == eur("2.01")

    def test_percent_of_uses_the_rounded_lines(self) -> None:
        plan = Plan(
            code="pct",
            name="Pct",
            currency="EUR",
            charges=[
                Charge(code="a", metric="a", model=PerUnit(unit_price=eur("0.005"))),
                PercentOf(code="fee", of="a", rate="100%"),
            ],
        )
        q = quote(plan, {"a": 1}, MARCH_2026)
        # a: 0.005 -> 0.01; fee: 100 % of the rounded 0.01 (not of 0.005) = 0.01
        assert q.line("fee").exact == eur("0.01")
        assert q.total == eur("0.02")


class TestQuoteValue:
    plan = TestEmailSaaS.plan

    def test_line_lookup(self) -> None:
        q = quote(TestMessagingSaaS.plan, {}, MARCH_2026)
        assert q.line("base").code == BASE_FEE_CODE
        with pytest.raises(
            PricingError, match=r"^code = 'nope': expected one of \['base', 'contacts'\]$"
        ):
            q.line("nope")

    def test_currency_and_rounding(self) -> None:
        q = quote(TestAttributionSaaS.starter, {}, TestAttributionSaaS.period)
        assert q.currency.code == "IRR"
        assert q.rounding == RoundingPolicy(minor_units={"IRR": 0})
        assert isinstance(q, Quote)

    def test_explain_text(self) -> None:
        q = quote(TestMessagingSaaS.plan, {"monthly_active_contacts": 1250}, MARCH_2026)
        text = q.explain()
        assert str(q) == text
        lines = text.splitlines()
        assert lines[0] == "Growth (growth), 2026-03-01..2026-04-01, EUR"
        assert lines[1].split() == ["base", "Growth", "1", "x", "79.00", "79.00"]
        assert lines[2].split()[:2] == ["contacts", "On-demand"]
        assert "1250 - 1000 included = 250" in lines[2]
        assert lines[3].split() == [
            "3",
            "packages",
            "of",
            "100:",
            "3",
            "x",
            "20.00",
            "=",
            "60.00",
            "60.00",
        ]
        assert lines[4].split() == ["total", "139.00"]

    def test_explain_of_a_line_with_nothing_to_bill(self) -> None:
        plan = _plan(charges=[_charge(model=Graduated(tiers=[Tier(unit_price=eur("0.01"))]))])
        q = quote(plan, {}, MARCH_2026)
        # No usage: no tier entered, so the line has no steps.
        assert q.line("api").steps == ()
        lines = q.explain().splitlines()
        assert lines[1].split() == ["api", "api"]
        assert lines[2].split() == ["nothing", "to", "bill", "0.00"]
        assert lines[3].split() == ["total", "0.00"]  # 0 rounded to cents

    def test_html_escapes_user_text(self) -> None:
        plan = attrs.evolve(
            TestMessagingSaaS.plan,
            name="<b>ACME</b> & Co",
            charges=[
                attrs.evolve(
                    TestMessagingSaaS.plan.charges[0],  # type: ignore[misc]
                    description="<script>alert(1)</script>",
                )
            ],
        )
        html = quote(plan, {"monthly_active_contacts": 1250}, MARCH_2026)._repr_html_()
        assert "&lt;b&gt;ACME&lt;/b&gt; &amp; Co" in html
        assert "<b>ACME</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>" not in html
        assert "139.00" in html
        assert html.startswith("<table>")
        assert html.endswith("</table>")

    def test_lines_are_frozen(self) -> None:
        line = quote(self.plan, {"emails_sent": 4001}, MARCH_2026).line("emails")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            line.amount = uah("0")  # type: ignore[misc]

    def test_volume_line_unit_price_is_the_tier_hit(self) -> None:
        plan = Plan(
            code="seats",
            name="Seats",
            currency="EUR",
            charges=[
                Charge(
                    code="seats",
                    metric="seats",
                    model=Volume(
                        tiers=[Tier(up_to=10, unit_price=eur("10")), Tier(unit_price=eur("8"))]
                    ),
                ),
                Charge(code="setup", metric="setup", model=Flat(amount=eur("99"))),
            ],
        )
        q = quote(plan, {"seats": 11}, MARCH_2026)
        assert q.line("seats").unit_price == eur("8")  # 11 seats: all at tier 2's 8
        assert q.line("seats").amount == eur("88.00")  # 11 x 8
        assert q.line("setup").unit_price == eur("99")
        assert q.total == eur("187.00")  # 88 + 99


# ---------------------------------------------------------------- Plan validation


def _charge(code: str = "api", **kw: object) -> Charge:
    args: dict[str, object] = {
        "code": code,
        "metric": "calls",
        "model": PerUnit(unit_price=eur("0.01")),
    }
    args.update(kw)
    return Charge(**args)  # type: ignore[arg-type]


def _plan(**kw: object) -> Plan:
    args: dict[str, object] = {"code": "p", "name": "P", "currency": "EUR"}
    args.update(kw)
    return Plan(**args)  # type: ignore[arg-type]


class TestPlanValidation:
    def test_unique_line_codes(self) -> None:
        with pytest.raises(
            PricingError, match=r"^charges\[1\]\.code = 'api': expected a code not used"
        ):
            _plan(charges=[_charge("api"), _charge("api", metric="other")])
        with pytest.raises(PricingError, match=r"^charges\[1\]\.code = 'api'"):
            _plan(charges=[_charge("api"), PercentOf(code="api", of="api", rate="1%")])

    @pytest.mark.parametrize("base_fee", [None, eur("10")])
    def test_base_is_reserved(self, base_fee: Money | None) -> None:
        with pytest.raises(PricingError, match=r"^charges\[0\]\.code = 'base': expected a code"):
            _plan(base_fee=base_fee, charges=[_charge("base")])

    def test_percent_of_refers_only_to_earlier_lines(self) -> None:
        later = [PercentOf(code="fee", of="api", rate="10%"), _charge("api")]
        with pytest.raises(
            PricingError,
            match=r"^charges\[0\]\.of = 'api': expected the code of an earlier line \(one of \[\]\)",
        ):
            _plan(charges=later)
        with pytest.raises(PricingError, match=r"^charges\[1\]\.of = 'fee': expected the code"):
            _plan(charges=[_charge("api"), PercentOf(code="fee", of=["api", "fee"], rate="1%")])
        # "base" only exists with a base fee.
        with pytest.raises(PricingError, match=r"^charges\[0\]\.of = 'base'"):
            _plan(charges=[PercentOf(code="fee", of="base", rate="10%")])
        plan = _plan(
            base_fee=eur("10"),
            charges=[_charge("api"), PercentOf(code="fee", of=["base", "api"], rate="10%")],
        )
        assert plan.charge("fee").of == ("base", "api")  # type: ignore[union-attr]

    def test_percentage_with_included_is_refused(self) -> None:
        with pytest.raises(
            PricingError,
            match=r"^charges\[0\]\.included = Decimal\('100'\): expected 0 for a Percentage model",
        ):
            _plan(charges=[_charge(model=Percentage(rate="1%", currency="EUR"), included=100)])

    def test_model_in_another_currency(self) -> None:
        with pytest.raises(
            PricingCurrencyError, match=r"^charges\[0\]\.model = PerUnit\(.*'USD'.*expected a price"
        ) as info:
            _plan(charges=[_charge(model=PerUnit(unit_price=Money("1", "USD")))])
        assert isinstance(info.value, CurrencyMismatchError)

    def test_base_fee(self) -> None:
        with pytest.raises(PricingCurrencyError, match=r"^base_fee = Money\('10', 'USD'\)"):
            _plan(base_fee=Money("10", "USD"))
        with pytest.raises(PricingError, match=r"^base_fee = Money\('-1', 'EUR'\): expected an"):
            _plan(base_fee=eur("-1"))
        with pytest.raises(PricingError, match=r"^base_fee = Decimal\('10'\): expected a Money"):
            _plan(base_fee=Decimal("10"))

    @pytest.mark.parametrize(
        ("text", "cycle"),
        [
            ("30 days", Cycle(CycleUnit.DAY, 30)),
            ("monthly", MONTHLY),
            ("1 month", MONTHLY),
            (" Quarterly ", Cycle(CycleUnit.MONTH, 3)),
            ("yearly", YEARLY),
        ],
    )
    def test_cycle_as_text(self, text: str, cycle: Cycle) -> None:
        assert _plan(cycle=text).cycle == cycle

    def test_bad_cycle(self) -> None:
        with pytest.raises(PricingError, match=r"^cycle = 'fortnightly': expected a cycle such as"):
            _plan(cycle="fortnightly")
        with pytest.raises(PricingError, match=r"^cycle = '0 days': expected a cycle"):
            _plan(cycle="0 days")
        with pytest.raises(PricingError, match=r"^cycle = 30: expected a Cycle or a text"):
            _plan(cycle=30)

    def test_codes_and_texts(self) -> None:
        with pytest.raises(
            PricingError, match=r"^code = '': expected a non-empty str without surrounding spaces$"
        ):
            _plan(code="")
        with pytest.raises(
            PricingError,
            match=r"^code = ' p': expected a non-empty str without surrounding spaces$",
        ):
            _plan(code=" p")
        with pytest.raises(PricingError, match=r"^name = 5: expected a str"):
            _plan(name=5)
        with pytest.raises(PricingError, match=r"^description = None: expected a str"):
            _plan(description=None)
        with pytest.raises(
            PricingError,
            match=r"^metric = '': expected a non-empty str without surrounding spaces$",
        ):
            _charge(metric="")
        with pytest.raises(PricingError, match=r"^code = 7: expected a str$"):
            _charge(code=7)

    def test_charge_fields(self) -> None:
        with pytest.raises(PricingError, match=r"^included = -1: expected a number of units"):
            _charge(included=-1)
        with pytest.raises(MoneyError, match=r"^included = 2500\.0: expected a str, int or"):
            _charge(included=2500.0)
        with pytest.raises(
            PricingError,
            match=(
                r"^model = 'per_unit': expected a Flat, PerUnit, Graduated, Volume, Package, "
                r"Percentage, GraduatedPercentage, Capacity or Prorated$"
            ),
        ):
            _charge(model="per_unit")
        with pytest.raises(PricingError, match=r"^of = \[\]: expected one or more line codes"):
            PercentOf(code="x", of=[], rate="1%")
        with pytest.raises(
            PricingError,
            match=r"^of\[1\] = '': expected a non-empty str without surrounding spaces$",
        ):
            PercentOf(code="x", of=["base", ""], rate="1%")
        with pytest.raises(MoneyError, match=r"^rate = '-10%': expected a rate of zero or more$"):
            PercentOf(code="x", of="base", rate="-10%")

    def test_plan_fields(self) -> None:
        with pytest.raises(PricingError, match=r"^charges = 'api': expected a list of Charge"):
            _plan(charges="api")
        with pytest.raises(PricingError, match=r"^charges\[0\] = 5: expected a Charge or"):
            _plan(charges=[5])
        with pytest.raises(PricingError, match=r"^rounding = 'half_up': expected a RoundingPolicy"):
            _plan(rounding="half_up")

    def test_charge_lookup_and_metrics(self) -> None:
        plan = TestAttributionSaaS.starter
        assert plan.charge("overage").label == "Attributions above the plan"
        assert plan.metrics == frozenset({"attributions"})
        with pytest.raises(
            PricingError,
            match=r"^code = 'x': expected one of \['overage', 'cohorts', 'audiences'\]$",
        ):
            plan.charge("x")
        assert _charge().label == "api"  # no description: the code

    def test_evolve_validates_again(self) -> None:
        plan = TestMessagingSaaS.plan
        with pytest.raises(PricingCurrencyError, match=r"^base_fee = "):
            attrs.evolve(plan, base_fee=Money("1", "USD"))
        # The derived fast-path data follows the new values.
        cheaper = attrs.evolve(plan, base_fee=eur("49.00"))
        assert quote(cheaper, {}, MARCH_2026).total == eur("49.00")


# ---------------------------------------------------------------- properties


@st.composite
def quoted(draw: st.DrawFn) -> tuple[Plan, dict[str, object], Period]:
    plan = draw(plans())
    return plan, draw(usage_for(plan)), draw(periods_for(plan.cycle))


@given(quoted())
def test_quote_is_deterministic(case: tuple[Plan, dict[str, object], Period]) -> None:
    plan, usage, period = case
    first, second = quote(plan, usage, period), quote(plan, usage, period)
    assert first == second
    assert first.lines == second.lines
    assert first.explain() == second.explain()
    assert first._repr_html_() == second._repr_html_()


@given(quoted())
def test_total_is_the_sum_of_the_line_amounts(
    case: tuple[Plan, dict[str, object], Period],
) -> None:
    plan, usage, period = case
    q = quote(plan, usage, period)
    assert q.total == sum_money([ln.amount for ln in q.lines], plan.currency)
    assert [ln.code for ln in q.lines] == (["base"] if plan.base_fee is not None else []) + [
        c.code for c in plan.charges
    ]


@given(quoted())
def test_each_line_is_its_exact_amount_rounded_once(
    case: tuple[Plan, dict[str, object], Period],
) -> None:
    plan, usage, period = case
    q = quote(plan, usage, period)
    for ln in q.lines:
        assert ln.amount == plan.rounding.round(ln.exact)
        assert ln.amount.amount.as_tuple().exponent == -plan.rounding.digits(plan.currency)
        # The steps explain the exact amount.
        assert ln.breakdown.amount == ln.exact


@given(quoted())
def test_half_up_lines_are_within_half_a_minor_unit(
    case: tuple[Plan, dict[str, object], Period],
) -> None:
    plan, usage, period = case
    plan = attrs.evolve(plan, rounding=RoundingPolicy(mode=RoundingMode.HALF_UP))
    half = plan.rounding.quantum(plan.currency) / 2
    for ln in quote(plan, usage, period).lines:
        assert abs(ln.amount.amount - ln.exact.amount) <= half


@given(quoted())
def test_lines_agree_with_the_models_public_prices(
    case: tuple[Plan, dict[str, object], Period],
) -> None:
    # quote() takes a fast path; it must give what price() gives.
    plan, usage, period = case
    q = quote(plan, usage, period)
    for ln in q.lines:
        source = ln.source
        if isinstance(source, PercentOf):
            base = sum(q.line(ref).amount.amount for ref in source.of)
            assert ln.exact.amount == base * source.rate
        elif isinstance(source, Percentage) and ln.events is not None:
            assert ln.exact == source.price_events(ln.events)
        elif source is not None:
            assert ln.billable == max(ln.quantity - ln.included, Decimal(0))
            assert ln.exact == source.price(ln.billable)


@given(quoted())
def test_quote_ignores_the_callers_decimal_context(
    case: tuple[Plan, dict[str, object], Period],
) -> None:
    plan, usage, period = case
    expected = quote(plan, usage, period)
    text = expected.explain()
    with decimal.localcontext() as ctx:  # the keyword form is Python 3.11+
        ctx.prec = 3
        ctx.rounding = decimal.ROUND_FLOOR
        got = quote(plan, usage, period)
        assert got == expected
        assert got.explain() == text
        # quote() put the caller's context back.
        assert decimal.getcontext() is ctx
        assert decimal.getcontext().prec == 3
