"""Wallets: one balance of a customer in one currency, and the order charges spend it.

>>> Wallet(name="tracking", currency="RUB").order.kinds[0]
<CreditKind.PROMOTIONAL: 'promotional'>
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import ClassVar, Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit.credit_line import CreditLine
from billkit.credit.entries import CreditKind
from billkit.errors import CreditError, ValidationError

__all__ = ["DEFAULT_ORDER", "ConsumptionOrder", "LotOrder", "Wallet"]

_ZERO: Final = Decimal(0)


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


def _kinds(value: object) -> tuple[CreditKind, ...]:
    """Every CreditKind once, in the order to spend them (members or their values)."""
    items = checks.tuple_of("kinds", value, str, error=CreditError)  # CreditKind is a str
    kinds = tuple(
        checks.member(f"kinds[{i}]", item, CreditKind, error=CreditError)
        for i, item in enumerate(items)
    )
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

    _error_class: ClassVar[type[ValidationError]] = CreditError

    kinds: tuple[CreditKind, ...] = attrs.field(
        default=(
            CreditKind.PROMOTIONAL,
            CreditKind.BONUS,
            CreditKind.PAID,
            CreditKind.REFUNDABLE,
        ),
        converter=_kinds,
    )
    lots: LotOrder = attrs.field(default=LotOrder.EXPIRING_FIRST, converter=checks.MEMBER)


DEFAULT_ORDER: Final = ConsumptionOrder()
"""Promotional, bonus, paid, refundable; the lot expiring soonest, then the oldest.

>>> Wallet(name="main", currency="RUB").order == DEFAULT_ORDER
True
"""


@attrs.frozen(kw_only=True)
class Wallet:
    """One balance of a customer, in one currency.

    ``credit`` is an optional :class:`~billkit.credit.CreditLine` that lets the
    wallet buy on credit up to its limit; ``order`` is how charges consume the
    wallet's credit.

    >>> Wallet(name="tracking", currency="RUB").currency.code
    'RUB'
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    name: str = attrs.field(converter=checks.TEXT)
    currency: Currency = attrs.field(converter=checks.CURRENCY)
    credit: CreditLine | None = attrs.field(default=None, converter=checks.INSTANCE)
    order: ConsumptionOrder = attrs.field(default=DEFAULT_ORDER, converter=checks.INSTANCE)

    def __attrs_post_init__(self) -> None:
        if self.credit is not None:
            checks.same_currency(
                "credit.limit", self.credit.limit, self.currency, error=CreditError
            )

    @property
    def credit_limit(self) -> Money:
        """The credit limit, or zero without a credit line."""
        return self.credit.limit if self.credit is not None else Money(_ZERO, self.currency)
