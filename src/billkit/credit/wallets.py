"""Wallets: one balance of a customer in one currency, and the order charges spend it.

>>> Wallet(name="tracking", currency="RUB").order.kinds[0]
<CreditKind.PROMOTIONAL: 'promotional'>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final

import attrs
from moneyed import Currency, Money

from billkit.credit import _common as c
from billkit.credit.credit_line import CreditLine
from billkit.credit.entries import CreditKind, _enum, _to_credit_kind
from billkit.errors import (
    CreditError,
    CurrencyMismatchError,
)

__all__ = ["DEFAULT_ORDER", "ConsumptionOrder", "LotOrder", "Wallet"]

_ZERO: Final = c.ZERO


class LotOrder(str, enum.Enum):
    """Which lot of one credit kind a charge consumes first.

    ``EXPIRING_FIRST`` (the default) takes the lot expiring soonest, then the
    oldest: plain FIFO when nothing expires. ``FIFO`` takes the oldest,
    ``LIFO`` the newest.

    >>> LotOrder("fifo") is LotOrder.FIFO
    True
    """

    EXPIRING_FIRST = "expiring_first"
    FIFO = "fifo"
    LIFO = "lifo"


def _to_lot_order(value: object) -> LotOrder:
    return _enum(LotOrder, "lots", value)


def _kinds(value: object) -> tuple[CreditKind, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise CreditError("kinds", value, "a sequence of every CreditKind, in the order to use")
    kinds = tuple(_to_credit_kind(v) for v in value)
    if sorted(k.value for k in kinds) != sorted(k.value for k in CreditKind):
        raise CreditError(
            "kinds",
            value,
            "each of 'paid', 'bonus', 'promotional', 'refundable' exactly once "
            "(every credit must be spendable in some order)",
        )
    return kinds


@attrs.frozen(kw_only=True)
class ConsumptionOrder:
    """The order in which a charge consumes a wallet's credit.

    ``kinds`` lists every :class:`CreditKind`, first used first; ``lots``
    orders the lots of one kind. The default spends promotional money, then
    bonus, then paid, then refundable money (what the customer could take
    back is kept longest), and within a kind the lot expiring soonest first,
    otherwise the oldest.

    >>> ConsumptionOrder(kinds=["paid", "bonus", "promotional", "refundable"], lots="fifo").kinds[0]
    <CreditKind.PAID: 'paid'>
    """

    kinds: tuple[CreditKind, ...] = attrs.field(
        default=(
            CreditKind.PROMOTIONAL,
            CreditKind.BONUS,
            CreditKind.PAID,
            CreditKind.REFUNDABLE,
        ),
        converter=_kinds,
    )
    lots: LotOrder = attrs.field(default=LotOrder.EXPIRING_FIRST, converter=_to_lot_order)


DEFAULT_ORDER: Final = ConsumptionOrder()
"""Promotional, bonus, paid, refundable; the lot expiring soonest, then the oldest.

>>> Wallet(name="main", currency="RUB").order == DEFAULT_ORDER
True
"""


def _name(value: object) -> str:
    return c.text("name", value, required=True)


def _wallet_currency(value: object) -> Currency:
    return c.currency("currency", value)


def _credit_line(value: object) -> CreditLine | None:
    if value is not None and not isinstance(value, CreditLine):
        raise CreditError("credit", value, "a CreditLine or None")
    return value


def _order(value: object) -> ConsumptionOrder:
    if not isinstance(value, ConsumptionOrder):
        raise CreditError("order", value, "a ConsumptionOrder")
    return value


@attrs.frozen(kw_only=True)
class Wallet:
    """One balance of a customer, in one currency.

    ``credit`` is an optional :class:`~billkit.credit.CreditLine` that lets the
    wallet buy on credit up to its limit; ``order`` is how charges consume the
    wallet's credit.

    >>> Wallet(name="tracking", currency="RUB").currency.code
    'RUB'
    """

    name: str = attrs.field(converter=_name)
    currency: Currency = attrs.field(converter=_wallet_currency)
    credit: CreditLine | None = attrs.field(default=None, converter=_credit_line)
    order: ConsumptionOrder = attrs.field(default=DEFAULT_ORDER, converter=_order)

    def __attrs_post_init__(self) -> None:
        if self.credit is not None and self.credit.currency != self.currency:
            raise CurrencyMismatchError(
                "credit.limit", self.credit.limit, f"an amount in {self.currency.code}"
            )

    @property
    def credit_limit(self) -> Money:
        """The credit limit, or zero without a credit line."""
        return self.credit.limit if self.credit is not None else Money(_ZERO, self.currency)
