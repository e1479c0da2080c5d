"""Autopayment (REQUIREMENTS.md 3): top up a month's worth when the balance will
not cover the next charges, never above the customer's monthly maximum; the
suggested maximum is the forecast plus 10 %."""

from __future__ import annotations

import pytest

from billkit.credit import AutopaySettings, Commission, PaymentMethod, decide_autopay
from billkit.credit.autopay import AutopayReason, suggested_monthly_maximum
from billkit.errors import CreditError
from billkit.money import Money

YOOKASSA = PaymentMethod(
    name="yookassa",
    commission=Commission(rate="5%", fixed=Money("10.00", "RUB")),
    min_amount=Money("10.00", "RUB"),
    max_amount=Money("3000.00", "RUB"),
)


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def decide(settings: AutopaySettings, balance: str, paid: str = "0.00", month: str = "620.00"):  # type: ignore[no-untyped-def]
    return decide_autopay(
        settings,
        balance=rub(balance),
        next_charges=rub("60.00"),
        monthly_spend=rub(month),
        paid_this_month=rub(paid),
    )


def test_the_suggested_maximum_is_the_forecast_plus_ten_percent() -> None:
    # seed 002: forecast up to 620.00 a month -> 682.00 suggested
    assert suggested_monthly_maximum(rub("620.00")) == rub("682.00")
    # 60.05 x 1.1 = 66.055 -> 66.06: rounded up, never below forecast + 10 %
    assert suggested_monthly_maximum(rub("60.05")) == rub("66.06")
    assert suggested_monthly_maximum(rub("620.00"), margin="15%") == rub("713.00")


class TestDecisions:
    settings = AutopaySettings(currency="RUB", monthly_max=rub("682.00"))

    def test_no_top_up_while_the_balance_covers_the_next_charges(self) -> None:
        d = decide(self.settings, "60.00")
        assert (d.reason, d.top_up, d.pay) == (AutopayReason.NOT_NEEDED, False, rub("0.00"))

    def test_a_months_worth(self) -> None:
        d = decide(self.settings, "40.00")  # 620 - 40 = 580
        assert (d.reason, d.amount, d.pay, d.covers_next) == (
            AutopayReason.TOP_UP,
            rub("580.00"),
            rub("580.00"),
            True,
        )

    def test_rounded_up_to_the_kopek(self) -> None:
        d = decide(self.settings, "40.0037")  # 620 - 40.0037 = 579.9963 -> 580.00
        assert d.amount == rub("580.00")

    def test_a_balance_in_debt_is_made_up_too(self) -> None:
        unlimited = AutopaySettings(currency="RUB")
        d = decide_autopay(
            unlimited,
            balance=rub("-100.00"),
            next_charges=rub("60.00"),
            monthly_spend=rub("620.00"),
        )
        assert d.amount == rub("720.00")  # 620 + the 100 owed

    def test_never_above_the_monthly_maximum(self) -> None:
        d = decide(self.settings, "10.00", paid="500.00")  # 682 - 500 = 182 left
        assert (d.reason, d.amount, d.needed, d.covers_next) == (
            AutopayReason.CAPPED,
            rub("182.00"),
            rub("610.00"),
            True,
        )
        short = decide(self.settings, "10.00", paid="640.00")  # 42 left: 10 + 42 < 60
        assert (short.amount, short.covers_next) == (rub("42.00"), False)
        spent = decide(self.settings, "10.00", paid="682.00")
        assert (spent.reason, spent.top_up, spent.covers_next) == (
            AutopayReason.LIMIT_REACHED,
            False,
            False,
        )

    def test_the_next_charges_can_exceed_a_month(self) -> None:
        unlimited = AutopaySettings(currency="RUB")
        d = decide_autopay(
            unlimited, balance=rub("0"), next_charges=rub("1200.00"), monthly_spend=rub("620.00")
        )
        assert d.amount == rub("1200.00")  # an annual renewal due: at least that


class TestWithAPaymentMethod:
    settings = AutopaySettings(currency="RUB", monthly_max=rub("682.00"), method=YOOKASSA)

    def test_the_commission_counts_against_the_maximum(self) -> None:
        d = decide(self.settings, "0.00", month="600.00")
        # 600 + 30 + 10 = 640 <= 682
        assert (d.amount, d.fee, d.pay) == (rub("600.00"), rub("40.00"), rub("640.00"))
        capped = decide(self.settings, "0.00", paid="100.00")
        # 582 left: the largest n with n + round(5 % n) + 10 <= 582 is 544.76
        # (544.76 + 27.24 + 10 = 582.00; 544.77 + 27.24 + 10 = 582.01)
        assert (capped.reason, capped.amount, capped.pay) == (
            AutopayReason.CAPPED,
            rub("544.76"),
            rub("582.00"),
        )

    def test_raised_to_the_methods_smallest_payment(self) -> None:
        card = PaymentMethod(
            name="card",
            commission=Commission(currency="RUB"),
            min_amount=rub("10.00"),
            max_amount=rub("3000.00"),
        )
        settings = AutopaySettings(currency="RUB", monthly_max=rub("682.00"), method=card)
        d = decide_autopay(
            settings,
            balance=rub("57.00"),
            next_charges=rub("60.00"),
            monthly_spend=rub("60.00"),
            paid_this_month=rub("0"),
        )
        assert (d.needed, d.amount) == (rub("3.00"), rub("10.00"))
        # 675 already paid: 7 left, below the method's 10: nothing can be paid
        none = decide_autopay(
            settings,
            balance=rub("57.00"),
            next_charges=rub("60.00"),
            monthly_spend=rub("60.00"),
            paid_this_month=rub("675.00"),
        )
        assert none.reason is AutopayReason.LIMIT_REACHED

    def test_a_method_with_limits_needs_a_maximum(self) -> None:
        with pytest.raises(CreditError, match="monthly maximum"):
            AutopaySettings(currency="RUB", method=YOOKASSA)

    def test_inputs_are_checked(self) -> None:
        with pytest.raises(CreditError, match="paid_this_month"):
            decide_autopay(
                self.settings,
                balance=rub("0"),
                next_charges=rub("60.00"),
                monthly_spend=rub("620.00"),
            )
        with pytest.raises(CreditError, match="a payment method in EUR"):
            AutopaySettings(currency="EUR", monthly_max=Money("1.00", "EUR"), method=YOOKASSA)
