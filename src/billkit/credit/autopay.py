"""Automatic top-ups: when to top up, by how much, and the suggested monthly cap.

The hosting provider's autopayment: when the
balance will not cover the next charges, top up by enough for a month, never
above the monthly maximum the customer set; the suggested maximum is the
forecast monthly spend plus a 10 % margin (the provider's own screen: a
forecast of up to 620.00 RUB a month suggests 682.00).

>>> from billkit.money import Money
>>> suggested_monthly_maximum(Money("620.00", "RUB"))
Money('682.00', 'RUB')
>>> settings = AutopaySettings(currency="RUB", monthly_max=Money("682.00", "RUB"))
>>> decision = decide_autopay(settings, balance=Money("40.00", "RUB"),
...     next_charges=Money("60.00", "RUB"), monthly_spend=Money("620.00", "RUB"),
...     paid_this_month=Money("0.00", "RUB"))
>>> decision.reason.value, decision.amount        # 620 for the month - 40 on the balance
('top_up', Money('580.00', 'RUB'))
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal
from typing import ClassVar, Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit.commission import PaymentMethod
from billkit.errors import CreditError, ValidationError
from billkit.money import CONTEXT, DEFAULT_ROUNDING, RoundingMode, RoundingPolicy, to_rate

__all__ = [
    "AutopayDecision",
    "AutopayReason",
    "AutopaySettings",
    "decide_autopay",
    "suggested_monthly_maximum",
]

_ZERO: Final = Decimal(0)
_UP: Final = RoundingPolicy(mode=RoundingMode.CEILING)


@attrs.frozen(kw_only=True)
class AutopaySettings:
    """What the customer set up: the most autopayments may charge in a
    calendar month (``None``: no cap) and the saved payment ``method`` (its
    commission and limits; ``None``: charged as is).

    Following the hosting provider, a method with amount limits needs a
    monthly maximum (without one, a month's top-up could exceed the method's
    limit):

    >>> from billkit.credit import Commission, PaymentMethod
    >>> card = PaymentMethod(name="card", commission=Commission(currency="RUB"),
    ...                      max_amount=Money("3000.00", "RUB"))
    >>> AutopaySettings(currency="RUB", method=card)
    Traceback (most recent call last):
    ...
    billkit.errors.CreditError: monthly_max = None: expected a monthly maximum: payment method 'card' limits the amount of a payment
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    currency: Currency = attrs.field(converter=checks.CURRENCY)
    monthly_max: Money | None = attrs.field(
        default=None, converter=checks.MONEY, metadata=checks.options(sign="above_zero")
    )
    method: PaymentMethod | None = attrs.field(default=None, converter=checks.INSTANCE)

    def __attrs_post_init__(self) -> None:
        if self.monthly_max is not None:
            checks.same_currency("monthly_max", self.monthly_max, self.currency, error=CreditError)
            checks.whole_minor_units(
                "monthly_max", self.monthly_max, DEFAULT_ROUNDING, error=CreditError
            )
        if self.method is not None:
            if self.method.currency != self.currency:
                raise CreditError(
                    "method", self.method.name, f"a payment method in {self.currency.code}"
                )
            if self.monthly_max is None and self.method.has_limits:
                raise CreditError(
                    "monthly_max",
                    None,
                    f"a monthly maximum: payment method {self.method.name!r} limits the amount "
                    "of a payment",
                )


class AutopayReason(str, enum.Enum):
    """Why :func:`decide_autopay` decided as it did.

    * ``NOT_NEEDED``: the balance covers the next charges;
    * ``TOP_UP``: a month's worth is topped up;
    * ``CAPPED``: less than a month's worth, held back by the monthly maximum
      or the method's largest payment;
    * ``LIMIT_REACHED``: nothing can be paid (the monthly maximum is used up,
      or what is left of it is below the method's smallest payment).

    >>> AutopayReason("limit_reached") is AutopayReason.LIMIT_REACHED
    True
    """

    NOT_NEEDED = "not_needed"
    TOP_UP = "top_up"
    CAPPED = "capped"
    LIMIT_REACHED = "limit_reached"


@attrs.frozen(kw_only=True)
class AutopayDecision:
    """What to do now: credit ``amount`` to the balance by charging ``pay``
    (``amount`` plus ``fee``) to the saved method. ``needed`` is what a full
    month called for; ``covers_next`` whether the next charges will be covered.

    >>> settings = AutopaySettings(currency="EUR")
    >>> d: AutopayDecision = decide_autopay(settings, balance=Money("5.00", "EUR"),
    ...     next_charges=Money("1.00", "EUR"), monthly_spend=Money("30.00", "EUR"))
    >>> d.top_up, d.reason.value
    (False, 'not_needed')
    """

    reason: AutopayReason
    amount: Money
    pay: Money
    fee: Money
    needed: Money
    covers_next: bool

    @property
    def top_up(self) -> bool:
        """Whether to make a payment now."""
        return bool(self.pay.amount)


