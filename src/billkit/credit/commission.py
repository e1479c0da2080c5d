"""Payment-method commission: fee on top, exact gross-up, net settlement, and amount limits.

A :class:`Commission` is what a payment provider takes: a percentage plus a
fixed part, kept between a minimum and a maximum, rounded to the minor unit
the way the provider rounds. Three ways to charge it:

* :func:`fee_on_top`: the fee as the provider computes it on the amount, added
  on top. The hosting provider's method takes 5 % + 10.00 RUB, so 20.00 to pay
  becomes 20.00 + 1.00 + 10.00 = 31.00;
* :func:`gross_up`: the smallest amount to charge so that, after the provider
  takes its fee *from that amount* and rounds it, the merchant receives at
  least the intended net. The analytics SaaS's individuals pay through a
  provider taking 3.9 %, and the amount shown already includes it: to credit
  10 000.00 RUB the payer pays 10 405.83;
* :func:`net_settlement`: the payer pays the amount and the provider takes
  its fee from what the merchant receives (Stripe's balance transactions:
  ``net = amount - fee``). At Stripe's 2.9 % + 0.30 USD a 100.00 USD payment
  settles 100.00 - 3.20 = 96.80 USD; the customer's balance is still
  credited 100.00.

>>> from billkit.money import Money
>>> hosting = Commission(rate="5%", fixed=Money("10.00", "RUB"))
>>> fee_on_top(hosting, Money("20.00", "RUB")).gross
Money('31.00', 'RUB')
>>> gross_up(Commission(rate="3.9%", currency="RUB"), Money("10000.00", "RUB")).gross
Money('10405.83', 'RUB')
>>> net_settlement(Commission(rate="2.9%", fixed=Money("0.30", "USD")), Money("100.00", "USD")).net
Money('96.80', 'USD')

Why not ``net x (1 + rate)``? 10 000 x 1.039 = 10 390.00, of which the
provider keeps 3.9 % = 405.21, leaving 9 984.79: 15.21 short. And the exact
``net / (1 - rate)`` = 10 405.827... truncated to 10 405.82 leaves 9 999.99
after the provider's rounded fee of 405.83: one kopek short.

A :class:`PaymentMethod` adds the method's amount limits (from 10.00 to
3 000.00 RUB: outside them the payment is refused) and its cashback.
"""

from __future__ import annotations

import decimal
import enum
from decimal import Decimal
from typing import ClassVar, Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit.bonus import Cashback, CashbackBase
from billkit.errors import CreditError, ValidationError
from billkit.money import CONTEXT, DEFAULT_ROUNDING, LIMIT, RoundingPolicy

__all__ = [
    "Commission",
    "FeeMode",
    "PaymentMethod",
    "PaymentQuote",
    "fee_on_top",
    "gross_up",
    "net_settlement",
]

_ZERO: Final = Decimal(0)


class FeeMode(str, enum.Enum):
    """How a payment method charges its commission: on top of the amount,
    grossed up so the merchant nets the amount, or taken from what the
    merchant receives (``NET_SETTLEMENT``: the merchant bears it).

    >>> FeeMode("gross_up") is FeeMode.GROSS_UP, FeeMode("net_settlement").name
    (True, 'NET_SETTLEMENT')
    """

    ON_TOP = "on_top"
    GROSS_UP = "gross_up"
    NET_SETTLEMENT = "net_settlement"


