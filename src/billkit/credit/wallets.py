"""Wallets: one balance of a customer in one currency, and the order charges spend it.

A customer may hold several wallets; each has a ``priority`` (lower first)
and may be limited to some fee types (a wallet usable only for usage
charges). :func:`split_across_wallets` splits what a document asks for,
fee type by fee type, across the wallets that may pay it, as Lago's
``AllocatePrepaidCreditsByWalletsService`` does.

>>> Wallet(name="tracking", currency="RUB").order.kinds[0]
<CreditKind.PROMOTIONAL: 'promotional'>
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import ClassVar, Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit.credit_line import CreditLine
from billkit.credit.entries import CreditKind
from billkit.errors import CreditError, ValidationError
from billkit.money import CONTEXT

__all__ = [
    "DEFAULT_ORDER",
    "ConsumptionOrder",
    "LotOrder",
    "Wallet",
    "WalletShare",
    "WalletSplit",
    "split_across_wallets",
]

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


DEFAULT_PRIORITY: Final = 50
"""A wallet's priority unless told otherwise (Lago's default; lower pays first)."""

_OMIT_IF_DEFAULT: Final = "billkit.serialize.omit_if_default"


def _fee_types(value: object) -> tuple[str, ...]:
    items = checks.tuple_of("fee_types", value, str, error=CreditError)
    types = tuple(checks.text(f"fee_types[{i}]", t, error=CreditError) for i, t in enumerate(items))
    if len(set(types)) != len(types):
        raise CreditError("fee_types", value, "each fee type once")
    return types


@attrs.frozen(kw_only=True)
class Wallet:
    """One balance of a customer, in one currency.

    ``credit`` is an optional :class:`~billkit.credit.CreditLine` that lets the
    wallet buy on credit up to its limit; ``order`` is how charges consume the
    wallet's credit.

    ``priority`` orders a customer's wallets when a document is split across
    them (:func:`split_across_wallets`): the lowest number pays first (Lago:
    1 to 50, 50 by default). ``fee_types``, when given, are the only fee
    types the wallet may pay (Lago's ``allowed_fee_types``, such as
    ``("charge",)`` for usage only); empty, it pays any.

    >>> Wallet(name="tracking", currency="RUB").currency.code
    'RUB'
    >>> usage_only = Wallet(name="usage", currency="EUR", priority=10, fee_types=["usage"])
    >>> usage_only.pays("usage"), usage_only.pays("subscription")
    (True, False)
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    name: str = attrs.field(converter=checks.TEXT)
    currency: Currency = attrs.field(converter=checks.CURRENCY)
    credit: CreditLine | None = attrs.field(default=None, converter=checks.INSTANCE)
    order: ConsumptionOrder = attrs.field(default=DEFAULT_ORDER, converter=checks.INSTANCE)
    # Added later: saved data leaves them out while they hold their defaults.
    priority: int = attrs.field(
        default=DEFAULT_PRIORITY,
        converter=checks.WHOLE,
        metadata={**checks.options(low=1), _OMIT_IF_DEFAULT: True},
    )
    fee_types: tuple[str, ...] = attrs.field(
        default=(), converter=_fee_types, metadata={_OMIT_IF_DEFAULT: True}
    )

    def pays(self, fee_type: str) -> bool:
        """Whether the wallet may pay a fee of ``fee_type`` (any, without ``fee_types``)."""
        return not self.fee_types or fee_type in self.fee_types

    def __attrs_post_init__(self) -> None:
        if self.credit is not None:
            checks.same_currency(
                "credit.limit", self.credit.limit, self.currency, error=CreditError
            )

    @property
    def credit_limit(self) -> Money:
        """The credit limit, or zero without a credit line."""
        return self.credit.limit if self.credit is not None else Money(_ZERO, self.currency)


@attrs.frozen(kw_only=True)
class WalletShare:
    """``amount`` of the fees of ``fee_type`` paid from ``wallet``.

    >>> print(WalletShare(wallet="usage", fee_type="charge", amount=Money("5.00", "EUR")))
    usage pays 5.00 EUR of charge
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    wallet: str = attrs.field(converter=checks.TEXT)
    fee_type: str = attrs.field(converter=checks.TEXT)
    amount: Money = attrs.field(converter=checks.MONEY, metadata=checks.options(sign="above_zero"))

    def __str__(self) -> str:
        return f"{self.wallet} pays {self.amount.amount} {self.amount.currency.code} of {self.fee_type}"


@attrs.frozen(kw_only=True)
class WalletSplit:
    """How a document's fees were split across wallets: the ``shares`` in
    the order they were taken, and what ``remaining`` is due of each fee
    type (every fee type asked for, zero when paid in full).

    >>> eur = lambda amount: Money(amount, "EUR")
    >>> split = WalletSplit(
    ...     shares=[WalletShare(wallet="main", fee_type="charge", amount=eur("4.00"))],
    ...     remaining=[("charge", eur("1.00"))],
    ... )
    >>> split.applied, split.due, split.by_wallet()
    (Money('4.00', 'EUR'), Money('1.00', 'EUR'), {'main': Money('4.00', 'EUR')})
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    shares: tuple[WalletShare, ...] = attrs.field(converter=checks.TUPLE)
    remaining: tuple[tuple[str, Money], ...] = attrs.field(converter=checks.TUPLE)

    def __attrs_post_init__(self) -> None:
        if not self.remaining:
            raise CreditError("remaining", self.remaining, "at least one fee type")
        for i, share in enumerate(self.shares):
            checks.instance(f"shares[{i}]", share, WalletShare, error=CreditError)
        currency = self.remaining[0][1].currency
        for share in self.shares:
            checks.same_currency("shares", share.amount, currency, error=CreditError)

    @property
    def currency(self) -> Currency:
        """The currency of the fees."""
        return self.remaining[0][1].currency

    @property
    def applied(self) -> Money:
        """What the wallets pay in all."""
        with decimal.localcontext(CONTEXT):
            return Money(sum((s.amount.amount for s in self.shares), _ZERO), self.currency)

    @property
    def due(self) -> Money:
        """What is still due in all, after the wallets."""
        with decimal.localcontext(CONTEXT):
            return Money(sum((m.amount for _, m in self.remaining), _ZERO), self.currency)

    def by_wallet(self) -> dict[str, Money]:
        """What each wallet pays, in the order the wallets paid."""
        out: dict[str, Decimal] = {}
        with decimal.localcontext(CONTEXT):
            for share in self.shares:
                out[share.wallet] = out.get(share.wallet, _ZERO) + share.amount.amount
        return {name: Money(amount, self.currency) for name, amount in out.items()}