def _search(low: int, high: int, ok: Callable[[int], bool]) -> int | None:
    """The smallest ``n`` in ``low..high`` with ``ok(n)``, for a monotone ``ok``."""
    if low > high or not ok(high):
        return None
    while low < high:
        mid = (low + high) // 2
        if ok(mid):
            high = mid
        else:
            low = mid + 1
    return low


def decide_autopay(
    settings: AutopaySettings,
    *,
    balance: Money,
    next_charges: Money,
    monthly_spend: Money,
    paid_this_month: Money | None = None,
) -> AutopayDecision:
    """Whether and how much to top up automatically now.

    When ``balance`` is below ``next_charges`` (what falls due before the next
    check), top up enough for the larger of a month's forecast spend and the
    next charges, rounded up to the minor unit; raised to the method's
    smallest payment if needed; then held to the method's largest payment and
    to what is left of the monthly maximum after ``paid_this_month``
    (autopayments charged this calendar month, commission included).

    >>> settings = AutopaySettings(currency="RUB", monthly_max=Money("682.00", "RUB"))
    >>> d = decide_autopay(settings, balance=Money("10.00", "RUB"),
    ...     next_charges=Money("60.00", "RUB"), monthly_spend=Money("620.00", "RUB"),
    ...     paid_this_month=Money("500.00", "RUB"))
    >>> d.reason.value, d.amount, d.covers_next      # only 182.00 of the cap is left
    ('capped', Money('182.00', 'RUB'), True)
    """
    checks.instance("settings", settings, AutopaySettings, error=CreditError)
    cur = settings.currency
    held = checks.money("balance", balance, cur, error=CreditError)
    due = checks.money("next_charges", next_charges, cur, error=CreditError)
    month = checks.money("monthly_spend", monthly_spend, cur, error=CreditError)
    for field, money in (("next_charges", due), ("monthly_spend", month)):
        if money.amount < 0:
            raise CreditError(field, money, "an amount of zero or more")
    spent = (
        checks.money("paid_this_month", paid_this_month, cur, error=CreditError)
        if paid_this_month is not None
        else None
    )
    if spent is not None and spent.amount < 0:
        raise CreditError("paid_this_month", spent, "an amount of zero or more")
    if settings.monthly_max is not None and spent is None:
        raise CreditError(
            "paid_this_month", None, "what autopayments charged this month (there is a maximum)"
        )
    method = settings.method
    quantum = DEFAULT_ROUNDING.quantum(cur)
    zero = Money(DEFAULT_ROUNDING.round_amount(_ZERO, cur), cur)

    def gross(units: int) -> Decimal:
        if method is None or units == 0:
            return units * quantum
        return method.price(Money(units * quantum, cur)).gross.amount

    with decimal.localcontext(CONTEXT):
        if held.amount >= due.amount:
            return AutopayDecision(
                reason=AutopayReason.NOT_NEEDED,
                amount=zero,
                pay=zero,
                fee=zero,
                needed=zero,
                covers_next=True,
            )
        target = max(month.amount, due.amount)
        needed = int((target - held.amount).quantize(quantum, rounding=ROUND_CEILING) / quantum)
        units = needed
        if method is not None and method.min_amount is not None:
            floor = method.min_amount.amount
            if gross(units) < floor:
                raised = _search(units, int(floor / quantum) + 1, lambda n: gross(n) >= floor)
                units = raised if raised is not None else units
        caps = []
        if method is not None and method.max_amount is not None:
            caps.append(method.max_amount.amount)
        if settings.monthly_max is not None and spent is not None:
            caps.append(settings.monthly_max.amount - spent.amount)
        reason = AutopayReason.TOP_UP
        if caps and gross(units) > min(caps):
            cap = min(caps)
            reason = AutopayReason.CAPPED
            # The largest payment within the cap: the smallest n whose successor exceeds it.
            top = int(max(cap, _ZERO) / quantum)
            over = _search(1, top + 1, lambda n: gross(n) > cap)
            units = (over - 1) if over is not None else top
            floor = method.min_amount.amount if method and method.min_amount else _ZERO
            if units <= 0 or gross(units) < floor:
                units = 0
                reason = AutopayReason.LIMIT_REACHED
        amount = units * quantum
        pay = gross(units)
        return AutopayDecision(
            reason=reason,
            amount=Money(amount, cur),
            pay=Money(pay, cur),
            fee=Money(pay - amount, cur),
            needed=Money(needed * quantum, cur),
            covers_next=held.amount + amount >= due.amount,
        )


def suggested_monthly_maximum(forecast: Money, *, margin: Decimal | str = "10%") -> Money:
    """The monthly maximum to suggest: the forecast monthly spend plus
    ``margin``, rounded up to the minor unit (never below forecast + margin).

    >>> suggested_monthly_maximum(Money("60.05", "RUB"))   # 66.055 -> 66.06
    Money('66.06', 'RUB')
    """
    money = checks.money("forecast", forecast, sign="zero_or_more", error=CreditError)
    rate = to_rate(margin, "margin")
    with decimal.localcontext(CONTEXT):
        return _UP.round(Money(money.amount * (1 + rate), money.currency))