def _below_all(_: object, field: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value >= 1:
        raise CreditError(field.name, value, "a rate below 100%: a provider cannot keep everything")


_FEE: Final = checks.options(sign="zero_or_more")
_LIMIT: Final = checks.options(sign="above_zero")


@attrs.frozen(kw_only=True)
class Commission:
    """A provider's fee: ``rate x amount + fixed``, rounded under ``rounding``
    (half-up by default: set the provider's own rule), then kept between
    ``minimum`` and ``maximum``. The fee is never negative.

    ``currency`` may be left out when ``fixed``, ``minimum`` or ``maximum``
    give it.

    >>> Commission(rate="2%", minimum=Money("15.00", "RUB")).fee(Money("100.00", "RUB"))
    Money('15.00', 'RUB')
    >>> Commission(rate="5%", fixed=Money("10.00", "RUB")).fee(Money("100.00", "RUB"))
    Money('15.00', 'RUB')
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    rate: Decimal = attrs.field(default=_ZERO, converter=checks.RATE, validator=_below_all)
    fixed: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_FEE)
    minimum: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_FEE)
    maximum: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_FEE)
    currency: Currency = attrs.field(converter=checks.CURRENCY)
    rounding: RoundingPolicy = attrs.field(default=DEFAULT_ROUNDING, converter=checks.INSTANCE)

    @currency.default
    def _currency_of_the_fees(self) -> Currency:
        for fee in (self.fixed, self.minimum, self.maximum):
            if fee is not None:
                return fee.currency
        raise CreditError("currency", None, "a currency (or a fixed, minimum or maximum fee)")

    def __attrs_post_init__(self) -> None:
        for field in ("fixed", "minimum", "maximum"):
            money: Money | None = getattr(self, field)
            if money is not None:
                checks.same_currency(field, money, self.currency, error=CreditError)
        if (
            self.minimum is not None
            and self.maximum is not None
            and self.maximum.amount < self.minimum.amount
        ):
            raise CreditError(
                "maximum", self.maximum, f"at least the minimum ({self.minimum.amount})"
            )

    def _fee(self, amount: Decimal) -> Decimal:
        """The fee on ``amount`` (billkit's decimal context must be current)."""
        exact = self.rate * amount
        if self.fixed is not None:
            exact += self.fixed.amount
        fee = self.rounding.round_amount(exact, self.currency)
        if self.minimum is not None and fee < self.minimum.amount:
            fee = self.minimum.amount
        if self.maximum is not None and fee > self.maximum.amount:
            fee = self.maximum.amount
        return fee

    def fee(self, amount: Money) -> Money:
        """The fee the provider takes on ``amount`` (the amount it processes)."""
        money = checks.same_currency(
            "amount",
            checks.money("amount", amount, sign="zero_or_more", error=CreditError),
            self.currency,
            error=CreditError,
        )
        with decimal.localcontext(CONTEXT):
            return Money(self._fee(money.amount), self.currency)


@attrs.frozen(kw_only=True)
class PaymentQuote:
    """One payment through a method: the payer pays ``gross``, the provider
    keeps ``fee``, and ``net`` reaches the merchant; ``cashback`` is what the
    method credits back. On top and grossed up, ``net`` is what the
    customer's balance is credited; under a net settlement the balance is
    credited ``gross`` (the merchant bears the fee).

    >>> q: PaymentQuote = fee_on_top(Commission(rate="5%", currency="RUB"), Money("100.00", "RUB"))
    >>> q.net, q.fee, q.gross, q.mode.value
    (Money('100.00', 'RUB'), Money('5.00', 'RUB'), Money('105.00', 'RUB'), 'on_top')
    """

    net: Money
    fee: Money
    gross: Money
    mode: FeeMode
    cashback: Money


def _payment(field: str, value: object, commission: Commission) -> Money:
    money = checks.same_currency(
        field,
        checks.money(field, value, commission.currency, sign="above_zero", error=CreditError),
        commission.currency,
        error=CreditError,
    )
    return checks.whole_minor_units(field, money, commission.rounding, error=CreditError)


def fee_on_top(commission: Commission, amount: Money) -> PaymentQuote:
    """``amount`` plus the fee the provider computes on it.

    >>> hosting = Commission(rate="5%", fixed=Money("10.00", "RUB"))
    >>> q = fee_on_top(hosting, Money("100.00", "RUB"))
    >>> q.net, q.fee, q.gross
    (Money('100.00', 'RUB'), Money('15.00', 'RUB'), Money('115.00', 'RUB'))
    """
    commission = checks.instance("commission", commission, Commission, error=CreditError)
    net = _payment("amount", amount, commission)
    with decimal.localcontext(CONTEXT):
        fee = commission._fee(net.amount)
        gross = net.amount + fee
    cur = commission.currency
    return PaymentQuote(
        net=net,
        fee=Money(fee, cur),
        gross=Money(gross, cur),
        mode=FeeMode.ON_TOP,
        cashback=Money(commission.rounding.round_amount(_ZERO, cur), cur),
    )


def gross_up(commission: Commission, net: Money) -> PaymentQuote:
    """The smallest amount to charge so that the merchant receives at least
    ``net`` after the provider takes its rounded fee from that amount.

    The merchant's share ``g - fee(g)`` never decreases as the charged amount
    ``g`` grows by a minor unit (the fee grows by at most that unit when the
    rate is below 100 %), so the answer is found exactly by a search over
    minor units; one minor unit less always nets less than ``net``.

    >>> q = gross_up(Commission(rate="3.9%", currency="RUB"), Money("10000.00", "RUB"))
    >>> q.gross, q.fee, q.net
    (Money('10405.83', 'RUB'), Money('405.83', 'RUB'), Money('10000.00', 'RUB'))
    """
    commission = checks.instance("commission", commission, Commission, error=CreditError)
    target = _payment("net", net, commission)
    cur = commission.currency
    quantum = commission.rounding.quantum(cur)
    with decimal.localcontext(CONTEXT):
        want = int(target.amount / quantum)

        def nets(units: int) -> int:
            gross = units * quantum
            return int((gross - commission._fee(gross)) / quantum)

        high = max(want, 1)
        while nets(high) < want:
            high *= 2
            if high * quantum >= LIMIT * 2:  # the gross would leave billkit's range
                raise CreditError(
                    "net",
                    net,
                    f"a net whose gross-up at rate {commission.rate} stays below 10**18 "
                    "(docs/limits.md)",
                )
        low = want  # the fee is never negative, so the gross is never below the net
        while low < high:
            mid = (low + high) // 2
            if nets(mid) >= want:
                high = mid
            else:
                low = mid + 1
        gross = low * quantum
        if gross >= LIMIT:
            raise CreditError(
                "net",
                net,
                f"a net whose gross-up at rate {commission.rate} stays below 10**18 "
                "(docs/limits.md)",
            )
        fee = commission._fee(gross)
        received = gross - fee
    return PaymentQuote(
        net=Money(received, cur),
        fee=Money(fee, cur),
        gross=Money(gross, cur),
        mode=FeeMode.GROSS_UP,
        cashback=Money(commission.rounding.round_amount(_ZERO, cur), cur),
    )


def net_settlement(commission: Commission, amount: Money) -> PaymentQuote:
    """The payer pays ``amount``; the provider takes its fee from it and the
    merchant receives the rest (``net = amount - fee``).

    Stripe settles so: a balance transaction's ``net`` is its ``amount``
    less its ``fee``. At its published 2.9 % + 0.30 USD, a 100.00 USD payment
    costs 2.90 + 0.30 = 3.20 and settles 96.80. An amount whose fee would
    take all of it is refused (the merchant would receive nothing or less).

    >>> stripe = Commission(rate="2.9%", fixed=Money("0.30", "USD"))
    >>> q = net_settlement(stripe, Money("100.00", "USD"))
    >>> q.gross, q.fee, q.net, q.mode.value
    (Money('100.00', 'USD'), Money('3.20', 'USD'), Money('96.80', 'USD'), 'net_settlement')
    >>> net_settlement(stripe, Money("0.30", "USD"))
    Traceback (most recent call last):
    ...
    billkit.errors.CreditError: amount = Money('0.30', 'USD'): expected an amount above its fee (0.31): the merchant would receive nothing
    """
    commission = checks.instance("commission", commission, Commission, error=CreditError)
    gross = _payment("amount", amount, commission)
    cur = commission.currency
    with decimal.localcontext(CONTEXT):
        fee = commission._fee(gross.amount)
        received = gross.amount - fee
    if received <= 0:
        raise CreditError(
            "amount",
            gross,
            f"an amount above its fee ({fee}): the merchant would receive nothing",
        )
    return PaymentQuote(
        net=Money(received, cur),
        fee=Money(fee, cur),
        gross=gross,
        mode=FeeMode.NET_SETTLEMENT,
        cashback=Money(commission.rounding.round_amount(_ZERO, cur), cur),
    )


@attrs.frozen(kw_only=True)
class PaymentMethod:
    """A way to pay: its commission (``mode``: on top or gross-up), the amount
    limits of one payment (applied to what the payer pays, commission
    included) and an optional cashback.

    The hosting provider's method: 5 % + 10.00 RUB on top, from 10.00 to
    3 000.00 RUB, 10 % cashback:

    >>> yookassa = PaymentMethod(
    ...     name="yookassa",
    ...     commission=Commission(rate="5%", fixed=Money("10.00", "RUB")),
    ...     min_amount=Money("10.00", "RUB"), max_amount=Money("3000.00", "RUB"),
    ...     cashback=Cashback(rate="10%"),
    ... )
    >>> q = yookassa.quote(Money("20.00", "RUB"))
    >>> q.gross, q.cashback
    (Money('31.00', 'RUB'), Money('3.10', 'RUB'))
    >>> yookassa.quote(Money("2900.00", "RUB"))   # 2 900 + 145 + 10 = 3 055 to pay
    Traceback (most recent call last):
    ...
    billkit.errors.CreditError: amount = Money('3055.00', 'RUB'): expected an amount to pay from 10.00 to 3000.00 RUB: the limits of payment method 'yookassa'
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    name: str = attrs.field(converter=checks.TEXT)
    commission: Commission = attrs.field(converter=checks.INSTANCE)
    mode: FeeMode = attrs.field(default=FeeMode.ON_TOP, converter=checks.MEMBER)
    min_amount: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_LIMIT)
    max_amount: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_LIMIT)
    cashback: Cashback | None = attrs.field(default=None, converter=checks.INSTANCE)

    def __attrs_post_init__(self) -> None:
        cur = self.commission.currency
        for field in ("min_amount", "max_amount"):
            money: Money | None = getattr(self, field)
            if money is not None:
                checks.same_currency(field, money, cur, error=CreditError)
        if (
            self.min_amount is not None
            and self.max_amount is not None
            and self.max_amount.amount < self.min_amount.amount
        ):
            raise CreditError(
                "max_amount", self.max_amount, f"at least min_amount ({self.min_amount.amount})"
            )

    @property
    def currency(self) -> Currency:
        """The currency the method pays in."""
        return self.commission.currency

    @property
    def has_limits(self) -> bool:
        """Whether the method limits the amount of one payment."""
        return self.min_amount is not None or self.max_amount is not None

    def within_limits(self, gross: Money) -> bool:
        """Whether a payment of ``gross`` is within the method's limits."""
        amount = checks.same_currency("amount", gross, self.currency, error=CreditError).amount
        if self.min_amount is not None and amount < self.min_amount.amount:
            return False
        return self.max_amount is None or amount <= self.max_amount.amount

    def _limits_text(self) -> str:
        low = f"from {self.min_amount.amount} " if self.min_amount is not None else ""
        high = f"to {self.max_amount.amount} " if self.max_amount is not None else ""
        return f"an amount to pay {low}{high}{self.currency.code}"

    def price(self, amount: Money) -> PaymentQuote:
        """The payment that credits ``amount``, without checking the limits.

        Under a net settlement the payer pays ``amount`` and the merchant
        receives it less the fee:

        >>> card = PaymentMethod(name="card", mode="net_settlement",
        ...                      commission=Commission(rate="2.9%", fixed=Money("0.30", "USD")))
        >>> q = card.price(Money("100.00", "USD"))
        >>> q.gross, q.net
        (Money('100.00', 'USD'), Money('96.80', 'USD'))
        """
        if self.mode is FeeMode.ON_TOP:
            quote = fee_on_top(self.commission, amount)
        elif self.mode is FeeMode.GROSS_UP:
            quote = gross_up(self.commission, amount)
        else:
            quote = net_settlement(self.commission, amount)
        if self.cashback is None:
            return quote
        base = quote.gross if self.cashback.base is CashbackBase.GROSS else quote.net
        return attrs.evolve(quote, cashback=self.cashback.amount(base))

    def quote(self, amount: Money) -> PaymentQuote:
        """The payment that credits ``amount`` to the balance: what the payer
        pays, the fee and the cashback; refused outside the method's limits."""
        quote = self.price(amount)
        if not self.within_limits(quote.gross):
            raise CreditError(
                "amount",
                quote.gross,
                f"{self._limits_text()}: the limits of payment method {self.name!r}",
            )
        return quote