def _fee_amounts(fees: object) -> list[tuple[str, Money]]:
    items = list(fees.items()) if isinstance(fees, Mapping) else fees
    if not isinstance(items, Iterable) or isinstance(items, (str, bytes)):
        raise CreditError("fees", fees, "fee types with their amounts, e.g. {'charge': '5.00'}")
    out: list[tuple[str, Money]] = []
    for i, pair in enumerate(items):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise CreditError(f"fees[{i}]", pair, "a (fee type, amount) pair")
        fee_type = checks.text(f"fees[{i}]", pair[0], error=CreditError)
        if any(fee_type == seen for seen, _ in out):
            raise CreditError(f"fees[{i}]", fee_type, "each fee type once")
        currency = out[0][1].currency if out else None
        amount = checks.money(
            f"fees[{fee_type!r}]", pair[1], currency, sign="zero_or_more", error=CreditError
        )
        out.append((fee_type, amount))
    if not out:
        raise CreditError("fees", fees, "at least one fee type")
    return out


def split_across_wallets(
    fees: Mapping[str, Money] | Iterable[tuple[str, Money]],
    wallets: Iterable[tuple[Wallet, Money]],
) -> WalletSplit:
    """Split ``fees`` (amount due by fee type) across ``wallets`` (each with
    the balance it may spend), by priority and fee-type limits.

    Lago's rule (``Credits::AllocatePrepaidCreditsByWalletsService``): the
    wallets pay in priority order (lowest number first; equal priorities in
    the order given), each taking, fee type by fee type from the largest
    amount due to the smallest, what it may pay of what is left, until its
    balance is spent. Wallets in another currency than the fees, and
    wallets with nothing to spend, pay nothing. The split is exact: every
    fee type's shares plus what remains of it make its amount.

    Lago's spec "splits across all wallets honoring fee_type restrictions":
    a subscription fee of 36.00 and a usage (``charge``) fee of 15.50, six
    wallets of 10.00 each (three at priority 49, three at 50; of each
    three, one unrestricted, one for charges only, one for subscriptions
    only):

    >>> eur = lambda amount: Money(amount, "EUR")
    >>> wallets = [(Wallet(name=n, currency="EUR", priority=p, fee_types=t), eur("10.00"))
    ...            for n, p, t in [("normal", 50, ()), ("priority", 49, ()),
    ...                            ("charge", 50, ["charge"]), ("priority charge", 49, ["charge"]),
    ...                            ("subscription", 50, ["subscription"]),
    ...                            ("priority subscription", 49, ["subscription"])]]
    >>> split = split_across_wallets({"subscription": eur("36.00"), "charge": eur("15.50")}, wallets)
    >>> for share in split.shares:
    ...     print(share)
    priority pays 10.00 EUR of subscription
    priority charge pays 10.00 EUR of charge
    priority subscription pays 10.00 EUR of subscription
    normal pays 10.00 EUR of subscription
    charge pays 5.50 EUR of charge
    subscription pays 6.00 EUR of subscription
    >>> split.due
    Money('0.00', 'EUR')
    """
    due = _fee_amounts(fees)
    currency = due[0][1].currency
    pairs = []
    for i, pair in enumerate(wallets):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise CreditError(f"wallets[{i}]", pair, "a (Wallet, balance) pair")
        wallet = checks.instance(f"wallets[{i}]", pair[0], Wallet, error=CreditError)
        balance = checks.money(f"wallets[{i}] balance", pair[1], wallet.currency, error=CreditError)
        pairs.append((wallet, balance))
    names = [w.name for w, _ in pairs]
    if len(set(names)) != len(names):
        raise CreditError("wallets", names, "each wallet once")
    left = {fee_type: amount.amount for fee_type, amount in due}
    # The largest amount due first; equal amounts in the order given (Lago sorts by -amount).
    order = sorted(range(len(due)), key=lambda i: -due[i][1].amount)
    shares: list[WalletShare] = []
    with decimal.localcontext(CONTEXT):
        for wallet, balance in sorted(pairs, key=lambda pair: pair[0].priority):
            if wallet.currency != currency or balance.amount <= 0:
                continue
            spendable = balance.amount
            for i in order:
                fee_type = due[i][0]
                if spendable <= 0:
                    break
                if left[fee_type] <= 0 or not wallet.pays(fee_type):
                    continue
                take = min(left[fee_type], spendable)
                left[fee_type] -= take
                spendable -= take
                shares.append(
                    WalletShare(wallet=wallet.name, fee_type=fee_type, amount=Money(take, currency))
                )
    return WalletSplit(
        shares=shares,
        remaining=[(fee_type, Money(left[fee_type], currency)) for fee_type, _ in due],
    )
