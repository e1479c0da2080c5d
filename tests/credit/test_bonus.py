"""Bonus programs, cashback and free allowances (REQUIREMENTS.md 1-3)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from billkit.credit import BonusProgram, Cashback
from billkit.credit.bonus import BonusTier, FreeAllowance
from billkit.errors import CreditError, CurrencyMismatchError
from billkit.money import Money, RoundingPolicy
from billkit.periods import Cycle

UTC = timezone.utc
TARIFF = Money("10000.00", "RUB")
ANALYTICS = BonusProgram.months({5: 1, 9: 3, 15: 9})


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


class TestMonthsProgram:
    @pytest.mark.parametrize(
        ("paid", "bonus"),
        [
            ("10000.00", "0.00"),  # 1 month: no tier
            ("40000.00", "0.00"),  # 4 months
            ("50000.00", "10000.00"),  # 5 months -> 1 month of the tariff
            ("70000.00", "10000.00"),  # 7 months: still the 5-month tier
            ("89999.99", "10000.00"),  # a kopek short of 9 months
            ("90000.00", "30000.00"),  # 9 months -> 3 months (REQUIREMENTS.md 1)
            ("95000.00", "30000.00"),  # 9.5 months
            ("150000.00", "90000.00"),  # 15 months -> 9 months
            ("300000.00", "90000.00"),  # 30 months: the top tier
        ],
    )
    def test_the_analytics_saas_program(self, paid: str, bonus: str) -> None:
        assert ANALYTICS.bonus(rub(paid), TARIFF) == rub(bonus)

    def test_the_tier_that_gave_the_bonus(self) -> None:
        award = ANALYTICS.earn(rub("90000.00"), TARIFF)
        assert award.tier == BonusTier(min_months=9, bonus_months=3)
        assert ANALYTICS.earn(rub("1.00"), TARIFF).tier is None

    def test_months_need_a_tariff_in_the_same_currency(self) -> None:
        with pytest.raises(CreditError, match="the monthly tariff"):
            ANALYTICS.bonus(rub("90000.00"))
        with pytest.raises(CurrencyMismatchError):
            ANALYTICS.bonus(rub("90000.00"), Money("10000.00", "EUR"))


class TestOtherShapes:
    def test_a_percentage_over_a_threshold(self) -> None:
        program = BonusProgram.percent(Money("1000.00", "EUR"), "5%")
        assert program.bonus(Money("999.99", "EUR")) == Money("0.00", "EUR")
        assert program.bonus(Money("1000.00", "EUR")) == Money("50.00", "EUR")
        # 1 234.50 x 5 % = 61.725 -> 61.73 half-up, 61.72 when the program rounds down
        assert program.bonus(Money("1234.50", "EUR")) == Money("61.73", "EUR")
        down = BonusProgram(tiers=program.tiers, rounding=RoundingPolicy(mode="down"))
        assert down.bonus(Money("1234.50", "EUR")) == Money("61.72", "EUR")

    def test_mixed_tiers_give_the_best_reward_reached(self) -> None:
        program = BonusProgram(
            tiers=[
                BonusTier(min_amount=rub("20000.00"), rate="10%"),
                BonusTier(min_months=5, bonus_months=1),
            ]
        )
        # 50 000: 10 % = 5 000 vs 1 month = 10 000 -> 10 000; 30 000: only 10 % = 3 000
        assert program.bonus(rub("50000.00"), TARIFF) == rub("10000.00")
        assert program.bonus(rub("30000.00"), TARIFF) == rub("3000.00")

    def test_bad_programs(self) -> None:
        with pytest.raises(CreditError, match="a threshold"):
            BonusTier(bonus_months=1)
        with pytest.raises(CreditError, match="exactly one"):
            BonusTier(min_months=5, min_amount=rub("1.00"), bonus_months=1)
        with pytest.raises(CreditError, match="at least one"):
            BonusProgram(tiers=[])
        with pytest.raises(CreditError, match="never cash"):
            BonusProgram.months({5: 1}, kind="paid")
        with pytest.raises(CreditError, match="above zero"):
            BonusTier(min_months=0, bonus_months=1)

    def test_bonus_expiry(self) -> None:
        program = BonusProgram.months({5: 1}, valid_for=Cycle("month", 12))
        granted = datetime(2026, 1, 31, 10, tzinfo=UTC)
        assert program.expires_at(granted) == datetime(2027, 1, 31, 10, tzinfo=UTC)
        # month arithmetic clamps to the month's end: January 31 + 1 month = February 28
        month = BonusProgram.months({5: 1}, valid_for=Cycle("month", 1))
        assert month.expires_at(granted) == datetime(2026, 2, 28, 10, tzinfo=UTC)
        days = BonusProgram.months({5: 1}, valid_for=Cycle("day", 30))
        assert days.expires_at(granted) == datetime(2026, 3, 2, 10, tzinfo=UTC)
        assert ANALYTICS.expires_at(granted) is None


class TestCashback:
    def test_ten_percent_of_the_payment(self) -> None:
        # seed 002: pfx/1186, 115.00 paid by YooKassa -> cashback/11, 11.50
        assert Cashback(rate="10%").amount(rub("115.00")) == rub("11.50")
        assert Cashback(rate="10%").amount(rub("31.00")) == rub("3.10")
        # 10 % of 0.05 = 0.005 -> 0.01 half-up
        assert Cashback(rate="10%").amount(rub("0.05")) == rub("0.01")

    def test_cashback_is_bonus_money(self) -> None:
        with pytest.raises(CreditError, match="never cash"):
            Cashback(rate="10%", kind="refundable")
        with pytest.raises(CreditError, match="from 0 to 100%"):
            Cashback(rate="150%")


class TestFreeAllowance:
    def test_the_2500_free_emails(self) -> None:
        free = FreeAllowance(metric="emails", included=2500)
        first = free.consume(1000)
        assert (first.free, first.billable, first.allowance.remaining) == (
            Decimal(1000),
            Decimal(0),
            Decimal(1500),
        )
        second = first.allowance.consume(3001)  # 1 500 free, 1 501 billed
        assert (second.free, second.billable, second.allowance.remaining) == (
            Decimal(1500),
            Decimal(1501),
            Decimal(0),
        )
        assert second.allowance.consume(10).billable == Decimal(10)

    def test_an_expiring_allowance(self) -> None:
        ends = datetime(2026, 4, 1, tzinfo=UTC)
        free = FreeAllowance(metric="emails", included=2500, expires_at=ends)
        assert free.consume(100, at=datetime(2026, 3, 31, tzinfo=UTC)).free == Decimal(100)
        assert free.consume(100, at=ends).billable == Decimal(100)
        with pytest.raises(CreditError, match="timezone-aware"):
            free.consume(100)

    def test_bad_allowances(self) -> None:
        with pytest.raises(CreditError, match="at most included"):
            FreeAllowance(metric="emails", included=10, used=11)
        with pytest.raises(CreditError, match="zero or more"):
            FreeAllowance(metric="emails", included=10).consume(-1)
