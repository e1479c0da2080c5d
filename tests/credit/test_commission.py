"""Payment-method commission: on top, exact gross-up, limits (REQUIREMENTS.md 1 and 3)."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest

from billkit.credit import Cashback, Commission, PaymentMethod
from billkit.credit.commission import FeeMode, fee_on_top, gross_up
from billkit.errors import CreditError, CurrencyMismatchError
from billkit.money import Money, RoundingPolicy

HOSTING = Commission(rate="5%", fixed=Money("10.00", "RUB"))
ROBOKASSA = Commission(rate="3.9%", currency="RUB")
YOOKASSA = PaymentMethod(
    name="yookassa",
    commission=HOSTING,
    min_amount=Money("10.00", "RUB"),
    max_amount=Money("3000.00", "RUB"),
    cashback=Cashback(rate="10%"),
)


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def provider_net(gross: Decimal, rate: str = "0.039") -> Decimal:
    """What the 3.9 % provider leaves of ``gross``: its fee rounded half-up to kopeks."""
    fee = (gross * Decimal(rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return gross - fee


class TestFeeOnTop:
    def test_five_percent_plus_ten(self) -> None:
        # REQUIREMENTS.md 3: 20.00 to pay becomes 20.00 + 5 % (1.00) + 10.00 = 31.00
        q = fee_on_top(HOSTING, rub("20.00"))
        assert (q.net, q.fee, q.gross, q.mode) == (
            rub("20.00"),
            rub("11.00"),
            rub("31.00"),
            FeeMode.ON_TOP,
        )
        # seed 002: an order of 100.00 -> 115.00 to pay
        assert fee_on_top(HOSTING, rub("100.00")).gross == rub("115.00")

    def test_minimum_and_maximum_fee(self) -> None:
        terms = Commission(rate="2%", minimum=rub("15.00"), maximum=rub("50.00"))
        assert terms.fee(rub("100.00")) == rub("15.00")  # 2.00 -> the minimum
        assert terms.fee(rub("1000.00")) == rub("20.00")
        assert terms.fee(rub("10000.00")) == rub("50.00")  # 200.00 -> the maximum

    def test_the_providers_own_rounding(self) -> None:
        # 12.50 x 1 % = 0.125: half-up 0.13, a provider that truncates 0.12
        assert Commission(rate="1%", currency="RUB").fee(rub("12.50")) == rub("0.13")
        down = Commission(rate="1%", currency="RUB", rounding=RoundingPolicy(mode="down"))
        assert down.fee(rub("12.50")) == rub("0.12")

    def test_bad_terms(self) -> None:
        with pytest.raises(CreditError, match="below 100%"):
            Commission(rate="100%", currency="RUB")
        with pytest.raises(CreditError, match="at least the minimum"):
            Commission(rate="1%", minimum=rub("5.00"), maximum=rub("1.00"))
        with pytest.raises(CurrencyMismatchError):
            Commission(fixed=rub("1.00"), maximum=Money("5.00", "EUR"))
        with pytest.raises(CreditError, match="a currency"):
            Commission(rate="1%")
        with pytest.raises(CreditError, match="whole number of minor units"):
            fee_on_top(HOSTING, rub("20.005"))
        with pytest.raises(CurrencyMismatchError):
            fee_on_top(HOSTING, Money("20.00", "EUR"))


class TestGrossUp:
    def test_the_individual_pays_the_commission_included(self) -> None:
        # REQUIREMENTS.md 1: a 3.9 % provider; the amount shown includes it.
        q = gross_up(ROBOKASSA, rub("10000.00"))
        assert (q.gross, q.fee, q.net) == (rub("10405.83"), rub("405.83"), rub("10000.00"))
        # 10 405.83 x 3.9 % = 405.82737 -> 405.83; 10 405.83 - 405.83 = 10 000.00
        assert provider_net(Decimal("10405.83")) == Decimal("10000.00")
        # one kopek less: 10 405.82 x 3.9 % = 405.82698 -> 405.83; nets 9 999.99
        assert provider_net(Decimal("10405.82")) == Decimal("9999.99")

    def test_why_the_naive_and_truncated_amounts_fall_short(self) -> None:
        naive = (Decimal("10000.00") * Decimal("1.039")).quantize(Decimal("0.01"))
        assert naive == Decimal("10390.00")
        assert provider_net(naive) == Decimal("9984.79")  # fee 405.21: 15.21 short
        exact = Decimal("10000.00") / (1 - Decimal("0.039"))  # 10 405.827...
        truncated = exact.quantize(Decimal("0.01"), ROUND_DOWN)
        assert truncated == Decimal("10405.82")
        assert provider_net(truncated) == Decimal("9999.99")  # one kopek short

    def test_nine_months_at_the_analytics_tariff(self) -> None:
        # 90 000 / 0.961 = 93 652.445...; 93 652.45 x 3.9 % = 3 652.44555 -> 3 652.45
        assert gross_up(ROBOKASSA, rub("90000.00")).gross == rub("93652.45")
        assert provider_net(Decimal("93652.45")) == Decimal("90000.00")
        assert provider_net(Decimal("93652.44")) == Decimal("89999.99")

    def test_gross_up_with_a_fixed_part_minimum_and_maximum(self) -> None:
        # 5 % + 10 taken from the gross: 31.58 x 5 % = 1.579 -> 1.58, 31.58 - 11.58 =
        # 20.00; 31.57 x 5 % = 1.5785 -> 1.58, 31.57 - 11.58 = 19.99 (not 31.00: on top
        # the provider's 5 % is of 20.00, here of the 31.58 it processes)
        assert gross_up(HOSTING, rub("20.00")).gross == rub("31.58")
        assert HOSTING.fee(rub("31.57")) == rub("11.58")
        with_min = Commission(rate="2%", minimum=rub("15.00"))
        assert gross_up(with_min, rub("100.00")).gross == rub("115.00")  # the fee is 15.00
        with_max = Commission(rate="2%", maximum=rub("50.00"))
        assert gross_up(with_max, rub("10000.00")).gross == rub("10050.00")

    def test_zero_or_negative_targets_are_refused(self) -> None:
        with pytest.raises(CreditError, match="above zero"):
            gross_up(ROBOKASSA, rub("0"))


class TestPaymentMethod:
    def test_limits_apply_to_what_the_payer_pays(self) -> None:
        # 10.00 .. 3 000.00 RUB. 2 847.62 + 142.38 + 10 = 3 000.00: allowed;
        # 2 847.63 + 142.38 (142.3815) + 10 = 3 000.01: refused
        assert YOOKASSA.quote(rub("2847.62")).gross == rub("3000.00")
        with pytest.raises(CreditError, match=r"from 10\.00 to 3000\.00 RUB"):
            YOOKASSA.quote(rub("2847.63"))
        plain = PaymentMethod(
            name="card",
            commission=Commission(currency="RUB"),
            min_amount=rub("10.00"),
            max_amount=rub("3000.00"),
        )
        assert plain.quote(rub("10.00")).gross == rub("10.00")
        with pytest.raises(CreditError, match="the limits of payment method 'card'"):
            plain.quote(rub("9.99"))
        with pytest.raises(CreditError):
            plain.quote(rub("3000.01"))

    def test_cashback_on_the_payment(self) -> None:
        # seed 002: 115.00 paid -> 11.50 of cashback
        assert YOOKASSA.quote(rub("100.00")).cashback == rub("11.50")
        net_based = PaymentMethod(
            name="net", commission=HOSTING, cashback=Cashback(rate="10%", base="net")
        )
        assert net_based.quote(rub("100.00")).cashback == rub("10.00")

    def test_a_gross_up_method(self) -> None:
        robokassa = PaymentMethod(name="robokassa", commission=ROBOKASSA, mode="gross_up")
        assert robokassa.quote(rub("10000.00")).gross == rub("10405.83")

    def test_bad_methods(self) -> None:
        with pytest.raises(CreditError, match="at least min_amount"):
            PaymentMethod(
                name="x", commission=HOSTING, min_amount=rub("10.00"), max_amount=rub("5.00")
            )
        with pytest.raises(CurrencyMismatchError):
            PaymentMethod(name="x", commission=HOSTING, min_amount=Money("1.00", "EUR"))
        with pytest.raises(CreditError, match="one of 'on_top', 'gross_up'"):
            PaymentMethod(name="x", commission=HOSTING, mode="inside")
