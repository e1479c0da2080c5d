"""Payment-method commission: on top, exact gross-up, limits (REQUIREMENTS.md 1 and 3)."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


class TestNetSettlement:
    """The provider's fee taken from what the merchant receives (Stripe's balance transactions)."""

    STRIPE = Commission(rate="2.9%", fixed=Money("0.30", "USD"))

    def test_stripes_published_card_price(self) -> None:
        from billkit.credit.commission import net_settlement

        # Stripe, US cards: 2.9 % + 0.30. On 100.00: 2.90 + 0.30 = 3.20; net 100.00 - 3.20 = 96.80.
        q = net_settlement(self.STRIPE, Money("100.00", "USD"))
        assert (q.gross, q.fee, q.net, q.mode) == (
            Money("100.00", "USD"),
            Money("3.20", "USD"),
            Money("96.80", "USD"),
            FeeMode.NET_SETTLEMENT,
        )
        # On 10.00: 0.29 + 0.30 = 0.59; net 9.41.
        assert net_settlement(self.STRIPE, Money("10.00", "USD")).net == Money("9.41", "USD")

    def test_the_gross_up_of_the_same_price(self) -> None:
        # To receive 100.00: 103.30 x 2.9 % = 2.9957 -> 3.00, + 0.30 = 3.30, 103.30 - 3.30 = 100.00;
        # 103.29 x 2.9 % = 2.99541 -> 3.00, + 0.30 -> 99.99 received: one cent short.
        assert gross_up(self.STRIPE, Money("100.00", "USD")).gross == Money("103.30", "USD")

    def test_a_method_that_settles_net_charges_the_amount_itself(self) -> None:
        card = PaymentMethod(
            name="card",
            mode="net_settlement",
            commission=self.STRIPE,
            max_amount=Money("100.00", "USD"),
        )
        assert card.quote(Money("100.00", "USD")).gross == Money("100.00", "USD")  # within 100.00
        with pytest.raises(CreditError, match="limits of payment method 'card'"):
            card.quote(Money("100.01", "USD"))

    def test_an_amount_its_fee_would_swallow_is_refused(self) -> None:
        from billkit.credit.commission import net_settlement

        # 0.30 x 2.9 % = 0.0087 -> 0.01, + 0.30 = 0.31 > 0.30.
        with pytest.raises(CreditError, match="above its fee"):
            net_settlement(self.STRIPE, Money("0.30", "USD"))


@given(
    st.decimals(min_value=0, max_value="0.5", places=4),
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=1, max_value=10**9),
)
def test_net_settlement_adds_up(rate: Decimal, fixed_cents: int, cents: int) -> None:
    """gross = net + fee exactly, and the merchant never receives more than was paid."""
    from billkit.credit.commission import net_settlement

    commission = Commission(rate=rate, fixed=Money(Decimal(fixed_cents) / 100, "USD"))
    amount = Money(Decimal(cents) / 100, "USD")
    try:
        q = net_settlement(commission, amount)
    except CreditError:
        assert (
            commission.fee(amount).amount >= amount.amount
        )  # refused only when the fee swallows it
        return
    assert q.gross == amount
    assert q.net.amount + q.fee.amount == amount.amount
    assert q.fee == commission.fee(amount)
    assert 0 < q.net.amount <= amount.amount
